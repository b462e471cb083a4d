"""Which reports an incremental checks run re-checks, and how they are batched."""

from dataclasses import replace
from datetime import datetime, timedelta, timezone

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


def test_checks_in_worker_processes_equal_checks_in_process(corpus_dir, tmp_path):
    import duckdb
    import polars as pl

    from pipelines.extract.files import extract_file
    from pipelines.quality.data import from_record
    from pipelines.quality.parallel import check_batches, check_loaded
    from pipelines.quality.plan import Batch
    from pipelines.quality.decide import decide
    from pipelines.quality.suites import rules
    from conftest import load_records
    from pipelines.storage.warehouse import ensure_schema

    files = sorted((corpus_dir / "samples").glob("*.txt")) + sorted((corpus_dir / "pdf").glob("*.pdf"))
    records = [extract_file(f) for f in files]
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as conn:
        ensure_schema(conn)
        load_records(conn, records, T0)
    work = [Batch([r.report_id], []) for r in records]
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    for i, r in enumerate(records):
        check_loaded([from_record(r)], [r.report_id], {}, serial, f"{i:06d}", T0)
    summaries = list(check_batches(str(warehouse), work, {}, parallel, T0, workers=2))
    assert sum(s.reports for s in summaries) == len(files)

    def rows(directory, table):
        return pl.read_parquet(directory / table / "*.parquet").sort(pl.all()).rows()

    for table in ("residuals", "checked"):
        assert rows(parallel, table) == rows(serial, table)
    with duckdb.connect(str(warehouse)) as conn:
        first = decide(conn, parallel, list(rules()), tmp_path, T0)
        assert first.verdicts["quarantined"] and first.results  # GX validated, results stored
        decide(conn, parallel, list(rules()), tmp_path, T0)  # deciding again replaces, never duplicates
        assert conn.execute("select count(*) from report_quality").fetchone()[0] == len(files)
        # the same results, verdicts and suspects as checking the records in Python (nianbao check's path)
        from pipelines.quality.run import check_reports

        outcome = check_reports([from_record(r) for r in records])
        assert sorted(conn.execute("select * exclude (checked_at) from report_quality").fetchall()) == sorted(
            (v.report_id, v.status, v.hard_failures, v.soft_warnings, v.not_assessable, v.reason, v.notes)
            for v in outcome.verdicts)
        assert sorted(conn.execute("select * from check_results").fetchall(), key=str) == sorted(
            ((r.report_id, r.rule_id, r.severity, r.status, r.scope, r.expected, r.observed, r.difference, r.message)
             for r in outcome.results), key=str)
        assert conn.execute("select count(*) from suspect_cells").fetchone()[0] == len(outcome.suspects)


def test_a_report_whose_place_among_the_versions_changed_is_checked_again_with_its_neighbours():
    # a23 became superseded or left a conflict (a withdrawal, a replacement) after it was last checked
    moved = IndexRow("a23", "annual_report", "洪泽区人民政府", "county", "320813", 2023, T0, T0 + timedelta(hours=1),
                     T0 + timedelta(hours=2))
    assert to_check([r for r in INDEX if r.report_id != "a23"] + [moved], {}, everything=False) == {"a23", "a24"}
    settled = replace(moved, versioned_at=T0 + timedelta(hours=1))  # checked at the moment it moved
    assert to_check([r for r in INDEX if r.report_id != "a23"] + [settled], {}, everything=False) == set()


