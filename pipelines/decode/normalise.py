"""Text normalisation (spec §2.5): NFKC, pinyin ruby stripped, Traditional → Simplified, whitespace.

Line structure and indentation are kept: the layout readers of the extractor depend on them
(tab-indented cells, column-aligned PDF text).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from pipelines.decode.model import Block, Decoded

# Pinyin ruby as scraped from document-sharing sites: 鎮(zhèn), 務(wù). Applied after NFKC, so the
# brackets are ASCII. Tone-marked vowels lie in U+00E0–U+01DC. The bracket is matched first and the Han
# character before it checked after: a pattern that starts with a literal is searched for that literal, not
# tried at every position (0.05 → 0.002 ms a 5 KB text).
_RUBY = re.compile(r"\((?<=[\u4e00-\u9fff]\()[a-zü\u00e0-\u01dc]{1,7}\)")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028\u2029\u2060\ufeff\u00ad]")
# any whitespace but newline and tab, made a space; a space itself is left out of the class (replacing it
# with itself is no change, and the text's thousands of spaces each cost a replacement: 0.078 → 0.019 ms)
_SPACES = re.compile(r"[^\S \n\t]")
_TRAILING = re.compile(r" +$", re.MULTILINE)  # tabs kept: a tab-only line is a blank cell
_HAN = re.compile(r"[\u4e00-\u9fff]")
_NON_HAN = re.compile(r"[^\u4e00-\u9fff]+")
# CJK Radicals Supplement forms that PDF fonts (a browser's print, some Word exports) put in the text layer
# for whole characters: "⻢渚镇人⺠政府" is 马渚镇人民政府. NFKC maps the Kangxi radicals, not these.
_RADICALS = str.maketrans({
    "\u2e81": "厂", "\u2e8a": "卜", "\u2e92": "巳", "\u2e93": "幺", "\u2e9c": "日", "\u2e9d": "月", "\u2e9f": "母",
    "\u2ea0": "民", "\u2ea9": "王", "\u2eac": "示", "\u2eaf": "糸", "\u2ebd": "臼", "\u2ec4": "西", "\u2ec5": "见",
    "\u2ec6": "角", "\u2ec9": "贝", "\u2ecb": "车", "\u2ed1": "長", "\u2ed3": "长", "\u2ed4": "门", "\u2ed7": "雨",
    "\u2ed8": "青", "\u2ed9": "韦", "\u2eda": "页", "\u2edb": "风", "\u2edc": "飞", "\u2edd": "食", "\u2edf": "食",
    "\u2ee2": "马", "\u2ee3": "骨", "\u2ee4": "鬼", "\u2ee5": "鱼", "\u2ee6": "鸟", "\u2ee7": "卤", "\u2ee8": "麦",
    "\u2ee9": "黄", "\u2eea": "黾", "\u2eec": "齐", "\u2eee": "齿", "\u2ef0": "龙", "\u2ef3": "龟",
})

_ANY_RADICAL = re.compile("[" + "".join(chr(c) for c in _RADICALS) + "]")


# NFKC without Unicode's general algorithm for the characters nearly every report is made of. CPython's NFKC
# costs ~170 ns a character on Chinese text (0.7 ms a 4 000-character page, two calls a document: a third of
# decoding an HTML page). A text made only of the characters below — ASCII (the NUL that joins a batch of
# texts included), Latin-1 (the no-break space of web pages) and Latin Extended (pinyin), general punctuation,
# circled numbers, CJK symbols and punctuation, enclosed CJK (㈠), the CJK Unified Ideographs, full-width
# forms — is normalised character by character: none of them is a combining mark or the second of a canonical
# composition pair (asserted over all of Unicode in tests/unit/test_normalise.py), so NFKC of such a text is the
# concatenation of NFKC of its characters: those NFKC leaves alone stay, the others (full-width ，：１, the
# ideographic and no-break spaces…) are replaced by their NFKC, itself made of characters left alone. Any
# other character: the general algorithm, on the whole text.
_FAST_RANGES = ((0x00, 0x024F), (0x2000, 0x206F), (0x2460, 0x24FF), (0x3000, 0x303F), (0x3200, 0x32FF),
                (0x4E00, 0x9FFF), (0xFF01, 0xFF5E))


@lru_cache(maxsize=1)
def _fast_nfkc() -> tuple[re.Pattern, re.Pattern, dict[str, str]]:
    """(a pattern finding a character outside the fast path, a pattern finding the characters NFKC changes,
    character → its NFKC), built once per process from `unicodedata` (46 ms measured here)."""
    chars = [chr(c) for lo, hi in _FAST_RANGES for c in range(lo, hi + 1)]
    kept = {c for c in chars if unicodedata.combining(c) == 0 and unicodedata.normalize("NFKC", c) == c}
    mapped = {c: n for c in chars if c not in kept and unicodedata.combining(c) == 0
              and (n := unicodedata.normalize("NFKC", c)) and all(x in kept for x in n)}
    allowed = sorted(ord(c) for c in kept | set(mapped))
    runs, start = [], allowed[0]  # the allowed characters as ranges: a short character class
    for prev, cur in zip(allowed, allowed[1:] + [-1]):
        if cur != prev + 1:
            runs.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}" if prev > start else re.escape(chr(start)))
            start = cur
    return (re.compile(f"[^{''.join(runs)}]"), re.compile("[" + "".join(map(re.escape, sorted(mapped))) + "]"),
            mapped)


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), the same string, faster for the characters of nearly every report."""
    outside, changed, mapped = _fast_nfkc()
    if outside.search(text) is not None:
        return unicodedata.normalize("NFKC", text)
    return changed.sub(lambda m: mapped[m.group()], text)


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (OpenCC t2s; Simplified text passes through unchanged)."""
    return _t2s().convert(text) if _HAN.search(text) else text


def normalise(text: str) -> str:
    """Normalise one text: NFKC, invisible characters dropped, ruby stripped, t2s, spaces unified."""
    return _normalise(text.replace("\r\n", "\n").replace("\r", "\n"))


# Between the texts of a batch: no step of `_normalise` changes it or reaches across it (a line of its own,
# no Han character, no white space but the newlines, which end the line before it as they end a text).
_SEP = "\n\x00\n"


def normalise_many(texts: list[str]) -> list[str]:
    """`normalise` of each text, in one pass over them all (a document's blocks and cells are thousands of
    short texts: per-text calls cost more than the work)."""
    if len(texts) < 2:
        return [normalise(t) for t in texts]
    # \r first, in each text: a text's last \r must not pair with the separator's \n
    joined = _SEP.join(t.replace("\r\n", "\n").replace("\r", "\n") for t in texts)
    if joined.count("\x00") != len(texts) - 1:  # NULs of its own in a text (a broken text layer): one by one
        return [normalise(t) for t in texts]
    return _normalise(joined).split(_SEP)


def _normalise(text: str) -> str:
    return _after_nfkc(nfkc(text))


def _after_nfkc(text: str) -> str:
    if _ANY_RADICAL.search(text):  # rare; translate() walks every character
        text = text.translate(_RADICALS)
    text = _INVISIBLE.sub("", text)
    text = _RUBY.sub("", text)
    text = to_simplified(text)
    text = _SPACES.sub(" ", text)
    # spaces end a line only before a newline or at the end: most texts have none, and finding that is
    # cheaper than the multiline pattern's scan
    return _TRAILING.sub("", text) if " \n" in text or text.endswith(" ") else text


def script_flags(original: str) -> list[str]:
    """Flags describing the script of the original: traditional script, pinyin ruby present."""
    return _script_flags(nfkc(original))


def _script_flags(nfkc_text: str) -> list[str]:
    flags = []
    if _RUBY.search(nfkc_text):
        flags.append("pinyin_ruby")
    han = _NON_HAN.sub("", nfkc_text)
    simplified = to_simplified(han) if han else han
    if han and simplified != han:
        changed = sum(map(str.__ne__, han, simplified))
        # Half a percent of Han characters changed by t2s marks a Traditional document; a few
        # variant characters in a Simplified one stay below that.
        if changed / len(han) > 0.005:
            flags.append("traditional_script")
    return flags


def _paged(nfkc_text: str, pages: int | None) -> tuple[str, list[int] | None]:
    """The normalised text and where each of its pages begins. Decoders of paged documents join the pages
    with a form feed on a line of its own ("\\n\\f\\n"), which normalisation turns into a blank line: each
    page is normalised alone (no step reaches across a line) and the texts joined, so the page starts are
    exact offsets. Without exactly pages − 1 form feeds the pages cannot be told apart: None."""
    if not pages or nfkc_text.count("\f") != pages - 1:
        return _after_nfkc(nfkc_text), None
    parts = [_after_nfkc(page) for page in nfkc_text.split("\f")]
    starts, at = [], 0
    for part in parts:
        starts.append(at)
        at += len(part)
    return "".join(parts), starts


def finish(original_text: str, blocks: list[Block] | Callable[[str], list[Block]], decoder: str,
           pages: int | None = None, flags: list[str] | None = None) -> Decoded:
    """Normalise a decoder's raw output into a `Decoded` (text and every block; the original kept).
    `blocks` may instead be a function of the normalised text giving its blocks (plain text: its lines),
    which are then normalised already."""
    # one NFKC of the original serves the text and the script flags (\r changes neither's evidence)
    nfkc_text = nfkc(original_text.replace("\r\n", "\n").replace("\r", "\n"))
    text, page_starts = _paged(nfkc_text, pages)
    flags = sorted(set((flags or []) + _script_flags(nfkc_text)))
    if callable(blocks):
        return Decoded(text=text, original_text=original_text, blocks=blocks(text), decoder=decoder, pages=pages,
                       flags=flags, page_starts=page_starts)
    # every block text and grid cell normalised in one batch, then dealt back in the same order
    pieces = normalise_many([b.text for b in blocks] + [c for b in blocks if b.grid is not None
                                                        for row in b.grid for c in row])
    texts, cells = iter(pieces[:len(blocks)]), iter(pieces[len(blocks):])
    norm_blocks = [
        Block(
            kind=b.kind,
            text=next(texts),
            page=b.page,
            grid=[[next(cells) for _ in row] for row in b.grid] if b.grid is not None else None,
        )
        for b in blocks
    ]
    return Decoded(
        text=text,
        original_text=original_text,
        blocks=norm_blocks,
        decoder=decoder,
        pages=pages,
        flags=flags,
        page_starts=page_starts,
    )
