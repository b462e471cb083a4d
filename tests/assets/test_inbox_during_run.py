"""The inbox changes while a run is under way, or holds the pipeline's own data directory: the run succeeds,
nothing is lost, and the next run takes in what arrived — through real materialisations."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.definitions import runnable
from pipelines.partitions import ALL_SHARDS
from pipelines.resources import build_resources
from pipelines.sensors import inbox_sensor

SAMPLES = ("000_2f7257501bd8445e.txt", "003_aab5423710c0abba.txt")
LATE = "004_cb93c0191c209947.txt"


def _resources(inbox: Path, warehouse: Path | None) -> dict:
    # no warehouse: the one in NIANBAO_DATA_DIR, as `nianbao run` finds it
    return build_resources(inbox=str(inbox), warehouse=str(warehouse) if warehouse else None)


def _run(inbox: Path, warehouse: Path | None) -> dg.ExecuteInProcessResult:
    result = dg.materialize(runnable(), resources=_resources(inbox, warehouse), tags=ALL_SHARDS)
    assert result.success
    return result


def _sensor(inbox: Path, warehouse: Path | None, cursor: str | None) -> tuple[dg.RunRequest | dg.SkipReason, str]:
    """The inbox sensor's answer and its new cursor, for a run on `warehouse` (its data directory beside)."""
    settings = _resources(inbox, warehouse)["settings"]
    with dg.build_sensor_context(cursor=cursor, resources={"settings": settings}) as context:
        return inbox_sensor(context), context.cursor


def _check(result: dg.ExecuteInProcessResult, name: str) -> dg.AssetCheckEvaluation:
    return next(e for e in result.get_asset_check_evaluations() if e.check_name == name)


def _documents(warehouse: Path) -> dict[str, str]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return dict(conn.execute("select original_path, status from documents").fetchall())


def test_a_file_that_lands_during_a_run_is_pending_and_the_next_run_takes_it(tmp_path, corpus_dir):
    inbox, data = tmp_path / "inbox", tmp_path / "data"
    warehouse = data / "warehouse.duckdb"
    inbox.mkdir()
    for name in SAMPLES:
        shutil.copy(corpus_dir / "samples" / name, inbox / name)
    _, before_run = _sensor(inbox, warehouse, None)

    # like an agency uploading while the run ingests: the file lands once the scan is done (the store is
    # being filled), before the run's check looks at the inbox again
    landed = threading.Event()

    def upload() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not any((data / "store").glob("*/*")):
            time.sleep(0.002)
        shutil.copy(corpus_dir / "samples" / LATE, inbox / LATE)
        landed.set()

    uploader = threading.Thread(target=upload, daemon=True)
    uploader.start()
    first = _run(inbox, warehouse)
    uploader.join()
    assert landed.is_set()
    check = _check(first, "no_file_lost")
    assert check.passed
    assert check.metadata["inbox_entries"].value == 2 and check.metadata["lost"].value == 0
    assert check.metadata["pending"].value == 1 and LATE in check.metadata["pending_examples"].value
    assert sorted(Path(p).name for p in _documents(warehouse)) == sorted(SAMPLES)

    # the inbox changed since the sensor's last look: it starts the next run, which takes the file in
    assert isinstance(_sensor(inbox, warehouse, before_run)[0], dg.RunRequest)
    second = _run(inbox, warehouse)
    check = _check(second, "no_file_lost")
    assert check.passed and check.metadata["pending"].value == 0
    assert _documents(warehouse)[str((inbox / LATE).resolve())] == "accepted"


def test_a_data_directory_inside_the_inbox_is_never_ingested(tmp_path, corpus_dir, monkeypatch):
    inbox = tmp_path / "inbox"
    data = inbox / "data"  # the warehouse, store, lake, snapshot and exports, inside the inbox
    monkeypatch.setenv("NIANBAO_DATA_DIR", str(data))
    inbox.mkdir()
    for name in SAMPLES:
        shutil.copy(corpus_dir / "samples" / name, inbox / name)
    for _ in range(2):
        result = _run(inbox, None)
        assert _check(result, "no_file_lost").passed
        assert sorted(_documents(data / "warehouse.duckdb")) == sorted(str((inbox / n).resolve()) for n in SAMPLES)
    assert any(data.rglob("*.parquet")) and (data / "published" / "nianbao.duckdb").exists()

    # a run changes the data directory, never the inbox's fingerprint: the sensor does not start another
    _, cursor = _sensor(inbox, None, None)
    _run(inbox, None)
    assert isinstance(_sensor(inbox, None, cursor)[0], dg.SkipReason)
