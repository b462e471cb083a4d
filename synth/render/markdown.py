"""Markdown as converters produce it (spec §9):

- `pdf_markdown`: PDF-to-markdown output. Pipe tables that break: a label on one row and its values on
  the next, a wrapped label continued on a row of its own, stray empty cells, a page footer row inside
  the table, `|---|` separator rows again after the page break.
- `ocr_markdown`: OCR output. One mini pipe table per table row under a placeholder header
  (| 数据1 | 数据2 | … |) or a wrong header row, and OCR character swaps in labels and text (沭→沐,
  已→己, 未→末, 0→O in labels). Digits of values are never changed.
"""

from __future__ import annotations

from pipelines.contract import ROW_HEADER, V2021, col_entry, label_of
from synth.grid import Grid, grids, with_continuations
from synth.model import Report
from synth.render.common import finish_text, flat, flow, rng_for

_OCR_SWAPS = str.maketrans({"沭": "沐", "已": "己", "未": "末", "0": "O"})
_OCR_TEXT_SWAPS = str.maketrans({"沭": "沐", "已": "己"})


def _row(cells: list[str]) -> str:
    return "|" + "|".join(cells) + "|"


def _sep(n: int) -> str:
    return "|" + "---|" * n


def _md_grid(g: Grid, rng, page: list[int]) -> list[str]:
    """One grid as a broken pipe table."""
    grid = with_continuations(g)
    rows = [[("" if c is None else flat(c.text, "<br>") if c.kind == "head" else flat(c.text)) for c in row]
            for row in grid]
    kinds = [["value" if c is not None and c.kind == "value" else "label" for c in row] for row in grid]
    n = max(len(r) for r in rows)
    out = []
    for i, (cells, kind) in enumerate(zip(rows, kinds)):
        cells = cells + [""] * (n - len(cells))
        kind = kind + ["value"] * (n - len(kind))
        if rng.random() < 0.03 and i > g.header_rows:  # the page ends inside the table
            page[0] += 1
            out += [_row([f"- {page[0]} -"] + [""] * (n - 1)), _sep(n)]
        r = rng.random()
        has_values = any(c and k == "value" for c, k in zip(cells, kind))
        if r < 0.15 and has_values and "label" in kind:  # labels on one row, values on the next
            out.append(_row([c if k == "label" else "" for c, k in zip(cells, kind)]))
            out.append(_row([c if k == "value" else "" for c, k in zip(cells, kind)]))
        elif r < 0.22:  # a stray empty cell
            at = rng.randrange(len(cells) + 1)
            out.append(_row(cells[:at] + [""] + cells[at:]))
        else:
            out.append(_row(cells))
        if i == 0:
            out.append(_sep(n))
    return out


def pdf_markdown(report: Report) -> bytes:
    rng = rng_for(report, "pdfmd")
    page = [1]
    out: list[str] = []
    for kind, item in flow(report):
        if kind == "tables":
            for g in grids(report.tables, item):
                out += [""] + _md_grid(g, rng, page) + [""]
        elif kind == "title":
            out += ["# " + str(item), ""]
        elif kind == "heading":
            out += ["## " + str(item) if rng.random() < 0.7 else f"**{item}**", ""]
        else:
            out += [str(item), ""]
    return finish_text(report, "\n".join(out) + "\n")


def _ocr(text: str, rng, rate: float) -> str:
    return text.translate(_OCR_SWAPS) if rng.random() < rate else text


def _mini_tables(g: Grid, rng, rate: float) -> list[str]:
    out = []
    for row in with_continuations(g):
        cells = [_ocr(flat(c.text), rng, rate) if c.kind != "value" else c.text for c in row if c is not None]
        if not cells:
            continue
        n = len(cells)
        r = rng.random()
        if r < 0.1:  # the row itself read as the header, with an empty body
            out += [_row(cells), _sep(n), ""]
            continue
        if r < 0.2:  # a wrong header row (another table's)
            header = ([ROW_HEADER] + [label_of(col_entry("t2_art20_1", c)) for c in V2021["t2_art20_1"].cols]) * 4
            header = header[:n]
        else:
            header = [f"数据{i}" for i in range(1, n + 1)]
        out += [_row(header), _sep(n), _row(cells), ""]
    return out


def ocr_markdown(report: Report) -> bytes:
    rng = rng_for(report, "ocr")
    rate = rng.choice((0.0, 0.3, 1.0))  # how often the OCR swaps characters in a label
    out: list[str] = []
    for kind, item in flow(report):
        if kind == "tables":
            for g in grids(report.tables, item):
                out += _mini_tables(g, rng, rate)
        elif kind == "title":
            out += ["# " + str(item), ""]
        elif kind == "heading":
            out += ["## " + str(item).translate(_OCR_TEXT_SWAPS), ""]
        else:
            out += [str(item).translate(_OCR_TEXT_SWAPS), ""]
    return finish_text(report, "\n".join(out) + "\n")


def ocr_notes(report: Report) -> list[str]:
    text = "".join(p for s in report.sections for p in s.before + s.after)
    if "沭" in text:
        return ["OCR swap 沭→沐 in the narrative; the gold agency keeps the real name."]
    return []
