"""Decode documents in worker processes, each task bounded in time and memory.

A hostile or broken document (a decompression bomb, a parser stuck in a loop, a crash in a C library)
can only take its own worker down: the task times out or hits the address-space limit, the worker is
replaced, and the document is rejected with a specific reason. Every core is used.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, TimeoutError, wait
from contextlib import ExitStack
from typing import NamedTuple

from pebble import ProcessExpired, ProcessPool

from pipelines.decode.model import Block, Decoded, DecodeError, Limits, NeedsOcr

Job = tuple[str, str, str, str | None]  # (document id, stored path, format, encoding)
Outcome = Decoded | DecodeError


class DecodedRows(NamedTuple):
    """A `Decoded` as the text layer stores it, its blocks as four columns (kinds, texts, pages, grids): what a
    worker sends back. A text document has ~140 line blocks; as dataclasses they cost as much to pickle and
    unpickle as the document took to decode (0.77 ms against 0.78 ms), as tuples 0.14 ms; as columns a third
    less again, and the text layer extends its columns with them whole instead of transposing every block."""

    text: str
    original_text: str
    blocks: tuple[list[str], list[str], list[int | None], list[list[list[str]] | None]]
    decoder: str
    pages: int | None
    flags: list[str]
    page_starts: list[int] | None


def as_rows(d: Decoded) -> DecodedRows:
    blocks = d.blocks
    return DecodedRows(d.text, d.original_text, ([b.kind for b in blocks], [b.text for b in blocks],
                                                 [b.page for b in blocks], [b.grid for b in blocks]),
                       d.decoder, d.pages, d.flags, d.page_starts)


def as_decoded(rows: DecodedRows) -> Decoded:
    return Decoded(text=rows.text, original_text=rows.original_text, blocks=list(map(Block, *rows.blocks)),
                   decoder=rows.decoder, pages=rows.pages, flags=rows.flags, page_starts=rows.page_starts)


def _limit_memory(memory_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


# OCR is slow (seconds a page): a document that needs it is decoded a second time, in its own task, with
# the time limit NIANBAO_DECODE_TIMEOUT_S plus this much per page to OCR (NIANBAO_OCR_PAGE_TIMEOUT_S).
OCR_PAGE_TIMEOUT_S = float(os.environ.get("NIANBAO_OCR_PAGE_TIMEOUT_S", 30))
# OCR runs in a pool of its own, started at the first document that needs it, whose workers keep the
# models loaded. onnxruntime, the models and a page image reach ~1.6 GB of address space (VmPeak, measured),
# 2.2 GB when a worker reads two pages of a document at once (ocr.read_pages: a thread per core; measured
# on the 8-page scan of benchmarks/ocr.py): beyond the 1536 MB limit of the other decoders. OCR workers get
# at least OCR_MEMORY_MB (NIANBAO_DECODE_MEMORY_MB still bounds every other document, and OCR workers when
# it is larger).
OCR_MEMORY_MB = 3072


def _decode_stored(path: str, fmt: str, encoding: str | None, limits: Limits, ocr: bool = False) -> tuple:
    # Runs in the worker. Exceptions are returned as plain tuples: they cross the process boundary
    # intact, whatever their constructor looks like.
    from pipelines.decode.dispatch import decode_document

    try:
        with open(path, "rb") as f:
            data = f.read()
        return ("ok", tuple(as_rows(decode_document(data, fmt, encoding, limits, ocr=ocr))))
    except NeedsOcr as e:
        return ("ocr", e.pages)
    except DecodeError as e:
        return ("error", e.code, e.message)
    except MemoryError:
        return ("error", "decode_memory", "decoding needed more memory than the per-document limit")
    except RecursionError:
        return ("error", "decode_recursion", "the document is nested too deeply to decode")
    except Exception as e:  # a decoder bug must reject one document, not end the run
        return ("error", "decode_failed", f"{type(e).__name__}: {str(e)[:200]}")


# Small documents of the text formats go to a worker in groups: one task per 10 KB page costs more in
# scheduling than in decoding. A group that times out or kills its worker is decoded again one document
# at a time, so the document at fault is the only one rejected.
GROUP_FORMATS = frozenset({"text", "markdown", "json_record", "html"})
GROUP_MAX_BYTES = 256 * 1024
GROUP_SIZE = 25


def _decode_group(items: list[Job], limits: Limits) -> list[tuple[str, tuple]]:
    return [(doc_id, _decode_stored(path, fmt, encoding, limits)) for doc_id, path, fmt, encoding in items]


def _groupable(job: Job) -> bool:
    try:
        return job[2] in GROUP_FORMATS and os.path.getsize(job[1]) <= GROUP_MAX_BYTES
    except OSError:
        return False  # decoded alone: its worker reports why it cannot be read


def decode_many(
    jobs: Iterable[Job],
    limits: Limits,
    timeout_s: float,
    memory_mb: int,
    workers: int,
    on_done: Callable[[], None] | None = None,
    rows: bool = False,
) -> Iterator[tuple[str, Outcome | DecodedRows]]:
    """Decode every job; yield (document id, Decoded or DecodeError) as each finishes. A document that
    needs OCR (its first decoding says how many pages) is decoded again in the OCR pool, with a time limit
    of `timeout_s` plus OCR_PAGE_TIMEOUT_S per page. With `rows`, a decoded document comes as the lake's
    `DecodedRows` (what the text layer writes), not rebuilt into a `Decoded` and its blocks."""
    jobs = iter(jobs)
    retry: list[Job] = []  # documents of a failed group, to be decoded one at a time
    group: list[Job] = []
    # forkserver: workers start from a clean process, not a fork of a threaded Dagster run.
    context = multiprocessing.get_context("forkserver")
    with ExitStack() as stack:
        pool = stack.enter_context(ProcessPool(max_workers=workers, max_tasks=200, initializer=_limit_memory,
                                               initargs=(memory_mb,), context=context))
        ocr_pool = None
        in_flight: dict = {}

        def submit_next() -> bool:
            while True:
                if retry:
                    job = retry.pop()
                else:
                    job = next(jobs, None)
                    if job is not None and _groupable(job):
                        group.append(job)
                        if len(group) < GROUP_SIZE:
                            continue
                        job = None
                    if job is None and group:
                        items = list(group)
                        group.clear()
                        future = pool.schedule(_decode_group, args=(items, limits), timeout=timeout_s)
                        in_flight[future] = items
                        return True
                if job is None:
                    return False
                doc_id, path, fmt, encoding = job
                future = pool.schedule(_decode_stored, args=(path, fmt, encoding, limits), timeout=timeout_s)
                in_flight[future] = (job, timeout_s, "NIANBAO_DECODE_TIMEOUT_S")
                return True

        def submit_ocr(job: Job, pages: int) -> None:
            nonlocal ocr_pool
            if ocr_pool is None:
                ocr_pool = stack.enter_context(ProcessPool(
                    max_workers=workers, max_tasks=50, initializer=_limit_memory,
                    initargs=(max(memory_mb, OCR_MEMORY_MB),), context=context))
            limit = timeout_s + pages * OCR_PAGE_TIMEOUT_S
            future = ocr_pool.schedule(_decode_stored, args=(*job[1:], limits, True), timeout=limit)
            in_flight[future] = (job, limit, f"NIANBAO_DECODE_TIMEOUT_S + {pages} pages × NIANBAO_OCR_PAGE_TIMEOUT_S")

        while len(in_flight) < workers * 4 and submit_next():
            pass
        while in_flight:
            done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for future in done:
                owner = in_flight.pop(future)
                if isinstance(owner, list):  # a group
                    try:
                        results = future.result()
                    except Exception:  # a timeout, a dead worker: find the document at fault alone
                        retry.extend(owner)
                    else:
                        for doc_id, result in results:
                            yield doc_id, _from_result(result, rows)
                            if on_done:
                                on_done()
                else:
                    job, limit, why = owner
                    outcome = _outcome(future, limit, why, rows)
                    if isinstance(outcome, NeedsOcr):
                        submit_ocr(job, outcome.pages)
                        continue
                    yield job[0], outcome
                    if on_done:
                        on_done()
                while len(in_flight) < workers * 4 and submit_next():
                    pass


def _outcome(future, timeout_s: float, why: str = "NIANBAO_DECODE_TIMEOUT_S",
             rows: bool = False) -> Outcome | DecodedRows | NeedsOcr:
    try:
        result = future.result()
    except TimeoutError:
        return DecodeError("decode_timeout", f"decoding took longer than {timeout_s:g} s ({why})")
    except ProcessExpired as e:
        return DecodeError("decode_crashed", f"the decoder process died (exit code {e.exitcode})")
    except Exception as e:
        return DecodeError("decode_failed", f"{type(e).__name__}: {str(e)[:200]}")
    if result[0] == "ocr":
        return NeedsOcr(result[1])
    return _from_result(result, rows)


def _from_result(result: tuple, rows: bool = False) -> Outcome | DecodedRows:
    if result[0] == "ok":
        return DecodedRows._make(result[1]) if rows else as_decoded(DecodedRows._make(result[1]))
    return DecodeError(result[1], result[2])
