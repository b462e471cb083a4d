"""The hard rules of spec §3 evaluated on a gold `cells` dict — the generator's own self-check.

Nothing of an identity is stated here: the hard rules of the report_cells suite
(expectations/extracted/report_cells.yml: T3-01…T3-05, T4-01…T4-04, T2-01) are evaluated by the checks' own
evaluator (pipelines/quality/evaluate.py) and judged by the bounds Great Expectations applies. A null gold
cell counts as 0 (policy `placeholder_as_zero`), except a null in the 总计 column when that column is blank on
every detail row while the applicant columns are not (Shanghai 2019): a blank, which makes the identities it
takes part in NOT_ASSESSABLE where their other cells are numbers, as the checks decide on extracted cells. Returns the failures as
(identity, where, message).
"""

from __future__ import annotations

from pipelines.contract import TEMPLATE_TABLES, TEMPLATES
from pipelines.contract.identities import detail_rows
from pipelines.quality.evaluate import evaluate
from pipelines.quality.model import CellV, ReportData
from pipelines.quality.suites import suites

_SUITE = "report_cells"


def _template(cells: dict) -> str | None:
    """The template whose tables and columns the cells carry."""
    for template in TEMPLATES:
        spec = TEMPLATE_TABLES[template]
        if all(table in spec and all(set(cols) <= set(spec[table].cols) for cols in rows.values())
               for table, rows in cells.items()):
            return template
    return None


def _blank_total_column(t3: dict) -> bool:
    """Whether T3's 总计 column is blank on every detail row while its applicant columns are not."""
    leaves = [r for r in t3 if r in detail_rows("t3_applications")]
    return all(t3[r]["total"] is None for r in leaves) and any(
        v is not None for r in leaves for c, v in t3[r].items() if c != "total")


def check(cells: dict, template: str | None = None) -> list[tuple[str, str, str]]:
    """Failures of the suite's hard rules on gold cells (empty when all hold)."""
    from pipelines.quality.gx import bounds

    template = template or _template(cells)
    blank = _blank_total_column(cells.get("t3_applications") or {})
    details = set(detail_rows("t3_applications"))
    report = ReportData("gold", "annual_report", template, None, None, None, None, {})
    for table, rows in cells.items():
        for row, cols in rows.items():
            for col, v in cols.items():
                empty = blank and table == "t3_applications" and col == "total" and row in details
                semantic = "NUMERIC" if v is not None else "EMPTY" if empty else "NA"
                report.cells[(table, row, col)] = CellV(None if v is None else float(v), semantic, str(v or ""))
    fails = []
    for rule in (r for s in suites() if s.name == _SUITE for r in s.rules if r.hard):
        lower, upper = bounds(rule)
        for row in evaluate(rule, report):
            if row.assessable and row.residual is not None and not (
                    (lower is None or row.residual >= lower) and row.residual <= upper):
                fails.append((rule.id, row.scope, row.message))
    return fails
