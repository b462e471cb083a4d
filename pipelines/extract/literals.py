"""Strings a regular expression cannot match without: a text holding none of them is not searched.

Most patterns of the extractor look for a phrase (门户网站, 行政复议, 收到…申请) in a text or sentence that
usually lacks it; a substring test in C answers that sooner than the regex engine trying every position.
The strings are read from the pattern's parsed form, so they cannot drift from the pattern.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache


@lru_cache(maxsize=None)
def required_text(pattern: re.Pattern) -> tuple[str, ...] | None:
    """Strings one of which every match of `pattern` contains (read from its parsed form), or None when
    the parse does not tell: a sentence containing none of them cannot match, and is not searched."""
    try:
        from re import _constants as C, _parser as P
    except ImportError:  # another Python's internals: no shortcut, every sentence is searched
        return None

    def need(items) -> tuple[str, ...] | None:
        best, run = None, ""

        def better(a, b):
            return b if a is None or (b is not None and min(map(len, b)) > min(map(len, a))) else a

        for op, av in items:
            if op is C.LITERAL:
                run += chr(av)
                continue
            if run:
                best, run = better(best, (run,)), ""
            if op is C.SUBPATTERN:
                if not av[1] & C.SRE_FLAG_IGNORECASE:
                    best = better(best, need(av[3]))
            elif op is C.ATOMIC_GROUP:
                best = better(best, need(av))
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[0] >= 1:
                best = better(best, need(av[2]))
            elif op is C.BRANCH:
                alternatives = [need(b) for b in av[1]]
                if all(a is not None for a in alternatives):
                    best = better(best, tuple(x for a in alternatives for x in a))
        return better(best, (run,) if run else None)

    if pattern.flags & re.IGNORECASE:
        return None
    return need(P.parse(pattern.pattern, pattern.flags))


@dataclass(slots=True)
class Guarded:
    """A compiled pattern whose search/findall/finditer first ask whether the text holds any string every
    match contains (none: no match, without running the regex). Same results as the pattern's own methods."""

    pattern: re.Pattern
    needed: tuple[str, ...] | None = field(init=False)

    def __post_init__(self) -> None:
        self.needed = required_text(self.pattern)

    def _may(self, text: str) -> bool:
        needed = self.needed
        if needed is None:
            return True
        for x in needed:
            if x in text:
                return True
        return False

    def search(self, text: str, *args):
        return self.pattern.search(text, *args) if self._may(text) else None

    def findall(self, text: str, *args) -> list:
        return self.pattern.findall(text, *args) if self._may(text) else []

    def finditer(self, text: str, *args):
        return self.pattern.finditer(text, *args) if self._may(text) else iter(())
