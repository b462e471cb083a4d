"""Run-time settings: the one module that reads (and sets) the environment (documented in the README).

Every NIANBAO_* variable and DAGSTER_HOME is read here, except three read where they are used, in worker
processes, by modules of lower floors that cannot import this one (the import-walk test allows just these):

- NIANBAO_PROGRESS — the progress channel a run opens (`set_progress_channel` below sets it), read by
  pipelines/progress.py in every step and worker;
- NIANBAO_OCR_THREADS — pages of one document read at once, read by pipelines/decode/ocr.py in an OCR worker;
- NIANBAO_OCR_PAGE_TIMEOUT_S — time added per OCR page, read by pipelines/decode/guard.py.

The CLI points the environment at the run's inbox and data directory (`point_at`, `use_data_dir`,
`use_dagster_home`) so the code location, loaded again in step and shard processes, reads the same world.
"""

from __future__ import annotations

import os
from pathlib import Path

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


def executor_kind() -> str:
    """The shard job's executor (NIANBAO_EXECUTOR): `multiprocess` (default) or `k8s`."""
    return os.environ.get("NIANBAO_EXECUTOR") or "multiprocess"


def lock_wait_s() -> float:
    """How long a run waits for another run on the same warehouse (NIANBAO_LOCK_WAIT_S, default 3600)."""
    return float(os.environ.get("NIANBAO_LOCK_WAIT_S") or 3600)


def ingest_env(inbox: str | None = None, data_dir: str | None = None) -> dict:
    """The ingest settings the environment gives (pipelines.resources.IngestSettings.from_env builds the
    resource from them): the inbox, the store beside the data directory, and the bounds on one document."""
    env = os.environ
    return {
        "inbox": inbox or default_inbox(),
        "store_dir": str(Path(data_dir or default_data_dir()) / "store"),
        "max_document_mb": float(env.get("NIANBAO_MAX_DOCUMENT_MB", 50)),
        "decode_timeout_s": float(env.get("NIANBAO_DECODE_TIMEOUT_S", 60)),
        "decode_memory_mb": int(env.get("NIANBAO_DECODE_MEMORY_MB", 1536)),
        "extract_timeout_s": float(env.get("NIANBAO_EXTRACT_TIMEOUT_S", 30)),
        "extract_memory_mb": int(env.get("NIANBAO_EXTRACT_MEMORY_MB", 1536)),
        "max_pdf_pages": int(env.get("NIANBAO_MAX_PDF_PAGES", 300)),
        "workers": int(env.get("NIANBAO_WORKERS", 0)),
    }


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


# The dagster.yaml of a DAGSTER_HOME nianbao prepares (the default data directory's `.dagster_home/dagster.yaml`
# says the same, with its run queue): no telemetry, and the run history kept by a storage that does not rebuild
# its database connection for every event (pipelines/instance.py: 2-3 s of every run).
EVENT_LOG_STORAGE = ("event_log_storage:\n  module: pipelines.instance\n"
                     "  class: PooledSqliteEventLogStorage\n")
DAGSTER_YAML = "# written by nianbao\ntelemetry:\n  enabled: false\n" + EVENT_LOG_STORAGE
# what nianbao wrote before the event log storage was configured: brought up to date
_EARLIER_DAGSTER_YAML = "telemetry:\n  enabled: false\n"


def write_dagster_yaml(home: Path) -> None:
    """Give `home` nianbao's dagster.yaml, unless it has one of its own (which is left as it is); one nianbao
    wrote earlier is brought up to date."""
    path = home / "dagster.yaml"
    if not path.exists() or path.read_text(encoding="utf-8") == _EARLIER_DAGSTER_YAML:
        path.write_text(DAGSTER_YAML, encoding="utf-8")


def current_dagster_home() -> Path | None:
    """DAGSTER_HOME as the environment has it now (after `use_dagster_home`), or None."""
    home = os.environ.get("DAGSTER_HOME")
    return Path(home) if home else None


# --- the environment the code location reads, set by the CLI for the processes of its runs --------------------

def use_dagster_home(home: str | Path) -> None:
    """Make `home` the DAGSTER_HOME of this process and of the processes it starts."""
    os.environ["DAGSTER_HOME"] = str(home)


def point_at(inbox_dir: str, db_path: str | None = None) -> None:
    """The run's inbox and (when `db_path` is not the environment's own warehouse) its warehouse and data
    directory, as the environment the code location reads (the Definitions loaded for this run, a step's or a
    shard run's process): the same world as the run config's resources."""
    os.environ["NIANBAO_INBOX"] = inbox_dir
    if db_path is not None and Path(db_path) != Path(os.environ.get("NIANBAO_WAREHOUSE")
                                                     or Path(default_data_dir()) / "warehouse.duckdb"):
        os.environ["NIANBAO_WAREHOUSE"] = db_path
        os.environ["NIANBAO_DATA_DIR"] = str(Path(db_path).parent)


def use_data_dir(data_dir: str | Path) -> None:
    """Work on `data_dir` (its warehouse.duckdb): for `nianbao ui --data-dir`, whose code location, sensor and
    launched runs read the environment."""
    os.environ["NIANBAO_DATA_DIR"] = str(data_dir)
    os.environ.pop("NIANBAO_WAREHOUSE", None)


def without_telemetry() -> None:
    """Dagster's telemetry off unless the environment says otherwise (DAGSTER_DISABLE_TELEMETRY)."""
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
