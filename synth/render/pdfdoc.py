"""A real PDF drawn with reportlab's canvas: CID font STSong-Light (no embedding; pdfplumber and pdfium
extract it), narrative wrapped to the text block, ruled tables whose merged cells are real merges (one
rectangle, no inner rules), long labels wrapped inside their cells, page footers `- N -`, and tables
that run on to the next page — with the header rows repeated or not, and a merged group cell (三、本年度
办理结果) split in two at the page break the way Word draws it.
"""

from __future__ import annotations

import io
from functools import lru_cache

from synth.grid import Grid, grids, positions
from synth.model import Report
from synth.render.common import flow, rng_for

FONT = "STSong-Light"
PAGE_W, PAGE_H = 595.27, 841.89
LEFT, RIGHT, TOP, BOTTOM = 72.0, 72.0, 72.0, 72.0
TEXT_W = PAGE_W - LEFT - RIGHT
PAD = 2.5
_WIDTHS = {"t2": [160, 97, 97, 97], "t3_applications": [22, 48, 120] + [37.3] * 7,
           "t4_review_litigation": [30.07] * 15}


@lru_cache(maxsize=1)
def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


@lru_cache(maxsize=4096)
def _char_width(ch: str) -> float:
    from reportlab.pdfbase import pdfmetrics

    return pdfmetrics.stringWidth(ch, _font(), 1000) / 1000


def wrap(text: str, width: float, size: float) -> list[str]:
    """Break text into lines no wider than `width` points (at its printed line breaks first)."""
    out = []
    for part in text.split("\n"):
        line, w = "", 0.0
        for ch in part:
            cw = _char_width(ch) * size
            if line and w + cw > width:
                out.append(line)
                line, w = "", 0.0
            line, w = line + ch, w + cw
        out.append(line)
    return out


class Writer:
    """A cursor over pages: paragraphs and tables flow down and on to new pages, footers included."""

    def __init__(self):
        from reportlab.pdfgen.canvas import Canvas

        self.buf = io.BytesIO()
        self.c = Canvas(self.buf, pagesize=(PAGE_W, PAGE_H), invariant=1)
        self.page, self.y = 1, PAGE_H - TOP

    def new_page(self) -> None:
        self.c.setFont(_font(), 10.5)
        self.c.drawCentredString(PAGE_W / 2, BOTTOM / 2, f"- {self.page} -")
        self.c.showPage()
        self.page, self.y = self.page + 1, PAGE_H - TOP

    def text(self, text: str, size: float = 12, indent: float = 2, align: str = "left") -> None:
        lead = size * 1.6
        lines = wrap(text, TEXT_W - indent * size, size)
        for i, line in enumerate(lines):
            if self.y - lead < BOTTOM:
                self.new_page()
            self.y -= lead
            self.c.setFont(_font(), size)
            if align == "center":
                self.c.drawCentredString(PAGE_W / 2, self.y, line)
            elif align == "right":
                self.c.drawRightString(PAGE_W - RIGHT, self.y, line)
            else:
                self.c.drawString(LEFT + (indent * size if i == 0 else 0), self.y, line)

    def finish(self) -> bytes:
        self.new_page()
        self.c.save()
        return self.buf.getvalue()

    def table(self, g: Grid, repeat_header: bool) -> None:
        size = 8 if g.key == "t4_review_litigation" else 9
        lead = size * 1.3
        widths = _WIDTHS[g.key]
        xs = [LEFT + sum(widths[:i]) for i in range(len(widths) + 1)]
        placed = positions(g)
        texts = {(r, c): wrap(cell.text, xs[c + cell.colspan] - xs[c] - 2 * PAD, size)
                 for row in placed for r, c, cell in row}
        heights = [max([len(texts[r, c]) * lead + 2 * PAD for _, c, cell in row if cell.rowspan == 1] + [16.0])
                   for r, row in enumerate(placed)]
        for row in placed:
            for r, c, cell in row:
                short = len(texts[r, c]) * lead + 2 * PAD - sum(heights[r:r + cell.rowspan])
                if cell.rowspan > 1 and short > 0:
                    heights[r + cell.rowspan - 1] += short
        # Layout first (which page and height each row lands at), then draw page by page: the canvas
        # only moves forward, and a merged cell split by a page break is drawn once per page.
        if self.y - 6 - sum(heights[:g.header_rows + 1]) < BOTTOM:  # never leave a header alone
            self.new_page()
        pages: list[dict[int, float]] = [{}]
        headers: list[int] = []  # pages on which the header rows are drawn again
        y = self.y - 6
        for r, h in enumerate(heights):
            if y - h < BOTTOM and r > g.header_rows:
                pages.append({})
                y = PAGE_H - TOP
                if repeat_header:
                    headers.append(len(pages) - 1)
                    y -= sum(heights[:g.header_rows])
            pages[-1][r] = y
            y -= h
        for n, on_page in enumerate(pages):
            if n:
                self.new_page()
            if n in headers:
                top = PAGE_H - TOP
                header_tops = {hr: top - sum(heights[:hr]) for hr in range(g.header_rows)}
                self._cells([x for row in placed[:g.header_rows] for x in row], header_tops, heights, texts, xs,
                            size, lead)
            self._cells([x for row in placed for x in row], on_page, heights, texts, xs, size, lead)
        self.y = y - 6

    def _cells(self, cells, on_page: dict[int, float], heights, texts, xs, size, lead) -> None:
        """Draw the parts of `cells` that lie in the rows of one page (row → top y)."""
        for r, c, cell in cells:
            rows = [rr for rr in range(r, r + cell.rowspan) if rr in on_page]
            if not rows:
                continue
            top = on_page[rows[0]]
            h = sum(heights[rr] for rr in rows)
            x0, x1 = xs[c], xs[c + cell.colspan]
            self.c.rect(x0, top - h, x1 - x0, h, stroke=1, fill=0)
            lines = texts[r, c]
            if cell.rowspan > 1 and len(rows) < cell.rowspan:  # split at a page break: share the lines
                total = sum(heights[r:r + cell.rowspan])
                before = sum(heights[r:rows[0]])
                lines = lines[int(len(lines) * before / total):int(len(lines) * (before + h) / total + 0.999)]
            self.c.setFont(_font(), size)
            y = top - (h - len(lines) * lead) / 2 - size
            for line in lines:
                if cell.kind in ("head", "value"):
                    self.c.drawCentredString((x0 + x1) / 2, y, line)
                else:
                    self.c.drawString(x0 + PAD, y, line)
                y -= lead


def pdf(report: Report) -> bytes:
    rng = rng_for(report, "pdf")
    repeat = rng.random() < 0.5
    w = Writer()
    for kind, item in flow(report):
        if kind == "tables":
            for g in grids(report.tables, item):
                w.table(g, repeat)
        elif kind == "title":
            w.text(str(item), size=16, indent=0, align="center")
        elif kind == "heading":
            w.text(str(item), size=12, indent=2)
        elif kind == "signature":
            w.text(str(item), size=12, indent=0, align="right")
        elif kind == "para":
            w.text(str(item))
    return w.finish()
