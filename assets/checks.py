"""Checks layer: every reporting identity and plausibility rule (expectations/*.yml) on every report."""

from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.metadata import md_table
from pipelines.quality import gx
from pipelines.quality.data import link_years
from pipelines.quality.report_html import write_report
from pipelines.quality.run import check_reports
from pipelines.quality.store import aliases, load_reports, write_outcome
from pipelines.quality.suites import rules
from pipelines.warehouse import ensure_schema

CHECK_RESULTS = dg.AssetKey(["checks", "check_results"])


@dg.asset(key=CHECK_RESULTS, group_name="checks", deps=[["load", "warehouse"]], kinds={"duckdb"}, pool="duckdb")
def check_results(context: dg.AssetExecutionContext, warehouse: DuckDBResource):
    """Every rule of spec §3 on every report (PASS / FAIL / NOT_ASSESSABLE per instance), validated by Great
    Expectations from the suites in expectations/. Writes `check_results`, `suspect_cells` (the cell most
    likely wrong) and `report_quality` (accepted, or quarantined with the reason), and an HTML quality report
    beside the warehouse."""
    at = datetime.now(timezone.utc)
    with warehouse.get_connection() as conn:
        ensure_schema(conn)
        reports = load_reports(conn)
        link_years(reports, aliases(conn))
        outcome = check_reports(reports)
        write_outcome(conn, outcome, at)
        names = dict(conn.execute("select id, original_name from documents").fetchall())
        per_rule = conn.execute(
            "select rule_id, severity, count(distinct report_id) filter (where status = 'FAIL'), "
            "count(*) filter (where status = 'NOT_ASSESSABLE') from check_results group by all order by 1"
        ).fetchall()
    html = write_report(Path(warehouse.database).with_name("quality_report.html"), outcome, list(rules()), names,
                        at.isoformat(timespec="seconds"))
    verdicts = Counter(v.status for v in outcome.verdicts)
    return dg.MaterializeResult(metadata={
        "reports_checked": len(reports),
        "accepted": int(verdicts.get("accepted", 0)),
        "quarantined": int(verdicts.get("quarantined", 0)),
        "reports_failing_each_rule": md_table(["rule", "severity", "reports failing", "not assessable"], per_rule,
                                              limit=60),
        "suspect_cells": len(outcome.suspects),
        "quality_report": dg.MetadataValue.path(str(html)),
        "dagster/row_count": len(outcome.results),
    })


def _rule_specs() -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(name=r.id.replace("-", "_"), asset=CHECK_RESULTS, description=f"{r.zh} — {r.en}")
            for r in rules()]


@dg.multi_asset_check(specs=_rule_specs(), can_subset=False, name="rules")
def rule_checks(context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource):
    """One check per rule: how many reports fail it, with examples. Hard rules report ERROR, soft rules WARN;
    failing reports are quarantined (not lost), so these checks inform rather than block."""
    with warehouse.get_connection() as conn:
        rows = conn.execute(
            """select c.rule_id, c.report_id, d.original_name, c.scope, c.message from check_results c
               left join documents d on d.id = c.report_id where c.status = 'FAIL' order by c.rule_id, d.original_name"""
        ).fetchall()
    for rule in rules():
        failing = [r for r in rows if r[0] == rule.id]
        reports = sorted({r[1] for r in failing})
        yield dg.AssetCheckResult(
            check_name=rule.id.replace("-", "_"), asset_key=CHECK_RESULTS, passed=not failing,
            severity=dg.AssetCheckSeverity.ERROR if rule.hard else dg.AssetCheckSeverity.WARN,
            metadata={"reports_failing": len(reports), "severity": rule.severity,
                      "examples": md_table(["report", "scope", "message"], [r[2:] for r in failing], limit=5)},
        )


@dg.asset_check(asset=CHECK_RESULTS, blocking=True)
def accepted_reports_pass_hard_rules(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    """Blocking: Great Expectations re-validates every hard rule on the accepted reports only. Marts are built
    on accepted reports, so they are built only when this holds."""
    with warehouse.get_connection() as conn:
        frame = conn.execute(
            """select c.rule_id, c.report_id, c.difference as residual, c.status <> 'NOT_ASSESSABLE' as assessable
               from check_results c join report_quality q using (report_id)
               where q.status = 'accepted' and c.severity = 'hard'"""
        ).df()
    hard = [r for r in rules() if r.hard]
    failing, _ = gx.validate(frame, hard)
    bad = frame.loc[sorted(failing)] if failing else frame.iloc[0:0]
    return dg.AssetCheckResult(passed=not failing, metadata={
        "accepted_instances_validated": len(frame), "failing": len(failing),
        "examples": md_table(["rule", "report", "residual"], bad[["rule_id", "report_id", "residual"]].values.tolist()),
    })
