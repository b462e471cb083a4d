"""Extraction in worker processes, each document bounded in wall time and memory.

Each worker process (forkserver: clean workers, not forks of a threaded Dagster run) takes one text file of
a shard from the lake, extracts its pending documents and writes the extracted tables' file for that shard
itself, returning only a summary: the parent reads and writes nothing, so the work scales with the workers.

No document can stall a run. Each one gets `timeout_s` of wall time (NIANBAO_EXTRACT_TIMEOUT_S), enforced
by the kernel: an alarm whose default action ends the worker wherever it is, inside a regular expression or
any C code included. What one document's extraction may add to its worker's address space is limited too
(NIANBAO_EXTRACT_MEMORY_MB: beyond it, allocations fail). A worker that dies takes its file's work with it;
the file is then extracted again one document at a time, so that only the document at fault fails. That
document is recorded like any other — status `failed`, with the issue `extract_timeout`, `extract_memory`
or `extract_crashed` — under the current extractor version, so later runs skip it until the extractor
changes (and then try it again). Small runs get one worker, not in-process extraction: the limits hold for
every run.
"""

from __future__ import annotations

import multiprocessing
import resource
import signal
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from concurrent.futures import FIRST_COMPLETED, TimeoutError, wait
from dataclasses import dataclass, field
from datetime import datetime

from pebble import ProcessExpired, ProcessPool

from pipelines.extract import store as reports_store
from pipelines.decode import registry
from pipelines.decode.model import Decoded
from pipelines.extract.record import Record, extract_decoded, extract_json_record
from pipelines.storage.lake import Lake

Part = tuple[str, str, dict[str, str]]  # (shard, text file name, {document id: format} pending in it)

# A worker past its time is ended by the alarm; the pool's own timeout, this much later, is only a backstop.
BACKSTOP_S = 10.0


@dataclass
class PartSummary:
    shard: str
    documents: int = 0
    by_type_status: Counter = field(default_factory=Counter)
    issues: Counter = field(default_factory=Counter)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (document id, "code: message")


class Failed(Record):
    """The record of a document the extractor could not finish within its limits: no cells, one error issue
    saying why (`extract_timeout`, `extract_memory`, `extract_crashed`, `extraction_failed`)."""

    @property
    def status(self) -> str:
        return "failed"


def failed_record(report_id: str, fmt: str, code: str, message: str) -> Failed:
    return Failed(report_id=report_id, doc_type="unknown", agency=None, admin_level=None, region=None, year=None,
                  template=None, publication_date=None, source_format=fmt,
                  issues=[{"code": code, "severity": "error", "message": message, "location": None}])


@contextmanager
def _memory_budget(memory_mb: int) -> Iterator[None]:
    """Address space the worker may add while one document is extracted (RLIMIT_AS, lifted again after it).
    A budget on top of what the worker holds, not a cap on the whole process: reading and writing Parquet
    starts a thread per core, each reserving address space, and that must not fail on a machine with many
    cores — only a document's own extraction is bounded."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    try:
        with open("/proc/self/statm") as f:
            held = int(f.read().split()[0]) * resource.getpagesize()
    except OSError:  # no /proc (not Linux): no budget
        yield
        return
    limit = held + memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _extract_one(report_id: str, decoded: Decoded, fmt: str, timeout_s: float, memory_mb: int) -> Record:
    """One document's record, in a worker. Past `timeout_s` the alarm ends this process (SIGALRM's default
    action): no handler to wait for, so a match that never returns to Python is stopped too."""
    # the registry's first read imports every decoder module (the PDF and Word libraries): the process's
    # cost, paid once before the budget, not charged to the first document
    registry.get(fmt)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.setitimer(signal.ITIMER_REAL, timeout_s)
    try:
        with _memory_budget(memory_mb):
            if fmt == "json_record":
                return extract_json_record(report_id, decoded.text)
            return extract_decoded(report_id, decoded, fmt)
    except MemoryError:
        return failed_record(report_id, fmt, "extract_memory",
                             "extraction needed more memory than the per-document limit (NIANBAO_EXTRACT_MEMORY_MB)")
    except Exception as e:  # noqa: BLE001 - an extractor bug fails one document, recorded with its text
        return failed_record(report_id, fmt, "extraction_failed", f"{type(e).__name__}: {str(e)[:300]}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def _summary(shard: str, records: list[Record]) -> PartSummary:
    return PartSummary(shard, len(records), Counter(f"{r.doc_type}/{r.status}" for r in records),
                       Counter(issue["code"] for r in records for issue in r.issues),
                       [(r.report_id, f"{r.issues[0]['code']}: {r.issues[0]['message']}")
                        for r in records if isinstance(r, Failed)])


def extract_part(lake_root: str, part: Part, at: datetime, timeout_s: float, memory_mb: int,
                 version: str) -> PartSummary:
    """Extract the pending documents of one text file and write their rows to the shard's lake."""
    from pipelines.progress import tick
    from pipelines.decode.store import read_decoded

    shard, name, pending = part
    lake = Lake(lake_root)
    # blocks only where extraction reads them (formats whose tables come as grids): a text document's
    # ~140 line blocks were read back and built into objects, for nothing, at 0.2 ms a document
    decoded = read_decoded(lake, shard, name, set(pending), {d for d, fmt in pending.items() if registry.grids(fmt)})
    records = []
    for doc_id, fmt in pending.items():
        records.append(_extract_one(doc_id, decoded[doc_id], fmt, timeout_s, memory_mb))
        tick("extract")  # live progress on the user's terminal (pipelines/progress.py), when a CLI shows it
    lake.write(reports_store.frames(records, at, version), shard)
    return _summary(shard, records)


