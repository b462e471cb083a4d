"""What every decoder returns: the document's text and its structure (paragraphs and tables as grids)."""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from typing import Literal


@dataclass
class Block:
    """One paragraph or one table of a document, in document order.

    For a table, `grid` holds its cells row by row; a merged cell (rowspan/colspan, Word's vMerge/gridSpan)
    repeats its text in every grid position it covers, so every row of a grid has the same length.
    `text` is the paragraph's text, or for a table its rows rendered one per line as `| a | b |`.
    """

    kind: Literal["paragraph", "table"]
    text: str
    page: int | None = None
    grid: list[list[str]] | None = None


@dataclass
class Decoded:
    """A decoded document. `text` and `blocks` are normalised; `original_text` is as decoded."""

    text: str
    original_text: str
    blocks: list[Block]
    decoder: str
    pages: int | None = None
    flags: list[str] = field(default_factory=list)
    # where each page begins in `text` (PDFs, scanned pages: page n starts at page_starts[n-1]); None when
    # the document has no pages or its page breaks could not be told apart
    page_starts: list[int] | None = None


@dataclass(frozen=True)
class Limits:
    """Bounds on the work one document may cause. Defaults are documented in the README."""

    max_pdf_pages: int = 300
    max_unzipped_bytes: int = 200 * 1024 * 1024
    max_zip_ratio: int = 200
    max_zip_members: int = 2000
    max_html_depth: int = 400
    max_text_chars: int = 20_000_000


class NeedsOcr(Exception):
    """Raised by a decoder asked not to OCR (`ocr=False`) when the document needs it: `pages` to OCR. The
    guarded pool then decodes it again with a time limit that grows with the pages (guard.py)."""

    def __init__(self, pages: int):
        super().__init__(f"{pages} pages need OCR")
        self.pages = pages


class DecodeError(Exception):
    """The document cannot be decoded. `code` is a stable machine-readable reason, `message` the human one."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @property
    def reason(self) -> str:
        return f"{self.code}: {self.message}"


def grid_text(grid: list[list[str]], continued: list[list[bool]] | None = None) -> str:
    """Render a table grid as pipe rows, one row per line (the `text` of a table block).

    `continued` marks the positions a cell to their left covers (colspan, gridSpan). A covered position of
    a figure is rendered blank, so a value merged over two columns is read once, not as two values of its
    row; a label's is repeated (a label merged over the row-header columns stays one label)."""
    if continued is None:
        return "\n".join("| " + " | ".join(" ".join(c.split()) for c in row) + " |" for row in grid)
    return "\n".join("| " + " | ".join("" if cont and not _WORDS.search(c) else " ".join(c.split())
                                       for c, cont in zip(row, conts)) + " |"
                     for row, conts in zip(grid, continued))


_WORDS = re.compile(r"[^\s\d.,+\-−—–/%()万元项件无个]")  # a character no figure or placeholder has
