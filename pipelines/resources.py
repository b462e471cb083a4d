"""Resources, built from the environment in one place."""

from __future__ import annotations

import os
import re
import time
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource
from pydantic import PrivateAttr

from pipelines.decode.model import Limits
from pipelines.quality import gx
from pipelines.quality.gx_process import GxProcess
from pipelines.settings import default_warehouse, duckdb_config, ingest_env, lock_wait_s
from pipelines.storage.runlock import RunLock


class IngestSettings(dg.ConfigurableResource):
    """Where documents come from and are kept, and the bounds on the work one document may cause."""

    inbox: str
    store_dir: str
    max_document_mb: float = 50.0
    decode_timeout_s: float = 60.0
    decode_memory_mb: int = 1536
    extract_timeout_s: float = 30.0
    extract_memory_mb: int = 1536
    max_pdf_pages: int = 300
    workers: int = 0  # 0 = one decoder process per core

    @classmethod
    def from_env(cls, inbox: str | None = None, data_dir: str | None = None) -> "IngestSettings":
        """The settings the environment gives (read by pipelines.settings.ingest_env)."""
        return cls(**ingest_env(inbox, data_dir))

    @property
    def max_document_bytes(self) -> int:
        return int(self.max_document_mb * 1024 * 1024)

    @property
    def data_dir(self) -> str:
        """The data directory (NIANBAO_DATA_DIR) the store is in, with the lake, the warehouse and the outputs:
        never scanned as part of the inbox."""
        return str(Path(self.store_dir).parent)

    @property
    def lake_dir(self) -> str:
        """The Parquet lake of the text and extracted layers, beside the store."""
        return str(Path(self.data_dir) / "lake")

    @property
    def limits(self) -> Limits:
        return Limits(max_pdf_pages=self.max_pdf_pages)

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)


# Another process holding the warehouse is waited for this long: a finished run's summary reads it for a
# moment after releasing the run lock. A warehouse that cannot be opened at all is reported at once.
LOCK_PATIENCE_S = 5.0


class WarehouseUnavailable(Exception):
    """The warehouse cannot be opened; the message says why and what to do."""


class Warehouse(DuckDBResource):
    """The DuckDB warehouse (dagster-duckdb's resource, opened differently: it retries a failed open ten
    times over about 100 s and then shows DuckDB's bare error, whatever the cause)."""

    @contextmanager
    def get_connection(self):
        conn = open_warehouse(self.database, self.connection_config)
        try:
            yield conn
        finally:
            conn.close()


def open_warehouse(path: str, config: dict, patience_s: float = LOCK_PATIENCE_S) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for writing; raise `WarehouseUnavailable` saying what to do when it cannot be:
    locked by another process (its PID), or damaged (how to rebuild it from the lake)."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            return duckdb.connect(path, read_only=False, config=config)
        except duckdb.Error as e:
            message = str(e).splitlines()[0] if str(e) else type(e).__name__
            if "Could not set lock" in message and time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            if "Could not set lock" in message:
                pid = re.search(r"\(PID (\d+)\)", message)
                raise WarehouseUnavailable(
                    f"the warehouse {path} is locked by another process (PID {pid.group(1) if pid else 'unknown'}): "
                    "a DuckDB client, a notebook or DBeaver has it open. Close it, or query the published snapshot "
                    "instead (nothing locks it), and run again: the next run resumes where this one stopped.") from None
            if any(sign in message for sign in _DAMAGED):
                raise WarehouseUnavailable(
                    f"the warehouse {path} is damaged ({message}). Rebuild it from the lake: move it aside, with its "
                    f".wal if there is one (mv {path} {path}.broken), and run again; the document store and the "
                    "lake beside it hold everything, and the next run loads them into a new warehouse.") from None
            raise WarehouseUnavailable(f"cannot open the warehouse {path}: {message}") from None


_DAMAGED = ("not a valid DuckDB database", "Corrupt database", "checksum", "Could not read enough bytes",
            "replaying WAL", "Serialization Error", "INTERNAL Error")


class GreatExpectations(dg.ConfigurableResource):
    """Great Expectations for the run's checks, in a process of its own that starts with the run and imports GX
    (about 3 s) on the machine's other core while documents are ingested, decoded, extracted and loaded
    (pipelines/quality/gx_process.py). Its validation results and Data Docs live under `<data_dir>/gx`."""

    data_dir: str
    _process: GxProcess | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        try:
            self._process = GxProcess(self.data_dir)
        except Exception as e:  # noqa: BLE001 - the checks then import GX in the run's process
            context.log.warning(f"the Great Expectations process did not start ({e}); GX runs in the run's process")
            self._process = None

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self.close()

    def close(self) -> None:
        """Stop the process now (its ~250 MiB returned): said by the run's last user of GX, the blocking guard,
        so marts and publish do not carry it. GX asked afterwards runs in the calling process."""
        if self._process is not None:
            self._process.close()
            self._process = None

    def api(self):
        """What the checks call GX through: the process's, or (no process) the `gx` module itself."""
        return self._process.api() if self._process is not None else gx


def build_resources(inbox: str | None = None, warehouse: str | None = None, data_dir: str | None = None) -> dict:
    """The resources of a run: the DuckDB warehouse, the ingest settings (inbox, store, limits), the run lock
    and Great Expectations."""
    warehouse_path = str(Path(warehouse).resolve()) if warehouse else default_warehouse()
    Path(warehouse_path).parent.mkdir(parents=True, exist_ok=True)
    if data_dir is None and warehouse:
        data_dir = str(Path(warehouse_path).parent)
    settings = IngestSettings.from_env(inbox=inbox, data_dir=data_dir)
    return {
        "warehouse": Warehouse(database=warehouse_path, connection_config=duckdb_config()),
        "settings": settings,
        # beside the warehouse: runs on the same warehouse exclude each other, whatever their data dir
        "run_lock": RunLock(path=str(Path(warehouse_path).with_name(".nianbao.lock")),
                            wait_s=lock_wait_s()),
        # its results and Data Docs beside the warehouse, as the checks have always kept them
        "great_expectations": GreatExpectations(data_dir=str(Path(warehouse_path).parent)),
    }
