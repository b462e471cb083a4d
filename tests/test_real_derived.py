"""The real gold documents rendered into the other shapes they arrive in (spec §9) by real tools — headless
Chromium's print-to-PDF, pymupdf4llm's PDF → Markdown, python-docx Word tables — then extracted from disk
and scored cell by cell against the real gold (tests/realderived.py builds and scores; nothing is mocked).

Per family: no cell WRONG (a number that is not the gold's), doc_type / year / template right on every
document, and at least 99% of the gold cells right. Each derived document is built once per session.

`family_table()` builds, scores and formats the same table for a benchmark script:
    sys.path.insert(0, "tests"); from test_real_derived import family_table; print(family_table())
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from conftest import SHARED
from realderived import CHROMIUM, FAMILIES, build_family, evaluate, family_score, format_table, measure

RIGHT_SHARE = 0.99
needs_chromium = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                    reason="Debian's chromium is not installed (make test installs it)")
def _param(family: str):
    marks = [needs_chromium] if family.startswith("chromium") else []
    return pytest.param(family, marks=marks, id=family)


@pytest.fixture(scope="session")
def measured(tmp_path_factory):
    """family → its scored results; each family built and extracted once per session, on first use."""
    cache: dict[str, list] = {}

    def get(family: str) -> list:
        if family.startswith("chromium"):
            assert CHROMIUM, "chromium must be installed (make test installs it)"
        if family not in cache:
            cache[family] = [evaluate(d) for d in build_family(family, SHARED / "corpus",
                                                                 tmp_path_factory.mktemp(family))]
        return cache[family]
    return get


@pytest.mark.parametrize("family", [_param(f) for f in FAMILIES])
def test_no_cell_is_wrong(measured, family):
    results = measured(family)
    assert results, f"{family}: no document built"
    wrong = [f"{r.derived.document}{r.derived.path.suffix}: {t}.{row}.{col} gold {want!r} got {got!r}"
             for r in results for t, row, col, want, got in r.score.wrong_cells]
    assert wrong == []


@pytest.mark.parametrize("family", [_param(f) for f in FAMILIES])
def test_document_fields_right(measured, family):
    bad = {f"{r.derived.document}{r.derived.path.suffix}": r.field_mismatches(("doc_type", "year", "template", "agency"))
           for r in measured(family)}
    assert {k: v for k, v in bad.items() if v} == {}


@pytest.mark.parametrize("family", [_param(f) for f in FAMILIES])
def test_at_least_99_percent_of_cells_right(measured, family):
    total = family_score(measured(family))
    assert total.cells > 0
    assert total.right_share >= RIGHT_SHARE, (
        f"{family}: {total.right}/{total.cells} right ({100 * total.right_share:.1f}%), {total.withheld} withheld: "
        + ", ".join(f"{t}.{row}.{col}" for t, row, col, _ in total.withheld_cells[:10]))


def test_the_score_table(measured, capsys):
    """Print the table (family, documents, cells right / withheld / WRONG) into the test output."""
    families = [f for f in FAMILIES if CHROMIUM or not f.startswith("chromium")]
    table = format_table({f: measured(f) for f in families})
    with capsys.disabled():
        print("\n\nreal-derived corpus (tests/test_real_derived.py)\n" + table)
    assert all(f in table for f in families)


def family_table(families=FAMILIES, out: Path | None = None) -> str:
    """Build, extract and score the families (Chromium's skipped when it is missing); the formatted table."""
    if out is not None:
        return format_table(measure(SHARED / "corpus", out, families))
    with tempfile.TemporaryDirectory(prefix="realderived-") as tmp:
        return format_table(measure(SHARED / "corpus", Path(tmp), families))


@pytest.mark.parametrize("family", [_param(f) for f in FAMILIES if f.startswith("chromium")])
def test_chromiums_pdfs_as_text_by_other_pdf_libraries_never_give_a_wrong_cell(measured, family, tmp_path):
    """Chromium's prints of the real reports, their text taken by PyMuPDF, pdfplumber and pdfminer.six (the
    engine of markitdown's PDF conversion): pdfminer.six emits a T3 row's values after its next rows' labels,
    and the run's first seven values were stored as that row (其他处理 1. 8 … 0: total 0, gold 8). A run of
    several rows' values whose first row does not add up is left out. No WRONG cell from any library, and
    the report's type, year and template right."""
    from test_real_shapes import _pdf_texts, score

    from pipelines.extract.files import extract_file

    wrong, fields = [], []
    for result in measured(family):
        gold = result.derived.gold
        for library, text in _pdf_texts(result.derived.path).items():
            path = tmp_path / f"{result.derived.document}.{library}.txt"
            path.write_text(text, encoding="utf-8")
            record = extract_file(path).to_json()
            wrong += [f"{result.derived.document} {library}: {w}" for w in score(gold, record, text)[2]]
            if (record["doc_type"], record["year"], record["template"]) != (gold["doc_type"], gold["year"], gold["template"]):
                fields.append((result.derived.document, library, record["doc_type"], record["year"], record["template"]))
    assert wrong == []
    assert fields == []
