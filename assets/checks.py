"""Checks layer: every reporting identity and plausibility rule (expectations/*.yml) on every report."""

import json
import shutil
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.metadata import md_table
from pipelines.progress import progress
from pipelines.quality import gx
from pipelines.quality.decide import VALIDATION_STATE, decide
from pipelines.quality.parallel import check_batches, check_loaded
from pipelines.quality.plan import batches, to_check
from pipelines.audit.quality_report import write_report
from pipelines.quality.store import (aliases, last_fingerprint, load_reports, report_index, rules_fingerprint,
                                     save_fingerprint, save_state, save_versions, version_documents)
from pipelines.quality.suites import rules
from pipelines.quality.versions import resolve
from pipelines.storage.runlock import RunLock
from pipelines.settings import IngestSettings
from pipelines.storage.warehouse import ensure_schema

CHECK_RESULTS = dg.AssetKey(["checks", "check_results"])
BATCH_REPORTS = 1000  # reports per validation: bounds memory whatever the warehouse holds
PARALLEL_FROM = 3000  # reports to check before the batches go to worker processes


@dg.asset(key=CHECK_RESULTS, group_name="checks", deps=[["load", "warehouse"]], kinds={"duckdb"}, pool="duckdb")
def check_results(context: dg.AssetExecutionContext, warehouse: DuckDBResource, settings: IngestSettings,
                  run_lock: RunLock):
    """Every rule of spec §3 (PASS / FAIL / NOT_ASSESSABLE per instance), validated by Great Expectations from
    the suites in expectations/. Writes `check_results`, `suspect_cells` (the cell most likely wrong) and
    `report_quality` (accepted, or quarantined with the reason), and an HTML quality report beside the
    warehouse.

    Incremental: only new or re-extracted reports are checked, with the same agency's reports of the same
    year and of the year after (the cross-year rules read them); everything when the suites, the checker
    or the alias table changed. Reports are read and evaluated in batches of whole agencies (in worker
    processes for large runs); Great Expectations validates the whole run's residuals once per suite in the
    data directory's GX context, and its validation results are rendered as GX Data Docs
    (`gx/data_docs/index.html` beside the warehouse, linked from this asset's metadata)."""
    at = datetime.now(timezone.utc)
    clock = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        timings[name] = time.perf_counter() - clock
        clock = time.perf_counter()

    for stale in Path(warehouse.database).parent.glob("checks-*"):  # of a killed run (this run holds the lock)
        shutil.rmtree(stale, ignore_errors=True)
    out_dir = Path(tempfile.mkdtemp(prefix="checks-", dir=Path(warehouse.database).parent))
    try:
        with warehouse.get_connection() as conn:
            ensure_schema(conn)
            names = aliases(conn)
            versions = resolve(version_documents(conn, names))
            reversioned = save_versions(conn, versions, at)
            fingerprint = rules_fingerprint(conn)
            index = report_index(conn)
            wanted = to_check(index, names, everything=fingerprint != last_fingerprint(conn))
            work = batches(index, wanted, names, BATCH_REPORTS)
            # a few batches are not worth starting workers
            workers = min(settings.worker_count, len(work)) if len(wanted) >= PARALLEL_FROM else 1
            lap("plan and versions")
            summaries = []
            if workers == 1:
                for i, batch in enumerate(progress(work, "check", total=len(work))):
                    loaded = load_reports(conn, batch.check + batch.context)
                    summaries.append(check_loaded(loaded, batch.check, names, out_dir, f"{i:06d}", at))
        if workers > 1:  # the workers read the warehouse: this process must not hold it open
            summaries = list(progress(check_batches(warehouse.database, work, names, out_dir, at, workers),
                                      "check", total=len(work)))
        lap("claim and flag rules (Python, batches)")
        data_dir = Path(warehouse.database).parent
        with warehouse.get_connection() as conn:
            decided = decide(conn, out_dir, list(rules()), data_dir, at)
            timings |= decided.timings
            clock = time.perf_counter()
            save_fingerprint(conn, fingerprint)
            save_state(conn, "last_checked_at", at.isoformat() if wanted else "")
            per_rule = conn.execute(
                "select rule_id, severity, count(distinct report_id) filter (where status = 'FAIL'), "
                "count(*) filter (where status = 'NOT_ASSESSABLE') from check_results group by all order by 1"
            ).fetchall()
            totals = dict(conn.execute("select status, count(*) from report_quality group by all").fetchall())
            by_version = conn.execute("select status, count(*), count(distinct logical_key) from report_versions "
                                      "group by all order by 1").fetchall()
            html = write_report(Path(warehouse.database).with_name("quality_report.html"), conn, list(rules()),
                                at.isoformat(timespec="seconds"))
            rows = conn.execute("select count(*) from check_results").fetchone()[0]
        lap("quality report")
        docs = gx.build_docs(data_dir, decided.results) if decided.results else data_dir / "gx" / "data_docs" / "index.html"
        lap("GX Data Docs")
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    verdicts = decided.verdicts
    suspects = decided.suspects
    return dg.MaterializeResult(metadata={
        "reports_checked_this_run": len(wanted),
        "reports_in_warehouse": len(index),
        "batches": len(work),
        "accepted_this_run": int(verdicts.get("accepted", 0)),
        "quarantined_this_run": int(verdicts.get("quarantined", 0)),
        "accepted": int(totals.get("accepted", 0)),
        "quarantined": int(totals.get("quarantined", 0)),
        "reports_failing_each_rule": md_table(["rule", "severity", "reports failing", "not assessable"], per_rule,
                                              limit=60),
        "suspect_cells_this_run": suspects,
        "versions": md_table(["status", "documents", "logical reports"], by_version),
        "reversioned_this_run": reversioned,
        "quality_report": dg.MetadataValue.path(str(html)),
        "gx_data_docs": dg.MetadataValue.url(docs.as_uri()),
        "gx_validation_results": dg.MetadataValue.json(decided.results),
        "gx_instances_validated": decided.instances,
        "gx_unexpected_instances": decided.unexpected,
        "seconds": md_table(["step", "s"], [[k, round(v, 2)] for k, v in timings.items()]),
        "dagster/row_count": rows,
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
def accepted_reports_pass_hard_rules(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    """Blocking: no report accepted by this run's checks has an instance of a hard rule that Great
    Expectations found unexpected, and GX's validation covered every assessable hard-rule instance written
    for the reports checked in this run. It reads the validation results the checks stored (it does not
    validate again); the others were validated when they were checked and have not changed. Marts are built
    on accepted reports, so they are built only when this holds."""
    hard = {r.id for r in rules() if r.hard}
    data_dir = Path(warehouse.database).parent
    with warehouse.get_connection() as conn:
        state = dict(conn.execute("select key, value from check_state").fetchall())
        last = state.get("last_checked_at") or ""
        ids = json.loads(state.get(VALIDATION_STATE) or "[]") if last else []
        checked = conn.execute(
            """select report_id, status from report_quality where checked_at = cast(? as timestamptz)""",
            [last]).fetchall() if last else []
        written = dict(conn.execute(
            """select rule_id, count(*) from check_results where severity = 'hard' and status <> 'NOT_ASSESSABLE'
               and report_id in (select report_id from report_quality where checked_at = cast(? as timestamptz))
               group by 1""", [last]).fetchall()) if last else {}
    accepted = {rid[:16]: rid for rid, status in checked if status == "accepted"}
    results = gx.stored_results(data_dir, ids) if ids else []
    validated: Counter = Counter()
    failing_rows = []
    for result in results:
        for r in result.results:
            rule_id = r.expectation_config.meta["rule_id"]
            if rule_id not in hard:
                continue
            validated[rule_id] += r.result.get("element_count", 0) - r.result.get("missing_count", 0)
            failing_rows += [[rule_id, accepted[u["report"]], u["scope"]]
                             for u in r.result.get("unexpected_index_list") or [] if u["report"] in accepted]
    uncovered = {rule: n for rule, n in written.items() if validated.get(rule, 0) != n}
    return dg.AssetCheckResult(passed=not failing_rows and not uncovered, metadata={
        "reports_checked_this_run": len(checked),
        "accepted_reports_covered": len(accepted),
        "hard_rules": len(hard),
        "hard_instances_validated": sum(validated.values()),
        "hard_instances_written": sum(written.values()),
        "validation_results": dg.MetadataValue.json(ids),
        "gx_data_docs": dg.MetadataValue.url((data_dir / "gx" / "data_docs" / "index.html").as_uri()),
        "accepted_failing_a_hard_rule": len(failing_rows),
        "rules_not_fully_validated": md_table(["rule", "instances written", "validated by GX"],
                                              [[k, v, validated.get(k, 0)] for k, v in sorted(uncovered.items())]),
        "examples": md_table(["rule", "report", "scope"], failing_rows),
    })
