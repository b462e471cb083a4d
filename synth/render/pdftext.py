"""Text of a PDF as extractors give it, without drawing the PDF (spec §9, corpus/pdf/*):

- `pdf_layout_text`: `pdftotext -layout` style. Columns aligned with spaces, long labels wrapped over
  2–3 lines with the values on the first or the middle line, group labels (三、本年度办理结果) broken
  into short pieces down their column, page footers (`- 3 -`) and form feeds inside tables, a table
  split across pages with its header repeated or not.
- `pdf_reading_order`: a plain extractor's reading order (pypdfium2): one header cell per line, label and
  values on one line when the label fits, else the label's pieces then the values; T4's header cells
  one per line then its 15 values on one line; for some documents T3 emitted column by column.
"""

from __future__ import annotations

import re

from pipelines.contract.grammar import PROSE_COUNT_UNIT, PROSE_MONEY_UNIT
from synth.grid import Grid, grids, positions
from synth.model import Report
from synth.render.common import finish_text, flat, flow, rng_for

_WIDTHS = {"t2": [16, 10, 10, 10], "t3_applications": [2, 5, 15] + [5] * 7, "t4_review_litigation": [5] * 15}
# a figure in a sentence, between a character and its unit (共收到12件): pdftotext may space it out
_NUMBER = re.compile(rf"(?<=[\u4e00-\u9fff])(\d+)(?={PROSE_COUNT_UNIT}|{PROSE_MONEY_UNIT})")
PAGE_LINES = 44


def wrap(text: str, width: int) -> list[str]:
    """Break a label at its printed line breaks, then every `width` characters."""
    out: list[str] = []
    for part in text.split("\n"):
        out += [part[i:i + width] for i in range(0, len(part), width)] or [""]
    return out


def _join(fragments: list[tuple[int, str]]) -> str:
    line = ""
    for x, s in sorted(fragments):
        line += " " * max(1 if line else 0, x - len(line)) + s
    return line


