"""A figure OCR was unsure of, settled by the identities — only when exactly one of the engine's readings
makes every identity it takes part in hold (issue 14, point 3).

OCR (`pipelines/decode/ocr.py`) writes a number it is unsure of as U+FFFD: the cell is NULL with
`ocr_unreadable`. For a number with one or two unsure digits it also records the readings the engine
weighed (each unsure digit replaced by every digit holding a share of its probability: 0/8, 1/7, 6/5…),
in the decoded document's flag `ocr_alternatives=<offset>:<reading>|<reading>;…` (offsets of the U+FFFD
in the decoded text, which the stored text keeps).

`choose_by_identities` takes each withheld cell of T3/T4 whose U+FFFD it can place (the row's source span
holds as many U+FFFD as the row has unreadable cells, in column order) and tries every reading:

- the identities of spec §3 the cell takes part in — T3-01 (一+二 = 三(七)+四 in its column), T3-02 (its
  row's 总计), T3-03 ((七) = Σ outcome rows in its column), T3-04 (a printed subtotal row), T4-01…03 (its
  block's 总计) — are evaluated where every other cell of the identity is known (a number, or a placeholder
  read as 0); an identity with another unknown cell cannot tell;
- a reading satisfies them when it is a count (an integer ≥ 0, T3-05/T4-04), at least one identity can
  be evaluated, and every one that can holds.

Exactly one reading satisfying them → the cell keeps it, marked `ocr_identity_chosen` (a warning naming the
readings and the identities; the cell's `issue` says the same). None or several → the cell stays withheld.
Cells settled this way can make another unreadable cell's identities assessable: the pass repeats until
nothing changes. Nothing is ever chosen for a cell without the engine's readings, or from the identities
alone (that is the `ocr_unreadable` suggestion, never stored).
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from pipelines.contract import TABLES, TEMPLATE_TABLES, t3_group
from pipelines.contract import identities as I
from pipelines.decode.ocr import ALTERNATIVES_FLAG as FLAG
from pipelines.extract.values import EMPTY, NA, UNREADABLE, Cell, parse_cell

CODE = "ocr_identity_chosen"
# T3-04's subtotal rows (when a report prints them) and the group of rows each adds up (templates.yml)
_T3_SUBTOTALS = {e["total"]: group for group, e in TABLES["t3_applications"]["groups"].items() if "total" in e}
_ITEM = re.compile(r"^(\d+):([^;]*)$")

Key = tuple[str, str, str]  # (table, row, col); T4: (table, block, outcome)


def alternatives(flags: list[str]) -> dict[int, tuple[str, ...]]:
    """{offset of a U+FFFD in the decoded text: the readings OCR weighed for it} from a document's flags."""
    out: dict[int, tuple[str, ...]] = {}
    for flag in flags:
        key, _, value = flag.partition("=")
        if key != FLAG:
            continue
        for item in value.split(";"):
            if m := _ITEM.match(item):
                out[int(m[1])] = tuple(r for r in m[2].split("|") if r)
    return out


def _is_unreadable(cell: Cell | None) -> bool:
    return cell is not None and cell.value is None and bool(cell.issue) and cell.issue.startswith("ocr_unreadable")


def _known(cell: Cell | None) -> float | None:
    """A cell's number for an identity: its value, 0 for a placeholder or a blank; None when not known."""
    if cell is None:
        return None
    if cell.value is not None:
        return cell.value
    return 0 if cell.semantic in (EMPTY, NA) else None


