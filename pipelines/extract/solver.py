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
    PLACEHOLDER_CHARS,
    PLACEHOLDER_MARKS,
    PLACEHOLDERS,
    SIGNS,
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


# Whether a separated token can be one cell as it stands (a match, or None): the pattern's own method, as
# every row's every token is asked
is_cell = _CELL.match


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
    digits = sum(map(len, tokens))
    if digits > MAX_DIGITS:
        return []
    prefix_ok = getattr(holds, "prefix", None)
    # `sums_hold`'s prefix check, asked here only where a piece completes a group (the same sums)
    ending = getattr(prefix_ok, "ending", None)
    tokens = [t for t in tokens if t]  # (an empty token holds no piece)
    if limit <= 0:
        return []
    if not tokens:
        found, complete = ([[]] if cells == 0 and holds([]) else []), True
    elif digits == cells and digits <= EXACT_DIGITS:
        found, complete = _one_per_character(tokens, holds, prefix_ok, ending), True
    elif (digits <= EXACT_DIGITS and len(tokens) == 1 and ending == {cells: [(list(range(cells - 1)), cells - 1)]}
          and "-" not in tokens[0]):
        found, complete = _total_last(tokens[0], cells, holds, limit), True
    else:
        found, complete = _search_pruned(tokens, cells, holds, limit, prefix_ok, ending)
    if report is not None:
        report["complete"] = complete and len(found) < limit
    return found


# Up to this many characters the whole search tree (at most 3 · 2^n nodes) fits in BUDGET: the shortcuts
# below (a cell a character, a total cut first) always see every split.
EXACT_DIGITS = 15


def _one_per_character(tokens: list[str], holds: Callable[[list[str]], bool], prefix_ok, ending) -> list[list[str]]:
    """`_search_pruned` where the tokens have exactly as many characters as the row has cells (a row of
    one-digit cells run together, the common case): the only split that can be is one cell a character,
    if each character may be a cell there and the checks hold."""
    split = []
    for token in tokens:
        if token.isascii() and token.isdigit():  # every digit is a piece of its own (`_pieces`' first)
            split.extend(token)
            continue
        for pos in range(len(token)):
            pieces = _pieces(token, pos)
            if not pieces or len(pieces[0]) != 1:
                return []  # (the shortest piece here is longer than a character: no split)
            split.append(pieces[0])
    if ending is not None:
        # the groups each prefix completes (a group's positions are all below the prefix's length)
        if not all(_groups_hold(split, groups) for k, groups in ending.items() if k <= len(split)):
            return []
    elif prefix_ok is not None and not all(prefix_ok(split[:k]) for k in range(1, len(split) + 1)):
        return []
    return [split] if holds(split) else []


def _total_last(token: str, cells: int, holds: Callable[[list[str]], bool], limit: int) -> list[list[str]]:
    """`_search_pruned` for one token and one sum group, all cells but the last adding up to the last (a T3
    row): the total is cut first (each length it can have), then the parts before it, a branch left as soon
    as its parts (≥ 0: no minus sign) add up to more than the total. Every split is found, then put in the
    order the search meets them (shorter pieces first, from the left) and the first `limit` kept."""
    n, found = len(token), []
    for start in range(n - 1, cells - 2, -1):  # where the total starts: the parts need a character each
        total = token[start:]
        pieces = _pieces(token, start)
        if not pieces or pieces[-1] != total:
            continue  # (the rest of the token is no number)
        try:
            most = number(total) + 1e-9
        except ValueError:
            continue

        def parts(pos: int, split: list[str], added: float) -> None:
            left = cells - 1 - len(split)
            # the parts still to cut from the `start - pos` characters before the total add up to less than
            # one of them taking all but a character each for the others: short of the total, no split here
            if left and added + 10.0 ** (start - pos - left + 1) + 10 * (left - 1) + 1 < most:
                return
            if len(split) == cells - 1:
                if pos == start:
                    split.append(total)
                    if _groups_hold(split, [(list(range(cells - 1)), cells - 1)]) and holds(split):
                        found.append(list(split))
                    split.pop()
                return
            room = start - (cells - 2 - len(split))  # the parts after this one need a character each
            for piece in _pieces(token, pos):
                if pos + len(piece) > room:
                    break
                try:
                    now = added + number(piece)
                except ValueError:
                    now = math.nan
                if now > most:
                    continue
                split.append(piece)
                parts(pos + len(piece), split, now)
                split.pop()

        parts(0, [], 0.0)
    found.sort(key=lambda split: [len(piece) for piece in split])
    return found[:limit]


