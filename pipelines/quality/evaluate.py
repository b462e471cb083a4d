"""Rules → residual rows. Pure: a report's data in, one `Row` per rule instance out.

The pass/fail decision is not taken here: Great Expectations takes it on the residual column
(pipelines/quality/gx.py). Here each rule of a suite file is expanded over the report's cells —
per column, per row or once — and its residual computed with the placeholder policy of spec §2.5:
NA/EMPTY count as 0, a TEXT cell or a missing row makes the instance NOT_ASSESSABLE, and so does a
total left EMPTY while its parts are numbers.
"""

from __future__ import annotations

from functools import lru_cache

from pipelines.contract import OTHER_AS_ONE_ROW, OTHER_SPLIT, T3_COLS, TEMPLATE_TABLES, cell_ref
from pipelines.contract.identities import identities
from pipelines.quality import flags
from pipelines.quality.model import Key, ReportData, Row
from pipelines.quality.suites import Rule


def expected_rows(report: ReportData, table: str) -> frozenset[str]:
    """Rows the report's template requires of a table (the (六) block as printed: one row or three)."""
    one_row = table == "t3_applications" and report.template == "v2021" and OTHER_AS_ONE_ROW in report.rows(table)
    return _expected_rows(report.template, table, one_row)


@lru_cache(maxsize=None)
def _expected_rows(template: str | None, table: str, other_as_one_row: bool) -> frozenset[str]:
    spec = TEMPLATE_TABLES.get(template or "", {}).get(table)
    if spec is None:
        return frozenset()
    rows = set(spec.rows)
    if other_as_one_row:
        rows = (rows - set(OTHER_SPLIT)) | {OTHER_AS_ONE_ROW}
    return frozenset(rows)


def _ref(ref: str) -> tuple[bool, int]:
    """(previous year?, sign) of a ref like "prev:x" or "-x"."""
    body = ref.removeprefix("prev:")
    return ref.startswith("prev:"), -1 if body.startswith("-") else 1


def _bare(ref: str) -> str:
    return ref.removeprefix("prev:").lstrip("-")


Ref = tuple[str, bool, int, Key]  # (side, previous year?, sign, cell key)


def _instances(rule: Rule, report: ReportData) -> list[tuple[str, str, tuple[Ref, ...]]]:
    """(table, scope, refs) per instance of a sum rule. Only a per-row rule depends on the report (on the
    rows it has); the expansion is computed once per rule and row set."""
    p = rule.params
    tables = p["table"] if isinstance(p["table"], list) else [p["table"]]
    if p.get("for_each") != "row":
        return _expand(rule, None)
    return [inst for table in tables
            for inst in _expand(rule, (table, frozenset(expected_rows(report, table) or report.rows(table))))]


@lru_cache(maxsize=4096)
def _expand(rule: Rule, rows: tuple[str, frozenset[str]] | None) -> list[tuple[str, str, tuple[Ref, ...]]]:
    p = rule.params
    tables = p["table"] if isinstance(p["table"], list) else [p["table"]]
    sides = [("lhs", r) for r in p["lhs"]] + [("rhs", r) for r in p["rhs"]]

    def refs(keys: list[tuple[str, str, Key]]) -> tuple[Ref, ...]:
        return tuple((side, *_ref(ref), key) for side, ref, key in keys)

    out = []
    if rows is not None:
        table, names = rows
        for row in sorted(names):
            out.append((table, f"{table}.{row}", refs([(s, r, (table, row, _bare(r))) for s, r in sides])))
        return out
    for table in tables:
        if p.get("for_each") == "col":
            for col in T3_COLS:
                out.append((table, f"{table}.*.{col}", refs([(s, r, (table, _bare(r), col)) for s, r in sides])))
        else:
            keys = [(s, r, (table, *_bare(r).split(".", 1))) for s, r in sides]
            out.append((table, f"{table}.{keys[0][2][1]}", refs(keys)))
    return out


def evaluate_sum(rule: Rule, report: ReportData) -> list[Row]:
    p = rule.params
    if p.get("template") and report.template != p["template"]:
        return []
    if p.get("cross_year") and report.previous is None:
        return []
    rows = []
    for table, scope, refs in _instances(rule, report):
        sums, problem, used, blanks, numbers = {"lhs": 0.0, "rhs": 0.0}, None, [], {"lhs": 0, "rhs": 0}, 0
        placeholders = 0
        for side, prev, sign, key in refs:
            source = report.previous if prev else report
            wanted = expected_rows(source, key[0])
            if wanted and key[1] not in wanted:
                continue  # a row of the other template, or of the (六) block's other printed form
            cell = source.cells.get(key)
            if cell is None:
                problem = f"{'last year ' if prev else ''}{'.'.join(key)} is missing"
                break
            if cell.semantic == "TEXT":
                problem = f"{'.'.join(key)} is text ({cell.raw!r})"
                break
            if cell.value is None:
                blanks[side] += cell.semantic == "EMPTY" and _is_total(key)
                placeholders += 1
            else:
                numbers += cell.value != 0
            sums[side] += sign * (cell.value or 0.0)
            used.append(key)
        if problem is None and (blanks["lhs"] or blanks["rhs"]) and numbers:
            problem = "a total left blank while its parts are numbers"
        if problem:
            rows.append(Row(report.report_id, rule.id, scope, None, None, None, False, problem, tuple(used)))
            continue
        residual = sums["lhs"] - sums["rhs"]
        note = "; placeholders read as 0 (placeholder_as_zero)" if placeholders else ""
        rows.append(Row(report.report_id, rule.id, scope, sums["lhs"], sums["rhs"], residual, True,
                        _sum_message(p, sums["lhs"], sums["rhs"]) + note, tuple(used)))
    return rows


