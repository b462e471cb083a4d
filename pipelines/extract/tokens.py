"""Layout reading: any text layout → one stream of label and value tokens, in reading order.

The readers know about layout and nothing about the template (spec §11): a pipe row is split into its
cells, a tab-indented line is one cell (a blank one may be filled by a value pushed to a later line),
any other line is split at runs of white space. Page footers and Markdown separator rows are dropped.
A label glued to its values by a naive crawl (`…申请数量230 000023`) is cut where the digits start.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import chain
from typing import Literal, NamedTuple

from pipelines.contract.grammar import (
    CELL_UNIT,
    CELL_UNITS,
    FIGURE,
    INLINE_MARKUP,
    ITEM_NUMBER,
    LINE_MARKUP,
    MD_SEPARATOR,
    NO_CUT_BEFORE,
    PLACEHOLDER_CHARS,
    PLACEHOLDER_MARKS,
    SIGN_CUT_OFF,
    SIGNS,
    UNREADABLE,
    close_figure_gaps,
    is_footer,
)
from pipelines.extract.labels import PROSE
from pipelines.extract.lines import text_lines
from pipelines.extract.values import is_value_token

LABEL, VALUE, EMPTY = "label", "value", "empty"

_ARTEFACTS = re.compile(rf"{INLINE_MARKUP}|{LINE_MARKUP}\s+")
# A label glued to trailing values: the label ends in a non-digit, the tail is digits/signs/units/spaces.
# A run of glued cells: numbers (each with an optional unit, a sign, a decimal part) and placeholders.
# Atomic: a number is taken whole. Without it `(\d[\d.,]*)+` may split a long digit string in
# exponentially many ways before failing (the fuzzer found a token that took minutes). The run itself is
# possessive: `-1` reads as a signed number or as the placeholder `-` then `1`, and `行政许可-1-1…-1x`
# would try every reading of every pair before failing (each `-1` doubled the time). Both readings end
# where the run ends, and nothing after a run can start inside it, so giving characters back never helps.
_GLUED_MARKS = f"{PLACEHOLDER_MARKS}无{UNREADABLE}"  # placeholders that may stand glued in a run
_RUN = rf"(?:(?>{FIGURE}{CELL_UNIT}?)|[{_GLUED_MARKS}])++"
# The label is at most 40 characters (a longer one is no row label, `_split_glued` keeps such a part whole):
# bounded here, a part of thousands of `1件` does not try every 件 as the label's end (quadratic).
_GLUED = re.compile(rf"^(?P<label>.{{0,39}}?[^\d\s.,+{_GLUED_MARKS}])(?P<tail>{_RUN}(?:\s+{_RUN})*)$")
_DIGIT_RUN = re.compile(_RUN)
# the characters a run of `_RUN` can end with, besides decimal digits (`\d`)
_PLACEHOLDER_OR_UNREADABLE = frozenset(f"{PLACEHOLDER_CHARS}无{UNREADABLE}")
_RUN_LAST = frozenset(".," + "".join(u[-1] for u in CELL_UNITS)) | _PLACEHOLDER_OR_UNREADABLE


class Token(NamedTuple):  # a tuple: a report has tens of thousands of them
    kind: Literal["label", "value", "empty"]
    text: str
    line: int


# Header cells an OCR engine or a converter invents for unnamed columns: labels, not label + number.
_PLACEHOLDER_HEADER = re.compile(r"^(?:数据|列|栏|字段|column|col|field)\s*\d{1,2}$", re.IGNORECASE)


def _split_glued(part: str) -> list[str]:
    """`行政许可9487` → [`行政许可`, `9487`]; a tail that is not all values stays in the label."""
    if _PLACEHOLDER_HEADER.match(part):
        return [part]
    if not (part[-1:].isdecimal() or part[-1:] in _RUN_LAST):
        return [part]  # a glued run ends the part, and no run ends in this character (a sentence, a label)
    m = _GLUED.match(part)
    if m and 2 <= len(m["label"]) <= 40 and not m["label"].endswith(("第", "(", "（")) \
            and not PROSE.search(m["label"]):  # a sentence's figure is no cell
        tail = m["tail"].split()
        # "(四)无" + "法提供" is a wrapped label, not a label and a placeholder: a lone 无 stays text
        if m["tail"].strip() != "无" or not m["label"].endswith(")"):
            return [m["label"], *tail]
    return [part]


def _classify(text: str, line: int) -> list[Token]:
    return [Token(kind, part, line) for kind, part in _kinds(text)]


_MAYBE_ARTEFACT = frozenset("[*_#>")


@lru_cache(maxsize=65536)
def _kinds(text: str) -> tuple[tuple[str, str], ...]:
    if _PLACEHOLDER_HEADER.match(text):
        return ()  # 数据1…数据15 name nothing
    return tuple((VALUE if is_value_token(part) or _is_digit_run(part) else LABEL, part)
                 for part in _split_glued(text))


def _is_digit_run(text: str) -> bool:
    # Run-together cells: numbers, units, signs and placeholders with the separators lost.
    return bool(_DIGIT_RUN.fullmatch(text)) and any(c.isdigit() or c in _PLACEHOLDER_OR_UNREADABLE for c in text)


# What one line of text reads as, for the tokenizer: a footer or separator to drop, a blank tab cell, a pipe
# row, a tab-indented line or any other line, with its (kind, text) parts. It depends on the line alone and
# the same lines (labels, small figures, headers) recur in every report: worked out once per distinct line.
_SKIP, _BLANK_TAB, _PIPE, _TAB, _PLAIN = range(5)


# The characters a figure's tail cut onto the next line starts with (`.36万元`, `元`): no cell starts so.
_TAIL_START = frozenset(NO_CUT_BEFORE)
# A figure whose unit was cut inside (`114.36万` before `元`): its tail may follow.
_CUT_UNIT = re.compile(FIGURE + "(?:" + "|".join(u[:k] for u in CELL_UNITS for k in range(1, len(u))) + ")")


@lru_cache(maxsize=65536)
def _line_parts(raw_line: str) -> tuple[int, tuple[tuple[str, str], ...], bool, str | None, bool]:
    """(what the line is, its (kind, text) parts, whether a label is among them, the text of its only part
    when that is a value, whether its first part may be the tail of a figure on the line before)."""
    what, parts = _line_reading(raw_line)
    lone = parts[0][1] if len(parts) == 1 and parts[0][0] == VALUE else None
    tail = bool(parts) and (parts[0][1][:1] in _TAIL_START or parts[0][1][:1].isdigit())
    return what, parts, any(k == LABEL for k, _ in parts), lone, tail


def _line_reading(raw_line: str) -> tuple[int, tuple[tuple[str, str], ...]]:
    line = raw_line.rstrip(" ")
    if not _MAYBE_ARTEFACT.isdisjoint(line):
        line = _ARTEFACTS.sub("", line)
    stripped = line.strip()
    if not stripped:
        return (_BLANK_TAB if line.startswith("\t") else _SKIP), ()
    if is_footer(line) or "-" in line and MD_SEPARATOR.match(line):
        return _SKIP, ()
    if line.count("|") >= 2:
        # A pipe in the first column opens a Markdown row; " | x |" starts with an empty cell instead.
        cells = line.rstrip().split("|")
        if line.startswith("|") or not cells[0].strip() and not line.startswith(" "):
            cells = cells[1:]
        if line.rstrip().endswith("|"):
            cells = cells[:-1]
        if any(is_footer(c) for c in cells) and all(is_footer(c) or not c.strip() for c in cells):
            return _SKIP, ()  # a page footer that a converter put into the table
        return _PIPE, _tails_joined(tuple(chain.from_iterable(map(_cell_parts, map(str.strip, cells)))))
    if "|" in stripped:  # a lone pipe (one on the line: no table row) separates like white space
        stripped = stripped.replace("|", " ")
    words = close_figure_gaps(stripped).split()
    parts = _numbering_as_label(tuple(chain.from_iterable(map(_kinds, words))))
    return (_TAB if line.startswith("\t") else _PLAIN), _tails_joined(parts)


def _tails_joined(parts: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """A part that starts where no cell starts (`.36万元`, `元`), after a figure it completes, is that
    figure's tail, cut off by a separator: one value (`114` `.36万元` → `114.36万元`)."""
    if len(parts) < 2:
        return parts
    out = [parts[0]]
    for kind, text in parts[1:]:
        if (text[:1] in _TAIL_START or out[-1][1][-1:] in SIGNS) and _joins(out[-1][1], text):
            out[-1] = (VALUE, out[-1][1] + text)
        else:
            out.append((kind, text))
    return tuple(out)