def _search_pruned(tokens: list[str], cells: int, holds: Callable[[list[str]], bool], limit: int,
                   prefix_ok, ending) -> tuple[list[list[str]], bool]:
    """`solve`'s depth-first search over cut positions, and whether it finished (within BUDGET calls).

    It leaves the branches that hold no split: too few characters left for the cells still to fill, too
    many tokens left for them (each piece takes at least one character, each token at least one piece),
    a partial split a complete group of which fails, or, for a sum group whose total is still to come,
    parts already adding up to more than any total the characters left can print. Splits come shorter
    pieces first, from the left. (An unpruned search, once used above EXACT_DIGITS, walked every dead end:
    thousands of calls for a row of 16 to 40 run-together digits.)"""
    found: list[list[str]] = []
    steps = 0
    n_tokens = len(tokens)
    lengths = [len(t) for t in tokens]
    after = [sum(lengths[ti + 1:]) for ti in range(n_tokens)]  # characters in the tokens after token ti
    # groups (parts lo..hi-1, total after them) whose parts are known to be ≥ 0: no minus sign anywhere
    bounds = [] if ending is None or any("-" in t for t in tokens) else [
        (parts[0], parts[-1] + 1, total) for groups in ending.values() for parts, total in groups
        if parts and list(parts) == list(range(parts[0], parts[-1] + 1)) and total > parts[-1]]
    sums = [0.0]  # sums[k]: the numbers of the first k pieces added up (only kept with bounds)

    def search(ti: int, pos: int, split: list[str]) -> None:
        nonlocal steps
        steps += 1
        if steps > BUDGET:
            return
        token, length = tokens[ti], lengths[ti]
        left = cells - len(split) - 1  # pieces still to place after this one
        for piece in _pieces(token, pos):
            end = pos + len(piece)
            rest = length - end + after[ti]  # characters after this piece
            if left > rest:
                break  # (the next pieces are longer: fewer characters still)
            if left < n_tokens - ti - (end == length):
                continue
            split.append(piece)
            if ending is not None:
                groups = ending.get(len(split))
                ok = groups is None or _groups_hold(split, groups)
            else:
                ok = prefix_ok is None or prefix_ok(split)
            if ok and bounds:
                k = len(split)
                try:
                    sums.append(sums[-1] + number(piece))
                except ValueError:  # (not a number: no bound from it)
                    sums.append(math.nan)
                # the total is one of the pieces to come: at most `rest - left + 1` characters, below 10^that
                most = 10.0 ** (rest - left + 1)
                for lo, hi, total in bounds:
                    if lo < k <= total and sums[min(k, hi)] - sums[lo] >= 2 * most:
                        ok = False
                        break
            if ok:
                if end < length:
                    search(ti, end, split)
                elif ti + 1 < n_tokens:
                    search(ti + 1, 0, split)
                elif holds(split):
                    found.append(list(split))
            if bounds and len(sums) > len(split):
                sums.pop()
            split.pop()
            if len(found) >= limit:
                return

    search(0, 0, [])
    return found, steps <= BUDGET


@lru_cache(maxsize=65536)
def _pieces(token: str, pos: int) -> tuple[str, ...]:
    """The numbers a cell can be when it starts at `pos` of `token` (the search asks this many times)."""
    if token in PLACEHOLDERS and len(token) == 1 or token == UNREADABLE:
        return (token,)
    if token.isascii() and token.isdigit():  # (the common case, without the pattern: no leading zero)
        return ("0",) if token[pos] == "0" else tuple(token[pos:end] for end in range(pos + 1, len(token) + 1))
    mark, after = token[pos], token[pos + 1 : pos + 2]
    if mark in PLACEHOLDER_CHARS and not after.isdigit():  # a placeholder is one character (no sign here)
        return (mark,) if not after or after not in NO_CUT_BEFORE else ()
    if not (mark.isdigit() or mark in SIGNS):
        # every piece of more than one character opens on a digit or a sign (_NUMBER): one that opens on
        # anything else (无) is that character or nothing — without trying every longer slice of the token
        return (mark,) if _NUMBER.match(mark) and (not after or after not in NO_CUT_BEFORE) else ()
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
