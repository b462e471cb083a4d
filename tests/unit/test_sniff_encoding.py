"""Format sniffing and text-encoding detection on the shared corpus and on built bytes."""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

import opencc
import pytest

from pipelines.ingest.encoding import ENCODINGS, decode_as, decode_text
from pipelines.ingest.sniff import Sniffed, sniff

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
SAMPLES = sorted((CORPUS / "samples").glob("*.txt"))
PDFS = sorted((CORPUS / "pdf").glob("*.pdf"))
GOLD = sorted((CORPUS / "gold").glob("*.json"))


def _ids(paths: list[Path]) -> list[str]:
    return [p.name[:24] for p in paths]


S2T = opencc.OpenCC("s2t")
T2S = opencc.OpenCC("t2s")


def _traditional(text: str) -> str:
    return S2T.convert(text)


def _big5(text: str) -> bytes:
    """Big5 bytes of the Traditional form of `text` (characters Big5 lacks are left out)."""
    return _traditional(text).encode("cp950", errors="ignore")


def _reason_code(found) -> str:
    return (found.reason or "").split(":")[0]


def test_corpus_is_there():
    assert len(SAMPLES) == 5 and len(PDFS) == 3 and len(GOLD) >= 5


@pytest.mark.parametrize("path", SAMPLES, ids=_ids(SAMPLES))
def test_samples_are_utf8_text(path: Path):
    found = sniff(path.read_bytes())
    assert found.format in ("text", "markdown")
    assert (found.encoding, found.reason) == ("utf-8", None)


def test_pipe_rows_without_separator_are_text():
    assert sniff((CORPUS / "samples" / "002_21970fde474fde16.txt").read_bytes()).format == "text"


@pytest.mark.parametrize("path", PDFS, ids=_ids(PDFS))
def test_pdfs(path: Path):
    data = path.read_bytes()
    assert sniff(data) == sniff(data[:4096])  # a head is enough
    assert (sniff(data).format, sniff(data).encoding, sniff(data).reason) == ("pdf", None, None)


@pytest.mark.parametrize("path", GOLD, ids=_ids(GOLD))
def test_gold_records_are_json_records(path: Path):
    found = sniff(path.read_bytes())
    assert (found.format, found.encoding, found.reason) == ("json_record", "utf-8", None)


REENCODINGS = {
    "gb18030": lambda t: t.encode("gb18030"),
    "big5": _big5,
    "utf-16-le": lambda t: b"\xff\xfe" + t.encode("utf-16-le"),
    "utf-16-be": lambda t: b"\xfe\xff" + t.encode("utf-16-be"),
    "utf-8-sig": lambda t: t.encode("utf-8-sig"),
    "utf-32-le": lambda t: t.encode("utf-32"),  # Python writes a little-endian BOM
}


@pytest.mark.parametrize("encoding", sorted(REENCODINGS))
@pytest.mark.parametrize("path", SAMPLES, ids=_ids(SAMPLES))
def test_reencoded_samples(path: Path, encoding: str):
    text = path.read_text(encoding="utf-8")
    data = REENCODINGS[encoding](text)
    expected = data.decode("cp950") if encoding == "big5" else text
    found = sniff(data)
    assert (found.format, found.encoding, found.reason) == (sniff(path.read_bytes()).format, encoding, None)
    assert decode_text(data) == (expected, encoding)
    assert decode_as(data, encoding) == expected


def _windows(text: str, size: int, step: int) -> list[str]:
    """Every `step` characters a `size`-character window that holds Chinese, plus every title-like line."""
    lines = [line.strip()[:size] for line in text.splitlines() if len(line.strip()) >= 8]
    windows = [text[i : i + size].strip() for i in range(0, len(text) - size, step)]
    return [w for w in lines + windows if any("\u4e00" <= ch <= "\u9fff" for ch in w)]


@pytest.mark.parametrize("size", [20, 40])
@pytest.mark.parametrize("path", SAMPLES, ids=_ids(SAMPLES))
def test_short_snippets_gb18030_and_big5(path: Path, size: int):
    text = path.read_text(encoding="utf-8")
    wrong = []
    for snippet in _windows(text, size, step=97):
        simplified = T2S.convert(snippet)
        for encoding, data in (("gb18030", simplified.encode("gb18030")), ("big5", _big5(simplified))):
            if decode_text(data) != (decode_as(data, encoding), encoding):
                wrong.append((encoding, snippet))
    assert not wrong


def test_traditional_text_in_gb18030_stays_gb18030():
    text = _traditional((CORPUS / "samples" / "003_aab5423710c0abba.txt").read_text(encoding="utf-8"))
    assert decode_text(text.encode("gb18030")) == (text, "gb18030")


def test_big5_extension_characters_decode():
    text = "本鎮裏的恒常工作：碁盤式管理。" * 3
    assert decode_text(text.encode("cp950")) == (text, "big5")


def test_short_gbk_that_is_valid_utf8_is_gbk():
    # 要 is D2 AA in GBK, which is also the valid UTF-8 of Ҫ.
    data = "5.要求提供公开出版物".encode("gb18030")
    assert decode_text(data) == ("5.要求提供公开出版物", "gb18030")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom(encoding: str):
    text = (CORPUS / "samples" / "004_cb93c0191c209947.txt").read_text(encoding="utf-8")
    assert decode_text(text.encode(encoding)) == (text, encoding)
    assert sniff(text.encode(encoding)).encoding == encoding


