"""Checks on every core: batches of reports (read from the warehouse by the caller) are evaluated and
validated by Great Expectations in worker processes (forkserver: clean workers, not forks of a threaded
Dagster run). At most `workers + 1` batches are in flight, so memory stays bounded."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from pipelines.quality.data import link_years
from pipelines.quality.model import ReportData
from pipelines.quality.run import Outcome, check_reports

Work = tuple[list[str], list[ReportData]]  # (ids to check, those reports and their context years)


def check_batch(check: list[str], loaded: list[ReportData], aliases: dict[str, str]) -> tuple[list[str], Outcome]:
    """Link the years of a batch (context included) and check the reports of `check`."""
    link_years(loaded, aliases)
    wanted = set(check)
    return check, check_reports([r for r in loaded if r.report_id in wanted])


def check_all(work: Iterable[Work], aliases: dict[str, str], workers: int) -> Iterator[tuple[list[str], Outcome]]:
    """(checked ids, outcome) per batch, as batches finish (in this process for one worker)."""
    if workers <= 1:
        for check, loaded in work:
            yield check_batch(check, loaded, aliases)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        pending = set()
        for check, loaded in work:
            pending.add(pool.submit(check_batch, check, loaded, aliases))
            if len(pending) > workers:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in done)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            yield from (f.result() for f in done)
