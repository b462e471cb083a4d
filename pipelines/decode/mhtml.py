"""MHTML (`.mht`, `.mhtml`): a web page saved as one file by a browser ("Save as… single file") or by Word
("Single File Web Page"). It is a MIME `multipart/related` message: the page's HTML is the root part,
quoted-printable or base64 encoded, in the charset its Content-Type names; images and stylesheets follow as
further parts. The root HTML part is taken out and decoded like any HTML page; the other parts are never
read, and nothing is fetched (a Content-Location is a name, not a request).
"""

from __future__ import annotations

import email
import email.policy

from pipelines.decode.html import _CHARSET_LABELS, decode_html
from pipelines.decode.model import Decoded, DecodeError, Limits
from pipelines.decode.registry import decoder
from pipelines.ingest.sniff import is_mhtml


@decoder("html", extensions=(".html", ".htm", ".shtml", ".mht", ".mhtml"), grids=True, layout="html_table")
def decode_page(data: bytes, encoding: str | None, limits: Limits) -> Decoded:
    """A web page: HTML, or a page saved as one file (its HTML part, decoded as the page it holds)."""
    if is_mhtml(data):
        data, encoding = html_part(data)
    return decode_html(data, encoding, limits)


def html_part(data: bytes) -> tuple[bytes, str | None]:
    """The root HTML part of an MHTML file: its bytes (transfer encoding undone) and their encoding (None when
    the part names no charset we know: the HTML decoder then reads the page's own declaration)."""
    try:
        message = email.message_from_bytes(data, policy=email.policy.compat32)  # compat32: the lenient one
        pages = [part for part in message.walk() if part.get_content_type() == "text/html"]
        start = (message.get_param("start") or "").strip("<> ")
        root = next((p for p in pages if (p.get("Content-ID") or "").strip("<> ") == start), None) if start else None
        root = root or (pages[0] if pages else None)
        if root is None:
            parts = sorted({p.get_content_type() for p in message.walk()})
            raise DecodeError("mhtml_no_html", f"the saved page has no HTML part (parts: {', '.join(parts)})")
        payload = root.get_payload(decode=True) or b""
        charset = root.get_content_charset()
    except DecodeError:
        raise
    except Exception as exc:  # a hostile MIME structure: whatever the parser trips on, the file is unreadable
        raise DecodeError("mhtml_unreadable", f"the saved page's MIME structure cannot be read: "
                                              f"{type(exc).__name__}: {str(exc)[:160]}") from exc
    return payload, _CHARSET_LABELS.get(charset or "")
