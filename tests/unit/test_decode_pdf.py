"""PDF decoder: the three real reports of the shared corpus, and bad inputs built here."""

from __future__ import annotations

import json
import random

import pypdfium2
import pytest

from badfiles import build_pdf, decode_error_code
from pipelines.decode.model import Decoded, Limits
from pipelines.decode.pdf import _is_password_error, decode_pdf

PAGES = {"huaian-city-2024": 6, "hongze-district-2023": 5, "hongze-district-2024": 5}
T4_KEYS = [(block, col) for block in ("admin_review", "litigation_direct", "litigation_after_review")
           for col in ("upheld", "corrected", "other_outcome", "pending", "total")]
T3_COLS = ["natural_person", "commercial_enterprise", "research_institution", "public_welfare_org",
           "legal_service_org", "other_org", "total"]


@pytest.fixture(scope="module")
def decoded(shared_dir) -> dict[str, Decoded]:
    return {name: decode_pdf((shared_dir / "corpus" / "pdf" / f"{name}.pdf").read_bytes(), Limits())
            for name in PAGES}


@pytest.fixture(scope="module")
def real_pdf(shared_dir) -> bytes:
    return (shared_dir / "corpus" / "pdf" / "huaian-city-2024.pdf").read_bytes()


def squeeze(text: str) -> str:
    return "".join(text.split())


def tables(doc: Decoded) -> list[list[list[str]]]:
    return [b.grid for b in doc.blocks if b.kind == "table"]


def row_with(doc: Decoded, label: str) -> list[str]:
    """The first table row one of whose cells contains `label` (whitespace ignored)."""
    for grid in tables(doc):
        for row in grid:
            if any(label in squeeze(cell) for cell in row):
                return row
    raise AssertionError(f"no table row labelled {label}")


def numbers(row: list[str]) -> list[str]:
    return [cell for cell in row if squeeze(cell).replace(".", "").isdigit()]


@pytest.mark.parametrize("name", PAGES)
def test_real_report_decodes(decoded, name):
    doc = decoded[name]
    assert doc.pages == PAGES[name]
    assert doc.decoder.startswith("pdfplumber-")
    assert "政府信息公开" in doc.text
    assert "本年新收政府信息公开申请数量" in squeeze(doc.text)
    assert doc.original_text.count("\f") == PAGES[name] - 1
    assert [b.page for b in doc.blocks] == sorted(b.page for b in doc.blocks)
    assert {b.page for b in doc.blocks} == set(range(1, PAGES[name] + 1))


@pytest.mark.parametrize("name", PAGES)
def test_real_report_tables_are_rectangular_grids(decoded, name):
    grids = tables(decoded[name])
    # T2 (one or two blocks per page), T3 split over two pages, T4: 5 or 6 ruled tables, no narrative.
    assert 5 <= len(grids) <= 6
    for grid in grids:
        assert len({len(row) for row in grid}) == 1
    t4 = next(g for g in grids if any("行政复议" in c for c in g[0]))
    assert any(squeeze(c) == "结果维持" for c in t4[1])
    assert len(t4[0]) == 15
    # The narrative lines sit on white filled rectangles; they must not become one-column tables.
    assert all(len(grid[0]) >= 2 for grid in grids)


def test_t3_values_match_gold(decoded, shared_dir):
    gold = json.loads((shared_dir / "corpus" / "gold" / "huaian-city-2024.json").read_text())["cells"]
    expected = [str(gold["t3_applications"]["new_received"][c]) for c in T3_COLS]
    assert numbers(row_with(decoded["huaian-city-2024"], "本年新收政府信息公开申请数量")) == expected
    carried = [str(gold["t3_applications"]["carried_over_in"][c]) for c in T3_COLS]
    assert numbers(row_with(decoded["huaian-city-2024"], "上年结转政府信息公开申请数量")) == carried


@pytest.mark.parametrize("name", ["huaian-city-2024", "hongze-district-2023"])
def test_t4_row_matches_gold(decoded, shared_dir, name):
    gold = json.loads((shared_dir / "corpus" / "gold" / f"{name}.json").read_text())["cells"]
    t4 = next(g for g in tables(decoded[name]) if any("行政复议" in c for c in g[0]))
    values = [row for row in t4 if all(squeeze(c).isdigit() for c in row)]
    assert values == [[str(gold["t4_review_litigation"][b][c]) for b, c in T4_KEYS]]


def test_hongze_2023_t4_values(decoded):
    t4 = next(g for g in tables(decoded["hongze-district-2023"]) if any("行政复议" in c for c in g[0]))
    assert t4[-1][:2] == ["10", "1"] and t4[-1][10] == "5"


