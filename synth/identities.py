"""The hard identities of spec §3 evaluated on a gold `cells` dict — the generator's own self-check.

Null cells (placeholders, blanks) count as 0 (policy `placeholder_as_zero`), except where the spec says
NOT_ASSESSABLE: a null 总计 whose parts are not all zero (T3-02), and the 总计 column's T3-03 when that
column is blank on every detail row (Shanghai 2019). Returns the failures as (identity, where, message).
"""

from __future__ import annotations

from synth.numbers import APPLICANTS

_DETAIL_EXCLUDED = ("new_received", "carried_over_in", "results_total", "carried_forward_out")
_T4_IDS = {"admin_review": "T4-01", "litigation_direct": "T4-02", "litigation_after_review": "T4-03"}
_OUTCOMES = ("upheld", "corrected", "other_outcome", "pending")


def _z(v) -> float:
    return 0 if v is None else v


def _is_count(v, signed: bool = False) -> bool:
    return v is None or (isinstance(v, int) and not isinstance(v, bool) and (signed or v >= 0))


def check(cells: dict) -> list[tuple[str, str, str]]:
    """Failures of T3-01…T3-05, T4-01…T4-04 and T2-01 on gold cells (empty when all hold)."""
    fails: list[tuple[str, str, str]] = []
    t3 = cells.get("t3_applications")
    if t3:
        fails += _t3(t3)
    for block, row in (cells.get("t4_review_litigation") or {}).items():
        parts = sum(_z(row[o]) for o in _OUTCOMES)
        if not (row["total"] is None and parts) and _z(row["total"]) != parts:
            fails.append((_T4_IDS[block], block, f"parts {parts} ≠ 总计 {row['total']}"))
        fails += [("T4-04", f"{block}.{c}", f"{v!r} is not a count") for c, v in row.items() if not _is_count(v)]
    for table, rows in cells.items():
        if table.startswith("t2_"):
            for row, cols in rows.items():
                for col, v in cols.items():
                    ok = (v is None or (isinstance(v, (int, float)) and v >= 0)) if col.endswith("_wan_yuan") \
                        else _is_count(v, signed=col == "item_count_change")
                    if not ok:
                        fails.append(("T2-01", f"{table}.{row}.{col}", f"{v!r} is not a valid value"))
    return fails


def _t3(t3: dict) -> list[tuple[str, str, str]]:
    fails = []
    cols = APPLICANTS + ("total",)
    leaves = [r for r in t3 if r not in _DETAIL_EXCLUDED]
    blank_total_column = all(t3[r]["total"] is None for r in leaves) and any(
        t3[r][c] is not None for r in leaves for c in APPLICANTS)
    for col in cols:
        left = _z(t3["new_received"][col]) + _z(t3["carried_over_in"][col])
        right = _z(t3["results_total"][col]) + _z(t3["carried_forward_out"][col])
        if left != right:
            fails.append(("T3-01", col, f"一+二 = {left} ≠ 三(七)+四 = {right}"))
        if col == "total" and blank_total_column:
            continue
        parts = sum(_z(t3[r][col]) for r in leaves)
        if parts != _z(t3["results_total"][col]):
            fails.append(("T3-03", col, f"Σ outcomes = {parts} ≠ (七)总计 = {t3['results_total'][col]}"))
    for row, values in t3.items():
        parts = sum(_z(values[c]) for c in APPLICANTS)
        if values["total"] is None and parts:
            continue  # NOT_ASSESSABLE: blank 总计 with numeric parts
        if parts != _z(values["total"]):
            fails.append(("T3-02", row, f"Σ applicants = {parts} ≠ 总计 = {values['total']}"))
        fails += [("T3-05", f"{row}.{c}", f"{v!r} is not a count") for c, v in values.items() if not _is_count(v)]
    return fails
