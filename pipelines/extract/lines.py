"""Whitespace-free views of a document's text, computed once per text.

Metadata, template detection and the prose reader all look at the same lines with their whitespace
removed (PDF text spaces labels out: "电 话 : …"); caching them per text keeps that a single pass.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4)
def text_lines(text: str) -> tuple[str, ...]:
    """The lines of `text`, cut at "\\n" only (the tokenizer's lines, whose numbers tokens carry)."""
    return tuple(text.split("\n"))


@lru_cache(maxsize=4)
def compact_lines(text: str) -> tuple[str, ...]:
    """Every line of `text` (as `str.splitlines` cuts them) with all whitespace removed."""
    return tuple(map("".join, map(str.split, text.splitlines())))


@lru_cache(maxsize=4)
def nonempty_compact_lines(text: str) -> tuple[str, ...]:
    """The whitespace-free lines that are not empty."""
    return tuple(filter(None, compact_lines(text)))


@lru_cache(maxsize=4)
def compact(text: str) -> str:
    """The whole text without whitespace."""
    return "".join(text.split())


@lru_cache(maxsize=4)
def compact_joined(text: str) -> str:
    """The whitespace-free lines joined by "\\n": one string to search across every line at once."""
    return "\n".join(compact_lines(text))
