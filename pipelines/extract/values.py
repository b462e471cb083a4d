"""The meaning of a printed cell (spec §2.5): its number, unit and semantic, and a NULL with a reason when
unsure. What a cell may print (units, placeholders, numbers) is `grammar.py`'s.

Text reaching here is already NFKC-normalised: full-width digits and signs are ASCII, U+3000 and NBSP
are spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pipelines.contract.grammar import CELL_UNIT, CELL_UNITS, COLUMN_UNITS, NUMBER, PLACEHOLDERS, UNREADABLE

__all__ = ["Cell", "EMPTY", "NA", "NUMERIC", "PLACEHOLDERS", "TEXT", "UNREADABLE", "ZERO", "is_value_token", "parse_cell",
           "unit_fits"]

NUMERIC, ZERO, EMPTY, NA, TEXT = "NUMERIC", "ZERO", "EMPTY", "NA", "TEXT"

_NUMBER = re.compile(rf"^(?P<sign>[+-]?)\s*(?P<number>{NUMBER})\s*(?P<unit>{CELL_UNIT})?$")
_BLANKS = re.compile(r"(?:&nbsp;|\s)+")
# A value whose number is not known (its digits are U+FFFD): NULL, never a guess.
_UNREADABLE = re.compile(rf"^[+-]?\s*{UNREADABLE}+(?:[.,]{UNREADABLE}+)*\s*{CELL_UNIT}?$")


@dataclass(frozen=True)
class Cell:
    """One parsed cell: `value` is None unless the text is a number; `issue` explains a doubtful reading."""

    value: float | int | None
    raw: str
    semantic: str
    unit: str | None = None
    issue: str | None = None


@lru_cache(maxsize=65536)
def is_value_token(text: str) -> bool:
    """Whether a token is a cell value (a number, with optional sign and unit, or a placeholder)."""
    text = text.strip()
    return text in PLACEHOLDERS or bool(_NUMBER.match(text)) or (UNREADABLE in text and bool(_UNREADABLE.match(text)))


def _unit_fits(unit: str | None, col_type: str) -> bool:
    return not unit or unit in COLUMN_UNITS.get(col_type, CELL_UNITS)


_UNIT_ENDS = frozenset(u[-1] for u in CELL_UNITS)  # the last characters of the units


def unit_fits(text: str, col_type: str) -> bool:
    """Whether the unit a cell ends with (if any) is one its column takes: 项 and 件 count, 万元 and 元 are
    amounts (`2项` is no amount, `3万元` no count)."""
    if text[-1:] not in _UNIT_ENDS:  # (most cells: no unit, nothing to look up)
        return True
    return _unit_fits(next((u for u in CELL_UNITS if text.endswith(u)), None), col_type)


@lru_cache(maxsize=65536)
def parse_cell(raw: str, col_type: str = "int", header_unit: str | None = None) -> Cell:
    """Parse a printed cell for a column of type int (count), sint (signed change) or amt (万元 amount)."""
    text = _BLANKS.sub(" ", raw).strip()
    if not text:
        return Cell(None, raw, EMPTY)
    if text in PLACEHOLDERS:
        return Cell(None, raw, NA)
    m = _NUMBER.match(text)
    if not m:
        if UNREADABLE in text and _UNREADABLE.match(text):
            return Cell(None, raw, TEXT, issue="ocr_unreadable: a figure OCR could not read with confidence")
        return Cell(None, raw, TEXT, issue=f"not a number: {text[:40]!r}")
    if not _unit_fits(m["unit"], col_type):
        return Cell(None, raw, TEXT, m["unit"], issue=f"unit_mismatch: {m['unit']} is not a unit of this column")
    digits, _, frac = m["number"].partition(".")
    number = float(f"{digits.replace(',', '')}.{frac or 0}")
    unit, issue = m["unit"], None
    if m["sign"] == "-":
        number = -number
        if col_type != "sint":
            issue = "a negative number in a column of counts or amounts"
    if col_type == "amt":
        if unit == "元":
            number = number / 10000
        elif unit is None and header_unit is None:
            issue = issue or "unit_assumed: no unit in the cell or the header; read as 万元"
        return Cell(round(number, 6), raw, ZERO if number == 0 else NUMERIC, unit or header_unit, issue)
    if frac and int(frac) != 0:
        return Cell(number, raw, NUMERIC, unit, issue or "a fraction in a column of whole counts")
    value = int(number)
    return Cell(value, raw, ZERO if value == 0 else NUMERIC, unit, issue)
