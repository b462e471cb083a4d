"""PDF → `Decoded`: layout-preserving text plus paragraphs and ruled tables as grids.

Why these libraries:
- pypdfium2 opens a file in milliseconds, so it counts pages (and tells a password-protected file from
  a broken one) before any expensive work; a 3,000-page upload is refused without being parsed.
- pdfplumber (on pdfminer.six) is slower (~0.1 s a page) but gives what the extractor needs: text that
  keeps the visual columns (`extract_text(layout=True)`, like `pdftotext -layout`) and detection of
  ruled tables with the geometry of every cell, so merged cells can be spread over the grid.

Output shape:
- `original_text`: each page's layout text (common left margin removed, trailing padding and runs of
  blank lines dropped, column alignment inside lines kept); pages joined by "\\n\\f\\n" (the form feed
  is pdftotext's page break). Normalisation turns the form feed into a space, so in `Decoded.text`
  a page break reads as a blank line.
- `blocks`: per page, in reading order, paragraphs (text lines outside tables, grouped at indents, wide
  gaps and short closing lines) and one table block per ruled table, placed by its top edge. A table
  split across pages stays two blocks.

Word-exported PDFs paint every narrative line on a white filled rectangle (all three corpus PDFs do);
pdfplumber would take those stacked rectangles for a one-column table swallowing the page. Tables are
therefore found from visible rulings (stroked lines/rects, thin filled bars in a non-white colour) plus
the filled rectangles with two sides on such rulings: cell backgrounds, which close a cell whose border
Word left undrawn at a page break. A position of the grid that no cell covers still gets the text lying
in it, so no table text is lost.

Text the PDF lacks stays lacking: both 洪泽区 reports print "2.其他法律行政止公开" (法规禁 missing on the
rendered page too), so label matching downstream must tolerate missing characters.

A glyph pdfminer cannot map to Unicode comes out as `(cid:N)`: that is what it makes of some copy-protected
government PDFs (an owner password and an empty user password, so any reader opens them) and of some CID
fonts, which pdfium reads. When most of the text layer is such glyphs (or private-use code points),
pdfium's text is taken instead (decoder `pypdfium2-…`, flag `pdf_text_from_pdfium`: plain lines, no
ruled-table grids). When pdfium cannot read it either, the pages are read by OCR.

Scanned pages — a PDF whose pages are images, or some pages of it (a text report with a scanned table
appended) — are rendered by pdfium and read by OCR (`ocr.py`; decoder `rapidocr-…`, flag `pdf_ocr` and
the OCR numbers). A PDF in which neither the text layer nor OCR finds any text is rejected as
`ocr_no_text`, never recorded as a document with 0 cells.
"""

from __future__ import annotations

import io
import re
from statistics import median

from pipelines.decode.model import Block, DecodeError, Decoded, Limits, NeedsOcr, grid_text
from pipelines.decode.normalise import finish
from pipelines.decode.registry import decoder

# pdfplumber, pypdfium2 and NumPy are imported by the functions that use them, not here: the registry imports
# every decoder module when a worker (or `nianbao check`) asks for its first format, and a worker decoding
# text and HTML would pay ~0.3 s for them (measured in a decode worker's start-up, issue 15).
_EOF_WINDOW = 1024
_CJK_OR_FULLWIDTH = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
# A character that says nothing: an unmapped CID, a private-use code point, the replacement character.
_NO_MEANING = re.compile(r"\(cid:\d+\)|[\ue000-\uf8ff\U000f0000-\U0010ffff\ufffd]")
_UNREADABLE_SHARE = 0.2  # of the visible characters: beyond it the labels cannot be read
# What a report's text is made of. pdfium, given glyph ids with no Unicode map (Identity-H, no ToUnicode),
# returns the ids as code points: Latin Extended, Cyrillic, Devanagari… — text that is not text.
_REPORT_CHARACTER = re.compile(r"[\x21-\x7e\u00b0-\u00b7\u00d7\u00f7\u2010-\u2031\u2160-\u217f\u2460-\u24ff"
                               r"\u2500-\u25ff\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f"
                               r"\uff00-\uffef]")