# The cells that are the total of others, as the identities' one-term left-hand sides name them: a column of
# every row (T3's 总计 column), a row of every column (the (七)总计 row), one cell (a T4 block's 总计).
_TOTALS = frozenset((i.table, i.for_each, i.lhs[0]) for i in identities() if len(i.lhs) == 1)


def _is_total(key: Key) -> bool:
    """A cell that is the total of others: the 总计 column, the (七)总计 row, a T4 block's 总计."""
    table, row, col = key
    return not _TOTALS.isdisjoint({(table, "row", col), (table, "col", row), (table, None, f"{row}.{col}")})


def is_total_sql(table: str, row: str, col: str) -> str:
    """`_is_total` as a SQL condition on the columns named `table`, `row` and `col`."""
    def one(t: str, for_each: str | None, ref: str) -> str:
        if for_each is None:
            r, c = ref.split(".", 1)
            return f"({table} = '{t}' and {row} = '{r}' and {col} = '{c}')"
        return f"({table} = '{t}' and {col if for_each == 'row' else row} = '{ref}')"

    return "(" + " or ".join(one(*total) for total in sorted(_TOTALS, key=str)) + ")"


def _side(refs: list[str]) -> str:
    names = [r.split(".")[-1] for r in refs]
    return " + ".join(names[:4]) + (f" + … ({len(names)} items)" if len(names) > 4 else "")


def _sum_message(p: dict, lhs: float, rhs: float) -> str:
    op = "≤" if p.get("compare") == "le" else "="
    return f"{_side(p['lhs'])} = {lhs:g} should {op} {_side(p['rhs'])} = {rhs:g} (difference {lhs - rhs:g})"


_NONNEG = ("int", "amt")


def evaluate_cells(rule: Rule, report: ReportData) -> list[Row]:
    check = rule.params["check"]
    if check == "placeholders_consistent":
        return flags.placeholders_consistent(rule, report)
    rows = []
    for key, cell in sorted(report.cells.items()):
        if key[0] not in rule.params["tables"]:
            continue
        typ = _col_type(report, key)
        bad = ""
        if cell.semantic == "TEXT":
            bad = f"text in a number cell: {cell.raw!r}"
        elif cell.value is not None:
            if typ in _NONNEG and cell.value < 0:
                bad = f"negative: {cell.raw!r}"
            elif typ in ("int", "sint") and cell.value != int(cell.value):
                bad = f"not a whole number: {cell.raw!r}"
        rows.append(Row(report.report_id, rule.id, ".".join(key), cell.value, None, 1.0 if bad else 0.0, True, bad,
                        (key,)))
    return rows


def _col_type(report: ReportData, key: Key) -> str:
    for template in ([report.template] if report.template in TEMPLATE_TABLES else TEMPLATE_TABLES):
        spec = TEMPLATE_TABLES[template].get(key[0])
        if spec and key[2] in spec.cols:
            return spec.cols[key[2]]
    return "int"


def evaluate_claim(rule: Rule, report: ReportData) -> list[Row]:
    rows = []
    checks = {c["claim"]: c for c in rule.params["checks"]}
    for claim in report.claims:
        spec = checks.get(claim["claim"])
        if spec is None or claim.get("value") is None or "sub_unit" in (claim.get("qualifier") or ""):
            continue
        scope = f"{claim['claim']}@{claim.get('offset', 0)}"
        if "expect_zero" in spec:
            refs = spec["expect_zero"]
        elif "includes_carried_over" in (claim.get("qualifier") or "") and "includes_carried_over" in spec:
            refs = spec["includes_carried_over"]
        else:
            refs = spec.get("cells") or spec.get(report.template or "", None)
        if not refs:
            continue
        keys = [cell_ref(r) for r in refs]
        wanted = {k: expected_rows(report, k[0]) for k in keys}
        keys = [k for k in keys if not wanted[k] or k[1] in wanted[k]]
        cells = [report.cells.get(k) for k in keys]
        if any(c is None or c.semantic == "TEXT" for c in cells) or (
                claim["value"] and any(c.semantic == "EMPTY" for c in cells)):
            rows.append(Row(report.report_id, rule.id, scope, claim["value"], None, None, False,
                            "the table cells the claim names are missing, text or blank", tuple(keys)))
            continue
        table = sum(c.value or 0.0 for c in cells)
        if "expect_zero" in spec:
            rows.append(Row(report.report_id, rule.id, scope, table, 0.0, table, True,
                            f"the text says all upheld; corrected + pending = {table:g}", tuple(keys)))
            continue
        rows.append(Row(report.report_id, rule.id, scope, claim["value"], table, claim["value"] - table, True,
                        f"the text says {claim['value']:g} ({claim.get('text', '')[:60]}); the table has {table:g}",
                        tuple(keys)))
    return rows


def evaluate(rule: Rule, report: ReportData) -> list[Row]:
    """Every instance of one rule on one report (a document that is not an annual report has no rules to
    meet: it is quarantined as such)."""
    if report.doc_type != "annual_report":
        return []
    if rule.kind == "sum":
        return evaluate_sum(rule, report)
    if rule.kind == "cells":
        return evaluate_cells(rule, report)
    if rule.kind == "claim":
        return evaluate_claim(rule, report)
    return flags.CHECKS[rule.params["check"]](rule, report)
