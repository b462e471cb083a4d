"""Extraction in worker processes writes the same rows to the lake as in-process."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import polars as pl

from pipelines.decode.dispatch import decode_document
from pipelines.decode.model import Limits
from pipelines.extract.parallel import extract_parts
from pipelines.ingest.sniff import sniff
from pipelines.lake import EXTRACTED_TABLES, Lake
from pipelines.text_store import decoded_frames

AT = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _lake(root, corpus_dir) -> tuple[Lake, list]:
    lake = Lake(root)
    parts = []
    paths = sorted((corpus_dir / "samples").glob("*.txt"))
    for i, chunk in enumerate([paths[:3], paths[3:]]):
        outcomes = []
        for path in chunk:
            data = path.read_bytes()
            found = sniff(data)
            outcomes.append((f"{i}{path.stem}", decode_document(data, found.format, found.encoding, Limits())))
        name = lake.write(decoded_frames(outcomes, AT), "0")
        parts.append(("0", name, {doc_id: "text" for doc_id, _ in outcomes}))
    return lake, parts


def _rows(lake: Lake) -> dict[str, list]:
    return {t: pl.read_parquet(lake.parts(t, "0")).drop("extracted_at", strict=False).sort(pl.all()).rows()
            for t in EXTRACTED_TABLES}


def test_parallel_equals_serial(tmp_path, corpus_dir):
    serial_lake, parts = _lake(tmp_path / "serial", corpus_dir)
    parallel_lake, parallel_parts = _lake(tmp_path / "parallel", corpus_dir)
    serial = list(extract_parts(parts, str(serial_lake.root), AT, workers=1))
    parallel = list(extract_parts(parallel_parts, str(parallel_lake.root), AT, workers=2))
    assert [s.documents for s in parallel] == [s.documents for s in serial] == [3, 2]
    assert sum((s.by_type_status for s in parallel), Counter()) == sum((s.by_type_status for s in serial), Counter())
    assert _rows(parallel_lake) == _rows(serial_lake)
    assert len(_rows(serial_lake)["reports"]) == 5