@decoder("pdf", extensions=(".pdf",), grids=True, layout="pdf")
def decode_pdf(data: bytes, limits: Limits, ocr: bool = True) -> Decoded:
    """Decode a PDF; raise `DecodeError` (pdf_truncated, pdf_encrypted, pdf_too_many_pages,
    pdf_unreadable, pdf_text_unreadable, ocr_no_text) when it cannot be decoded. Pages without a text
    layer (scans) and a text layer no reader can map are read by OCR (`ocr.py`); with `ocr=False`,
    `NeedsOcr` is raised instead, with the number of pages to OCR."""
    import pdfplumber

    _check_envelope(data)
    _check_pages(_count_pages(data), limits)
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            _check_pages(len(pdf.pages), limits)
            pages = [_decode_page(page, n) for n, page in enumerate(pdf.pages, start=1)]
            with_images = [bool(page.images) for page in pdf.pages]
    except DecodeError:
        raise
    except Exception as exc:  # pdfminer raises a wide zoo of exceptions on malformed input
        if _is_password_error(exc):
            raise DecodeError("pdf_encrypted", "the PDF needs a password to open") from exc
        if isinstance(exc, MemoryError) or "allocate" in str(exc):  # zlib inflating past RLIMIT_AS
            raise DecodeError("pdf_decompression_bomb", "a stream inflates beyond the decoder's memory limit "
                                                        f"(NIANBAO_DECODE_MEMORY_MB): {_short(exc)}") from exc
        raise DecodeError("pdf_unreadable", f"pdfplumber could not parse the PDF: {_short(exc)}") from exc

    if not any(text.strip() for text, _, _ in pages):  # a scan: every page is an image (or blank)
        return _ocr_pdf(data, pages, list(range(len(pages))), ocr, "none of the pages has a text layer")
    unmapped, visible = (sum(counts[i] for _, _, counts in pages) for i in (0, 1))
    if unmapped > _UNREADABLE_SHARE * visible:
        try:
            return _pdfium_text(data, unmapped, visible)
        except DecodeError as exc:
            if exc.code != "pdf_text_unreadable":
                raise
            return _ocr_pdf(data, [("", [], (0, 0))] * len(pages), list(range(len(pages))), ocr,
                            "the text layer maps to no characters")
    scanned = [i for i, (text, _, _) in enumerate(pages) if not text.strip() and with_images[i]]
    if scanned:  # some pages text, some page images
        return _ocr_pdf(data, pages, scanned, ocr, "pages without a text layer")
    original_text = "\n\f\n".join(text for text, _, _ in pages)
    blocks = [b for _, page_blocks, _ in pages for b in page_blocks]
    flags = ["pdf_unmapped_glyphs"] if unmapped else []
    return finish(original_text, blocks, decoder=f"pdfplumber-{pdfplumber.__version__}", pages=len(pages),
                  flags=flags)


