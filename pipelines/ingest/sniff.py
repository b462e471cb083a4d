"""Detect a document's format from its bytes alone (never from its file name).

Binary formats are recognised by their magic bytes; everything else must decode as text
(`pipelines.ingest.encoding.decode_text`) and is then told apart as a JSON record, HTML, Markdown or
plain text. Bytes that cannot be accepted get format "unknown" and a reason "code: message". A format added
by registering a decoder (pipelines/decode/registry.py) is recognised by the `magic` it registers, among the
bytes no built-in format claims and that are not text.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass

from pipelines.decode import registry
from pipelines.ingest.encoding import decode_text

_IMAGES = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
)
_BMP_HEADER_SIZES = {12, 40, 52, 56, 64, 108, 124}
_HTML_TAG = re.compile(r"<(?:html|body|table|div|p)[\s>/]", re.IGNORECASE)
_HTML_DOCTYPE = re.compile(r"<!doctype\s+html", re.IGNORECASE)
_MD_HEADING = re.compile(r"^#{1,6} ", re.MULTILINE)
_MD_SEPARATOR = re.compile(
    r"^[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*\|?"  # | --- | :-- |
    r"|:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)+\|?)[ \t]*$",  # --- | ---
    re.MULTILINE,
)
_JSON_ARRAY_START = re.compile(r"\[\s*[\[{\"\]]")
_MIME_HEADER = re.compile(r"[!-9;-~]+:")  # a header's name and colon (RFC 5322 field name)
_MHTML_TYPE = re.compile(r"content-type:\s*multipart/related\b", re.IGNORECASE)
_WHITESPACE = b" \t\r\n\f\v"


@dataclass(frozen=True)
class Sniffed:
    """The detected format, the text encoding (text-like formats only) and, if refused, the reason."""

    format: str
    encoding: str | None
    reason: str | None = None


def _unknown(reason: str) -> Sniffed:
    return Sniffed("unknown", None, reason)


def _image_kind(data: bytes) -> str | None:
    for magic, kind in _IMAGES:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    # "BM" alone would catch text starting with those letters: also check the header's reserved
    # bytes and its DIB header size.
    if data[:2] == b"BM" and len(data) >= 18 and data[6:10] == b"\0\0\0\0":
        if int.from_bytes(data[14:18], "little") in _BMP_HEADER_SIZES:
            return "BMP"
    return None


def _sniff_zip(data: bytes) -> Sniffed:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except Exception as e:  # hostile bytes: any failure to read the central directory means corrupt
        return _unknown(f"corrupt_zip: the ZIP archive cannot be read ({e})")
    if "word/document.xml" in names:
        return Sniffed("docx", None)
    shown = ", ".join(names[:5]) + (f", … ({len(names)} in all)" if len(names) > 5 else "")
    return _unknown(f"unsupported_zip: a ZIP archive that is not a Word document (members: {shown or 'none'})")


def is_mhtml(data: bytes) -> bool:
    """Whether the bytes are a web page saved as one file (.mht, .mhtml; the envelope is ASCII)."""
    return _mhtml_headers(data[:16384].removeprefix(b"\xef\xbb\xbf").decode("latin-1").lstrip(" \t\r\n\f\v"))


def _mhtml_headers(head: str) -> bool:
    """Mail headers, one of them `Content-Type: multipart/related`, before the first blank line."""
    for line in head[:16384].splitlines()[:100]:
        if not line.strip():
            return False
        if line[0] in " \t":  # a folded header's continuation
            continue
        if not _MIME_HEADER.match(line):
            return False
        if _MHTML_TYPE.match(line):
            return True
    return False


def _sniff_text(text: str, encoding: str) -> Sniffed:
    head = text.lstrip("\ufeff \t\r\n\f\v")
    if _mhtml_headers(head):  # decoded as the HTML page it holds (pipelines/decode/mhtml.py)
        return Sniffed("html", encoding)
    if head.startswith(("{", "[")):
        try:
            value = json.loads(head)
        except ValueError as e:
            # "[1] 见附件" is text; "{…" or "[{…" that does not parse is broken JSON.
            if head.startswith("{") or _JSON_ARRAY_START.match(head):
                return _unknown(f"json_invalid: the file looks like JSON but does not parse ({e})")
        else:
            if not isinstance(value, dict):
                return _unknown(f"json_invalid: a JSON {type(value).__name__}, not a record object")
            return Sniffed("json_record", encoding)
    if head.startswith("<") and (_HTML_DOCTYPE.match(head) or _HTML_TAG.search(head)):
        return Sniffed("html", encoding)
    if _MD_SEPARATOR.search(text) or _MD_HEADING.search(text):
        return Sniffed("markdown", encoding)
    return Sniffed("text", encoding)


def sniff(data: bytes) -> Sniffed:
    """Detect the format (and, for text, the encoding) of a document's bytes."""
    if not data.strip(_WHITESPACE):
        return _unknown("empty_file: the file is empty")
    if b"%PDF-" in data[:1024]:
        return Sniffed("pdf", None)
    if data.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return _unknown("legacy_office: legacy Word .doc/.xls (OLE2) is not supported; save it as DOCX")
    if _image_kind(data):  # a scanned page or a photo: read by OCR (pipelines/decode/image.py)
        return Sniffed("image", None)
    if data.lstrip(_WHITESPACE).startswith(b"{\\rtf"):
        return _unknown("unsupported_format: RTF")
    try:
        text, encoding = decode_text(data)
    except ValueError as e:
        if registered := registry.recognise(data):
            return Sniffed(registered, None)
        return _unknown(f"binary_data: {str(e).removeprefix('binary data: ')}")
    if not text.strip():
        return _unknown("empty_file: the file is empty")
    return _sniff_text(text, encoding)
