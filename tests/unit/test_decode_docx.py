"""DOCX decoder: documents built here with python-docx, and bad archives built here with zipfile."""

from __future__ import annotations

import io
import random
import struct
import zipfile

import docx
import pytest
from docx.oxml import parse_xml

from badfiles import decode_error_code
from pipelines.decode.docx import decode_docx
from pipelines.decode.model import Limits

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def report_docx() -> bytes:
    """Heading, a T3-like table with a horizontal and a vertical merge and a nested table, a closing line."""
    d = docx.Document()
    d.add_paragraph("三、收到和处理政府信息公开申请情况")
    d.add_paragraph("")  # empty paragraphs make no block
    t = d.add_table(rows=4, cols=4)
    for r in range(4):
        for c in range(4):
            t.cell(r, c).text = str(r * 10 + c)
    t.cell(0, 0).merge(t.cell(0, 1)).text = "申请人情况"
    t.cell(1, 0).merge(t.cell(3, 0)).text = "三、本年度办理结果"
    t.cell(1, 1).add_paragraph("第二段")
    nested = t.cell(2, 2).add_table(rows=2, cols=2)
    nested.cell(0, 0).text, nested.cell(0, 1).text, nested.cell(1, 0).text = "甲", "乙", "丙"
    d.add_paragraph("四、政府信息公开行政复议、行政诉讼情况")
    return save(d)


def save(d) -> bytes:
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def rezip(data: bytes, replace: dict[str, bytes] | None = None, drop: tuple[str, ...] = ()) -> bytes:
    """A copy of a ZIP with some members replaced or dropped."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for m in zin.infolist():
            if m.filename not in drop:
                zout.writestr(m.filename, (replace or {}).get(m.filename, zin.read(m)))
    return out.getvalue()


def document_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("word/document.xml")


def error_code(data: bytes, limits: Limits = Limits()) -> str:
    return decode_error_code(decode_docx, data, limits)


def test_blocks_in_document_order():
    doc = decode_docx(report_docx(), Limits())
    assert [b.kind for b in doc.blocks] == ["paragraph", "table", "paragraph"]
    assert doc.blocks[0].text == "三、收到和处理政府信息公开申请情况"
    assert doc.blocks[2].text == "四、政府信息公开行政复议、行政诉讼情况"
    assert doc.decoder == f"python-docx-{docx.__version__}"
    assert doc.pages is None
    assert doc.original_text.splitlines()[0] == doc.blocks[0].text
    assert doc.original_text.splitlines()[-1] == doc.blocks[2].text
    assert doc.blocks[1].text in doc.original_text


def test_merged_cells_repeat_their_text():
    grid = decode_docx(report_docx(), Limits()).blocks[1].grid
    assert len(grid) == 4 and all(len(row) == 4 for row in grid)
    assert grid[0] == ["申请人情况", "申请人情况", "2", "3"]
    assert [row[0] for row in grid] == ["申请人情况"] + ["三、本年度办理结果"] * 3
    assert grid[1][1] == "11\n第二段"  # a cell's paragraphs joined by newlines
    assert grid[3][1:] == ["31", "32", "33"]


def test_grid_agrees_with_python_docx_row_cells():
    # python-docx 1.2 repeats merged cells in row.cells too; the decoder's grid must agree with it
    # (nested tables aside, which row.cells leaves out of a cell's text).
    data = report_docx()
    table = docx.Document(io.BytesIO(data)).tables[0]
    expected = [[c.text for c in row.cells] for row in table.rows]
    grid = decode_docx(data, Limits()).blocks[1].grid
    expected[2][2] = grid[2][2]
    assert grid == expected


def test_nested_table_is_flattened_into_its_cell():
    grid = decode_docx(report_docx(), Limits()).blocks[1].grid
    assert grid[2][2] == "22\n甲 乙\n丙"


def test_runs_python_docx_paragraph_text_misses():
    d = docx.Document()
    body = d.element.body
    body.insert(0, parse_xml(
        f'<w:p xmlns:w="{W_NS}" xmlns:mc="{MC_NS}"><w:r><w:t>本年</w:t></w:r>'
        '<w:ins w:id="1" w:author="a"><w:r><w:t>新收</w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="a"><w:r><w:delText>删除</w:delText></w:r></w:del>'
        # A text box, as Word writes it twice (drawing wrappers left out): DrawingML and a VML fallback.
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:txbxContent><w:p><w:r><w:t>申请</w:t></w:r>'
        '</w:p></w:txbxContent></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>申请</w:t>'
        '</w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>'))
    body.insert(1, parse_xml(f'<w:sdt xmlns:w="{W_NS}"><w:sdtContent><w:p><w:r><w:t>目录</w:t></w:r></w:p>'
                             '</w:sdtContent></w:sdt>'))
    assert [b.text for b in decode_docx(save(d), Limits()).blocks] == ["本年新收申请", "目录"]


def test_row_starting_late_is_padded():
    d = docx.Document()
    t = d.add_table(rows=2, cols=3)
    for c in range(3):
        t.cell(0, c).text, t.cell(1, c).text = f"h{c}", f"v{c}"
    tr = t.rows[1]._tr
    tr.remove(tr.tc_lst[0])
    tr.get_or_add_trPr().append(parse_xml(f'<w:gridBefore xmlns:w="{W_NS}" w:val="1"/>'))
    assert decode_docx(save(d), Limits()).blocks[0].grid == [["h0", "h1", "h2"], ["", "v1", "v2"]]


def test_forged_grid_span_is_capped():
    d = docx.Document()
    cell = d.add_table(rows=1, cols=1).cell(0, 0)
    cell.text = "x"
    cell._tc.get_or_add_tcPr().append(parse_xml(f'<w:gridSpan xmlns:w="{W_NS}" w:val="100000000"/>'))
    grid = decode_docx(save(d), Limits()).blocks[0].grid
    assert len(grid[0]) <= 64 and set(grid[0]) == {"x"}


def test_bad_schema_value_is_malformed():
    d = docx.Document()
    d.add_table(rows=1, cols=1).cell(0, 0).text = "x"
    xml = document_xml(save(d)).decode().replace("<w:tcPr>", '<w:tcPr><w:gridSpan w:val="many"/>', 1)
    assert error_code(rezip(save(d), {"word/document.xml": xml.encode()})) == "docx_malformed_xml"


# --- bad archives -----------------------------------------------------------------------------------

def zeros_docx(megabytes: int) -> bytes:
    """A DOCX-shaped ZIP whose document.xml inflates to `megabytes` MiB of zeros, streamed in 1 MiB chunks."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = bytes(1024 * 1024)
            for _ in range(megabytes):
                member.write(chunk)
    return out.getvalue()


