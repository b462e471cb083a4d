"""Decode the bytes of a text document in any encoding common for Chinese government documents.

Order of evidence: a byte-order mark; NUL bytes (UTF-16 without a BOM, else binary); strict UTF-8;
then GB18030 (a superset of GB2312 and GBK) against Big5. Big5 bytes are almost always valid GBK too,
and short GBK snippets can be valid Big5, so when both decode the more plausible Chinese text wins:
the share of common characters (GB2312 level 1, about the 3,750 most used Simplified characters;
Big5 candidates are compared after Traditional → Simplified) and common punctuation, minus rare
characters, private-use code points, kana, bopomofo and symbols that mis-decoding produces.

The returned names are stable labels; `decode_as` turns bytes plus such a label back into text
("big5" is decoded as cp950, Microsoft's Big5, which real files use: 碁銹裏墻恒 and € are only there).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from functools import lru_cache

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be", "gb18030", "big5")

_CODECS = {"big5": "cp950", "utf-8-sig": "utf-8"}
# UTF-32 first: its little-endian BOM begins with the UTF-16 one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_MAX_CONTROL_SHARE = 0.05
_MIN_UTF16_PRINTABLE = 0.9
_SCORE_SAMPLE = 20_000  # characters judged per candidate
_MIN_LEGACY_SCORE = 0.9  # to prefer GB18030/Big5 over valid but implausible UTF-8
# Real text of 16+ judged characters scores above 0.7, random high bytes below 0.35 (measured).
_MIN_JUDGED_CHARS = 16
_MIN_ACCEPTED_SCORE = 0.5
_COMMON_MARKS = frozenset(
    "，。、；：？！“”‘’（）《》〈〉【】〔〕「」『』—…·％＋－．／０１２３４５６７８９"
    "①②③④⑤⑥⑦⑧⑨⑩⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽●○■□★☆◆◇▲△√×÷±℃‰→～"
)


def codec(encoding: str) -> str:
    """The Python codec for one of our encoding labels (or any other codec name, passed through)."""
    return _CODECS.get(encoding, encoding)


def decode_as(data: bytes, encoding: str) -> str:
    """Decode bytes strictly with one of the labels `decode_text` returns (a leading BOM dropped)."""
    return data.decode(codec(encoding)).lstrip("\ufeff")


def _strict(data: bytes, encoding: str) -> str:
    """Strict decoding that ignores one incomplete character at the very end (a head cut short)."""
    return codecs.getincrementaldecoder(codec(encoding))("strict").decode(data, final=False)


# control characters but \t \n \f \r, and the replacement character
_NOT_TEXT = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\ufffd]")
# anything but ASCII and U+0370–U+07FF (Greek…Arabic)
_BEYOND_TWO_BYTE = re.compile(r"[^\x00-\x7f\u0370-\u07ff]")


def _check_not_binary(text: str) -> None:
    if not text or not _NOT_TEXT.search(text):
        return
    bad = len(_NOT_TEXT.findall(text))
    if bad / len(text) > _MAX_CONTROL_SHARE:
        raise ValueError(f"binary data: {bad} of {len(text)} characters are control characters")


def _is_textlike(ch: str) -> bool:
    o = ord(ch)
    return (
        0x20 <= o < 0x7F
        or ch in "\t\n\r\f"
        or 0x4E00 <= o <= 0x9FFF
        or 0x3000 <= o <= 0x303F
        or 0xFF00 <= o <= 0xFFEF
        or 0x2000 <= o <= 0x206F
    )


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 written without a BOM (old Windows tools): the byte order is where ASCII's NULs fall."""
    odd = data[1::2].count(0)
    even = data[0::2].count(0)
    encoding = "utf-16-le" if odd >= even else "utf-16-be"
    try:
        text = _strict(data, encoding)
    except UnicodeDecodeError:
        return None
    if text and sum(map(_is_textlike, text)) / len(text) >= _MIN_UTF16_PRINTABLE:
        return text, encoding
    return None


@lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    # GB2312 level 1 (rows 0xB0-0xD7): the most frequently used Simplified characters.
    level1 = bytes(b for lead in range(0xB0, 0xD8) for trail in range(0xA1, 0xFF) for b in (lead, trail))
    return frozenset(level1.decode("gb2312", errors="ignore"))


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def _score(ch: str, common: frozenset[str]) -> float:
    """+1 for a common character, 0 for neutral, -0.5 for a rare one, -1 for what only mis-decoding yields."""
    o = ord(ch)
    if ch in common or ch in _COMMON_MARKS:
        return 1.0
    if o < 0x80 or ch.isspace() or 0xC0 <= o <= 0x24F:  # ASCII, spaces, Latin letters (pinyin tones)
        return 0.0
    if 0x4E00 <= o <= 0x9FFF or unicodedata.category(ch)[0] in "PS":
        return -0.5
    return -1.0  # private use, kana, bopomofo, hangul, box drawing, small forms, Greek, Cyrillic …


def _judge(text: str) -> tuple[float, int]:
    sample = _t2s().convert(text[:_SCORE_SAMPLE])
    common = _common_chars()
    scores = [_score(ch, common) for ch in sample if ch >= "\x80" and not ch.isspace()]
    scores = [x for x in scores if x]
    return (sum(scores) / len(scores) if scores else 0.0), len(scores)


def plausibility(text: str) -> float:
    """How much a decoded text looks like real Chinese: from -1 (all junk) to 1 (all common characters).

    ASCII, whitespace and Latin letters do not count. Traditional characters count as their Simplified
    forms (OpenCC t2s), so Traditional text is judged like Simplified text, in GB18030 as in Big5.
    """
    return _judge(text)[0]


def _two_byte_only(text: str) -> bool:
    """UTF-8 text whose non-ASCII is all Greek…Arabic (U+0370–U+07FF): what short GBK/Big5 bytes look like."""
    return not text.isascii() and not _BEYOND_TWO_BYTE.search(text)


def _chinese_legacy(data: bytes) -> tuple[str, str]:
    candidates = {}
    for encoding in ("gb18030", "big5"):
        try:
            candidates[encoding] = _strict(data, encoding)
        except UnicodeDecodeError:
            pass
    if not candidates:
        raise ValueError("binary data: not valid UTF-8, GB18030 or Big5 text")
    judged = {encoding: _judge(text) for encoding, text in candidates.items()}
    # Ties go to GB18030: the corpus is mainland China's.
    encoding = max(judged, key=lambda e: (judged[e][0], e == "gb18030"))
    score, counted = judged[encoding]
    if counted >= _MIN_JUDGED_CHARS and score < _MIN_ACCEPTED_SCORE:
        raise ValueError(f"binary data: the bytes decode only to implausible {encoding} text (score {score:.2f})")
    return candidates[encoding], encoding


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a text document's bytes; return (text without BOM, encoding label from `ENCODINGS`).

    Raises ValueError("binary data: …") when the bytes are not text in a supported encoding.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                text = _strict(data[len(bom):], encoding)
            except UnicodeDecodeError as e:
                raise ValueError(f"binary data: invalid {encoding} after its byte-order mark ({e.reason})") from e
            _check_not_binary(text)
            return text, encoding
    if b"\x00" in data:
        found = _utf16_without_bom(data)
        if found is None:
            raise ValueError("binary data: NUL bytes (and not UTF-16 text)")
        _check_not_binary(found[0])
        return found
    try:
        text, encoding = _strict(data, "utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = _chinese_legacy(data)
    else:
        # A few GBK or Big5 characters can form valid two-byte UTF-8 (要 D2 AA reads as Ҫ).
        if _two_byte_only(text):
            try:
                legacy = _chinese_legacy(data)
            except ValueError:
                legacy = None
            if legacy and plausibility(legacy[0]) >= _MIN_LEGACY_SCORE:
                text, encoding = legacy
    _check_not_binary(text)
    return text, encoding
