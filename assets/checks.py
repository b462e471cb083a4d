"""Checks layer: every reporting identity and plausibility rule (expectations/*.yml) on every report."""

import time
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.metadata import md_table
from pipelines.audit.quality_report import write_report
from pipelines.quality.gx import docs_index
from pipelines.quality.stage import hard_rule_guard, run_checks
from pipelines.quality.suites import rules
from pipelines.resources import GreatExpectations, IngestSettings
from pipelines.storage.runlock import RunLock

CHECK_RESULTS = dg.AssetKey(["checks", "check_results"])


@dg.asset(key=CHECK_RESULTS, group_name="checks", deps=[["load", "warehouse"]], kinds={"duckdb"}, pool="duckdb")
def check_results(context: dg.AssetExecutionContext, warehouse: DuckDBResource, settings: IngestSettings,
                  run_lock: RunLock, great_expectations: GreatExpectations):
    """Every rule of spec §3 on every report: PASS / FAIL / NOT_ASSESSABLE per rule instance, decided by Great
    Expectations from the suites in `expectations/` (one GX `ExpectationSuite` per file).

    **Writes** `check_results` (one row per rule instance), `suspect_cells` (the cell most likely wrong, for a
    report failing a hard table identity), `report_quality` (accepted, or quarantined with the reason) and
    `report_versions` (which document is the current version of each agency × year × scope), and the HTML
    quality report beside the warehouse. Great Expectations' validation results are rendered as **GX Data
    Docs** (`gx/data_docs/index.html`, linked below), which keep the last runs' results (`KEEP_RUNS` of
    `pipelines/quality/stage.py`; older ones are removed, counted in `gx_validation_results_pruned`).

    **Incremental**: only new, re-extracted or re-versioned reports are checked, with the same agency's
    reports of the same year and of the year after (the cross-year rules read them); every report when the
    suites, the checker or the alias table changed.

    The work is `pipelines.quality.stage.run_checks`: identities and value rules in one SQL pass over
    `report_cells`, the other rules in batches of whole agencies (worker processes for large runs), one GX
    validation per suite for the whole run. `seconds` lists the time of each step."""
    outcome = run_checks(warehouse.database, warehouse.get_connection, settings.worker_count,
                         gx_api=great_expectations.api())
    started = time.perf_counter()
    with warehouse.get_connection() as conn:
        html = write_report(Path(warehouse.database).with_name("quality_report.html"), conn, list(rules()),
                            outcome.at.isoformat(timespec="seconds"))
    outcome.timings["quality report"] = time.perf_counter() - started
    return dg.MaterializeResult(metadata={
        "reports_checked_this_run": outcome.checked,
        "reports_in_warehouse": outcome.in_warehouse,
        "batches": outcome.batches,
        "accepted_this_run": int(outcome.verdicts.get("accepted", 0)),
        "quarantined_this_run": int(outcome.verdicts.get("quarantined", 0)),
        "accepted": int(outcome.totals.get("accepted", 0)),
        "quarantined": int(outcome.totals.get("quarantined", 0)),
        "reports_failing_each_rule": md_table(["rule", "severity", "reports failing", "not assessable"],
                                              outcome.per_rule, limit=60),
        "suspect_cells_this_run": outcome.suspects,
        "versions": md_table(["status", "documents", "logical reports"], outcome.by_version),
        "reversioned_this_run": outcome.reversioned,
        "quality_report": dg.MetadataValue.path(str(html)),
        "gx_data_docs": dg.MetadataValue.url(outcome.data_docs.as_uri()),
        "gx_validation_results": dg.MetadataValue.json(outcome.results),
        "gx_instances_validated": outcome.instances,
        "gx_unexpected_instances": outcome.unexpected,
        "gx_validation_results_pruned": outcome.pruned,
        "seconds": md_table(["step", "s"], [[k, round(v, 2)] for k, v in outcome.timings.items()]),
        "dagster/row_count": outcome.rows,
    })


def _rule_specs() -> list[dg.AssetCheckSpec]:
    return [dg.AssetCheckSpec(name=r.id.replace("-", "_"), asset=CHECK_RESULTS, description=f"{r.zh} — {r.en}")
            for r in rules()]


@dg.multi_asset_check(specs=_rule_specs(), can_subset=False, name="rules")
def rule_checks(context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource):
    """One check per rule: how many reports fail it, with examples. Hard rules report ERROR, soft rules WARN;
    failing reports are quarantined (not lost), so these checks inform rather than block."""
    with warehouse.get_connection() as conn:
        counts = dict(conn.execute(
            "select rule_id, count(distinct report_id) from check_results where status = 'FAIL' group by 1").fetchall())
        examples = conn.execute(
            """select c.rule_id, d.original_name, c.scope, c.message from check_results c
               left join documents d on d.id = c.report_id where c.status = 'FAIL'
               qualify row_number() over (partition by c.rule_id order by d.original_name, c.scope) <= 5
               order by c.rule_id, d.original_name, c.scope""").fetchall()
    for rule in rules():
        failing = counts.get(rule.id, 0)
        yield dg.AssetCheckResult(
            check_name=rule.id.replace("-", "_"), asset_key=CHECK_RESULTS, passed=not failing,
            severity=dg.AssetCheckSeverity.ERROR if rule.hard else dg.AssetCheckSeverity.WARN,
            metadata={"reports_failing": failing, "severity": rule.severity,
                      "examples": md_table(["report", "scope", "message"],
                                           [r[1:] for r in examples if r[0] == rule.id], limit=5)},
        )


@dg.asset_check(asset=CHECK_RESULTS, blocking=True)
def accepted_reports_pass_hard_rules(warehouse: DuckDBResource,
                                     great_expectations: GreatExpectations) -> dg.AssetCheckResult:
    """Blocking: no report accepted by this run's checks has an instance of a hard rule that Great
    Expectations found unexpected, and GX's validation covered every assessable hard-rule instance written
    for the reports checked in this run. It reads the validation results the checks stored (it does not
    validate again); the others were validated when they were checked and have not changed. Marts are built
    on accepted reports, so they are built only when this holds."""
    data_dir = Path(warehouse.database).parent
    with warehouse.get_connection() as conn:
        guard = hard_rule_guard(conn, data_dir, great_expectations.api())
    great_expectations.close()  # the run's last use of GX: marts and publish need not carry its process
    return dg.AssetCheckResult(passed=guard.passed, metadata={
        "reports_checked_this_run": guard.checked,
        "accepted_reports_covered": guard.accepted,
        "hard_rules": guard.hard_rules,
        "hard_instances_validated": sum(guard.validated.values()),
        "hard_instances_written": sum(guard.written.values()),
        "validation_results": dg.MetadataValue.json(guard.results),
        "gx_data_docs": dg.MetadataValue.url(docs_index(data_dir).as_uri()),
        "accepted_failing_a_hard_rule": len(guard.failing),
        "rules_not_fully_validated": md_table(["rule", "instances written", "validated by GX"],
                                              [[k, v, guard.validated.get(k, 0)]
                                               for k, v in sorted(guard.uncovered.items())]),
        "examples": md_table(["rule", "report", "scope"], guard.failing),
    })
