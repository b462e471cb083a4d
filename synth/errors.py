"""Injected errors (spec §4 E1/E2/E8): what the document prints differs from the correct figure.

Table errors change the values before printing, so the gold `cells` hold the wrong printed figure and
the error record holds both (`reported`, `correct`) and the identity (§3) it breaks. Narrative errors
only change what the text states; they are drawn here and applied by the narrative writer.
Every reported figure is > 0, so it is printed as a number even in reports that print zeros as `-`.
"""

from __future__ import annotations

import random

from pipelines.contract import identities as I
from synth.numbers import APPLICANTS

NARRATIVE_CLAIMS = ("new_received_total", "results_total", "carried_forward_out_total", "admin_review_total",
                    "litigation_total")
_T3_KINDS = ("t3_row_total", "t3_column_total", "carried_over")
_T3 = "t3_applications"


def _wrong(rng: random.Random, correct: int) -> int:
    """A plausible wrong figure: off by a small k (a slip, a forgotten row), never 0 or negative."""
    k = rng.randint(1, max(3, correct // 10))
    wrong = correct - k if correct - k > 0 and rng.random() < 0.5 else correct + k
    return wrong


def _cell_error(kind: str, table: str, row: str, col: str, reported: int, correct: int, identity: str) -> dict:
    return {"kind": kind, "table": table, "row": row, "col": col, "reported": reported, "correct": correct,
            "identity": identity}


def inject(rng: random.Random, values: dict, error_rate: float, blank_totals: bool) -> tuple[list[dict], str | None]:
    """Mutate `values` (the figures to print) with at most two errors; return the table error records and,
    if one was drawn, the narrative claim to misstate (applied later by the narrative writer)."""
    records: list[dict] = []
    narrative: str | None = None
    n = (rng.random() < error_rate) + (rng.random() < error_rate ** 2)
    kinds = ["t3_row_total", "t3_column_total", "t4_total", "carried_over", "narrative"]
    if blank_totals:
        kinds.remove("t3_column_total")  # the 总计 column is blank: T3-03 on it is not assessable
    for _ in range(n):
        kind = rng.choice(kinds)
        # Two errors in T3 could cancel out (a row total +k and the (七)总计 +k): one T3 error at most.
        kinds = [k for k in kinds if k != kind and not (kind in _T3_KINDS and k in _T3_KINDS)]
        if kind == "narrative":
            narrative = rng.choice(NARRATIVE_CLAIMS)
        else:
            records += _table_error(rng, kind, values, blank_totals)
    return records, narrative


def _table_error(rng: random.Random, kind: str, values: dict, blank_totals: bool) -> list[dict]:
    t3, t4 = values["t3_applications"], values["t4_review_litigation"]
    if kind == "t3_row_total":
        rows = [r for r in t3 if r in I.summary_rows(_T3, tuple(t3)) or not blank_totals]
        row = rng.choice(rows)
        correct = t3[row]["total"]
        t3[row]["total"] = _wrong(rng, correct)
        return [_cell_error("total_cell", _T3, row, "total", t3[row]["total"], correct,
                            I.with_lhs(_T3, "total", "row"))]
    if kind == "t3_column_total":
        col = rng.choice(("natural_person", "total"))
        correct = t3["results_total"][col]
        t3["results_total"][col] = _wrong(rng, correct)
        return [_cell_error("total_cell", _T3, "results_total", col, t3["results_total"][col],
                            correct, I.with_lhs(_T3, "results_total", "col"))]
    if kind == "t4_total":
        block = rng.choice(tuple(t4))
        correct = t4[block]["total"]
        t4[block]["total"] = _wrong(rng, correct)
        return [_cell_error("total_cell", "t4_review_litigation", block, "total", t4[block]["total"], correct,
                            I.with_lhs("t4_review_litigation", f"{block}.total"))]
    # A wrong carried-over figure, consistent within its row (column and 总计 shifted together), so
    # only the 勾稽 of the columns (T3-01) breaks: what a copy slip from last year's report looks like.
    col = rng.choice(APPLICANTS[:2])
    row = t3["carried_over_in"]
    wrong = _wrong(rng, row[col])
    delta = wrong - row[col]
    out = []
    for c in (col, "total"):
        correct = row[c]
        row[c] = correct + delta
        out.append(_cell_error("carried_over", _T3, "carried_over_in", c, row[c], correct,
                               I.with_lhs(_T3, "carried_over_in", "col")))
    return out


def narrative_error(rng: random.Random, claim: str, table_value: int) -> dict:
    """The record of a narrative figure that disagrees with the table."""
    return {"kind": "narrative", "claim": claim, "stated": _wrong(rng, table_value), "table_value": table_value}
