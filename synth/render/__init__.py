"""The layouts: each a pure function Report → bytes with its file extension, and optionally the gold
notes the layout adds (which rows run together, OCR swaps)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from synth.model import Report
from synth.render import markdown, pdfdoc, pdftext, plain, runon, web, word


@dataclass(frozen=True)
class Layout:
    name: str
    ext: str
    render: Callable[[Report], bytes]
    notes: Callable[[Report], list[str]] | None = None
    # rows (`table.row`) whose cells the printed text cannot determine: withholding them is right
    undeterminable: Callable[[Report], list[str]] | None = None


RENDERERS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        Layout("one_cell_per_line", ".txt", plain.one_cell_per_line),
        Layout("tab_indented", ".txt", plain.tab_indented),
        Layout("pipe_table", ".txt", plain.pipe_table),
        Layout("pdf", ".pdf", pdfdoc.pdf),
        Layout("pdf_layout_text", ".txt", pdftext.pdf_layout_text),
        Layout("pdf_reading_order", ".txt", pdftext.pdf_reading_order),
        Layout("html", ".html", web.html),
        Layout("docx", ".docx", word.docx),
        Layout("run_together", ".txt", runon.run_together, runon.notes, runon.undeterminable),
        Layout("pdf_markdown", ".md", markdown.pdf_markdown),
        Layout("ocr_markdown", ".md", markdown.ocr_markdown, markdown.ocr_notes),
    )
}
