"""Saved web pages (.mht, .mhtml): a real report page wrapped the way Chrome and IE/Word save it is sniffed
as HTML and decodes to exactly the text, blocks and cells of the page itself."""

from __future__ import annotations

import base64
import quopri
from email import encoders
from email.mime.base import MIMEBase
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart

import pytest

from pipelines.decode.dispatch import decode_document
from pipelines.decode.model import DecodeError, Limits
from pipelines.extract.record import extract_decoded
from pipelines.ingest.sniff import sniff

URL = "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/202603/t20260313_105587.htm"
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJ"
                       "RU5ErkJggg==")


@pytest.fixture(scope="module")
def page(shared_dir) -> bytes:
    return (shared_dir / "corpus" / "crawl" / "pingtan-2025.html").read_bytes()


def blink_mhtml(html: bytes) -> bytes:
    """Chrome's "Save as… Webpage, single file": the page quoted-printable, no charset, then its images."""
    boundary = "----MultipartBoundary--7xQ2ZkWlbh2BLBfe5RZW1CFGUtHKSG42Hx2fGWwXKg----"
    head = (f"From: <Saved by Blink>\r\nSnapshot-Content-Location: {URL}\r\n"
            "Subject: =?utf-8?Q?=E5=B9=B3=E6=BD=AD=E7=BB=BC=E5=90=88=E5=AE=9E=E9=AA=8C=E5=8C=BA?=\r\n"
            "Date: Tue, 10 Mar 2026 12:56:00 +0800\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n"
            f'\ttype="text/html";\r\n\tboundary="{boundary}"\r\n\r\n\r\n')
    body = quopri.encodestring(html).replace(b"\n", b"\r\n")
    image = base64.encodebytes(PNG).replace(b"\n", b"\r\n")
    return (head.encode() + f"--{boundary}\r\nContent-Type: text/html\r\nContent-ID: <frame-1@mhtml.blink>\r\n"
            f"Content-Transfer-Encoding: quoted-printable\r\nContent-Location: {URL}\r\n\r\n".encode() + body
            + f"\r\n--{boundary}\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
              f"Content-Location: https://www.pingtan.gov.cn/images/logo.png\r\n\r\n".encode() + image
            + f"\r\n--{boundary}--\r\n".encode())


def word_mhtml(html: bytes, charset: str, transfer: str) -> bytes:
    """IE's "Web Archive, single file" or Word's "Single File Web Page": an image first, then the page in
    a legacy charset, the root named by the `start` parameter."""
    message = MIMEMultipart("related", type="text/html", start="<page@mht>")
    message["From"] = "<Saved by Windows Internet Explorer 8>"
    message["Subject"] = "平潭综合实验区2025年度政府信息公开工作年度报告"
    message.attach(MIMEImage(PNG, "png"))
    part = MIMEBase("text", "html", charset=charset)
    if transfer == "base64":
        part.set_payload(html)
        encoders.encode_base64(part)
    else:
        part.set_payload(quopri.encodestring(html).decode("ascii"))
        part["Content-Transfer-Encoding"] = transfer
    part["Content-ID"] = "<page@mht>"
    part["Content-Location"] = URL
    message.attach(part)
    return message.as_bytes()


def _same_as_the_page(saved: bytes, page: bytes) -> None:
    assert sniff(saved).format == "html"
    direct = decode_document(page, "html", sniff(page).encoding, Limits())
    decoded = decode_document(saved, "html", sniff(saved).encoding, Limits())
    assert decoded.text == direct.text and "平潭综合实验区" in decoded.text
    assert [(b.kind, b.text, b.grid) for b in decoded.blocks] == [(b.kind, b.text, b.grid) for b in direct.blocks]
    record = extract_decoded("r", decoded, "html").to_json()
    assert record["cells"] == extract_decoded("r", direct, "html").to_json()["cells"] and record["cells"]
    assert "Saved by" not in decoded.text and "Content-" not in decoded.text


def test_a_page_saved_by_chrome_reads_as_the_page(page):
    _same_as_the_page(blink_mhtml(page), page)


@pytest.mark.parametrize("transfer, meta", [("quoted-printable", "gb2312"), ("base64", "utf-8")])
def test_a_page_saved_by_ie_or_word_in_a_legacy_charset_reads_as_the_page(page, transfer, meta):
    # GBK bytes labelled gb2312 in the part's Content-Type; the page's own <meta> may still say utf-8
    html = page.decode("utf-8").replace('charset="utf-8"', f'charset="{meta}"').encode("gbk")
    saved = word_mhtml(html, "gb2312", transfer)
    assert b"Content-Transfer-Encoding: " + transfer.encode() in saved
    _same_as_the_page(saved, page)


def test_a_saved_page_without_html_is_rejected():
    message = MIMEMultipart("related")
    message.attach(MIMEImage(PNG, "png"))
    saved = message.as_bytes()
    assert sniff(saved).format == "html"
    with pytest.raises(DecodeError) as caught:
        decode_document(saved, "html", sniff(saved).encoding, Limits())
    assert caught.value.code == "mhtml_no_html"


def test_text_that_starts_like_mail_is_still_text():
    text = "Subject: 2023年政府信息公开工作年度报告\nFrom: 某县人民政府办公室\n\n一、总体情况\n".encode()
    assert sniff(text).format == "text"
