"""Extraction in worker processes gives the same records, in the same order, as in-process."""

from __future__ import annotations

from pipelines.decode.dispatch import decode_document
from pipelines.decode.model import Limits
from pipelines.extract.parallel import extract_all
from pipelines.ingest.sniff import sniff


def test_parallel_equals_serial(corpus_dir):
    items = []
    for path in sorted((corpus_dir / "samples").glob("*.txt")):
        data = path.read_bytes()
        found = sniff(data)
        items.append((path.stem, decode_document(data, found.format, found.encoding, Limits()), found.format))
    batches = [items[:3], items[3:]]
    serial = [r.to_json() for batch in extract_all(iter(batches), 1) for r in batch]
    parallel = [r.to_json() for batch in extract_all(iter(batches), 2, chunk=1) for r in batch]
    assert parallel == serial and [r["report_id"] for r in serial] == [i[0] for i in items]
