"""The run history's event log storage (pipelines/instance.py): Dagster's SQLite files, written with
each database's connection kept, read back by Dagster's own storage; and the dagster.yaml that selects it."""

from __future__ import annotations

import dagster as dg
import pytest

from pipelines.settings import DAGSTER_YAML, DEFAULT_DAGSTER_HOME, EVENT_LOG_STORAGE, write_dagster_yaml
from pipelines import instance as nianbao_instance
from pipelines.instance import PooledSqliteEventLogStorage


@dg.asset
def figure() -> int:
    return 1


@dg.asset_check(asset=figure)
def figure_is_one() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


def _instance(home, yaml_text: str) -> dg.DagsterInstance:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(yaml_text, encoding="utf-8")
    return dg.DagsterInstance.from_config(str(home))


def _materialise(instance: dg.DagsterInstance) -> str:
    result = dg.materialize([figure, figure_is_one], instance=instance)
    assert result.success
    return result.run_id


def test_runs_written_with_kept_connections_read_back_by_dagsters_own_storage(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with _instance(home, DAGSTER_YAML) as pooled:
        assert isinstance(pooled.event_log_storage, PooledSqliteEventLogStorage)
        run_ids = [_materialise(pooled) for _ in range(3)]
        written = {run_id: [e.dagster_event_type for e in pooled.all_logs(run_id) if e.is_dagster_event]
                   for run_id in run_ids}
        engines = pooled.event_log_storage._engines
        assert engines  # connections were kept, not rebuilt per event
        for engine in engines.values():  # synced at checkpoints, not at every event's commit
            with engine.connect() as conn:
                assert conn.exec_driver_sql("pragma synchronous").scalar() == 1  # NORMAL
                assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
    # the same files, read by an instance without nianbao's configuration (Dagster's SqliteEventLogStorage)
    with _instance(home, "telemetry:\n  enabled: false\n") as stock:
        assert type(stock.event_log_storage).__name__ == "SqliteEventLogStorage"
        for run_id, types in written.items():
            assert [e.dagster_event_type for e in stock.all_logs(run_id) if e.is_dagster_event] == types
            assert dg.DagsterEventType.ASSET_MATERIALIZATION in types
            assert dg.DagsterEventType.ASSET_CHECK_EVALUATION in types
        # the index database (cross-run asset queries, what the UI's asset pages read) holds every run's
        assert stock.get_latest_materialization_event(dg.AssetKey("figure")).run_id == run_ids[-1]
        records = stock.fetch_materializations(dg.AssetKey("figure"), limit=10).records
        assert {r.run_id for r in records} == set(run_ids)


def test_a_process_keeps_a_bounded_number_of_databases_open(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    monkeypatch.setattr(nianbao_instance, "KEPT_ENGINES", 2)
    with _instance(tmp_path, DAGSTER_YAML) as instance:
        for _ in range(4):  # each run has a database of its own, and the index one
            _materialise(instance)
            assert len(instance.event_log_storage._engines) <= 2
        assert len(instance.get_runs()) == 4


def test_the_storage_needs_a_home_to_find_its_databases(monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    with pytest.raises(RuntimeError, match="DAGSTER_HOME"):
        PooledSqliteEventLogStorage()


def test_dagster_yaml_written_brought_up_to_date_or_left_alone(tmp_path):
    fresh, earlier, own = (tmp_path / name for name in ("fresh", "earlier", "own"))
    for home in (fresh, earlier, own):
        home.mkdir()
    (earlier / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")  # nianbao's, before
    (own / "dagster.yaml").write_text("telemetry:\n  enabled: true\n", encoding="utf-8")  # a user's
    for home in (fresh, earlier, own):
        write_dagster_yaml(home)
    assert (fresh / "dagster.yaml").read_text(encoding="utf-8") == DAGSTER_YAML
    assert (earlier / "dagster.yaml").read_text(encoding="utf-8") == DAGSTER_YAML
    assert (own / "dagster.yaml").read_text(encoding="utf-8") == "telemetry:\n  enabled: true\n"


def test_the_projects_dagster_home_selects_the_same_storage():
    assert EVENT_LOG_STORAGE in (DEFAULT_DAGSTER_HOME / "dagster.yaml").read_text(encoding="utf-8")
