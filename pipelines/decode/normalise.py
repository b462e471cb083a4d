"""Text normalisation (spec §2.5): NFKC, pinyin ruby stripped, Traditional → Simplified, whitespace.

Line structure and indentation are kept: the layout readers of the extractor depend on them
(tab-indented cells, column-aligned PDF text).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pipelines.decode.model import Block, Decoded

# Pinyin ruby as scraped from document-sharing sites: 鎮(zhèn), 務(wù). Applied after NFKC, so the
# brackets are ASCII. Tone-marked vowels lie in U+00E0–U+01DC.
_RUBY = re.compile(r"(?<=[\u4e00-\u9fff])\([a-zü\u00e0-\u01dc]{1,7}\)")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2028\u2029\u2060\ufeff\u00ad]")
_SPACES = re.compile(r"[^\S\n\t]")  # any whitespace but newline and tab
_TRAILING = re.compile(r" +$", re.MULTILINE)  # tabs kept: a tab-only line is a blank cell
_HAN = re.compile(r"[\u4e00-\u9fff]")
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


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional → Simplified Chinese (OpenCC t2s; Simplified text passes through unchanged)."""
    return _t2s().convert(text) if _HAN.search(text) else text


def normalise(text: str) -> str:
    """Normalise one text: NFKC, invisible characters dropped, ruby stripped, t2s, spaces unified."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFKC", text).translate(_RADICALS)
    text = _INVISIBLE.sub("", text)
    text = _RUBY.sub("", text)
    text = to_simplified(text)
    text = _SPACES.sub(" ", text)
    return _TRAILING.sub("", text)


def script_flags(original: str) -> list[str]:
    """Flags describing the script of the original: traditional script, pinyin ruby present."""
    flags = []
    nfkc = unicodedata.normalize("NFKC", original)
    if _RUBY.search(nfkc):
        flags.append("pinyin_ruby")
    han = "".join(_HAN.findall(nfkc))
    if han:
        changed = sum(a != b for a, b in zip(han, to_simplified(han)))
        # Half a percent of Han characters changed by t2s marks a Traditional document; a few
        # variant characters in a Simplified one stay below that.
        if changed / len(han) > 0.005:
            flags.append("traditional_script")
    return flags


def finish(original_text: str, blocks: list[Block], decoder: str, pages: int | None = None,
           flags: list[str] | None = None) -> Decoded:
    """Normalise a decoder's raw output into a `Decoded` (text and every block; the original kept)."""
    text = normalise(original_text)
    norm_blocks = [
        Block(
            kind=b.kind,
            text=normalise(b.text),
            page=b.page,
            grid=[[normalise(c) for c in row] for row in b.grid] if b.grid is not None else None,
        )
        for b in blocks
    ]
    return Decoded(
        text=text,
        original_text=original_text,
        blocks=norm_blocks,
        decoder=decoder,
        pages=pages,
        flags=sorted(set((flags or []) + script_flags(original_text))),
    )
