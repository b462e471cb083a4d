"""A Word document (python-docx): title, paragraphs and the official tables with real merged cells
(gridSpan / vMerge, as `cell.merge` writes them) — the format most agencies draft in (spec §9 "DOCX")."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

from synth.grid import Grid, grids, positions
from synth.model import Report
from synth.render.common import flow, rng_for

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_TABLE_TWIPS = 8300  # the text width of an A4 page with Word's default margins


def _paragraphs(text: str, center: bool) -> str:
    jc = '<w:pPr><w:jc w:val="center"/></w:pPr>' if center else ""
    return "".join(f'<w:p>{jc}<w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>'
                   for line in text.split("\n"))


def _tc(width: int, span: int, vmerge: str, body: str) -> str:
    grid_span = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    return f'<w:tc><w:tcPr><w:tcW w:w="{width * span}" w:type="dxa"/>{grid_span}{vmerge}</w:tcPr>{body}</w:tc>'


def table_xml(g: Grid) -> str:
    """The grid as a w:tbl with the markup `cell.merge` writes: gridSpan on the first cell of a
    horizontal merge, vMerge="restart" on the top cell of a vertical one and vMerge continuation cells
    (same gridSpan, empty paragraph) below it.

    Built as one XML string rather than with `table.cell(...).merge(...)`: the same markup, but python-
    docx re-derives the whole cell grid on every cell access, which made a report cost ~90 ms."""
    col = _TABLE_TWIPS // g.ncols
    placed = positions(g)
    below: dict[int, list[tuple[int, object]]] = {}
    for row in placed:
        for r, c, cell in row:
            for dr in range(1, cell.rowspan):
                below.setdefault(r + dr, []).append((c, cell))
    rows = []
    for r, row in enumerate(placed):
        items = sorted([(c, cell, False) for _, c, cell in row] + [(c, cell, True) for c, cell in below.get(r, [])],
                       key=lambda x: x[0])
        tcs = [_tc(col, cell.colspan, "<w:vMerge/>", "<w:p/>") if cont else
               _tc(col, cell.colspan, '<w:vMerge w:val="restart"/>' if cell.rowspan > 1 else "",
                   _paragraphs(cell.text, cell.kind != "label"))
               for c, cell, cont in items]
        rows.append("<w:tr>" + "".join(tcs) + "</w:tr>")
    grid_cols = "".join(f'<w:gridCol w:w="{col}"/>' for _ in range(g.ncols))
    return (f'<w:tbl {_W}><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="0" w:type="auto"/>'
            f'<w:tblLook w:val="04A0"/></w:tblPr><w:tblGrid>{grid_cols}</w:tblGrid>{"".join(rows)}</w:tbl>')


def docx(report: Report) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import parse_xml

    rng = rng_for(report, "docx")
    doc = Document()
    body = doc.element.body
    for kind, item in flow(report):
        if kind == "tables":
            for g in grids(report.tables, item):
                body._insert_tbl(parse_xml(table_xml(g)))
                doc.add_paragraph()  # Word keeps a paragraph between consecutive tables
        elif kind == "chrome":
            continue
        elif kind == "title":
            doc.add_paragraph(str(item)).alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif kind == "heading":
            doc.add_paragraph(str(item), style="Heading 2" if rng.random() < 0.3 else None)
        else:
            par = doc.add_paragraph(str(item))
            if kind == "signature":
                par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buf = io.BytesIO()
    doc.save(buf)
    return _fixed_timestamps(buf.getvalue())


def _fixed_timestamps(data: bytes) -> bytes:
    """python-docx stamps every ZIP member with the current time; rewrite them with a fixed one so the
    same report always gives the same bytes (and the same content hash, the report_id)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2020, 1, 1, 0, 0, 0)), src.read(info),
                         compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