def _joins(figure: str, text: str) -> bool:
    """Whether `text`, cut from `figure` by a separator, goes on with it: the figure's tail (`114` + `.36万元`,
    `114.36万` + `元`, `540` + `.`: `540.` is no cell, and no 540), or the digits a sign glued after the figure
    may belong to (`5-` + `23`: the solver weighs 5, -2, 3 against 5, -, 23)."""
    if text[:1] in _TAIL_START:
        return is_value_token(figure + text) or _is_digit_run(figure + text) or bool(_CUT_UNIT.fullmatch(figure + text))
    return text[:1].isdigit() and figure[-1:] in SIGNS and SIGN_CUT_OFF.search(figure) is not None \
        and _is_digit_run(figure + text)


# A row's numbering cut from its label by a space (OCR boxes, converters): `6. 属于四类过程性信息`. "6." is
# never a cell (a value has digits after its point), so before a label it is the label's.
_NUMBERING = re.compile(ITEM_NUMBER)


def _numbering_as_label(parts: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    if len(parts) < 2:
        return parts
    out = list(parts)
    for i in range(len(out) - 1):
        if out[i][0] == VALUE and out[i + 1][0] == LABEL and _NUMBERING.fullmatch(out[i][1]):
            out[i] = (LABEL, out[i][1])
    return tuple(out)


@lru_cache(maxsize=65536)
def _cell_parts(cell: str) -> tuple[tuple[str, str], ...]:
    """What one pipe cell (stripped) reads as: an empty cell, its values, or its labels and values."""
    if not cell:
        return ((EMPTY, ""),)
    cell = close_figure_gaps(cell)
    if is_value_token(cell) or all(is_value_token(p) or _is_digit_run(p) for p in cell.split()):
        return tuple((VALUE, p) for p in cell.split())
    return _numbering_as_label(tuple(chain.from_iterable(map(_kinds, cell.split()))))


_new = tuple.__new__  # Token(kind, text, line) without the namedtuple's Python-level __new__


def tokenize(text: str) -> list[Token]:
    """Read a normalised text into tokens (labels, values, explicit empty cells)."""
    tokens: list[Token] = []
    pending_empty: int | None = None  # index of a blank tab cell whose value may follow on a later line
    for n, (what, parts, has_label, lone_value, tail) in enumerate(map(_line_parts, text_lines(text))):
        if what == _SKIP:
            continue
        if tail and tokens:
            # a figure cut across lines (`114` / `.36万元`, `114.36万` / `元`, `5-` / `23`, `114` / `.36万 元`): one run
            joined = 0
            while joined < len(parts) and _joins(tokens[-1].text, parts[joined][1]):
                tokens[-1] = _new(Token, (VALUE, tokens[-1].text + parts[joined][1], tokens[-1].line))
                joined += 1
            if joined:
                parts = parts[joined:]
                if not parts:
                    continue
                has_label = any(k == LABEL for k, _ in parts)
        if what == _BLANK_TAB:
            tokens.append(_new(Token, (EMPTY, "", n)))  # a blank tab cell
            pending_empty = len(tokens) - 1
            continue
        if what == _PLAIN:
            if pending_empty is not None and lone_value is not None:
                tokens[pending_empty] = _new(Token, (VALUE, lone_value, n))  # the value pushed below its blank tab cell
                pending_empty = None
                continue
            if has_label:
                pending_empty = None
        else:
            pending_empty = None
        if len(parts) == 1:
            tokens.append(_new(Token, (*parts[0], n)))
        else:
            tokens.extend([_new(Token, (k, t, n)) for k, t in parts])
    return tokens
