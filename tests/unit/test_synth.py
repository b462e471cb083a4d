"""The synthetic report generator (synth): determinism, layouts, gold, identities, errors."""

from __future__ import annotations

import io
import json
import re

import pdfplumber
import pytest
from conftest import SHARED

from pipelines.contract import TEMPLATE_TABLES
from pipelines.decode.dispatch import decode_document
from pipelines.decode.model import Limits
from pipelines.decode.normalise import normalise
from pipelines.ingest.records import validate_record
from pipelines.ingest.sniff import sniff
from synth import LAYOUTS, document, generate, identities
from synth.cli import synth_command
from synth.model import build_report
from synth.printing import Style, amount_cell, count_cell, signed_cell
from synth.render import crawl, runon

SEED = 11
FORMATS = {".txt": {"text", "markdown"}, ".md": {"markdown"}, ".html": {"html"}, ".pdf": {"pdf"},
           ".docx": {"docx"}}
# OCR swaps (沭→沐, 已→己, 未→末, 0→O) undone on both sides before comparing labels
_UNSWAP = str.maketrans({"沐": "沭", "己": "已", "末": "未", "O": "0"})
_CLAIM_TEXT = {"new_received_total": "新收政府信息公开申请{}件", "results_total": "办结{}件",
               "carried_forward_out_total": "结转下年度继续办理{}件", "admin_review_total": "行政复议{}件",
               "litigation_total": "行政诉讼{}件"}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", normalise(text)).translate(_UNSWAP)


def _reports(n: int, error_rate: float = 0.0, seed: int = SEED):
    for i in range(n):
        yield build_report(f"{seed}:{i}", LAYOUTS[i % len(LAYOUTS)], error_rate)


def _first_report_index(layout: str, seed: int = SEED, min_apps: int = 1) -> int:
    """The first document index that is a report with at least `min_apps` new applications."""
    for i in range(500):
        r = build_report(f"{seed}:{i}", layout)
        if r.doc_type == "annual_report" and (r.gold["cells"]["t3_applications"]["new_received"]["total"] or 0) >= min_apps:
            return i
    raise AssertionError("no such report in 500 draws")


def test_generate_writes_docs_and_gold_with_matching_stems(tmp_path):
    paths = generate(len(LAYOUTS) * 2, tmp_path, seed=SEED)
    docs = sorted((tmp_path / "docs").iterdir())
    golds = sorted((tmp_path / "gold").iterdir())
    assert sorted(paths) == docs and len(docs) == len(LAYOUTS) * 2
    assert [p.stem for p in docs] == [p.stem for p in golds]
    for path in paths:
        gold = json.loads((tmp_path / "gold" / f"{path.stem}.json").read_text("utf-8"))
        assert gold["source"] == f"docs/{path.name}"
        assert path.stem.endswith(gold["layout"]) and path.suffix in FORMATS
        assert list(gold)[:6] == ["source", "doc_type", "agency", "year", "template", "cells"]
        assert {"publication_date", "admin_level", "region"} <= set(gold["metadata"])


def test_deterministic_for_a_seed(tmp_path):
    layouts = LAYOUTS[:3] + ("docx", "pdf", "html")
    a = generate(12, tmp_path / "a", layouts, seed=5, error_rate=0.3)
    b = generate(12, tmp_path / "b", layouts, seed=5, error_rate=0.3)
    c = generate(12, tmp_path / "c", layouts, seed=6, error_rate=0.3)
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    for sub in ("a", "b"):
        assert (tmp_path / sub / "gold" / f"{a[0].stem}.json").exists()
    assert [(tmp_path / "a" / "gold" / f"{p.stem}.json").read_bytes() for p in a] == \
        [(tmp_path / "b" / "gold" / f"{p.stem}.json").read_bytes() for p in b]
    assert [p.read_bytes() for p in a] != [p.read_bytes() for p in c]


