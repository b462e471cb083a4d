"""Builders of bad input files, made inside the tests (no binary fixtures in the repo)."""

from __future__ import annotations

import hashlib
import io
import random
import struct
import zipfile
import zlib
from pathlib import Path

import pytest


PAD = bytes.fromhex("28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A")
DOC_ID = bytes(range(16))


def rc4(key: bytes, data: bytes) -> bytes:
    s, j = list(range(256)), 0
    for i in range(256):
        j = (j + s[i] + key[i % len(key)]) % 256
        s[i], s[j] = s[j], s[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + s[i]) % 256
        s[i], s[j] = s[j], s[i]
        out.append(byte ^ s[(s[i] + s[j]) % 256])
    return bytes(out)


HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def build_pdf(contents: list[bytes], user_pw: bytes | None = None, owner_pw: bytes = b"owner",
              stream_filter: bytes = b"", font: bytes = HELVETICA, extra: tuple[bytes, ...] = ()) -> bytes:
    """A PDF with one page per content stream (`font`, Helvetica by default, as F1), optionally RC4-40
    encrypted (standard security handler, revision 2, computed per the PDF 1.7 spec, algorithms 3.1–3.4).
    `extra` objects (not encrypted) follow the pages, numbered from 3 + 2 × pages; `font` may refer to them."""
    n = len(contents)
    kids = b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(n))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, n)]
    key = None
    if user_pw is not None:
        p = -44
        o = rc4(hashlib.md5((owner_pw + PAD)[:32]).digest()[:5], (user_pw + PAD)[:32])
        key = hashlib.md5((user_pw + PAD)[:32] + o + struct.pack("<i", p) + DOC_ID).digest()[:5]
        u = rc4(key, PAD)
    for i, content in enumerate(contents):
        num = 4 + 2 * i
        if key is not None:
            content = rc4(hashlib.md5(key + num.to_bytes(3, "little") + b"\0\0").digest()[:10], content)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents %d 0 R /Resources "
                       b"<< /Font << /F1 %s >> >> >>" % (num, font))
        objects.append(b"<< /Length %d %s>>\nstream\n" % (len(content), stream_filter) + content + b"\nendstream")
    objects.extend(extra)
    trailer = b"/ID [<%s> <%s>]" % (DOC_ID.hex().encode(), DOC_ID.hex().encode())
    if key is not None:
        objects.append(b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P %d /O <%s> /U <%s> >>"
                       % (p, o.hex().encode(), u.hex().encode()))
        trailer += b" /Encrypt %d 0 R" % len(objects)
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.writelines(b"%010d 00000 n \n" % off for off in offsets)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R %s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref))
    return out.getvalue()


TEXT = b"BT /F1 12 Tf 20 200 Td (annual report 2023) Tj ET"


def image_only_pdf() -> bytes:
    """Pages with a filled rectangle and no text operator: what a scan looks like to a text extractor."""
    return build_pdf([b"0.5 g 10 10 280 280 re f"])


def encrypted_pdf() -> bytes:
    """A real RC4-encrypted PDF that needs the user password "secret"."""
    return build_pdf([TEXT], user_pw=b"secret")


def many_pages_pdf(pages: int = 5000) -> bytes:
    """A valid PDF of thousands of (tiny) pages."""
    return build_pdf([TEXT] * pages)


def pdf_bomb(inflated_mb: int = 2048) -> bytes:
    """A one-page PDF whose content stream is ~2 MiB of Flate data inflating to `inflated_mb` MiB of spaces."""
    packer = zlib.compressobj(9)
    chunk = b" " * (16 * 1024 * 1024)
    parts = [packer.compress(TEXT + b"\n")]
    parts += [packer.compress(chunk) for _ in range(inflated_mb // 16)]
    parts.append(packer.flush())
    return build_pdf([b"".join(parts)], stream_filter=b"/Filter /FlateDecode ")


def deep_html(depth: int = 100_000) -> bytes:
    return b"<html><body>" + b"<div>" * depth + "年度报告".encode() + b"</div>" * depth + b"</body></html>"


def absurd_json_record() -> bytes:
    """Wrong types and absurd numbers in a canonical record."""
    return (b'{"template": "v2021", "cells": {"t3_applications": {"new_received": {"total": 1e300, '
            b'"natural_person": true, "commercial": [1, 2]}, "granted": "all of them"}}}')


def decode_error_code(decode, data: bytes, limits) -> str:
    """The `DecodeError.code` a decoder raises on `data` (fails the test if it raises none)."""
    from pipelines.decode.model import DecodeError

    with pytest.raises(DecodeError) as info:
        decode(data, limits)
    assert info.value.message
    return info.value.code


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _docx_with_document_xml(document_xml: bytes | str, extra: dict[str, str] | None = None) -> bytes:
    """A minimal DOCX around a document.xml (and any `extra` parts, by name)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" '
                   'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                   '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", document_xml)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def entity_bomb_docx() -> bytes:
    lol = b'<!DOCTYPE d [<!ENTITY a "' + b"ha" * 50 + b'">' + b"".join(
        b'<!ENTITY %s "%s">' % (bytes([98 + i]), (b"&%s;" % bytes([97 + i])) * 10) for i in range(8)
    ) + b"]>"
    return _docx_with_document_xml(b'<?xml version="1.0"?>' + lol + b"<w:document " + W +
                                   b"><w:body><w:p><w:r><w:t>&i;</w:t></w:r></w:p></w:body></w:document>")


def malformed_docx() -> bytes:
    return _docx_with_document_xml(b"<w:document " + W + b"><w:body><w:p><w:r><w:t>unclosed</w:body>")


def zip_bomb_docx(uncompressed_mb: int = 300) -> bytes:
    """A DOCX whose document.xml inflates to `uncompressed_mb` MiB of zeros (about 0.3 MiB on disk)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(uncompressed_mb):
                member.write(chunk)
    return out.getvalue()


def junk(n: int = 4096, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(n)


def entity_bomb_html() -> bytes:
    return (b'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
            b"<html><body><p>&b;&b;&b;</p></body></html>")


def empty_html() -> bytes:
    return b"<!DOCTYPE html><html><head><title></title><script>var x = 1;</script></head><body> </body></html>"


def bad_json_record() -> bytes:
    return b'{"template": "v2021", "cells": {"t3_applications": {"new_received": {"total": "lots"}}}}'


def sparse_file(path: Path, size: int) -> Path:
    with open(path, "wb") as f:
        f.truncate(size)
    return path
