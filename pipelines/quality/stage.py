"""The checks stage of a run, in one call: `run_checks` plans, evaluates, validates and records the checks of
every report that needs them, and says what it did (`CheckOutcome`, which the checks asset turns into its
metadata).

1. **Versions and plan.** Documents are placed among the versions of their logical reports (versions.py,
   saved in `report_versions`); the reports to check are the new, re-extracted and re-versioned ones with
   their cross-year neighbours — or every report when the suites, the checker or the alias table changed
   (plan.py, the fingerprint in `check_state`) — cut into batches of whole agencies.
2. **Residuals.** The rules SQL does not compute (claims and flags) are evaluated per batch: in this process
   for a small run, in worker processes reading the warehouse read-only for a large one (parallel.py); each
   batch writes its residual rows as Parquet to a scratch directory beside the warehouse.
3. **Decision.** The identities and value rules in one SQL pass, Great Expectations on every residual, the
   verdicts and suspect cells, the outcome tables replaced in one transaction (decide.py).
4. **Data Docs.** The validation results of the last KEEP_RUNS runs are kept (older ones and their pages are
   removed) and this run's pages rendered (gx.py).

The caller holds the run lock: a scratch directory left by a killed run is removed first.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from pipelines.progress import progress
from pipelines.quality import gx
from pipelines.quality.decide import VALIDATION_STATE, decide
from pipelines.quality.parallel import check_batches, check_loaded
from pipelines.quality.plan import batches, to_check
from pipelines.quality.store import (aliases, last_fingerprint, load_reports, prepare, report_index, rules_fingerprint,
                                     save_fingerprint, save_state, save_versions, version_documents)
from pipelines.quality.suites import rules
from pipelines.quality.versions import resolve

BATCH_REPORTS = 1000  # reports per batch: bounds memory whatever the warehouse holds
# reports to check from which the batches go to worker processes: from two batches on, workers and GX's import
# in this process (2-3 s, needed by decide) overlap
PARALLEL_FROM = 1500
KEEP_RUNS = 10  # runs whose GX validation results (and Data Docs pages) are kept

Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]


@dataclass
class CheckOutcome:
    """What a checks run did, and the warehouse's state after it."""

    at: datetime  # when the run checked (the reports' checked_at)
    checked: int  # reports checked this run
    in_warehouse: int  # reports in the warehouse
    batches: int
    reversioned: int  # reports whose place among the versions of their report changed
    verdicts: Counter = field(default_factory=Counter)  # this run's: accepted / quarantined
    suspects: int = 0  # suspect cells found this run
    totals: dict = field(default_factory=dict)  # the warehouse's verdicts: accepted / quarantined
    per_rule: list = field(default_factory=list)  # rule, severity, reports failing, instances not assessable
    by_version: list = field(default_factory=list)  # version status, documents, logical reports
    rows: int = 0  # rows of check_results
    results: list[str] = field(default_factory=list)  # this run's GX validation result ids
    instances: int = 0  # instances GX validated
    unexpected: int = 0  # instances GX found unexpected
    pruned: int = 0  # older validation results removed
    data_docs: Path | None = None  # the Data Docs index
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step


