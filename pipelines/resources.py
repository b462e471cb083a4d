"""Resources, built from the environment in one place."""

from __future__ import annotations

import os
from pathlib import Path

from dagster_duckdb import DuckDBResource

from pipelines.runlock import RunLock
from pipelines.settings import IngestSettings, default_warehouse, duckdb_config


def build_resources(inbox: str | None = None, warehouse: str | None = None, data_dir: str | None = None) -> dict:
    """The resources of a run: the DuckDB warehouse and the ingest settings (inbox, store, limits)."""
    warehouse_path = str(Path(warehouse).resolve()) if warehouse else default_warehouse()
    Path(warehouse_path).parent.mkdir(parents=True, exist_ok=True)
    if data_dir is None and warehouse:
        data_dir = str(Path(warehouse_path).parent)
    settings = IngestSettings.from_env(inbox=inbox, data_dir=data_dir)
    return {
        "warehouse": DuckDBResource(database=warehouse_path, connection_config=duckdb_config()),
        "settings": settings,
        # beside the warehouse: runs on the same warehouse exclude each other, whatever their data dir
        "run_lock": RunLock(path=str(Path(warehouse_path).with_name(".nianbao.lock")),
                            wait_s=float(os.environ.get("NIANBAO_LOCK_WAIT_S") or 3600)),
    }