@lru_cache(maxsize=8)
def _shape(table: str, template: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """The rows and columns of a table in the template, or in every template when it is not known."""
    specs = [TEMPLATE_TABLES[template]] if template in TEMPLATE_TABLES else list(TEMPLATE_TABLES.values())
    return (frozenset.intersection(*(frozenset(spec[table].rows) for spec in specs)),
            frozenset.intersection(*(frozenset(spec[table].cols) for spec in specs)))


def _instance(ident: I.Identity, key: Key, template: str | None) -> tuple[list[Key], list[Key]] | None:
    """The instance of a suite identity the cell `key` takes part in, as (lhs, rhs) cells, or None. A row or
    column the template lacks is no part of it; with the template not known, an identity naming a row or
    column that not every template has is not used."""
    table, row, col = key
    rows, cols = _shape(table, template)

    def named(k: tuple[str, str]) -> bool:  # what the identity lists: rows (per column), columns (per row), cells
        return (ident.for_each == "row" or k[0] in rows) and (ident.for_each == "col" or k[1] in cols)

    lhs, rhs = ident.instance(col if ident.for_each == "col" else row)
    if template not in TEMPLATE_TABLES and not all(map(named, lhs + rhs)):
        return None
    lhs, rhs = tuple(filter(named, lhs)), tuple(filter(named, rhs))
    if (row, col) not in lhs + rhs:
        return None
    return [(table, *k) for k in lhs], [(table, *k) for k in rhs]


def _identities(cells: dict, template: str | None, key: Key) -> list[tuple[str, list[Key], list[Key]]]:
    """The identities (id, lhs, rhs) of spec §3 the cell `key` takes part in: those of the report_cells
    suite, and T3-04 (a printed subtotal row = Σ its items)."""
    table, row, col = key
    out = [(ident.id, *sides) for ident in I.of_table(table)
           if (sides := _instance(ident, key, template)) is not None]
    if table == "t3_applications" and template in TEMPLATE_TABLES:
        t3 = cells.get(table, {})
        outcomes = [r for r in TEMPLATE_TABLES[template][table].rows if r in I.detail_rows(table)]
        for total, group in _T3_SUBTOTALS.items():
            if template == "v2019" and total == "other_handling":
                continue  # a row of its own in v2019, not a subtotal
            items = [r for r in outcomes if t3_group(r) == group]
            if total in t3 and items and (row == total or row in items):
                out.append(("T3-04", [(table, total, col)], [(table, r, col) for r in items]))
    return out


def _holds(cells: dict, identity: tuple[str, list[Key], list[Key]], key: Key, value: float) -> bool | None:
    """Whether the identity holds with `value` in cell `key`; None when another of its cells is not known."""
    _, lhs, rhs = identity
    numbers = {}
    for k in (*lhs, *rhs):
        if k == key:
            numbers[k] = value
            continue
        known = _known(cells.get(k[0], {}).get(k[1], {}).get(k[2]))
        if known is None:
            return None
        numbers[k] = known
    return abs(sum(numbers[k] for k in lhs) - sum(numbers[k] for k in rhs)) < 1e-9


def _readings_of_row(text: str, span: tuple[int, int], wanted: list[Key],
                     readings: dict[int, tuple[str, ...]]) -> dict[Key, tuple[str, ...]]:
    """The readings of each unreadable cell of one source row: the U+FFFD of its span in order, paired with
    its unreadable cells in column order when their counts agree (else none)."""
    start, end = span
    at = [i for i in range(max(0, start), min(len(text), end + 1)) if text[i] == UNREADABLE]
    if len(at) != len(wanted):
        return {}
    return {key: readings[o] for key, o in zip(wanted, at) if readings.get(o)}


def choose_by_identities(tables, text: str, flags: list[str]) -> int:
    """Settle the unreadable T3/T4 cells of `tables` (a `tables.Tables`, changed in place: its cells and
    issues) whose readings make exactly one value satisfy their identities (see the module doc). Returns
    how many cells were settled."""
    readings = alternatives(flags)
    if not readings:
        return 0
    cells = tables.cells
    candidates: dict[Key, tuple[str, ...]] = {}
    by_span: dict[tuple[int, int], list[Key]] = {}
    for (table, row), span in tables.spans.items():
        if table not in ("t3_applications", "t4_review_litigation"):
            continue
        for col, cell in cells.get(table, {}).get(row, {}).items():
            if _is_unreadable(cell):
                by_span.setdefault(tuple(span), []).append((table, row, col))
    for span, keys in by_span.items():
        candidates.update(_readings_of_row(text, span, keys, readings))

    settled = 0
    changed = True
    while changed:
        changed = False
        for key, options in list(candidates.items()):
            table, row, col = key
            satisfying, checked = [], set()
            for raw in options:
                cell = parse_cell(raw, "int")
                if cell.value is None or cell.issue or cell.value < 0 or cell.value in [c.value for _, c in satisfying]:
                    continue
                results = [(identity[0], _holds(cells, identity, key, cell.value))
                           for identity in _identities(cells, tables.template, key)]
                assessed = [(name, ok) for name, ok in results if ok is not None]
                if assessed and all(ok for _, ok in assessed):
                    satisfying.append((raw, cell))
                    checked |= {name for name, _ in assessed}
            if len(satisfying) != 1:
                continue
            raw, cell = satisfying[0]
            where = f"{table}.{row}.{col}"
            message = (f"{CODE}: OCR was unsure of this figure, reading {' or '.join(options)}; only {raw} makes "
                       f"every identity it takes part in hold ({', '.join(sorted(checked))}): kept, chosen by the "
                       "identities")
            cells[table][row][col] = replace(cell, raw=raw, issue=message)
            tables.issues[:] = [x for x in tables.issues if not (x.get("code") == "ocr_unreadable"
                                                                 and x.get("location") == where)]
            tables.issue(CODE, "warning", message, where)
            del candidates[key]
            settled += 1
            changed = True
    return settled
