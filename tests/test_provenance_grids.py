"""Provenance of cells read from table grids, on a real document through the real pipeline.

No real PDF, DOCX or HTML of ../shared/corpus has its tables won by the grids' reading (each reads as well
from its text, and the text's reading is kept on a tie). Chromium's print of the real pipe-table sample 002
(the real-derived `chromium_pdf_bare` family, tests/realderived.py) does: its text reads one T3 row short,
its grids read all 200 cells. Its rows have no offsets into the document's text, so each cell keeps the
grid it was read from — the page, the table's number among the document's tables, the grid rows — from
extraction through the lake into DuckDB (report_cells.source_page / source_table / source_grid_row) and on
to the audit sheet. The coordinates are checked against the grids the warehouse keeps (document_blocks)."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest
from lxml import etree

from realderived import CHROMIUM, PIPE_SAMPLE, blocks_to_html, print_to_pdf, text_blocks
from pipelines.audit.build import load_sheets, warehouse_texts
from pipelines.audit.sheet import render_sheet
from pipelines.decode.dispatch import decode_document
from pipelines.decode.model import Limits
from pipelines.decode.store import decoded_frames, read_decoded
from pipelines.extract.record import extract_decoded
from pipelines.extract.store import frames
from pipelines.ingest.sniff import sniff
from pipelines.quality.suites import rules
from pipelines.storage.lake import Lake, shard_of
from pipelines.storage.load import load_lake
from pipelines.storage.warehouse import ensure_schema

pytestmark = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                reason="Debian's chromium is not installed (make test installs it)")
AT = datetime(2026, 1, 1, tzinfo=timezone.utc)
NS = {"h": "http://www.w3.org/1999/xhtml"}
GRID_COLUMNS = ("source_page", "source_table", "source_grid_row", "source_grid_row_end")


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, corpus_dir: Path):
    """(document id, its record, the warehouse file) after decoding, extracting and loading the print."""
    out = tmp_path_factory.mktemp("grid_provenance")
    text = (corpus_dir / "samples" / f"{PIPE_SAMPLE}.txt").read_text(encoding="utf-8")
    page = out / f"{PIPE_SAMPLE}.html"
    page.write_text(blocks_to_html(text_blocks(text), text.strip().splitlines()[0]), encoding="utf-8")
    data = print_to_pdf(page, out / f"{PIPE_SAMPLE}.pdf", header_footer=False).read_bytes()
    doc_id = hashlib.sha256(data).hexdigest()
    found = sniff(data)
    assert found.format == "pdf"
    lake, shard = Lake(out / "lake"), shard_of(doc_id)
    name = lake.write(decoded_frames([(doc_id, decode_document(data, "pdf", found.encoding, Limits()))], AT), shard)
    decoded = read_decoded(lake, shard, name)[doc_id]  # as the extracted layer reads it back
    record = extract_decoded(doc_id, decoded, "pdf")
    lake.write(frames([record], AT), shard)
    warehouse = out / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as conn:
        ensure_schema(conn)
        conn.execute("insert into documents (id, status, format, store_path, original_name) "
                     "values (?, 'accepted', 'pdf', ?, ?)", [doc_id, f"/store/{doc_id}", f"{PIPE_SAMPLE}.pdf"])
        load_lake(conn, lake)
    return doc_id, record, warehouse


def test_the_grids_reading_wins_and_every_cell_keeps_its_grid(loaded):
    doc_id, record, warehouse = loaded
    assert record.source_format == "pdf" and record.status == "extracted"
    assert record.provenance == {}  # the grids' offsets point into no text the warehouse keeps
    rows = {f"{t}.{r}" for t, rs in record.cells.items() for r in rs}
    assert len(rows) == 34 and set(record.grid_provenance) == rows
    # the record as JSON carries the coordinates as it carries the spans
    as_json = json.loads(json.dumps(record.to_json(), ensure_ascii=False))
    assert as_json["grid_provenance"]["t2_art20_1.normative_documents"] == [2, 2, 1, 1]
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        cells = conn.execute(f"select source_start, source_end, {', '.join(GRID_COLUMNS)} from report_cells "
                             "where report_id = ?", [doc_id]).fetchall()
    assert len(cells) == 200
    assert all(start is None and end is None and None not in grid for start, end, *grid in cells)


def _blocks(conn, doc_id: str) -> list[tuple[int, list[list[str]]]]:
    """The document's table blocks as the warehouse keeps them, in order: (page, grid)."""
    return conn.execute("select page, grid from document_blocks where document_id = ? and kind = 'table' "
                        "order by seq", [doc_id]).fetchall()