def layout_grid(g: Grid, middle: bool, gap: int) -> tuple[list[list[str]], int]:
    """The grid as blocks of text lines, one block per grid row; and how many blocks are header."""
    widths = _WIDTHS[g.key]
    xs = [sum(widths[:c]) + gap * c for c in range(len(widths) + 1)]
    placed = positions(g)

    def width(c: int, span: int) -> int:
        return xs[c + span] - xs[c] - gap

    heights = [1] * len(placed)
    for r, row in enumerate(placed):
        for _, c, cell in row:
            if cell.rowspan == 1 and cell.kind != "value":
                heights[r] = max(heights[r], len(wrap(cell.text, width(c, cell.colspan))))
    for r, row in enumerate(placed):
        for _, c, cell in row:
            need = len(wrap(cell.text, width(c, cell.colspan)))
            have = sum(heights[r:r + cell.rowspan])
            if cell.rowspan > 1 and need > have:
                heights[r + cell.rowspan - 1] += need - have
    starts = [sum(heights[:r]) for r in range(len(heights))]
    lines: list[list[tuple[int, str]]] = [[] for _ in range(sum(heights))]
    for r, row in enumerate(placed):
        for _, c, cell in row:
            w = width(c, cell.colspan)
            if cell.kind == "value":
                if cell.text:
                    at = starts[r] + ((heights[r] - 1) // 2 if middle else 0)
                    lines[at].append((xs[c] + max(0, (w - len(cell.text)) // 2), cell.text))
                continue
            pieces = wrap(cell.text, w)
            total = sum(heights[r:r + cell.rowspan])
            top = starts[r] + ((total - len(pieces)) // 2 if cell.rowspan > 1 or cell.kind == "head" else 0)
            for i, piece in enumerate(pieces):
                lines[top + i].append((xs[c], piece))
    text = [_join(f) for f in lines]
    return [text[s:s + h] for s, h in zip(starts, heights)], g.header_rows


def _footer(n: int) -> str:
    return ("" if n % 2 == 0 else " " * 58) + f"- {n} -"


def pdf_layout_text(report: Report) -> bytes:
    rng = rng_for(report, "layout")
    middle, airy, repeat = rng.random() < 0.6, rng.random() < 0.5, rng.random() < 0.5
    feed, margin = rng.random() < 0.5, " " * rng.choice((0, 4, 10))
    pages: list[list[str]] = [[]]

    def emit(block: list[str], header: list[str] | None = None) -> None:
        if len(pages[-1]) + len(block) > PAGE_LINES and pages[-1]:
            pages[-1] += ["", "", _footer(len(pages))]
            pages.append(["\f"] if feed else ["", ""])
            if header:
                pages[-1] += header
        pages[-1].extend(block)

    for kind, item in flow(report):
        if kind == "tables":
            for g in grids(report.tables, item):
                blocks, n_head = layout_grid(g, middle, rng.choice((1, 2)))
                header = [ln for b in blocks[:n_head] for ln in b] if repeat else None
                for i, block in enumerate(blocks):
                    emit([margin + ln for ln in block] + ([""] if airy and rng.random() < 0.5 else []),
                         header if i >= n_head else None)
                emit([""])
            continue
        text = str(item)
        if kind == "para":
            text = _NUMBER.sub(lambda m: f"  {m.group(1)}  " if rng.random() < 0.3 else m.group(1), text)
            for i, piece in enumerate(wrap(text, 32)):
                emit([margin + ("    " if i == 0 else "") + piece] + ([""] if airy else []))
        else:
            emit([margin + ("     " if kind == "heading" else " " * 12) + text, ""])
    pages[-1] += ["", "", _footer(len(pages))]
    return finish_text(report, "\n".join(ln for page in pages for ln in page) + "\n")


def _reading_rows(g: Grid, one_per_line: bool = False) -> list[list[str]]:
    """Row by row: group labels broken into pieces, label with its values on one line when it fits
    (or, `one_per_line`, every value on a line of its own)."""
    widths = _WIDTHS[g.key]
    out = []
    for r, row in enumerate(positions(g)):
        lines: list[str] = []
        values = [cell.text for _, _, cell in row if cell.kind == "value" and cell.text]
        labels = [(c, cell) for _, c, cell in row if cell.kind != "value"]
        if g.key == "t2" and r >= 0 and all(cell.kind == "head" for _, cell in labels):
            out.append([" ".join(flat(cell.text) for _, cell in labels)])
            continue
        for c, cell in labels:
            w = sum(widths[c:c + cell.colspan]) + cell.colspan - 1
            pieces = wrap(cell.text, 1 if cell.kind == "group" and c == 0 else w)
            if cell.kind == "group" and c == 0 and pieces[:2] and pieces[1] == "、":
                pieces = [pieces[0] + "、"] + pieces[2:]
            lines += pieces
        if one_per_line:
            lines += values
        elif values and lines and len(lines[-1]) <= 16 and cell.kind == "label":
            lines[-1] += " " + " ".join(values)
        elif values:
            lines.append(" ".join(values))
        out.append(lines)
    return out


def _by_column(g: Grid) -> list[list[str]]:
    """T3 as some extractors emit it: header cells, all row labels, then the values column by column."""
    rows = _reading_rows(Grid(g.key, [[c for c in row if c.kind != "value"] for row in g.rows], g.ncols))
    value_rows = [[c.text for c in row if c.kind == "value"] for row in g.rows[g.header_rows:]]
    return rows + [[v[c]] for c in range(7) for v in value_rows]


def pdf_reading_order(report: Report) -> bytes:
    rng = rng_for(report, "reading")
    mode = rng.choices(("rows", "cells", "columns"), (50, 25, 25))[0]
    blocks: list[list[str]] = []  # a page may end between blocks (rows, paragraph lines), not inside one
    for kind, item in flow(report):
        if kind == "tables":
            for g in grids(report.tables, item):
                if g.key == "t3_applications" and mode == "columns":
                    blocks += _by_column(g)
                else:
                    blocks += _reading_rows(g, one_per_line=mode == "cells" and g.key != "t4_review_litigation")
        elif kind == "para":
            blocks += [[ln] for ln in wrap(str(item), 32)]
        else:
            blocks.append([str(item)])
    size, out, on_page, page = PAGE_LINES + rng.randint(-6, 6), [], 0, 1
    for block in blocks:
        if on_page + len(block) > size:  # the footer lands wherever the page ends, even inside a table
            page += 1
            out.append(f"- {page} -")  # pdfium reads the next page's footer first (huaian)
            on_page = 0
        out += block
        on_page += len(block)
    return finish_text(report, "\n".join(out) + "\n")