def test_merged_cells_repeat_their_text(decoded):
    t3_rows = [row for grid in tables(decoded["huaian-city-2024"]) for row in grid]
    refused = [row for row in t3_rows if "不予公开" in squeeze(row[1])]
    # (三)不予公开 spans eight rows; 三、本年度办理结果 spans the whole block in the first column.
    assert len(refused) == 8
    assert all(squeeze(row[0]) == "三、本年度办理结果" for row in refused)
    header = next(row for row in t3_rows if len(row) == 10 and squeeze(row[3]) == "申请人情况")
    assert [squeeze(c) for c in header[3:]] == ["申请人情况"] * 7


def test_cell_without_drawn_border_keeps_its_text(decoded):
    # Page 3 of the 2023 report starts with a row whose left cell has no top border.
    grid = next(b.grid for b in decoded["hongze-district-2023"].blocks if b.kind == "table" and b.page == 3)
    assert grid[0] == ["信息内容", "本年处理决定数量"]


def test_document_own_wording_survives(decoded):
    # The 洪泽区 reports print 其他法律行政止公开 (法规禁 missing on the page itself, not only in the text layer).
    assert row_with(decoded["hongze-district-2023"], "其他法律行政止公开")[3:] == ["0"] * 7


def test_paragraphs_are_whole_and_outside_tables(decoded):
    paras = [b.text for b in decoded["huaian-city-2024"].blocks if b.kind == "paragraph"]
    assert "一、总体情况" in paras
    assert any(p.startswith("本报告由淮安市人民政府办公室") and p.endswith("hazwgkc@163.com)。") for p in paras)
    assert not any("本年新收政府信息公开申请数量" in squeeze(p) for p in paras)


def test_table_sits_between_its_headings(decoded):
    blocks = decoded["huaian-city-2024"].blocks
    kinds = [(b.kind, squeeze(b.text)[:10]) for b in blocks]
    i = kinds.index(("paragraph", "三、收到和处理政府信"))
    assert kinds[i + 1][0] == "table" and "勾稽关系" in blocks[i + 1].text


# --- bad inputs -------------------------------------------------------------------------------------

TEXT = b"BT /F1 12 Tf 20 200 Td (annual report 2023) Tj ET"


def error_code(data: bytes, limits: Limits = Limits()) -> str:
    return decode_error_code(decode_pdf, data, limits)


def test_built_pdf_decodes():
    doc = decode_pdf(build_pdf([TEXT, TEXT]), Limits())
    assert doc.pages == 2 and doc.text.count("annual report 2023") == 2


def test_owner_password_only_still_decodes():
    data = build_pdf([TEXT], user_pw=b"")
    assert b"/Encrypt" in data and b"annual report" not in data
    assert "annual report 2023" in decode_pdf(data, Limits()).text


def report_pdf(text: str, owner_password: str | None = None) -> bytes:
    """A real report's text drawn line by line with reportlab in a CJK font (STSong-Light, the generator's),
    optionally copy-protected: an owner password, an empty user password (any reader opens it)."""
    import io

    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen.canvas import Canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    protect = None if owner_password is None else StandardEncryption(
        "", ownerPassword=owner_password, canPrint=1, canModify=0, canCopy=0, canAnnotate=0)
    buf = io.BytesIO()
    canvas = Canvas(buf, pagesize=(595.27, 841.89), invariant=1, encrypt=protect)
    y = 800
    for paragraph in text.splitlines():
        lines = [""]
        for ch in paragraph:
            if lines[-1] and pdfmetrics.stringWidth(lines[-1] + ch, "STSong-Light", 10.5) > 480:
                lines.append("")
            lines[-1] += ch
        for line in lines:
            if y < 60:
                canvas.showPage()
                y = 800
            canvas.setFont("STSong-Light", 10.5)
            canvas.drawString(56, y, line)
            y -= 16
    canvas.save()
    return buf.getvalue()


def test_copy_protected_report_decodes_like_the_unprotected_one(shared_dir):
    from pipelines.extract.files import extract_file
    from pipelines.extract.record import extract_decoded

    sample = shared_dir / "corpus" / "samples" / "004_cb93c0191c209947.txt"
    protected = report_pdf(sample.read_text(encoding="utf-8"), owner_password="owner-secret")
    assert b"/Encrypt" in protected
    pypdfium2.PdfDocument(protected).close()  # no password needed to open it
    with pypdfium2.PdfDocument(protected, password="owner-secret") as doc:
        assert len(doc) > 1
    doc = decode_pdf(protected, Limits())
    assert "(cid:" not in doc.text and "马渚镇人民政府" in doc.text and "pdf_text_from_pdfium" in doc.flags
    expected = extract_file(sample).to_json()  # the report as its own text reads
    for decoded in (doc, decode_pdf(report_pdf(sample.read_text(encoding="utf-8")), Limits())):
        record = extract_decoded("r", decoded, "pdf").to_json()
        assert record["doc_type"] == "annual_report" and record["status"] == "extracted"
        assert (record["agency"], record["year"]) == ("马渚镇人民政府", 2020)
        assert record["cells"] == expected["cells"] and len(record["cells"]) >= 3