def test_generate_rejects_unknown_layouts(tmp_path):
    with pytest.raises(ValueError, match="unknown layouts"):
        generate(1, tmp_path, ["scanned_fax"])


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_sniffs_and_decodes_to_the_t3_labels(layout):
    i = _first_report_index(layout)
    name, data, gold = document(i, layout, SEED)
    found = sniff(data)
    assert found.format in FORMATS[name[name.rindex("."):]], found
    decoded = decode_document(data, found.format, found.encoding, Limits())
    text = _squash(decoded.text + "\n".join(b.text for b in decoded.blocks))
    report = build_report(f"{SEED}:{i}", layout)
    for row in report.tables["t3_applications"].rows:
        label = _squash(row.label)
        # pdftotext -layout interleaves a wrapped label with its values: its first line stays whole
        assert (label[:5] if layout == "pdf_layout_text" else label) in text, (name, row.label)
    assert validate_record(gold) == []


def test_gold_cells_cover_the_template_and_satisfy_every_hard_identity():
    seen = set()
    for report in _reports(330):
        gold = report.gold
        assert validate_record(gold) == [], gold["notes"]
        seen.add(gold["doc_type"])
        if gold["doc_type"] != "annual_report":
            assert gold["cells"] == {} and gold["template"] is None
            continue
        assert identities.check(gold["cells"]) == [], (report.seed, report.layout)
        assert gold["injected_errors"] == [] and gold["source_inconsistencies"] == []
        spec = TEMPLATE_TABLES[gold["template"]]
        assert set(gold["cells"]) == set(spec)
        for table, rows in gold["cells"].items():
            expected_rows = set(spec[table].rows)
            if table == "t3_applications" and "other_handling" in rows:  # (六) as one row (洪泽)
                expected_rows = expected_rows - {"other_no_correction", "other_fee_unpaid", "other_misc"} | {
                    "other_handling"}
            assert set(rows) == expected_rows
            assert all(set(cols) == set(spec[table].cols) for cols in rows.values())
    assert seen >= {"annual_report"}


def test_the_corpus_mixes_templates_levels_and_non_reports():
    reports = list(_reports(1500))
    kinds = {r.gold["doc_type"] for r in reports}
    assert kinds >= {"annual_report", "self_inspection", "work_summary"}
    non = sum(r.gold["doc_type"] != "annual_report" for r in reports)
    assert 15 <= non <= 90  # ~3 %
    assert {r.gold["metadata"]["admin_level"] for r in reports} == {"township", "county", "prefectural", "provincial"}
    late = [r for r in reports if r.template == "v2019" and r.year >= 2021]
    single = [r for r in reports if r.template == "v2021" and "other_handling" in r.gold["cells"]["t3_applications"]]
    assert late and single
    placeholders = {r.style.placeholder for r in reports if r.style}
    assert {None, "-", "/"} <= placeholders
    townships = [r for r in reports if r.gold["metadata"]["admin_level"] == "township" and r.gold["cells"]]
    zero = sum(r.gold["cells"]["t3_applications"]["new_received"]["total"] in (0, None) for r in townships)
    assert zero > len(townships) / 3  # most townships receive no application at all


def test_injected_errors_are_recorded_and_break_their_identity():
    kinds = set()
    for report in _reports(250, error_rate=1.0):
        gold = report.gold
        if gold["doc_type"] != "annual_report":
            continue
        assert gold["injected_errors"], report.seed
        failed = {f[0] for f in identities.check(gold["cells"])}
        for e in gold["injected_errors"]:
            kinds.add(e["kind"])
            if e["kind"] == "narrative":
                assert e["stated"] != e["table_value"] and e["stated"] >= 0
                continue
            assert e["identity"] in failed, (report.seed, e)
            assert e["reported"] != e["correct"]
            assert gold["cells"][e["table"]][e["row"]][e["col"]] == e["reported"]
        assert gold["source_inconsistencies"] or all(e["kind"] == "narrative" for e in gold["injected_errors"])
    assert kinds == {"total_cell", "carried_over", "narrative"}


def test_a_narrative_error_is_stated_in_the_text():
    checked = 0
    for i in range(200):
        name, data, gold = document(i, "pipe_table", SEED, error_rate=1.0)
        text = data.decode("utf-8").replace(",", "，")
        for e in gold["injected_errors"]:
            if e["kind"] == "narrative":
                assert _CLAIM_TEXT[e["claim"]].format(e["stated"]) in text, (name, e)
                checked += 1
    assert checked >= 10


