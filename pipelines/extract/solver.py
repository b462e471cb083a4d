"""Run-together cells: split glued digit strings into the cells a row must have, using the identities.

A naive crawl may drop the separators between cells (`230 000023` for seven T3 cells). Every way of
cutting the strings into the row's number of cells is tried (numbers have no leading zeros, a sign
starts a new number); the row's identity keeps the splits that can be right. One survivor is the
answer; several are an `ambiguous_split`, never a silent guess.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import lru_cache

from pipelines.contract.grammar import (
    CELL_UNIT,
    CUT_NUMBER,
    NO_CUT_BEFORE,
    PLACEHOLDER,
    PLACEHOLDER_MARKS,
    PLACEHOLDERS,
    UNREADABLE,
    WHOLE_NUMBER,
)

MAX_DIGITS = 40  # beyond this the number of cuts explodes and no identity pins them down
# A piece a glued run may be cut into: a number, or one placeholder character.
_NUMBER = re.compile(rf"^(?:[+\-]?{CUT_NUMBER}{CELL_UNIT}?|[{PLACEHOLDER_MARKS}]|无)$")
# One whole printed cell: a number as printed (thousands separated, any decimals) or a placeholder. A
# leading zero ("04") is never a cell: it is a cell glued to the next one, or to a section number.
_CELL = re.compile(rf"^(?:[+\-]?{WHOLE_NUMBER}{CELL_UNIT}?|{PLACEHOLDER}|[+\-]?{UNREADABLE}{CELL_UNIT}?)$")
_UNIT = re.compile(CELL_UNIT)


def is_cell(text: str) -> bool:
    """Whether a separated token can be one cell as it stands."""
    return bool(_CELL.match(text))


BUDGET = 200_000  # search steps per row: past it, the row is reported, not guessed


def solve(tokens: list[str], cells: int, holds: Callable[[list[str]], bool], limit: int = 4,
          report: dict | None = None) -> list[list[str]]:
    """The splits of `tokens` into `cells` cells for which `holds` is true (at most `limit` of them).

    A depth-first search over cut positions; a check with a `prefix` method (see `sums_hold`) prunes a
    partial split as soon as a complete group of it fails, and the search stops after BUDGET steps.
    `report["complete"]` says whether every split was seen: a split found alone in an unfinished search is
    not known to be the only one."""
    if report is not None:
        report["complete"] = False
    if sum(len(t) for t in tokens) > MAX_DIGITS:
        return []
    prefix_ok = getattr(holds, "prefix", None)
    # `sums_hold`'s prefix check, asked here only where a piece completes a group (the same sums)
    ending = getattr(prefix_ok, "ending", None)
    found: list[list[str]] = []
    steps = 0
    n_tokens = len(tokens)
    lengths = [len(t) for t in tokens]

    def search(ti: int, pos: int, split: list[str]) -> None:
        nonlocal steps
        steps += 1
        if steps > BUDGET or len(found) >= limit:
            return
        if ti == n_tokens:
            if len(split) == cells and holds(split):
                found.append(list(split))
            return
        if pos == lengths[ti]:
            search(ti + 1, 0, split)
            return
        if len(split) + 1 + (n_tokens - ti - 1) > cells:
            return  # every later token takes at least one cell: no room for a piece of this one
        if ending is not None:
            groups = ending.get(len(split) + 1)  # the groups the next piece completes
            for piece in _pieces(tokens[ti], pos):
                split.append(piece)
                if groups is None or _groups_hold(split, groups):
                    search(ti, pos + len(piece), split)
                split.pop()
            return
        for piece in _pieces(tokens[ti], pos):
            split.append(piece)
            if prefix_ok is None or prefix_ok(split):
                search(ti, pos + len(piece), split)
            split.pop()

    search(0, 0, [])
    if report is not None:
        report["complete"] = steps <= BUDGET and len(found) < limit
    return found


@lru_cache(maxsize=65536)
def _pieces(token: str, pos: int) -> tuple[str, ...]:
    """The numbers a cell can be when it starts at `pos` of `token` (the search asks this many times)."""
    if token in PLACEHOLDERS and len(token) == 1 or token == UNREADABLE:
        return (token,)
    return tuple(token[pos:end] for end in range(pos + 1, len(token) + 1)
                 if _NUMBER.match(token[pos:end]) and (end == len(token) or token[end] not in NO_CUT_BEFORE))


def _groups_hold(split: list[str], groups: list[tuple[list[int], int]]) -> bool:
    for parts, total in groups:
        if not abs(sum([number(split[i]) for i in parts]) - number(split[total])) < 1e-9:
            return False
    return True


@lru_cache(maxsize=65536)
def number(text: str) -> float:
    """The value of a split cell; placeholders count as 0, as in the identities."""
    if text in PLACEHOLDERS:
        return 0.0
    if UNREADABLE in text:  # not known: no identity holds with it
        return math.nan
    return float(_UNIT.sub("", text))


def sums_hold(groups: list[tuple[list[int], int]]) -> Callable[[list[str]], bool]:
    """A check that each (parts, total) group of cell positions adds up; its `prefix` method checks the
    groups a partial split already completes."""
    def group_holds(split: list[str], parts: list[int], total: int) -> bool:
        return abs(sum([number(split[i]) for i in parts]) - number(split[total])) < 1e-9

    # the groups a split of n cells completes: its last cell is the group's last position
    ending: dict[int, list[tuple[list[int], int]]] = {}
    for parts, total in groups:
        ending.setdefault(max(*parts, total) + 1, []).append((parts, total))

    def holds(split: list[str]) -> bool:
        return all(group_holds(split, parts, total) for parts, total in groups)

    def prefix(split: list[str]) -> bool:
        for parts, total in ending.get(len(split), ()):
            if not group_holds(split, parts, total):
                return False
        return True

    prefix.ending = ending
    holds.prefix = prefix
    return holds
