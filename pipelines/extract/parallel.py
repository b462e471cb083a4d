"""Extraction on every core: each worker process (forkserver: clean workers, not forks of a threaded
Dagster run) takes one text file of a shard from the lake, extracts its pending documents and writes the
extracted tables' file for that shard itself, returning only a summary. The parent reads and writes
nothing, so the work scales with the workers."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from pipelines.extract.record import extract_safely
from pipelines.lake import Lake

Part = tuple[str, str, dict[str, str]]  # (shard, text file name, {document id: format} pending in it)


@dataclass
class PartSummary:
    shard: str
    documents: int = 0
    by_type_status: Counter = field(default_factory=Counter)
    issues: Counter = field(default_factory=Counter)


def extract_part(lake_root: str, part: Part, at: datetime) -> PartSummary:
    """Extract the pending documents of one text file and write their rows to the shard's lake."""
    from pipelines.reports_store import frames
    from pipelines.text_store import read_decoded

    shard, name, pending = part
    lake = Lake(lake_root)
    decoded = read_decoded(lake, shard, name, set(pending))
    records = [extract_safely(doc_id, decoded[doc_id], fmt) for doc_id, fmt in pending.items()]
    lake.write(frames(records, at), shard)
    return PartSummary(shard, len(records), Counter(f"{r.doc_type}/{r.status}" for r in records),
                       Counter(issue["code"] for r in records for issue in r.issues))


def extract_parts(parts: list[Part], lake_root: str, at: datetime, workers: int) -> Iterator[PartSummary]:
    """A summary per part, extracted in `workers` processes (in this process for one worker)."""
    if workers <= 1:
        for part in parts:
            yield extract_part(lake_root, part, at)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        yield from pool.map(extract_part, [lake_root] * len(parts), parts, [at] * len(parts))
