"""One entry point from (bytes, detected format) to a `Decoded` document, or a `DecodeError`: the format's
decoder, found in the registry (pipelines/decode/registry.py, where decoders register themselves)."""

from __future__ import annotations

from pipelines.decode import registry
from pipelines.decode.model import Decoded, DecodeError, Limits


def decode_document(data: bytes, fmt: str, encoding: str | None, limits: Limits, ocr: bool = True) -> Decoded:
    """Decode a document of a detected format; raise `DecodeError` with a specific reason when it cannot be.
    With `ocr=False`, a document that needs OCR raises `NeedsOcr` (with its page count) instead."""
    entry = registry.get(fmt)
    if entry is None:
        raise DecodeError("unsupported_format", f"no decoder for format {fmt!r}")
    try:
        decoded = entry(data=data, encoding=encoding, limits=limits, ocr=ocr, fmt=fmt)
    except (UnicodeDecodeError, ValueError) as e:
        if not entry.text:
            raise
        raise DecodeError("text_undecodable", str(e)[:200]) from e
    if len(decoded.text) > limits.max_text_chars:
        raise DecodeError("text_too_long", f"{len(decoded.text)} characters exceed {limits.max_text_chars}")
    if not entry.empty_ok and not decoded.text.strip():
        raise DecodeError("no_text", "the document decodes to no text")
    return decoded