def test_each_cells_grid_rows_hold_the_values_it_was_read_as(loaded):
    """Every row's printed values are in the grid rows its cells name, on the page they name."""
    doc_id, record, warehouse = loaded
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        blocks = _blocks(conn, doc_id)
        starts, text = conn.execute("select page_starts, text from document_text where document_id = ?",
                                    [doc_id]).fetchone()
        cells = conn.execute(f"select table_key, row_key, value_raw, {', '.join(GRID_COLUMNS)} from report_cells "
                             "where report_id = ? and trim(value_raw) <> ''", [doc_id]).fetchall()
    by_row: dict[tuple, list[str]] = {}
    for table, row, raw, *grid in cells:
        by_row.setdefault((table, row, *grid), []).append(raw.strip())
    assert len(by_row) == 34
    for (table, row, page, number, first, last), raws in by_row.items():
        block_page, grid = blocks[number - 1]
        assert page == block_page, (table, row)
        printed = Counter(c.strip() for r in grid[first - 1:last] for c in r if c.strip())
        assert not Counter(raws) - printed, (table, row, raws, grid[first - 1:last])
    # a row the PDF broke onto the next page: T2 (一)'s 行政规范性文件 is the first row of the second table,
    # on page 2, printed 9 0 20; its label's characters are on page 2 of the text, not page 1
    place = record.grid_provenance["t2_art20_1.normative_documents"]
    assert place == (2, 2, 1, 1) and blocks[1][1][0] == ["行政规范性文件", "9", "0", "20"]
    assert "行政规范性文件" in text[starts[1]:starts[2]] and "行政规范性文件" not in text[:starts[1]]
    assert [record.cells["t2_art20_1"]["normative_documents"][c].value
            for c in ("issued_count", "repealed_count", "in_force_count")] == [9, 0, 20]
    # T4's fifteen values are read as one row over two grid rows of the fifth table
    assert {record.grid_provenance[f"t4_review_litigation.{b}"] for b in
            ("admin_review", "litigation_direct", "litigation_after_review")} == {(3, 5, 3, 4)}


def test_the_audit_sheet_names_the_page_table_and_grid_row(loaded):
    doc_id, _, warehouse = loaded
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        [sheet] = load_sheets(conn, [doc_id], lambda ids: warehouse_texts(conn, ids))
    doc = etree.fromstring(render_sheet(sheet, {r.id: r for r in rules()}).encode("utf-8"))
    quotes = json.loads(doc.find(".//h:script[@id='quotes']", NS).text)

    def quote(label: str) -> str:
        [td] = [td for td in doc.iterfind(".//h:td", NS) if (td.get("title") or "").split("\n")[0] == label]
        return quotes[int(td.get("data-q"))]

    assert quote("第二十条第（一）项 行政规范性文件 · 本年制发件数") == "第2页 表2 第1行"
    assert quote("行政复议 · 总计") == "第3页 表5 第3–4行"


def test_lake_files_written_before_grid_provenance_still_load(loaded, tmp_path):
    """A report_cells file of the lake from before these columns loads beside a new one: its cells have no
    grid coordinates (NULL), the new file's have them."""
    _, record, _ = loaded
    old, new = replace(record, report_id="a" * 64), replace(record, report_id="b" * 64)
    lake = Lake(tmp_path / "lake")
    before = frames([old], AT)
    before["report_cells"] = before["report_cells"].drop(*GRID_COLUMNS)  # as store.py wrote it then
    lake.write(before, "a")
    lake.write(frames([new], AT), "b")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as conn:
        ensure_schema(conn)
        assert load_lake(conn, lake).reports == 2
        counts = dict(conn.execute("select report_id, count(source_table) from report_cells group by 1").fetchall())
    assert counts == {"a" * 64: 0, "b" * 64: 200}