def _ocr_pdf(data: bytes, pages: list[tuple[str, list[Block], tuple[int, int]]], scanned: list[int], ocr: bool,
             why: str) -> Decoded:
    """The PDF with the pages `scanned` read by OCR (rendered at `ocr.OCR_DPI`, grey), the others as their
    text layer gave them. Raise `NeedsOcr` when `ocr` is False, `ocr_no_text` when OCR finds no text
    on any page and no page has a text layer either."""
    import numpy as np
    import pdfplumber
    import pypdfium2

    from pipelines.decode import ocr as engine

    if not ocr:
        raise NeedsOcr(len(scanned))
    doc = pypdfium2.PdfDocument(data)
    try:
        def images():
            for i in scanned:
                page = doc[i]
                bitmap = page.render(scale=engine.OCR_DPI / 72, grayscale=True)
                image = np.asarray(bitmap.to_pil().convert("L"))
                bitmap.close()
                page.close()
                yield image
        read, stats = engine.read_pages(images())
    finally:
        doc.close()
    texts = {i: p.text for i, p in zip(scanned, read)}
    alternatives = {i: p.alternatives for i, p in zip(scanned, read)}
    if not any(t.strip() for t in texts.values()) and not any(text.strip() for text, _, _ in pages):
        raise DecodeError("ocr_no_text", f"{why}, and OCR finds no text on the {len(scanned)} page"
                                         f"{'s' if len(scanned) > 1 else ''}: blank pages or pictures, not a report")
    page_texts, blocks, readings = [], [], []
    for i, (text, page_blocks, _) in enumerate(pages):
        if i in texts:
            page_texts.append(texts[i])
            readings += alternatives[i]
            if texts[i].strip():
                blocks.append(Block(kind="paragraph", text=texts[i], page=i + 1))
        else:
            page_texts.append(text)
            readings += [()] * text.count(engine.UNREADABLE)
            blocks += page_blocks
    decoder = engine.engine_version() if len(scanned) == len(pages) else \
        f"pdfplumber-{pdfplumber.__version__} + {engine.engine_version()}"
    decoded = finish("\n\f\n".join(page_texts), blocks, decoder=decoder, pages=len(pages),
                     flags=engine.stats_flags("pdf_ocr", stats))
    decoded.flags += engine.alternatives_flag(decoded.text, readings)
    return decoded