def test_a_suites_residual_table_read_through_parquet_is_the_frame_duckdb_gives(tmp_path):
    """decide._wide writes GX's table to Parquet (gx.residual_frame reads it where GX runs), from check_gx (the rows in the order of the parts):
    the same values as a part's rows selected from chk_residuals by DuckDB's .df() for the table's
    types (residual: double), NaN where an instance is not the column's rule or not assessable, a column of no
    instance, and an empty part as .df() gives it; report and scope as categories of the same strings."""
    import duckdb
    import pandas as pd

    from pipelines.quality.decide import _gx_table, _wide
    from pipelines.quality.gx import by_suite, residual_frame
    from pipelines.quality.suites import rules

    suite = by_suite(list(rules()))["report_cells"]
    ids = [r.id for r in suite]
    with duckdb.connect() as conn:
        conn.execute("""create temp table chk_residuals as
                        select 'r' || (i // 7) || repeat('0', 60) as report_id, ? [i % 5 + 1] as rule_id,
                               't3.' || i as scope, case when i % 5 = 0 then null else i * 0.5 - 3 end::double
                               as residual,
                               i % 3 <> 0 as assessable
                        from range(120) t(i)""", [ids])  # the suite's later rules: all NaN
        conn.execute("""create temp table check_parts as  -- 7 reports a part
                        select 'r' || k || repeat('0', 60) as report_id, (k // 7)::integer as part from range(18) t(k)""")
        columns = ", ".join(f"case when rule_id = '{r}' and assessable then residual end as \"{r}\"" for r in ids)
        _gx_table(conn)
        for part in (0, 2, 9):  # 9: no rows
            query = f"""select rowid as row, left(report_id, 16) as report, scope, {columns}
                        from chk_residuals where rule_id in (select unnest(?::varchar[]))
                        and report_id in (select report_id from check_parts where part = ?) order by row"""
            expected = conn.execute(query, [ids, part]).df()
            got = _wide(conn, suite, part, tmp_path / f"{part}.parquet")
            if part != 9:  # a Parquet file, made a pandas frame where GX runs (gx.validate_tables)
                assert got == tmp_path / f"{part}.parquet"
                got = residual_frame(got)
                assert all(isinstance(got[c].dtype, pd.CategoricalDtype) for c in ("report", "scope"))
                got = got.astype({"report": expected["report"].dtype, "scope": expected["scope"].dtype})
            pd.testing.assert_frame_equal(got, expected, check_exact=True)
            assert len(got) == {0: 49, 2: 22, 9: 0}[part]


def test_a_run_checked_in_worker_processes_records_what_a_run_in_process_records(corpus_dir, tmp_path, monkeypatch):
    """run_checks end to end on copies of one real warehouse: in this process, in worker processes (with GX
    imported in a thread meanwhile), and with GX in a process of its own — the same check_results, suspect_cells
    and report_quality, and the same finding of the blocking guard on GX's stored results."""
    import shutil
    from contextlib import contextmanager

    import duckdb

    from conftest import load_records
    from pipelines.extract.files import extract_file
    from pipelines.quality import gx, stage
    from pipelines.quality.gx_process import GxProcess
    from pipelines.quality.suites import rules
    from pipelines.storage.warehouse import ensure_schema

    files = sorted((corpus_dir / "samples").glob("*.txt")) + sorted((corpus_dir / "pdf").glob("*.pdf"))
    source = tmp_path / "w.duckdb"
    with duckdb.connect(str(source)) as conn:
        ensure_schema(conn)
        load_records(conn, [extract_file(f) for f in files], T0)
    at = datetime(2026, 3, 2, tzinfo=timezone.utc)
    tables = {}
    guards = {}
    for name, parallel_from, batch in (("serial", 10**9, 1000), ("parallel", 1, 2), ("gx_process", 1, 2)):
        (tmp_path / name).mkdir()
        database = tmp_path / name / "warehouse.duckdb"
        shutil.copy(source, database)

        @contextmanager
        def connect(database=database):
            with duckdb.connect(str(database)) as conn:
                yield conn

        monkeypatch.setattr(stage, "PARALLEL_FROM", parallel_from)
        monkeypatch.setattr(stage, "BATCH_REPORTS", batch)
        # GX in this process, or in a process of its own (as a pipeline run has it: gx_process.py)
        process = GxProcess(tmp_path / name) if name == "gx_process" else None
        try:
            api = process.api() if process else gx
            outcome = stage.run_checks(database, connect, workers=2, at=at, gx_api=api)
            with duckdb.connect(str(database)) as conn:
                guard = stage.hard_rule_guard(conn, tmp_path / name, api)
        finally:
            if process:
                process.close()
        assert outcome.checked == len(files) and (outcome.batches == 1) == (name == "serial")
        assert outcome.data_docs.is_file() and len(outcome.results) == len(gx.by_suite(list(rules())))
        guards[name] = (guard.checked, guard.accepted, dict(guard.validated), guard.failing, guard.passed)
        with duckdb.connect(str(database)) as conn:
            tables[name] = {t: sorted(conn.execute(f"select * from {t}").fetchall(), key=str)
                            for t in ("check_results", "suspect_cells", "report_quality")}
    assert tables["parallel"] == tables["serial"] == tables["gx_process"] and tables["serial"]["check_results"]
    assert guards["parallel"] == guards["serial"] == guards["gx_process"] and guards["serial"][2]
