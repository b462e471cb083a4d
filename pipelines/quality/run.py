"""Run every suite on a batch of reports: residual rows → GX → per-report results, suspects, verdicts."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipelines.quality import gx
from pipelines.quality.evaluate import evaluate
from pipelines.quality.localise import suspects
from pipelines.quality.model import FAIL, NOT_ASSESSABLE, PASS, ReportData, Result, Suspect
from pipelines.quality.suites import Rule, rules as all_rules

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


def check_reports(reports: list[ReportData], rules: list[Rule] | None = None) -> Outcome:
    """Evaluate every rule on every report and let Great Expectations decide each instance."""
    rules = list(rules or all_rules())
    by_id = {r.id: r for r in rules}
    rows = [row for report in reports for rule in rules for row in evaluate(rule, report)]
    frame = pd.DataFrame({
        "rule_id": [r.rule_id for r in rows],
        "report_id": [r.report_id for r in rows],
        "residual": pd.array([r.residual for r in rows], dtype="Float64").astype("float64"),
        "assessable": [r.assessable for r in rows],
    })
    failing, stats = gx.validate(frame, rules)
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
        if any(r.startswith(("T3-0", "T4-0")) for r in hard):
            cells, notes = suspects(report, rules)
            found += cells
        if report.doc_type != "annual_report":
            status, reason = QUARANTINED, f"not an annual report ({report.doc_type})"
        elif hard:
            status, reason = QUARANTINED, "fails " + ", ".join(hard)
        else:
            status, reason = ACCEPTED, "passes every hard rule"
        verdicts.append(Verdict(report.report_id, status, len(hard), len(soft),
                                sum(r.status == NOT_ASSESSABLE for r in mine), reason, notes))
    return Outcome(results, found, verdicts, stats)
