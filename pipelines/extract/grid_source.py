"""Where in a document's table grids a row was read from, when its tables were read from the grids.

A PDF, DOCX or HTML document's tables are read twice: from its text and from its grids' text (every block's
text, one after the other, a table one grid row per line: `grids_text`). When the grids' reading wins, its
rows' spans are offsets into the grids' text, which is no text the warehouse keeps: they are turned into
the grid coordinates of the row instead (`grid_places`) — the page of the table (PDF; None for DOCX and
HTML), the table's number among the document's tables (1 = first) and the first and last grid rows (1 = the
grid's first) the row's values were read from.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate

from pipelines.decode.model import Block

# (page or None, table number, first grid row, last grid row), all from 1
GridPlace = tuple[int | None, int, int, int]


def grids_text(blocks: Sequence[Block]) -> str:
    """The text the grids' reading reads: every block's text in document order, joined by line breaks."""
    return "\n".join(b.text for b in blocks)


def grid_places(blocks: Sequence[Block], spans: dict) -> dict:
    """The grid coordinates of each span (start, end) of `grids_text(blocks)`, by the span's key.

    A span that is not all inside one table block (a row's values from a paragraph, or from two tables: a
    table broken across pages), or a table block whose lines are not its grid's rows, has no coordinates:
    a row named wrongly is worse than none."""
    starts = list(accumulate((len(b.text) + 1 for b in blocks), initial=0))  # each block's first offset
    numbers = list(accumulate(b.kind == "table" for b in blocks))  # tables up to each block, itself included
    places: dict = {}
    for key, (start, end) in spans.items():
        last = max(start, end - 1)  # the span's last character (`end` is the "\n" after it)
        i = bisect_right(starts, start) - 1
        if i < 0 or i >= len(blocks) or bisect_right(starts, last) - 1 != i:
            continue
        block = blocks[i]
        lines = block.text.count("\n") + 1
        if block.kind != "table" or block.grid is None or lines != len(block.grid):
            continue
        first_row = block.text.count("\n", 0, start - starts[i]) + 1
        last_row = block.text.count("\n", 0, last - starts[i]) + 1
        places[key] = (block.page, numbers[i], first_row, last_row)
    return places
