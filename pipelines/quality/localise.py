"""Error localisation: the one cell whose change would make every failing identity of a table hold.

For each cell in a failing identity, the value that makes that identity hold is tried, and every identity
of the table re-evaluated with it. A cell under which all of them hold is a suspect; one suspect is named
as the cell most likely wrong, several are all listed (unique = False), none means no single cell explains
the failures. Reported values are never changed.
"""

from __future__ import annotations

from pipelines.quality.evaluate import _is_total, evaluate_sum
from pipelines.quality.model import CellV, ReportData, Row, Suspect
from pipelines.quality.suites import Rule

LOCALISED_TABLES = ("t3_applications", "t4_review_litigation")


def _with(report: ReportData, key, value: float) -> ReportData:
    cells = dict(report.cells)
    cells[key] = CellV(value, "NUMERIC", str(value))
    return ReportData(**{**report.__dict__, "cells": cells})


def _failing(rows: list[Row], rules: dict[str, Rule]) -> list[Row]:
    return [r for r in rows if r.assessable and abs(r.residual) > rules[r.rule_id].tolerance]


def _failures(report: ReportData, table_rules: list[Rule], by_id: dict[str, Rule]) -> dict[tuple[str, str], Row]:
    rows = [row for rule in table_rules for row in evaluate_sum(rule, report)]
    return {(r.rule_id, r.scope): r for r in _failing(rows, by_id)}


def _confirmed_by_prose(report: ReportData) -> set:
    """Totals the prose states with the same figure as the table: not suspects."""
    claims = {c["claim"]: c["value"] for c in report.claims if not c.get("qualifier")}
    confirmed = set()
    for block in ("admin_review",):
        key = ("t4_review_litigation", block, "total")
        if key in report.cells and claims.get(f"{block}_total") == report.cells[key].value:
            confirmed.add(key)
    return confirmed


def suspects(report: ReportData, rules: list[Rule]) -> tuple[list[Suspect], list[str]]:
    """(suspect cells, notes) for the hard sum identities of T3 and T4 that the report fails."""
    found: list[Suspect] = []
    notes: list[str] = []
    by_id = {r.id: r for r in rules}
    confirmed = _confirmed_by_prose(report)
    for table in LOCALISED_TABLES:
        table_rules = [r for r in rules if r.kind == "sum" and r.hard and r.params.get("table") == table
                       and not r.params.get("cross_year")]
        before = _failures(report, table_rules, by_id)
        if not before:
            continue
        candidates: dict = {}
        for row in before.values():
            signs = dict(_signs(by_id[row.rule_id], row))
            for key in row.cells:
                if key in candidates or key in confirmed:
                    continue
                value = (report.cells[key].value or 0.0) - signs.get(key, 1) * row.residual
                if value < 0 or value != int(value):
                    continue
                after = _failures(_with(report, key, value), table_rules, by_id)
                if set(after) < set(before):  # explains some failures and breaks nothing new
                    candidates[key] = (value, frozenset(before) - frozenset(after))
        # a candidate explaining less than another one is not the likeliest cell
        best = {k: v for k, v in candidates.items() if not any(o[1] > v[1] for o in candidates.values())}
        groups: dict[frozenset, list] = {}
        for key, (value, explained) in best.items():
            groups.setdefault(explained, []).append((key, value))
        explained_all = frozenset().union(*groups) if groups else frozenset()
        if explained_all != frozenset(before):
            left = sorted({rule for rule, _ in set(before) - explained_all})
            notes.append(f"{table}: no single cell explains the failures of {', '.join(left)}")
        for explained, members in groups.items():
            rules_explained = sorted({rule for rule, _ in explained})
            for key, value in members:
                found.append(Suspect(report.report_id, *key, report.cells[key].value, value, rules_explained,
                                     len(members) == 1))
            if len(members) > 1:
                notes.append(f"{table}: {len(members)} cells could each explain {', '.join(rules_explained)}")
    return sorted(found, key=_rank), notes


def _rank(s: Suspect) -> tuple:
    # Named first: a cell that alone explains its failures; among several (a T4 block has only its own
    # identity), a printed total (the left-hand side of an identity), the usual culprit.
    return (not s.unique, not _is_total((s.table_key, s.row_key, s.col_key)), s.row_key, s.col_key)


def _signs(rule: Rule, row: Row):
    """+1 for a cell on the left-hand side of the identity, −1 on the right (residual = lhs − rhs)."""
    lhs = set(rule.params["lhs"])
    mode = rule.params.get("for_each")
    for key in row.cells:
        ref = key[1] if mode == "col" else key[2] if mode == "row" else f"{key[1]}.{key[2]}"
        yield key, 1 if ref in lhs else -1