def run_checks(database: str | Path, connect: Connect, workers: int, at: datetime | None = None,
               gx_api=gx) -> CheckOutcome:
    """Check every report of the warehouse at `database` that needs it (`connect()` opens a connection to it,
    read-write; `workers`: processes for a large run) and record the outcome. `gx_api`: the `gx` module (GX in
    this process), or a GX process's, which imported GX while the run's first steps went on (gx_process.py)."""
    at = at or datetime.now(timezone.utc)
    data_dir = Path(database).parent
    clock = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        timings[name] = time.perf_counter() - clock
        clock = time.perf_counter()

    for stale in data_dir.glob("checks-*"):  # of a killed run (the caller holds the run lock)
        shutil.rmtree(stale, ignore_errors=True)
    out_dir = Path(tempfile.mkdtemp(prefix="checks-", dir=data_dir))
    try:
        with connect() as conn:
            prepare(conn)
            names = aliases(conn)
            reversioned = save_versions(conn, resolve(version_documents(conn, names)), at)
            fingerprint = rules_fingerprint(conn)
            index = report_index(conn)
            wanted = to_check(index, names, everything=fingerprint != last_fingerprint(conn))
            work = batches(index, wanted, names, BATCH_REPORTS)
            # one batch is not worth starting workers for
            parallel = min(workers, len(work)) if len(wanted) >= PARALLEL_FROM else 1
            lap("plan and versions")
            if parallel == 1:
                for i, batch in enumerate(progress(work, "check", total=len(work))):
                    check_loaded(load_reports(conn, batch.check + batch.context), batch.check, names, out_dir,
                                 f"{i:06d}", at)
        if parallel > 1:  # the workers read the warehouse: this process must not hold it open
            # this process only waits on the workers meanwhile: without a GX process it imports GX (2-3 s, needed
            # by decide) now, in a thread; decide's open_context waits for it (the same lock and cached context)
            importing = threading.Thread(target=gx_api.open_context, args=(data_dir,), daemon=True) \
                if gx_api is gx else None
            if importing:
                importing.start()
            for _ in progress(check_batches(str(database), work, names, out_dir, at, parallel), "check",
                              total=len(work)):
                pass
            if importing:
                importing.join()
        lap("claim and flag rules (Python, batches)")
        with connect() as conn:
            decided = decide(conn, out_dir, list(rules()), data_dir, at, gx_api)
            timings |= decided.timings
            clock = time.perf_counter()
            save_fingerprint(conn, fingerprint)
            save_state(conn, "last_checked_at", at.isoformat() if wanted else "")
            outcome = CheckOutcome(
                at=at, checked=len(wanted), in_warehouse=len(index), batches=len(work), reversioned=reversioned,
                verdicts=decided.verdicts, suspects=decided.suspects, results=decided.results,
                instances=decided.instances, unexpected=decided.unexpected,
                per_rule=conn.execute(
                    "select rule_id, severity, count(distinct report_id) filter (where status = 'FAIL'), "
                    "count(*) filter (where status = 'NOT_ASSESSABLE') from check_results group by all order by 1"
                ).fetchall(),
                totals=dict(conn.execute("select status, count(*) from report_quality group by all").fetchall()),
                by_version=conn.execute("select status, count(*), count(distinct logical_key) from report_versions "
                                        "group by all order by 1").fetchall(),
                rows=conn.execute("select count(*) from check_results").fetchone()[0])
        lap("outcome summary")
        if decided.results:
            outcome.pruned = gx_api.prune(data_dir, KEEP_RUNS, keep=decided.results)
            outcome.data_docs = gx_api.build_docs(data_dir, decided.results)
        else:
            outcome.data_docs = gx.docs_index(data_dir)
        lap("GX Data Docs")
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    outcome.timings = timings
    return outcome


@dataclass
class GuardOutcome:
    """The blocking guard's finding on the last checks run: accepted reports against GX's stored results."""

    checked: int  # reports checked by the last run
    accepted: int  # of them, accepted
    hard_rules: int
    validated: Counter  # hard rule -> instances GX validated
    written: dict  # hard rule -> assessable instances written to check_results
    failing: list  # [rule, report, scope] of an accepted report's instance GX found unexpected
    results: list[str]  # the validation result ids read

    @property
    def uncovered(self) -> dict:
        """hard rule -> instances written, where GX did not validate exactly those."""
        return {rule: n for rule, n in self.written.items() if self.validated.get(rule, 0) != n}

    @property
    def passed(self) -> bool:
        return not self.failing and not self.uncovered


def hard_rule_guard(conn: duckdb.DuckDBPyConnection, data_dir: Path, gx_api=gx) -> GuardOutcome:
    """Read the last checks run's stored GX validation results (not validating again): does any report it
    accepted have a hard-rule instance GX found unexpected, and did GX validate every assessable hard-rule
    instance it wrote? `gx_api`: the `gx` module, or a GX process's (gx_process.py)."""
    hard = {r.id for r in rules() if r.hard}
    state = dict(conn.execute("select key, value from check_state").fetchall())
    last = state.get("last_checked_at") or ""
    ids = json.loads(state.get(VALIDATION_STATE) or "[]") if last else []
    checked = conn.execute(
        "select report_id, status from report_quality where checked_at = cast(? as timestamptz)",
        [last]).fetchall() if last else []
    written = dict(conn.execute(
        """select rule_id, count(*) from check_results where severity = 'hard' and status <> 'NOT_ASSESSABLE'
           and report_id in (select report_id from report_quality where checked_at = cast(? as timestamptz))
           group by 1""", [last]).fetchall()) if last else {}
    accepted = {rid[:16]: rid for rid, status in checked if status == "accepted"}
    validated: Counter = Counter()
    failing = []
    for rule_id, evaluated, unexpected in gx_api.stored_outcomes(data_dir, ids) if ids else []:
        if rule_id not in hard:
            continue
        validated[rule_id] += evaluated
        failing += [[rule_id, accepted[u["report"]], u["scope"]] for u in unexpected if u["report"] in accepted]
    return GuardOutcome(len(checked), len(accepted), len(hard), validated, written, failing, ids)
