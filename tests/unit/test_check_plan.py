"""Which reports an incremental checks run re-checks, and how they are batched."""

from datetime import datetime, timedelta

from pipelines.quality.plan import IndexRow, batches, to_check

T0 = datetime(2026, 3, 1)


def row(rid: str, agency: str | None, year: int | None, extracted: datetime = T0,
        checked: datetime | None = T0 + timedelta(hours=1)) -> IndexRow:
    return IndexRow(rid, "annual_report", agency, "county", "320813", year, extracted, checked)


INDEX = [
    row("a21", "洪泽区人民政府", 2021), row("a22", "洪泽区人民政府", 2022), row("a23", "洪泽区人民政府", 2023),
    row("a24", "洪泽区人民政府", 2024), row("b23", "淮安市人民政府", 2023), row("x", None, None),
]


def test_nothing_new_nothing_checked():
    assert to_check(INDEX, {}, everything=False) == set()


def test_a_new_report_brings_its_same_year_and_next_year_neighbours_only():
    new = row("a23b", "洪泽区人民政府", 2023, checked=None)
    assert to_check(INDEX + [new], {}, everything=False) == {"a23b", "a23", "a24"}


def test_a_re_extracted_report_is_checked_again():
    redone = row("b23", "淮安市人民政府", 2023, extracted=T0 + timedelta(days=1))
    assert to_check([r for r in INDEX if r.report_id != "b23"] + [redone], {}, everything=False) == {"b23"}


def test_aliases_join_renamed_agencies():
    renamed = row("c24", "洪泽县人民政府", 2024, checked=None)
    old_key = renamed.key({})
    new_key = INDEX[0].key({})
    assert to_check(INDEX + [renamed], {old_key: new_key}, everything=False) == {"c24", "a24"}
    assert to_check(INDEX + [renamed], {}, everything=False) == {"c24"}


def test_everything_when_the_rules_changed():
    assert to_check(INDEX, {}, everything=True) == {r.report_id for r in INDEX}


def test_batches_keep_an_agency_together_and_carry_its_other_years_as_context():
    out = batches(INDEX, {"a23", "a24", "b23", "x"}, {}, size=2)
    assert [sorted(b.check) for b in out] == [["a23", "a24"], ["b23", "x"]]
    assert sorted(out[0].context) == ["a21", "a22"]
    assert out[1].context == []
    assert sorted(r for b in out for r in b.check) == ["a23", "a24", "b23", "x"]


def test_checks_in_worker_processes_equal_checks_in_process(corpus_dir):
    from pipelines.extract.files import extract_file
    from pipelines.quality.data import from_record
    from pipelines.quality.parallel import check_all

    files = sorted((corpus_dir / "samples").glob("*.txt")) + sorted((corpus_dir / "pdf").glob("*.pdf"))
    reports = [from_record(extract_file(f)) for f in files]
    work = [([r.report_id], [r]) for r in reports]

    def summary(results):
        return sorted((ids[0], [(v.status, v.reason) for v in o.verdicts],
                       sorted((x.rule_id, x.scope, x.status) for x in o.results)) for ids, o in results)

    in_process = summary(check_all(work, {}, workers=1))
    in_workers = summary(check_all(work, {}, workers=2))
    assert in_workers == in_process
    assert len(in_process) == len(files) and any(v[0][0] == "quarantined" for _, v, _ in in_process)