def _pdfium_text(data: bytes, unmapped: int, visible: int) -> Decoded:
    """The document as pdfium reads it: each page's lines, paragraphs at blank lines. Raise
    `pdf_text_unreadable` when pdfium finds no more meaning in the glyphs than pdfminer did."""
    import pypdfium2

    texts = []
    try:
        doc = pypdfium2.PdfDocument(data)
        try:
            for page in doc:
                textpage = page.get_textpage()
                texts.append(textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n"))
                textpage.close()
                page.close()
        finally:
            doc.close()
    except pypdfium2.PdfiumError as exc:
        raise DecodeError("pdf_unreadable", f"pdfium could not read the text layer: {_short(exc)}") from exc
    chars = [ch for text in texts for ch in text if not ch.isspace()]
    if not chars or sum(1 for ch in chars if not _REPORT_CHARACTER.match(ch)) > _UNREADABLE_SHARE * len(chars):
        raise DecodeError("pdf_text_unreadable", f"{unmapped} of the {visible} characters of the text layer "
                                                 "map to no character ((cid:N) or private-use glyphs), and "
                                                 "pdfium reads no text from them either: only OCR could read "
                                                 "this PDF")
    blocks = [Block(kind="paragraph", text=para.strip(), page=n)
              for n, text in enumerate(texts, start=1) for para in re.split(r"\n\s*\n", text) if para.strip()]
    return finish("\n\f\n".join(texts), blocks, decoder=f"pypdfium2-{pypdfium2.version.PYPDFIUM_INFO}",
                  pages=len(texts), flags=["pdf_text_from_pdfium"])


def _check_envelope(data: bytes) -> None:
    # Readers accept a header anywhere in the first 1024 bytes (some servers prepend junk).
    if b"%PDF-" not in data[:_EOF_WINDOW]:
        raise DecodeError("pdf_unreadable", "not a PDF: no %PDF- header in the first 1024 bytes")
    if b"%%EOF" not in data.rstrip(b" \t\r\n\x00")[-_EOF_WINDOW:]:
        raise DecodeError("pdf_truncated", f"no %%EOF marker at the end of the file ({len(data)} bytes): "
                                           "the download was probably cut off")


def _count_pages(data: bytes) -> int:
    import pypdfium2
    from pypdfium2 import raw as pdfium_c

    try:
        doc = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        if exc.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            raise DecodeError("pdf_encrypted", f"the PDF needs a password to open ({_short(exc)})") from exc
        raise DecodeError("pdf_unreadable", f"pdfium could not open the PDF: {_short(exc)}") from exc
    try:
        return len(doc)
    finally:
        doc.close()


def _check_pages(n: int, limits: Limits) -> None:
    if n > limits.max_pdf_pages:
        raise DecodeError("pdf_too_many_pages", f"{n} pages, more than the limit of {limits.max_pdf_pages}")


def _is_password_error(exc: BaseException) -> bool:
    # pdfplumber wraps pdfminer's PDFPasswordIncorrect in PdfminerException; walk the chain.
    for _ in range(8):
        if exc is None:
            return False
        if type(exc).__name__ in ("PDFPasswordIncorrect", "PDFEncryptionError"):
            return True
        exc = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc.__cause__
    return False


def _short(exc: BaseException, limit: int = 200) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _decode_page(page, n: int) -> tuple[str, list[Block], tuple[int, int]]:
    """One page: its layout text, its blocks in reading order, (characters that say nothing, visible ones)."""
    keep = _table_objects(page)
    tables = page.filter(lambda o: o["object_type"] == "char" or id(o) in keep).find_tables()
    boxes = [t.bbox for t in tables]
    outside = page.filter(lambda o: o["object_type"] == "char" and not _inside(o, boxes))
    lines = [ln for ln in outside.extract_text_lines(return_chars=False) if ln["text"].strip()]

    items = [(ln["top"], 0, ln) for ln in lines] + [(t.bbox[1], 1, t) for t in tables]
    items.sort(key=lambda item: (item[0], item[1]))
    blocks: list[Block] = []
    run: list[dict] = []
    for _, is_table, obj in items:
        if is_table:
            blocks += _paragraphs(run, n)
            run = []
            grid, continued = _grid(obj)
            blocks.append(Block(kind="table", text=grid_text(grid, continued), page=n, grid=grid))
        else:
            run.append(obj)
    blocks += _paragraphs(run, n)

    visible = [c["text"] for c in page.chars if c["text"].strip()]
    counts = (sum(1 for t in visible if _NO_MEANING.fullmatch(t)), len(visible))
    return _tidy_layout(page.extract_text(layout=True)), blocks, counts


def _table_objects(page) -> set[int]:
    """ids of the page objects that may delimit table cells (see the module docstring)."""
    rules = [o for o in page.lines + page.rects + page.curves if _is_visible_rule(o)]
    index: dict[tuple[str, int], list[tuple[float, float]]] = {}
    for o in rules:
        for axis, pos, start, end in _edges(o):
            index.setdefault((axis, round(pos)), []).append((start, end))

    def on_rule(axis: str, pos: float, start: float, end: float) -> bool:
        spans = [s for p in range(round(pos) - 2, round(pos) + 3) for s in index.get((axis, p), ())]
        return any(min(end, e) - max(start, s) >= (end - start) / 2 for s, e in spans)

    # A filled rectangle counts when two of its sides lie on visible rulings: a cell's background
    # then closes a cell whose own border Word left undrawn (at a page break), while a narrative
    # line's background, touching at most one table border, stays out.
    rule_ids = {id(o) for o in rules}
    fills = [o for o in page.rects if id(o) not in rule_ids and sum(on_rule(*e) for e in _edges(o)) >= 2]
    return rule_ids | {id(o) for o in fills}


def _edges(obj: dict) -> list[tuple[str, float, float, float]]:
    x0, top, x1, bottom = obj["x0"], obj["top"], obj["x1"], obj["bottom"]
    if obj["object_type"] == "line" and abs(bottom - top) < 1:
        return [("h", top, x0, x1)]
    if obj["object_type"] == "line" and abs(x1 - x0) < 1:
        return [("v", x0, top, bottom)]
    return [("h", top, x0, x1), ("h", bottom, x0, x1), ("v", x0, top, bottom), ("v", x1, top, bottom)]


def _is_visible_rule(obj: dict) -> bool:
    if obj["object_type"] == "line" or obj.get("stroke"):
        return not _is_white(obj.get("stroking_color"))
    # Word draws cell borders as thin filled bars.
    return bool(obj.get("fill")) and not _is_white(obj.get("non_stroking_color")) \
        and min(obj["width"], obj["height"]) <= 3


def _is_white(colour) -> bool:
    if isinstance(colour, (int, float)):
        colour = (colour,)
    if not isinstance(colour, (tuple, list)) or not all(isinstance(v, (int, float)) for v in colour):
        return False  # unset (default black) or a pattern: treat as visible
    if len(colour) in (1, 3):
        return all(v >= 0.95 for v in colour)
    return len(colour) == 4 and all(v <= 0.05 for v in colour)  # CMYK


def _inside(obj: dict, boxes: list[tuple]) -> bool:
    cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in boxes)