def test_pdf_tables_carry_the_t3_values():
    i = _first_report_index("pdf", min_apps=10)
    _, data, gold = document(i, "pdf", SEED)
    report = build_report(f"{SEED}:{i}", "pdf")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) >= 2
        # merged cells come back as None, blank cells as ""
        rows = [[c for c in row if c is not None] for page in pdf.pages for t in page.extract_tables() for row in t]
    for row in report.tables["t3_applications"].rows:
        assert any(r[-7:] == row.cells for r in rows), row.key
    t4 = [c for r in report.tables["t4_review_litigation"].rows for c in r.cells]
    assert t4 in rows


def test_run_together_rows_are_exactly_the_printed_cells():
    """The crawl shape: the article on one line, each T3 row's label followed by its cells with nothing
    between them, and the T2 rows that split several ways listed in the gold."""
    i = _first_report_index("run_together", min_apps=5)
    name, data, gold = document(i, "run_together", SEED)
    header, body = data.decode("utf-8").split(crawl.SEPARATOR)
    assert len(body.strip().splitlines()) == 1
    report = build_report(f"{SEED}:{i}", "run_together")
    flat = re.sub(r"\s", "", body)
    for row in report.tables["t3_applications"].rows:
        assert re.sub(r"\s", "", row.label) + "".join(row.cells) in flat
    assert f"标题: {''.join(report.title)}" in header.splitlines()
    assert set(gold["undeterminable"]) <= {f"{t}.{r}" for t, rows in gold["cells"].items() for r in rows}


def test_the_generators_crawl_of_the_real_page_is_the_real_crawl():
    """corpus/crawl: the crawler's pingtan-2025.txt is the generator's crawl of pingtan-2025.html."""
    page = (SHARED / "corpus" / "crawl" / "pingtan-2025.html").read_text(encoding="utf-8")
    real = (SHARED / "corpus" / "crawl" / "pingtan-2025.txt").read_text(encoding="utf-8")
    ours = crawl.crawl_page(page)
    assert re.sub(r"\s", "", ours.split(crawl.SEPARATOR)[1]) == re.sub(r"\s", "", real.split(crawl.SEPARATOR)[1])
    assert len(re.sub(r"\s", "", ours)) > 2000
    for line in ours.split(crawl.SEPARATOR)[0].splitlines():  # the header fields the crawler wrote
        assert line in real.splitlines()


def test_undeterminable_rows_are_those_that_split_several_ways():
    i = _first_report_index("run_together", min_apps=0)
    report = build_report(f"{SEED}:{i}", "run_together")
    listed = set(runon.undeterminable(report))
    for key, table in report.tables.items():
        for row in table.rows:
            if key.startswith("t2_") and row.key and len(row.cells) == 3 and all(c == "0" for c in row.cells):
                assert f"{key}.{row.key}" not in listed  # "000" splits one way only
def test_cells_print_units_placeholders_and_signs():
    assert count_cell(0, Style(placeholder="-")) == ("-", None)
    assert count_cell(0, Style()) == ("0", 0)
    assert count_cell(52, Style(units=True), "项") == ("52项", 52)
    assert amount_cell(2510, Style(yuan_amounts=True), header_has_unit=False) == ("251000元", 25.1)
    assert amount_cell(11436, Style(units=True), header_has_unit=True) == ("114.36万元", 114.36)
    assert amount_cell(54040, Style(two_decimals=False), header_has_unit=True) == ("540.4", 540.4)
    assert signed_cell(1036, Style(plus_sign=True)) == ("+1036", 1036)
    assert signed_cell(-3, Style()) == ("-3", -3)


def test_cli_prints_counts_per_layout(tmp_path, capsys):
    synth_command(4, tmp_path, ["pipe_table", "html"], seed=1, error_rate=0.0)
    out = capsys.readouterr().out
    assert "pipe_table" in out and "html" in out and "4 documents" in out
    assert len(list((tmp_path / "gold").iterdir())) == 4
