"""One run and asset history (DAGSTER_HOME) per data directory: which one a command uses."""

from __future__ import annotations

from pipelines.settings import DEFAULT_DAGSTER_HOME, DEFAULT_DATA_DIR, dagster_home


def test_the_default_data_directory_keeps_the_projects_dagster_home(monkeypatch):
    for name in ("DAGSTER_HOME", "NIANBAO_DATA_DIR", "NIANBAO_WAREHOUSE"):
        monkeypatch.delenv(name, raising=False)
    assert dagster_home(DEFAULT_DATA_DIR) == DEFAULT_DAGSTER_HOME.resolve()


def test_another_data_directory_has_its_own(monkeypatch, tmp_path):
    monkeypatch.delenv("NIANBAO_DATA_DIR", raising=False)
    monkeypatch.delenv("NIANBAO_WAREHOUSE", raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert dagster_home(tmp_path / "other") == (tmp_path / "other" / ".dagster").resolve()
    # a DAGSTER_HOME set for the environment's data directory is not another directory's history
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    assert dagster_home(tmp_path / "other") == (tmp_path / "other" / ".dagster").resolve()
    assert dagster_home(DEFAULT_DATA_DIR) == (tmp_path / "home").resolve()


def test_dagster_home_from_the_environment_goes_with_the_environments_data_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("NIANBAO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NIANBAO_WAREHOUSE", raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    assert dagster_home(tmp_path / "data") == (tmp_path / "data" / ".dagster").resolve()
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    assert dagster_home(tmp_path / "data") == (tmp_path / "home").resolve()
    # NIANBAO_WAREHOUSE elsewhere: its folder is the data directory whose history DAGSTER_HOME is
    monkeypatch.setenv("NIANBAO_WAREHOUSE", str(tmp_path / "w" / "warehouse.duckdb"))
    assert dagster_home(tmp_path / "w") == (tmp_path / "home").resolve()
    assert dagster_home(tmp_path / "data") == (tmp_path / "data" / ".dagster").resolve()
