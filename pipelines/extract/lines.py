"""Whitespace-free views of a document's text, computed once per text.

Metadata, template detection and the prose reader all look at the same lines with their whitespace
removed (PDF text spaces labels out: "电 话 : …"); caching them per text keeps that a single pass.
"""

from __future__ import annotations

import re
from functools import lru_cache


# the characters str.splitlines cuts at (all of them white space), and white space that is none of them
_BOUNDARIES = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_INNER_WHITESPACE = re.compile(rf"[^\S{_BOUNDARIES}]+")


@lru_cache(maxsize=4)
def compact_lines(text: str) -> tuple[str, ...]:
    """Every line of `text` (as `str.splitlines` cuts them) with all whitespace removed."""
    if "\r" not in text and not (text and text[-1].isspace() and text[-1] not in _BOUNDARIES):
        # one substitution over the whole text; exact when no "\r\n" pair can form and no line of white
        # space ends the text (splitlines would drop it once emptied)
        return tuple(_INNER_WHITESPACE.sub("", text).splitlines())
    return tuple("".join(line.split()) for line in text.splitlines())


@lru_cache(maxsize=4)
def nonempty_compact_lines(text: str) -> tuple[str, ...]:
    """The whitespace-free lines that are not empty."""
    return tuple(c for c in compact_lines(text) if c)


@lru_cache(maxsize=4)
def compact(text: str) -> str:
    """The whole text without whitespace."""
    return "".join(text.split())


@lru_cache(maxsize=4)
def compact_joined(text: str) -> str:
    """The whitespace-free lines joined by "\\n": one string to search across every line at once."""
    return "\n".join(compact_lines(text))
