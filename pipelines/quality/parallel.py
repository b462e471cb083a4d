"""Residuals on every core. Each worker process (forkserver: clean workers, not forks of a threaded Dagster
run) opens the warehouse read-only, reads its batch of agencies, evaluates every rule into residual rows
and writes them as Parquet; the parent then lets Great Expectations validate the whole run's residuals at
once (decide.py) — no worker imports GX. The parent holds no reports, so memory and time scale with the
workers. DuckDB lets several processes read a file while none writes it: the parent closes its connection
first.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.quality.compile import compiled
from pipelines.quality.data import link_years
from pipelines.quality.model import ReportData
from pipelines.quality.plan import Batch
from pipelines.quality.run import residual_rows
from pipelines.quality.store import load_reports, write_residual_files
from pipelines.quality.suites import rules as all_rules


@dataclass
class BatchSummary:
    reports: int
    verdicts: Counter = field(default_factory=Counter)
    suspects: int = 0


def check_loaded(loaded: list[ReportData], check: list[str], aliases: dict[str, str], out_dir: Path, name: str,
                 at: datetime) -> BatchSummary:
    """Link the years of a batch (its context included), evaluate the rules SQL does not compute on the reports
    of `check`, write their residual rows and the checked reports (with their previous year) for decide.py."""
    link_years(loaded, aliases)
    wanted = set(check)
    mine = [r for r in loaded if r.report_id in wanted]
    # the identities and value rules are computed in SQL for the whole run (compile.py, decide.py)
    write_residual_files(mine, residual_rows(mine, [r for r in all_rules() if not compiled(r)]), out_dir, name)
    return BatchSummary(len(mine))


def _check_from_warehouse(warehouse: str, batch: Batch, aliases: dict[str, str], out_dir: Path, name: str,
                          at: datetime) -> BatchSummary:
    # a spill directory of its own: DuckDB names its spill files alike in every process
    # and a smaller share of memory: two workers and the parent share the machine (as the run's connections,
    # pipelines/settings.py:duckdb_config, insertion order is not kept)
    config = {"temp_directory": str(out_dir / f"duckdb-spill-{os.getpid()}"), "memory_limit": "256MB",
              "preserve_insertion_order": False}
    with duckdb.connect(warehouse, read_only=True, config=config) as conn:
        loaded = load_reports(conn, batch.check + batch.context)
    return check_loaded(loaded, batch.check, aliases, out_dir, name, at)


def check_batches(warehouse: str, work: list[Batch], aliases: dict[str, str], out_dir: Path, at: datetime,
                  workers: int) -> Iterator[BatchSummary]:
    """Check every batch in `workers` processes reading `warehouse` read-only (no writer may hold it)."""
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        n = len(work)
        yield from pool.map(_check_from_warehouse, [warehouse] * n, work, [aliases] * n, [out_dir] * n,
                            [f"{i:06d}" for i in range(n)], [at] * n)
