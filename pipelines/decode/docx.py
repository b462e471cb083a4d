"""DOCX → `Decoded`: the body's paragraphs and tables in document order, tables as grids.

A DOCX is a ZIP of XML parts, so the archive is vetted with `zipfile` before python-docx sees it, and
nothing is ever extracted to disk:
- members, total declared size and compression ratio are bounded (`Limits`); every XML part is then
  read with a bounded read, so a member that inflates past its declared size cannot exhaust memory;
- no part may carry a DTD (`<!DOCTYPE` / `<!ENTITY`): Word never writes one, and a DTD is how an
  entity-expansion ("billion laughs") bomb is smuggled in. python-docx's own parser does not resolve
  entities either; refusing early gives the specific reason.

Text choices:
- A paragraph's text is every run in it, including those python-docx's `Paragraph.text` skips (tracked
  insertions `w:ins`, content controls, smart tags, field results); deleted text (`w:delText`) is not
  text, and the VML fallback copy of a text box (`mc:Fallback`) is skipped so text boxes are not doubled.
- A table is a grid on Word's layout grid: a horizontally merged cell (`gridSpan`) and a vertically
  merged one (`vMerge`) repeat their text in every position they cover; rows that start late or end
  early (`gridBefore`/`gridAfter`) are padded with "". A cell's text is its paragraphs joined by "\\n";
  a nested table is flattened into its cell, one row per line, cells separated by a space.
- Content controls (`w:sdt`) and custom XML wrappers in the body are looked through; headers, footers,
  footnotes and comments are not part of the text.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from lxml import etree

from pipelines.decode.model import Block, DecodeError, Decoded, Limits, grid_text
from pipelines.decode.normalise import finish
from pipelines.decode.registry import decoder

_MAIN_PART = "word/document.xml"
_RATIO_FLOOR = 1024 * 1024  # tiny XML parts compress 50–100×; only large members can be bombs
_MAX_COLUMNS = 64  # Word's own limit is 63 columns; a forged gridSpan must not allocate millions
_DTD = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_RUNS = etree.XPath(".//w:r[not(ancestor::mc:Fallback)]", namespaces={
    "w": _W, "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006"})
# the body's element tags in Clark notation ({namespace}name, what python-docx's qn("w:p") gives), written out:
# python-docx itself (~0.1 s to import) is imported by decode_docx only, not in every worker that imports the
# decoders to find the text ones (see pdf.py)
_P, _TBL, _SDT, _SDT_CONTENT, _CUSTOM_XML = (f"{{{_W}}}{t}" for t in ("p", "tbl", "sdt", "sdtContent", "customXml"))


@decoder("docx", extensions=(".docx",), grids=True, layout="docx")
def decode_docx(data: bytes, limits: Limits) -> Decoded:
    """Decode a DOCX; raise `DecodeError` (docx_not_zip, docx_corrupt, docx_zip_bomb, docx_not_word,
    docx_xml_entities, docx_malformed_xml) when it cannot be decoded."""
    import docx

    _vet_archive(data, limits)
    try:
        document = docx.Document(io.BytesIO(data))
    except etree.XMLSyntaxError as exc:
        raise DecodeError("docx_malformed_xml", f"an XML part does not parse: {_short(exc)}") from exc
    except ValueError as exc:  # python-docx: "file ... is not a Word file, content type is ..."
        raise DecodeError("docx_not_word", _short(exc)) from exc
    except Exception as exc:  # a part named in the relationships but missing, a bad content-types file
        raise DecodeError("docx_corrupt", f"python-docx could not open the package: {_short(exc)}") from exc

    try:
        blocks = [block for child in document.element.body.iterchildren() for block in _blocks(child)]
    except Exception as exc:  # an attribute that is not what the schema says (gridSpan="x") and the like
        raise DecodeError("docx_malformed_xml", f"the document body does not follow the schema: {_short(exc)}") \
            from exc
    original_text = "\n".join(b.text for b in blocks)
    return finish(original_text, blocks, decoder=f"python-docx-{docx.__version__}")


def _vet_archive(data: bytes, limits: Limits) -> None:
    if not data.startswith(b"PK"):
        what = ("an OLE2 container (a legacy .doc, or a password-protected DOCX)"
                if data.startswith(bytes.fromhex("D0CF11E0A1B11AE1")) else "not a ZIP archive")
        raise DecodeError("docx_not_zip", f"{what}; a DOCX is a ZIP archive")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = zf.infolist()
            if len(members) > limits.max_zip_members:
                raise DecodeError("docx_zip_bomb", f"{len(members)} archive members, more than the limit of "
                                                   f"{limits.max_zip_members}")
            declared = sum(m.file_size for m in members)
            if declared > limits.max_unzipped_bytes:
                raise DecodeError("docx_zip_bomb", f"members declare {declared} bytes uncompressed, more than "
                                                   f"the limit of {limits.max_unzipped_bytes}")
            for m in members:
                if m.file_size > _RATIO_FLOOR and m.file_size > limits.max_zip_ratio * max(m.compress_size, 1):
                    raise DecodeError("docx_zip_bomb", f"member {m.filename} inflates {m.compress_size} → "
                                                       f"{m.file_size} bytes, a ratio over {limits.max_zip_ratio}")
            if _MAIN_PART not in {m.filename for m in members}:
                raise DecodeError("docx_not_word", f"the archive has no {_MAIN_PART}: not a Word document")
            budget = limits.max_unzipped_bytes
            for m in members:
                if not m.filename.lower().endswith((".xml", ".rels")):
                    continue
                with zf.open(m) as member:
                    part = member.read(budget + 1)
                if len(part) > budget:
                    raise DecodeError("docx_zip_bomb", f"member {m.filename} inflates past the limit of "
                                                       f"{limits.max_unzipped_bytes} bytes")
                budget -= len(part)
                if _DTD.search(_as_utf8(part)):
                    raise DecodeError("docx_xml_entities", f"{m.filename} declares a DTD or entities, which Word "
                                                           "never writes (entity-expansion defence)")
    except DecodeError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError, ValueError) \
            as exc:  # CRC mismatch, truncated archive, encrypted member, unsupported compression
        raise DecodeError("docx_corrupt", f"the ZIP archive is damaged: {_short(exc)}") from exc


def _as_utf8(part: bytes) -> bytes:
    # XML may be UTF-16 (BOM or '<' '\0'); a byte search for "<!DOCTYPE" would miss it.
    if part[:2] in (b"\xff\xfe", b"\xfe\xff") or part[:2] in (b"<\0", b"\0<"):
        encoding = "utf-16" if part[:2] in (b"\xff\xfe", b"\xfe\xff") else \
            ("utf-16-le" if part[:1] == b"<" else "utf-16-be")
        return part.decode(encoding, errors="replace").encode("utf-8")
    return part


def _short(exc: BaseException, limit: int = 200) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _blocks(element) -> list[Block]:
    """The blocks of one body-level element: a paragraph, a table, or a wrapper holding them."""
    if element.tag == _P:
        text = _paragraph_text(element)
        return [Block(kind="paragraph", text=text)] if text.strip() else []
    if element.tag == _TBL:
        grid, continued = _grid(element)
        return [Block(kind="table", text=grid_text(grid, continued), grid=grid)] if grid else []
    if element.tag in (_SDT, _SDT_CONTENT, _CUSTOM_XML):
        return [block for child in element.iterchildren() for block in _blocks(child)]
    return []  # w:sectPr, bookmarks, proofing marks


def _paragraph_text(p) -> str:
    return "".join(run.text for run in _RUNS(p))


def _grid(tbl) -> tuple[list[list[str]], list[list[bool]]]:
    """The table's grid and, per position, whether the cell to its left covers it (gridSpan)."""
    grid: list[list[str]] = []
    continued: list[list[bool]] = []
    for tr in tbl.tr_lst:
        row = [""] * min(tr.grid_before, _MAX_COLUMNS)
        cont = [False] * len(row)
        for tc in tr.tc_lst:
            span = max(1, min(tc.grid_span, _MAX_COLUMNS))
            if tc.vMerge == "continue":
                # The text of a vertically merged cell lives in its first row; repeat what is above.
                above = grid[-1] if grid else []
                row += [above[c] if c < len(above) else "" for c in range(len(row), len(row) + span)]
            else:
                row += [_cell_text(tc)] * span
            cont += [False] + [True] * (span - 1)
            if len(row) >= _MAX_COLUMNS:
                break
        grid.append(row[:_MAX_COLUMNS])
        continued.append(cont[:_MAX_COLUMNS])
    width = max((len(row) for row in grid), default=0)
    if not width:
        return [], []
    return ([row + [""] * (width - len(row)) for row in grid],
            [cont + [False] * (width - len(cont)) for cont in continued])


def _cell_text(tc) -> str:
    return "\n".join(_flat_texts(tc)).strip()


def _flat_texts(container) -> list[str]:
    """Texts of a cell's content in order: each paragraph, each row of a nested table."""
    texts: list[str] = []
    for child in container.iterchildren():
        if child.tag == _P:
            texts.append(_paragraph_text(child))
        elif child.tag == _TBL:
            # One line per nested row; a merged cell's repeats collapse to one copy.
            grid, continued = _grid(child)
            texts += [" ".join(c for c, cont in zip(row, conts) if c and not cont)
                      for row, conts in zip(grid, continued)]
        elif child.tag in (_SDT, _SDT_CONTENT, _CUSTOM_XML):
            texts += _flat_texts(child)
    return texts