def _to_unicode(first: int) -> bytes:
    """A ToUnicode CMap mapping the printable ASCII codes to code points from `first` on."""
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Shuffled def "
            b"1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfrange <20> <7E> <%04X> endbfrange "
            b"endcmap CMapName currentdict /CMap defineresource pop end end" % first)
    return b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream"


def test_text_layer_of_private_use_glyphs_is_read_by_ocr():
    # every glyph maps to the private use area (fonts that shuffle their code points do): pdfminer and
    # pdfium read the same nothing, but the page shows the text: OCR reads it from the rendered page
    line = b"BT /F1 12 Tf 20 %d Td (Annual report on government information disclosure 2023) Tj ET"
    page = b"\n".join(line % y for y in range(260, 20, -20))
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 7 0 R >>"
    data = build_pdf([page, page], font=font, extra=(_to_unicode(0xE000),))
    decoded = decode_pdf(data, Limits())
    assert "pdf_ocr" in decoded.flags and "ocr_pages=2" in decoded.flags
    assert decoded.text.count("Annual report on government information") == 24
    assert "\ue000" not in decoded.text
    # the same PDF with a ToUnicode map to real characters reads
    readable = build_pdf([page, page], font=font, extra=(_to_unicode(0x20),))
    assert decode_pdf(readable, Limits()).text.count("Annual report") == 24


def test_text_layer_of_unmapped_cids_needs_ocr():
    # glyph ids with no Unicode map (Identity-H, no ToUnicode, font not embedded): pdfminer says (cid:N),
    # pdfium returns the ids as code points
    font = (b"<< /Type /Font /Subtype /Type0 /BaseFont /Song /Encoding /Identity-H /DescendantFonts [<< /Type "
            b"/Font /Subtype /CIDFontType2 /BaseFont /Song /CIDSystemInfo << /Registry (Adobe) /Ordering "
            b"(Identity) /Supplement 0 >> >>] >>")
    glyphs = b"BT /F1 12 Tf 20 %d Td <0101020203030404050506060707080809090A0A0B0B0C0C> Tj ET"
    page = b"\n".join(glyphs % y for y in range(260, 20, -20))
    # the glyphs have no font to draw them with either: nothing for OCR to read, rejected (never 0 cells)
    assert error_code(build_pdf([page, page], font=font)) == "ocr_no_text"


def test_user_password_is_encrypted():
    data = build_pdf([TEXT], user_pw=b"secret")
    pypdfium2.PdfDocument(data, password="secret").close()  # the fixture really is a valid encrypted PDF
    assert error_code(data) == "pdf_encrypted"


def test_password_error_found_through_pdfplumber_wrapper():
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    assert _is_password_error(PdfminerException(PDFPasswordIncorrect()))
    assert not _is_password_error(PdfminerException(ValueError("bad xref")))


def test_truncated(real_pdf):
    assert error_code(real_pdf[: len(real_pdf) // 2]) == "pdf_truncated"


def test_trailing_whitespace_after_eof_is_fine():
    assert decode_pdf(build_pdf([TEXT]) + b"\r\n\0\0  \n", Limits()).pages == 1


def test_no_text_layer_and_nothing_to_read():
    # pages without a text layer go to OCR; a grey rectangle holds no text: rejected, never 0 cells
    rect_only = b"0.5 g 10 10 280 280 re f"
    assert error_code(build_pdf([rect_only, rect_only])) == "ocr_no_text"


def test_too_many_pages(real_pdf):
    assert error_code(real_pdf, Limits(max_pdf_pages=2)) == "pdf_too_many_pages"
    assert error_code(build_pdf([TEXT, TEXT]), Limits(max_pdf_pages=1)) == "pdf_too_many_pages"


def test_junk_after_header():
    junk = random.Random(7).randbytes(4096)
    assert error_code(b"%PDF-1.7\n" + junk + b"\n%%EOF\n") == "pdf_unreadable"


@pytest.mark.parametrize("data", [b"", b"<html><body>404</body></html>", random.Random(3).randbytes(2048)])
def test_not_a_pdf(data):
    assert error_code(data) == "pdf_unreadable"
