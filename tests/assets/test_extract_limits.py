"""No document can stall a run: extraction is bounded per document in time (NIANBAO_EXTRACT_TIMEOUT_S), a
document over its limit is recorded with `extract_timeout`, and it is not tried again until the extractor
changes — through real materialisations."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.definitions import runnable
from pipelines.partitions import ALL_SHARDS
from pipelines.resources import build_resources

SAMPLE = "000_2f7257501bd8445e.txt"


def _run(inbox: Path, warehouse: Path) -> dg.ExecuteInProcessResult:
    result = dg.materialize(runnable(), resources=build_resources(inbox=str(inbox), warehouse=str(warehouse)),
                            tags=ALL_SHARDS)
    assert result.success
    return result


def _extracted(result: dg.ExecuteInProcessResult) -> dict:
    event = next(e for e in result.get_asset_materialization_events() if e.asset_key.path == ["extracted", "reports"])
    return {k: v.value for k, v in event.materialization.metadata.items()}


def _long_report(sample: bytes, same_shard_as: bytes) -> bytes:
    """The report pasted 400 times (4 MB: ≥ 2 s to extract), in the same shard as `same_shard_as`, so that
    both are in one lake file and the file is extracted again one document at a time."""
    shard = hashlib.sha256(same_shard_as).hexdigest()[0]
    for n in range(1000):
        data = sample * 400 + f"\n附件{n}\n".encode()
        if hashlib.sha256(data).hexdigest()[0] == shard:
            return data
    raise AssertionError("no variant in the shard")


def _reports(warehouse: Path) -> dict[str, tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return {name: tuple(rest) for name, *rest in conn.execute(
            """select d.original_name, r.status, r.n_cells, r.extractor_version,
                      (select list(code order by code) from extraction_issues i
                       where i.report_id = r.report_id and i.code like 'extract%')
               from reports r join documents d on d.id = r.report_id""").fetchall()}


def test_a_document_over_the_time_limit_is_recorded_and_skipped_until_the_extractor_changes(
        tmp_path, corpus_dir, monkeypatch):
    import pipelines.extract.store as store

    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    inbox.mkdir()
    sample = (corpus_dir / "samples" / SAMPLE).read_bytes()
    (inbox / SAMPLE).write_bytes(sample)
    (inbox / "long.txt").write_bytes(_long_report(sample, sample))
    monkeypatch.setenv("NIANBAO_EXTRACT_TIMEOUT_S", "0.5")  # the sample takes ~40 ms, the long one ≥ 2 s

    first = _run(inbox, warehouse)  # the run completes
    meta = _extracted(first)
    assert meta["extracted_this_run"] == 2
    assert "extract_timeout" in meta["extraction_failures"]
    reports = _reports(warehouse)
    assert reports["long.txt"][:2] == ("failed", 0) and reports["long.txt"][3] == ["extract_timeout"]
    assert reports[SAMPLE][0] == "extracted" and reports[SAMPLE][1] > 150 and not reports[SAMPLE][3]

    # not tried again: the failure is recorded under this extractor version
    assert _extracted(_run(inbox, warehouse))["extracted_this_run"] == 0

    # a new extractor (here with more time) tries it again
    monkeypatch.setattr(store, "EXTRACTOR_VERSION", "a-fixed-extractor")
    monkeypatch.delenv("NIANBAO_EXTRACT_TIMEOUT_S")
    assert _extracted(_run(inbox, warehouse))["extracted_this_run"] == 2
    reports = _reports(warehouse)
    assert reports["long.txt"][0] == "extracted" and reports["long.txt"][1] > 150
    assert {r[2] for r in reports.values()} == {"a-fixed-extractor"}