_file_cache: dict[tuple[str, str, str], dict[str, Decoded]] = {}  # the last text file read by this worker


def extract_document(lake_root: str, shard: str, name: str, doc_id: str, fmt: str, timeout_s: float,
                     memory_mb: int) -> Record:
    """One document of a text file whose worker died, alone (the worker keeps the file it read last)."""
    from pipelines.decode.store import read_decoded

    key = (lake_root, shard, name)
    if key not in _file_cache:
        _file_cache.clear()
        _file_cache[key] = read_decoded(Lake(lake_root), shard, name)
    return _extract_one(doc_id, _file_cache[key][doc_id], fmt, timeout_s, memory_mb)


def _failure(doc_id: str, fmt: str, error: TimeoutError | ProcessExpired, timeout_s: float) -> Failed:
    """The record of a document whose worker died while extracting it alone."""
    if isinstance(error, TimeoutError) or error.exitcode == -signal.SIGALRM:
        return failed_record(doc_id, fmt, "extract_timeout",
                             f"extraction took longer than {timeout_s:g} s (NIANBAO_EXTRACT_TIMEOUT_S)")
    return failed_record(doc_id, fmt, "extract_crashed", f"the extractor process died (exit code {error.exitcode})")


def extract_parts(parts: list[Part], lake_root: str, at: datetime, workers: int, timeout_s: float = 30.0,
                  memory_mb: int = 1536, version: str | None = None) -> Iterator[PartSummary]:
    """A summary per part, as each is done, extracted in `workers` processes. `version` is the extractor
    version recorded on the rows (by default the current one: the version that found them pending).

    Only a worker's death (its alarm, a crash) is taken as the document's fault; any other error (a full
    disk, an unreadable lake file) stops the run, as it would have in-process."""
    version = version or reports_store.EXTRACTOR_VERSION
    pool = ProcessPool(max_workers=max(1, workers), context=multiprocessing.get_context("forkserver"))
    try:
        in_flight: dict = {}
        for part in parts:
            # every document has timeout_s: the file as a whole cannot take longer than all of them
            future = pool.schedule(extract_part, args=(lake_root, part, at, timeout_s, memory_mb, version),
                                   timeout=timeout_s * (len(part[2]) + 1) + BACKSTOP_S)
            in_flight[future] = (part, None)
        alone: dict[tuple[str, str], dict[str, Record]] = {}  # files redone one document at a time
        while in_flight:
            done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for future in done:
                (shard, name, pending), doc_id = in_flight.pop(future)
                if doc_id is None:  # a whole file
                    try:
                        summary = future.result()
                    except (TimeoutError, ProcessExpired):
                        summary = None  # one of its documents stalled or crashed the worker: find it, alone
                    if summary is not None:
                        yield summary
                        continue
                    alone[(shard, name)] = {}
                    for doc_id, fmt in pending.items():
                        single = pool.schedule(extract_document, timeout=timeout_s + BACKSTOP_S,
                                               args=(lake_root, shard, name, doc_id, fmt, timeout_s, memory_mb))
                        in_flight[single] = ((shard, name, pending), doc_id)
                    continue
                try:
                    record = future.result()
                except (TimeoutError, ProcessExpired) as e:
                    record = _failure(doc_id, pending[doc_id], e, timeout_s)
                records = alone[(shard, name)]
                records[doc_id] = record
                if len(records) == len(pending):
                    del alone[(shard, name)]
                    ordered = [records[d] for d in pending]
                    Lake(lake_root).write(reports_store.frames(ordered, at, version), shard)
                    yield _summary(shard, ordered)
    except BaseException:
        pool.stop()  # an error ends the run now, not after every file scheduled
        raise
    finally:
        pool.close()
        pool.join()