def _grid(table) -> tuple[list[list[str]], list[list[bool]]]:
    """The table as a rectangular grid, a merged cell's text filling every position it covers, and per
    position whether a cell to its left covers it (for `grid_text`, which prints a merged figure once).

    pdfplumber lays cells on a grid of distinct cell left edges × distinct cell tops and leaves None
    where a spanning cell covers a position; the cell's bbox tells how far it reaches. A position no
    cell covers (a border Word did not draw) takes the text lying in it.
    """
    from pdfplumber.utils import extract_text

    rows, texts = table.rows, table.extract()
    tops = [row.bbox[1] for row in rows] + [table.bbox[3]]
    lefts = sorted({cell[0] for row in rows for cell in row.cells if cell is not None}) + [table.bbox[2]]
    grid: list[list[str | None]] = [[None] * (len(lefts) - 1) for _ in rows]
    continued = [[False] * (len(lefts) - 1) for _ in rows]
    spans = []
    for r, row in enumerate(rows):
        for c, cell in enumerate(row.cells):
            if cell is not None:
                grid[r][c] = (texts[r][c] or "").strip()
                spans.append((r, c, cell))
    eps = 1.0
    for r, c, (_, _, x1, bottom) in spans:
        for rr in range(r, len(rows)):
            if rr > r and tops[rr] >= bottom - eps:
                break
            for cc in range(c, len(lefts) - 1):
                if cc > c and lefts[cc] >= x1 - eps:
                    break
                if grid[rr][cc] is None:
                    grid[rr][cc] = grid[r][c]
                    continued[rr][cc] = cc > c
    for r, row in enumerate(grid):
        for c, cell in enumerate(row):
            if cell is None:
                box = (lefts[c], tops[r], lefts[c + 1], tops[r + 1])
                row[c] = extract_text([ch for ch in table.page.chars if _inside(ch, [box])]).strip()
    return grid, continued


def _paragraphs(lines: list[dict], page: int) -> list[Block]:
    """Group consecutive text lines into paragraphs: a new one starts at an indented line, after a
    vertical gap wider than a line, or after a line that stops short of the right margin."""
    if not lines:
        return []
    height = median(ln["bottom"] - ln["top"] for ln in lines)
    left = min(ln["x0"] for ln in lines)
    right = max(ln["x1"] for ln in lines)
    groups: list[list[dict]] = []
    prev = None
    for ln in lines:
        starts = (prev is None or ln["x0"] > left + height or ln["top"] - prev["bottom"] > height
                  or prev["x1"] < right - 2 * height)
        if starts:
            groups.append([ln])
        else:
            groups[-1].append(ln)
        prev = ln
    return [Block(kind="paragraph", text=_join([ln["text"].strip() for ln in g]), page=page) for g in groups]


def _join(parts: list[str]) -> str:
    """Join wrapped lines: no space at a CJK boundary (Chinese has none), one between Latin words."""
    out = parts[0]
    for part in parts[1:]:
        cjk = _CJK_OR_FULLWIDTH.match(out[-1:]) or _CJK_OR_FULLWIDTH.match(part[:1])
        out += part if cjk else " " + part
    return out


def _tidy_layout(text: str) -> str:
    """Drop layout mode's padding (trailing spaces, blank runs, the page's left margin); keep columns."""
    lines = [ln.rstrip() for ln in text.split("\n")]
    kept: list[str] = []
    for ln in lines:
        if ln or (kept and kept[-1]):
            kept.append(ln)
    while kept and not kept[-1]:
        kept.pop()
    margin = min((len(ln) - len(ln.lstrip(" ")) for ln in kept if ln), default=0)
    return "\n".join(ln[margin:] for ln in kept)