def test_zip_bomb_by_ratio():
    bomb = zeros_docx(16)
    assert len(bomb) < 64 * 1024
    assert error_code(bomb) == "docx_zip_bomb"


def test_zip_bomb_by_total_size():
    assert error_code(zeros_docx(3), Limits(max_unzipped_bytes=2 * 1024 * 1024, max_zip_ratio=10**6)) \
        == "docx_zip_bomb"


def test_zip_bomb_by_member_count():
    assert error_code(report_docx(), Limits(max_zip_members=3)) == "docx_zip_bomb"


def test_member_larger_than_declared_is_refused():
    """A central directory that understates a member's size: zipfile stops at the declared size and the
    CRC check fails, so the lie never reaches the parser."""
    padded = document_xml(report_docx()).replace(b"</w:body>", b"<!--" + b" " * (4 * 1024 * 1024) + b"--></w:body>")
    raw = bytearray(rezip(report_docx(), {"word/document.xml": padded}))
    at = raw.find(b"PK\x01\x02")
    while at != -1:
        name_len = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46: at + 46 + name_len] == b"word/document.xml":
            struct.pack_into("<I", raw, at + 24, 4000)
        at = raw.find(b"PK\x01\x02", at + 4)
    assert error_code(bytes(raw)) == "docx_corrupt"


def test_entity_bomb():
    lol = (b'<!DOCTYPE w:document [<!ENTITY a "' + b"a" * 100 + b'">'
           + b"".join(b'<!ENTITY %s "%s">' % (bytes([98 + i]), b"&%s;" % bytes([97 + i]) * 10) for i in range(8))
           + b"]>")
    xml = document_xml(report_docx()).replace(b"<w:document", lol + b"<w:document", 1)
    xml = xml.replace("四、政府信息公开".encode(), b"&i;", 1)
    assert error_code(rezip(report_docx(), {"word/document.xml": xml})) == "docx_xml_entities"


def test_entity_declaration_in_utf16_part():
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY a "b">]><x/>'.encode("utf-16")
    assert error_code(rezip(report_docx(), {"word/styles.xml": xml})) == "docx_xml_entities"


def test_malformed_xml():
    xml = document_xml(report_docx()).replace(b"</w:body>", b"", 1)
    assert error_code(rezip(report_docx(), {"word/document.xml": xml})) == "docx_malformed_xml"


def test_zip_without_word_document():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    assert error_code(out.getvalue()) == "docx_not_word"


def test_missing_package_part_is_corrupt():
    assert error_code(rezip(report_docx(), drop=("[Content_Types].xml",))) == "docx_corrupt"


def test_truncated_archive_is_corrupt():
    data = report_docx()
    assert error_code(data[: len(data) // 2]) == "docx_corrupt"


@pytest.mark.parametrize("data", [
    random.Random(7).randbytes(4096),
    b"",
    bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504),  # a legacy .doc / encrypted DOCX container
    b"%PDF-1.4\n",
])
def test_not_a_zip(data):
    assert error_code(data) == "docx_not_zip"
