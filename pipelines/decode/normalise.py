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
    text = unicodedata.normalize("NFKC", text)
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
