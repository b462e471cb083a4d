"""Builders of bad input files, made inside the tests (no binary fixtures in the repo)."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path


def minimal_pdf(content: bytes, trailer_extra: bytes = b"", extra_objects: list[bytes] = ()) -> bytes:
    """A small valid PDF with one page drawing `content` (correct xref offsets)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        *extra_objects,
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R " % (len(objects) + 1) + trailer_extra + b">>\n")
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def text_pdf() -> bytes:
    return minimal_pdf(b"BT /F1 12 Tf 20 100 Td (annual report 2023) Tj ET")


def image_only_pdf() -> bytes:
    """A page with a filled rectangle and no text operator: what a scan looks like to a text extractor."""
    return minimal_pdf(b"0.5 g 10 10 180 180 re f")


def encrypted_pdf() -> bytes:
    """A PDF whose trailer points at a standard-security-handler /Encrypt dictionary with a user password."""
    encrypt = (
        b"<< /Filter /Standard /V 1 /R 2 /Length 40 /P -4 "
        b"/O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> >>"
    )
    return minimal_pdf(b"BT /F1 12 Tf 20 100 Td (secret) Tj ET",
                       trailer_extra=b"/Encrypt 5 0 R /ID [<0123456789abcdef0123456789abcdef> "
                                     b"<0123456789abcdef0123456789abcdef>] ",
                       extra_objects=[encrypt])


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _docx_with_document_xml(document_xml: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                   '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", document_xml)
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
