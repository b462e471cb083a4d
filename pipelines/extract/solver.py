"""Run-together cells: split glued digit strings into the cells a row must have, using the identities.

A naive crawl may drop the separators between cells (`230 000023` for seven T3 cells). Every way of
cutting the strings into the row's number of cells is tried (numbers have no leading zeros, a sign
starts a new number); the row's identity keeps the splits that can be right. One survivor is the
answer; several are an `ambiguous_split`, never a silent guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from pipelines.extract.values import PLACEHOLDERS

MAX_DIGITS = 40  # beyond this the number of cuts explodes and no identity pins them down
_NUMBER = re.compile(r"^(?:[+\-]?(?:0|[1-9]\d*)(?:\.\d{1,2})?(?:万元|元|件|项)?|[/—\-无])$")
_NO_CUT_BEFORE = ".元万件项"


def _cuts(text: str, parts: int) -> Iterator[list[str]]:
    """Every way of cutting `text` into `parts` valid numbers."""
    if parts == 1:
        if _NUMBER.match(text):
            yield [text]
        return
    for i in range(1, len(text)):
        head = text[:i]
        if not _NUMBER.match(head) or text[i] in _NO_CUT_BEFORE:
            continue
        for rest in _cuts(text[i:], parts - 1):
            yield [head, *rest]


def _splits(tokens: list[str], cells: int) -> Iterator[list[str]]:
    if not tokens:
        if cells == 0:
            yield []
        return
    first, rest = tokens[0], tokens[1:]
    if first in PLACEHOLDERS and len(first) == 1:
        for tail in _splits(rest, cells - 1):
            yield [first, *tail]
        return
    room = cells - len(rest)  # every later token takes at least one cell
    for k in range(1, max(0, min(room, len(first))) + 1):
        for head in _cuts(first, k):
            for tail in _splits(rest, cells - k):
                yield [*head, *tail]


def solve(tokens: list[str], cells: int, holds: Callable[[list[str]], bool], limit: int = 4) -> list[list[str]]:
    """The splits of `tokens` into `cells` cells for which `holds` is true (at most `limit` of them)."""
    if sum(len(t) for t in tokens) > MAX_DIGITS:
        return []
    found = []
    for split in _splits(tokens, cells):
        if holds(split):
            found.append(split)
            if len(found) >= limit:
                break
    return found


def number(text: str) -> float:
    """The value of a split cell; placeholders count as 0, as in the identities."""
    if text in PLACEHOLDERS:
        return 0.0
    text = re.sub(r"万元|元|件|项", "", text)
    return float(text)


def sums_hold(groups: list[tuple[list[int], int]]) -> Callable[[list[str]], bool]:
    """A check that each (parts, total) group of cell positions adds up."""
    def holds(split: list[str]) -> bool:
        values = [number(t) for t in split]
        return all(abs(sum(values[i] for i in parts) - values[total]) < 1e-9 for parts, total in groups)

    return holds