def test_other_utf8_stays_utf8():
    assert decode_text("Привет, мир".encode()) == ("Привет, мир", "utf-8")
    assert decode_text("café crème".encode()) == ("café crème", "utf-8")


def test_head_cut_mid_character_still_decodes():
    data = "政府信息公开工作年度报告".encode("gb18030")[:-1]
    assert decode_text(data) == ("政府信息公开工作年度报", "gb18030")


def test_encoding_labels():
    for path in SAMPLES:
        for encoder in REENCODINGS.values():
            assert decode_text(encoder(path.read_text(encoding="utf-8")))[1] in ENCODINGS


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("size", [64, 4096])
def test_random_bytes_are_binary(seed: int, size: int):
    data = random.Random(seed).randbytes(size)
    found = sniff(data)
    assert (found.format, _reason_code(found)) == ("unknown", "binary_data")
    with pytest.raises(ValueError, match="^binary data: "):
        decode_text(data)


@pytest.mark.parametrize("seed", range(5))
def test_random_high_bytes_are_binary(seed: int):
    rng = random.Random(seed)
    data = bytes(rng.randrange(0x80, 0x100) for _ in range(512))
    assert _reason_code(sniff(data)) == "binary_data"


def test_control_characters_are_binary():
    data = bytes(range(1, 32)) * 20 + "正文".encode()
    with pytest.raises(ValueError, match="^binary data: .*control characters"):
        decode_text(data)
    assert _reason_code(sniff(data)) == "binary_data"


def test_nul_bytes_are_binary():
    found = sniff(b"\x00\x01\x02\x03 some text \x00\x00\xff\xfe\x80")
    assert found.reason == "binary_data: NUL bytes (and not UTF-16 text)"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_docx_built_with_python_docx():
    import docx

    document = docx.Document()
    document.add_paragraph("XX镇2022年政府信息公开工作年度报告")
    document.add_table(rows=2, cols=2).cell(0, 0).text = "自然人"
    buffer = io.BytesIO()
    document.save(buffer)
    found = sniff(buffer.getvalue())
    assert (found.format, found.encoding, found.reason) == ("docx", None, None)


def test_plain_zip_is_unsupported():
    found = sniff(_zip({"report.txt": b"hello", "data/table.csv": b"a,b"}))
    assert found.format == "unknown"
    assert found.reason.startswith("unsupported_zip: ") and "report.txt" in found.reason


def test_corrupt_zip():
    data = _zip({"word/document.xml": b"<w:document/>"})
    found = sniff(data[: len(data) // 2])
    assert (found.format, _reason_code(found)) == ("unknown", "corrupt_zip")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b" \n\t\r\n  ", "empty_file"),
        (b"\xef\xbb\xbf\n", "empty_file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "legacy_office"),
        (b"{\\rtf1\\ansi\\ansicpg936 hello}", "unsupported_format"),
        (b"[1, 2, 3]", "json_invalid"),
        (b'  {"report_id": "x", ', "json_invalid"),
        (b'[{"report_id": "x"', "json_invalid"),
    ],
)
def test_refused(data: bytes, code: str):
    found = sniff(data)
    assert (found.format, found.encoding, _reason_code(found)) == ("unknown", None, code)


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n" + bytes(100),
    b"\xff\xd8\xff\xe0" + bytes(100),
    b"GIF89a" + bytes(100),
    b"II*\x00" + bytes(100),
    b"MM\x00*" + bytes(100),
    b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(100),
    b"BM\x46\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00" + bytes(100),
], ids=["png", "jpeg", "gif", "tiff-le", "tiff-be", "webp", "bmp"])
def test_images_are_decoded_by_ocr(data: bytes):
    # a scanned page or a photo: format image, read by OCR (a broken one is rejected by its decoder)
    assert sniff(data) == Sniffed("image", None)


def test_reason_messages():
    assert sniff(b"").reason == "empty_file: the file is empty"
    assert sniff(b"\xd0\xcf\x11\xe0" + bytes(100)).reason == (
        "legacy_office: legacy Word .doc/.xls (OLE2) is not supported; save it as DOCX"
    )
    assert sniff(b"{\\rtf1}").reason == "unsupported_format: RTF"


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ('{"report_id": "abc", "cells": {}}', "json_record"),
        ("<!DOCTYPE html><html><body><p>年报</p></body></html>", "html"),
        ("\n  <div class='content'>年报</div>", "html"),
        ("<P>年报</P>", "html"),
        ("<年报>正文", "text"),
        ("# 2022年政府信息公开工作年度报告\n正文", "markdown"),
        ("| 自然人 | 总计 |\n|---|---|\n| 1 | 1 |", "markdown"),
        ("自然人 | 总计\n:-- | --:\n1 | 1", "markdown"),
        ("| 自然人 | 总计 |\n| 1 | 1 |", "text"),
        ("#1号文件\n正文", "text"),
        ("[1] 见附件", "text"),
        ("BMW 与 BM 开头的文字", "text"),
        ("%PDF-1.7 is mentioned in this text", "pdf"),
    ],
)
def test_text_formats(text: str, fmt: str):
    for encoding in ("utf-8", "gb18030"):
        found = sniff(text.encode(encoding))
        assert (found.format, found.reason) == (fmt, None)


def test_json_record_in_gb18030():
    data = json.dumps({"agency": "永和镇人民政府政府信息公开"}, ensure_ascii=False).encode("gb18030")
    found = sniff(data)
    assert (found.format, found.encoding) == ("json_record", "gb18030")
