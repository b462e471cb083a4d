"""Extraction in worker processes writes the same rows to the lake as in-process."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import polars as pl

from pipelines.decode.dispatch import decode_document
from pipelines.decode.model import Limits
from pipelines.extract.parallel import extract_parts
from pipelines.ingest.sniff import sniff
from pipelines.storage.lake import EXTRACTED_TABLES, Lake
from pipelines.decode.store import decoded_frames

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
    # summaries come as each part is done: with two workers the smaller part may finish first
    by_shard = lambda summaries: sorted((s.shard, s.documents) for s in summaries)  # noqa: E731
    assert by_shard(parallel) == by_shard(serial)
    assert sorted(s.documents for s in serial) == [2, 3]
    assert sum((s.by_type_status for s in parallel), Counter()) == sum((s.by_type_status for s in serial), Counter())
    assert _rows(parallel_lake) == _rows(serial_lake)
    assert len(_rows(serial_lake)["reports"]) == 5


def _one_file(lake: Lake, documents: dict[str, bytes]) -> tuple:
    outcomes = []
    for doc_id, data in documents.items():
        found = sniff(data)
        outcomes.append((doc_id, decode_document(data, found.format, found.encoding, Limits())))
    name = lake.write(decoded_frames(outcomes, AT), "0")
    return ("0", name, {doc_id: "text" for doc_id in documents})


def _reports(lake: Lake) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in pl.read_parquet(lake.parts("reports", "0")).select(
        "report_id", "status", "n_cells", "extractor_version").rows()}


def test_a_document_over_its_memory_budget_fails_alone(tmp_path, corpus_dir):
    """The budget bounds what one document's extraction adds to its worker: a 6 MB report (one report
    pasted 600 times; 200 copies already pass 25 MB, 150 no longer do since the extractor stopped
    copying texts per character) fails with extract_memory under 25 MB, the reports before and after
    it in the same file are extracted, and the rows carry the version they were given."""
    sample = (corpus_dir / "samples" / "000_2f7257501bd8445e.txt").read_bytes()
    lake = Lake(tmp_path / "lake")
    part = _one_file(lake, {"a-before": sample, "b-huge": sample * 600, "c-after": sample})
    [summary] = extract_parts([part], str(lake.root), AT, workers=1, memory_mb=25, version="v-test")
    assert summary.documents == 3 and summary.issues["extract_memory"] == 1
    assert [(d, reason.split(":")[0]) for d, reason in summary.failed] == [("b-huge", "extract_memory")]
    reports = _reports(lake)
    assert reports["b-huge"] == ("failed", 0, "v-test")
    assert reports["a-before"][0] == reports["c-after"][0] == "extracted" and reports["a-before"][1] > 150
    issues = pl.read_parquet(lake.parts("extraction_issues", "0")).filter(pl.col("report_id") == "b-huge")
    assert issues.select("code", "severity").rows() == [("extract_memory", "error")]


def test_a_document_over_its_time_limit_ends_its_worker_and_fails_alone(tmp_path, corpus_dir):
    """The alarm ends the worker in the middle of a 4 MB report (one report pasted 400 times: ≥ 2 s to
    extract, limit 0.5 s; the report alone takes ~40 ms); the file is extracted again one document at a
    time: the two other reports are extracted, the long one is recorded with extract_timeout, and the
    file's rows are written once."""
    sample = (corpus_dir / "samples" / "000_2f7257501bd8445e.txt").read_bytes()
    lake = Lake(tmp_path / "lake")
    part = _one_file(lake, {"a-before": sample, "b-long": sample * 400, "c-after": sample})
    [summary] = extract_parts([part], str(lake.root), AT, workers=2, timeout_s=0.5, version="v-test")
    assert [(d, reason.split(":")[0]) for d, reason in summary.failed] == [("b-long", "extract_timeout")]
    reports = _reports(lake)
    assert reports["b-long"] == ("failed", 0, "v-test")
    assert reports["a-before"][0] == reports["c-after"][0] == "extracted"
    assert len(lake.parts("reports", "0")) == 1
