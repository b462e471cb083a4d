"""One entry point from (bytes, detected format) to a `Decoded` document, or a `DecodeError`."""

from __future__ import annotations

from pipelines.decode.model import Decoded, DecodeError, Limits
from pipelines.ingest.sniff import is_mhtml


def decode_document(data: bytes, fmt: str, encoding: str | None, limits: Limits, ocr: bool = True) -> Decoded:
    """Decode a document of a detected format; raise `DecodeError` with a specific reason when it cannot be.
    With `ocr=False`, a document that needs OCR raises `NeedsOcr` (with its page count) instead."""
    if fmt == "pdf":
        from pipelines.decode.pdf import decode_pdf

        decoded = decode_pdf(data, limits, ocr=ocr)
    elif fmt == "image":
        from pipelines.decode.image import decode_image

        decoded = decode_image(data, limits, ocr=ocr)
    elif fmt == "docx":
        from pipelines.decode.docx import decode_docx

        decoded = decode_docx(data, limits)
    elif fmt == "html":
        from pipelines.decode.html import decode_html

        if is_mhtml(data):  # a saved page: the HTML inside its MIME envelope
            from pipelines.decode.mhtml import html_part

            data, encoding = html_part(data)
        decoded = decode_html(data, encoding, limits)
    elif fmt in ("text", "markdown", "json_record"):
        from pipelines.decode.plain import decode_plain

        try:
            decoded = decode_plain(data, encoding, fmt)
        except (UnicodeDecodeError, ValueError) as e:
            raise DecodeError("text_undecodable", str(e)[:200]) from e
    else:
        raise DecodeError("unsupported_format", f"no decoder for format {fmt!r}")
    if len(decoded.text) > limits.max_text_chars:
        raise DecodeError("text_too_long", f"{len(decoded.text)} characters exceed {limits.max_text_chars}")
    if fmt != "json_record" and not decoded.text.strip():
        raise DecodeError("no_text", "the document decodes to no text")
    return decoded
