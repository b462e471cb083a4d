"""Run-time settings, read from the environment in one place (documented in the README)."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipelines.decode.model import Limits

REPO_ROOT = Path(__file__).resolve().parents[1]
DEMO_INBOX = REPO_ROOT / "corpus" / "demo"


def _env_path(name: str, default: Path) -> str:
    return str(Path(os.environ.get(name) or default).expanduser().resolve())


def default_data_dir() -> str:
    return _env_path("NIANBAO_DATA_DIR", REPO_ROOT / "data")


def default_inbox() -> str:
    return _env_path("NIANBAO_INBOX", DEMO_INBOX)


def duckdb_config() -> dict[str, str]:
    """Bounds for every DuckDB connection the pipeline opens (NIANBAO_DUCKDB_MEMORY, default 1GB; DuckDB
    spills to a temporary directory beyond it instead of taking 80% of the machine). Insertion order is not
    kept (no table here relies on it): that lets large `create table … as select` stream and spill."""
    return {"memory_limit": os.environ.get("NIANBAO_DUCKDB_MEMORY") or "1GB", "preserve_insertion_order": False}


def default_warehouse() -> str:
    return _env_path("NIANBAO_WAREHOUSE", Path(default_data_dir()) / "warehouse.duckdb")


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
        env = os.environ
        return cls(
            inbox=inbox or default_inbox(),
            store_dir=str(Path(data_dir or default_data_dir()) / "store"),
            max_document_mb=float(env.get("NIANBAO_MAX_DOCUMENT_MB", 50)),
            decode_timeout_s=float(env.get("NIANBAO_DECODE_TIMEOUT_S", 60)),
            decode_memory_mb=int(env.get("NIANBAO_DECODE_MEMORY_MB", 1536)),
            extract_timeout_s=float(env.get("NIANBAO_EXTRACT_TIMEOUT_S", 30)),
            extract_memory_mb=int(env.get("NIANBAO_EXTRACT_MEMORY_MB", 1536)),
            max_pdf_pages=int(env.get("NIANBAO_MAX_PDF_PAGES", 300)),
            workers=int(env.get("NIANBAO_WORKERS", 0)),
        )

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


DEFAULT_DATA_DIR = REPO_ROOT / "data"
DEFAULT_DAGSTER_HOME = REPO_ROOT / ".dagster_home"


def dagster_home(data_dir: str | Path) -> Path:
    """The DAGSTER_HOME of a data directory: its run history, event logs and asset history (what the UI shows).

    Each data directory is a world of its own: the default one (data/) keeps the project's `.dagster_home/`,
    another one its own `<data dir>/.dagster/` (a run on it never rewrites the default one's asset history).
    DAGSTER_HOME from the environment is the history of the environment's data directory (NIANBAO_DATA_DIR,
    or NIANBAO_WAREHOUSE's folder): it is used for that one, not for a data directory given on the command line.
    """
    data = Path(data_dir).expanduser().resolve()
    if os.environ.get("DAGSTER_HOME") and data == Path(default_warehouse()).parent:
        return Path(os.environ["DAGSTER_HOME"]).expanduser().resolve()
    if data == DEFAULT_DATA_DIR.resolve():
        return DEFAULT_DAGSTER_HOME.resolve()
    return data / ".dagster"
