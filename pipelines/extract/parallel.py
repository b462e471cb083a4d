"""Extraction on every core: batches of decoded documents go to worker processes (forkserver: clean
workers, not forks of a threaded Dagster run); the records come back in order."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

from pipelines.decode.model import Decoded
from pipelines.extract.record import Record, extract_safely

Item = tuple[str, Decoded, str]  # (report id, decoded document, format)


def _extract_chunk(items: list[Item]) -> list[Record]:
    return [extract_safely(doc_id, decoded, fmt) for doc_id, decoded, fmt in items]


def extract_all(batches: Iterator[list[Item]], workers: int, chunk: int = 50) -> Iterator[list[Record]]:
    """Records for each batch of items, extracted in `workers` processes (in this process for one worker)."""
    if workers <= 1:
        for batch in batches:
            yield _extract_chunk(batch)
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        for batch in batches:
            chunks = [batch[i:i + chunk] for i in range(0, len(batch), chunk)]
            yield [record for records in pool.map(_extract_chunk, chunks) for record in records]
