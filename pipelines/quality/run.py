"""Run every suite on a batch of reports: residual rows → GX → per-report results, suspects, verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipelines.quality import gx
from pipelines.quality.evaluate import evaluate
from pipelines.quality.localise import suspects
from pipelines.quality.model import FAIL, NOT_ASSESSABLE, PASS, ReportData, Result, Row, Suspect
from pipelines.quality.suites import Rule, rules as all_rules

if TYPE_CHECKING:
    import pandas as pd

ACCEPTED, QUARANTINED = "accepted", "quarantined"
# Bump when evaluate/flags/localise change what a rule yields: every report is then checked again.
CHECKER_VERSION = "2026.11.3"


@dataclass
class Verdict:
    report_id: str
    status: str  # accepted | quarantined
    hard_failures: int
    soft_warnings: int
    not_assessable: int
    reason: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Outcome:
    results: list[Result]
    suspects: list[Suspect]
    verdicts: list[Verdict]
    stats: dict


def residual_rows(reports: list[ReportData], rules: list[Rule]) -> list[Row]:
    """Every instance of every rule on every report (annual reports only), with its residual."""
    return [row for report in reports for rule in rules for row in evaluate(rule, report)]


def residual_frame(rows: list[Row]) -> pd.DataFrame:
    """Long residual rows as GX's adapter reads them: row (position), report_id, rule_id, scope, residual,
    assessable."""
    import pandas as pd  # here: `nianbao check` without --gx never needs it

    return pd.DataFrame({
        "row": range(len(rows)),
        "report_id": [r.report_id for r in rows],
        "rule_id": [r.rule_id for r in rows],
        "scope": [r.scope for r in rows],
        "residual": pd.array([r.residual for r in rows], dtype="Float64").astype("float64"),
        "assessable": [r.assessable for r in rows],
    })


def verdict(report_id: str, doc_type: str, hard: list[str], soft: list[str], not_assessable: int,
            notes: list[str]) -> Verdict:
    """Quarantined when it is not an annual report or fails a hard rule (`hard`, `soft`: sorted rule ids)."""
    if doc_type != "annual_report":
        status, reason = QUARANTINED, f"not an annual report ({doc_type})"
    elif hard:
        status, reason = QUARANTINED, "fails " + ", ".join(hard)
    else:
        status, reason = ACCEPTED, "passes every hard rule"
    return Verdict(report_id, status, len(hard), len(soft), not_assessable, reason, notes)


def needs_localising(hard: list[str]) -> bool:
    """Suspect cells are sought for a report failing a hard T3 or T4 rule."""
    return any(r.startswith(("T3-0", "T4-0")) for r in hard)


def check_reports(reports: list[ReportData], rules: list[Rule] | None = None, with_gx: bool = True) -> Outcome:
    """Evaluate every rule on every report and let Great Expectations decide each instance (ephemeral
    context: `nianbao check --gx` and the tests; the checks asset validates a whole run at once, see
    decide.py). `with_gx=False` decides from the same bounds without importing GX (`gx.within_bounds`: the
    same verdicts, asserted on every rule fixture) — `nianbao check`'s default, an auditor's quick answer."""
    rules = list(rules or all_rules())
    by_id = {r.id: r for r in rules}
    rows = residual_rows(reports, rules)
    validated = gx.validate(residual_frame(rows), rules) if with_gx else gx.within_bounds(rows, rules)
    failing = validated.failing
    results = [
        Result(r.report_id, r.rule_id, by_id[r.rule_id].severity,
               FAIL if i in failing else PASS if r.assessable else NOT_ASSESSABLE,
               r.scope, r.expected, r.observed, r.residual, r.message)
        for i, r in enumerate(rows)
    ]
    found, verdicts = [], []
    by_report: dict[str, list[Result]] = {}
    for res in results:
        by_report.setdefault(res.report_id, []).append(res)
    for report in reports:
        mine = by_report.get(report.report_id, [])
        hard = sorted({r.rule_id for r in mine if r.status == FAIL and r.severity == "hard"})
        soft = sorted({r.rule_id for r in mine if r.status == FAIL and r.severity == "soft"})
        notes: list[str] = []
        if needs_localising(hard):
            cells, notes = suspects(report, rules)
            found += cells
        verdicts.append(verdict(report.report_id, report.doc_type, hard, soft,
                                sum(r.status == NOT_ASSESSABLE for r in mine), notes))
    return Outcome(results, found, verdicts, validated.stats)
