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

from pebble import ProcessExpired, ProcessPool

from pipelines.decode.model import Decoded, DecodeError, Limits

Job = tuple[str, str, str, str | None]  # (document id, stored path, format, encoding)
Outcome = Decoded | DecodeError


def _limit_memory(memory_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _decode_stored(path: str, fmt: str, encoding: str | None, limits: Limits) -> tuple:
    # Runs in the worker. Exceptions are returned as plain tuples: they cross the process boundary
    # intact, whatever their constructor looks like.
    from pipelines.decode.dispatch import decode_document

    try:
        with open(path, "rb") as f:
            data = f.read()
        return ("ok", decode_document(data, fmt, encoding, limits))
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
) -> Iterator[tuple[str, Outcome]]:
    """Decode every job; yield (document id, Decoded or DecodeError) as each finishes."""
    jobs = iter(jobs)
    retry: list[Job] = []  # documents of a failed group, to be decoded one at a time
    group: list[Job] = []
    # forkserver: workers start from a clean process, not a fork of a threaded Dagster run.
    context = multiprocessing.get_context("forkserver")
    with ProcessPool(max_workers=workers, max_tasks=200, initializer=_limit_memory,
                     initargs=(memory_mb,), context=context) as pool:
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
                in_flight[future] = doc_id
                return True

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
                            yield doc_id, _from_result(result)
                            if on_done:
                                on_done()
                else:
                    yield owner, _outcome(future, timeout_s)
                    if on_done:
                        on_done()
                while len(in_flight) < workers * 4 and submit_next():
                    pass


def _outcome(future, timeout_s: float) -> Outcome:
    try:
        result = future.result()
    except TimeoutError:
        return DecodeError("decode_timeout", f"decoding took longer than {timeout_s:g} s (NIANBAO_DECODE_TIMEOUT_S)")
    except ProcessExpired as e:
        return DecodeError("decode_crashed", f"the decoder process died (exit code {e.exitcode})")
    except Exception as e:
        return DecodeError("decode_failed", f"{type(e).__name__}: {str(e)[:200]}")
    return _from_result(result)


def _from_result(result: tuple) -> Outcome:
    if result[0] == "ok":
        return result[1]
    return DecodeError(result[1], result[2])
