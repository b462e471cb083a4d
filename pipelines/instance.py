"""The Dagster instance's run history (event log) in SQLite, as Dagster keeps it, each database's connection kept
open.

Dagster's `SqliteEventLogStorage` builds a new SQLAlchemy engine, opens the database and disposes of it for every
event it writes — about 9 ms an event on this project's 2-core machine. A pipeline run writes some 260 events
(each step's start, outputs and end, 44 materialisations and 41 rule checks, planned and done), so every run paid
2–3 s for its own history. This storage is the same class, the same files and the same tables (the Dagster UI,
`dagster` commands and an instance without this configuration read them alike); it keeps one engine per database
for the process, and syncs the write-ahead log at checkpoints rather than at every commit (0.5-0.6 ms an event,
measured with `instance.report_engine_event`).

`.dagster_home/dagster.yaml` and the DAGSTER_HOME nianbao prepares for another data directory name it
(`settings.DAGSTER_YAML`). Its `base_dir` is optional: by default the event logs stay where Dagster keeps them,
`$DAGSTER_HOME/history/runs`.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from dagster._core.storage.event_log.sqlite.sqlite_event_log import (INDEX_SHARD_NAME, SQLITE_BUSY_TIMEOUT_SECONDS,
                                                                    SqliteEventLogStorage)
from dagster._serdes import ConfigurableClassData
from sqlalchemy import Connection, Engine, create_engine, event

from pipelines.settings import current_dagster_home

# Databases whose engine a process keeps: the index and the current run's, and the runs the UI looked at last.
# More would only hold file handles open (each run has its own database).
KEPT_ENGINES = 8


def default_base_dir() -> str:
    """Where Dagster keeps the event logs of the instance at $DAGSTER_HOME."""
    home = current_dagster_home()
    if home is None:
        raise RuntimeError("DAGSTER_HOME is not set: nianbao's event log storage keeps its databases under "
                           "$DAGSTER_HOME/history/runs (or give it base_dir in dagster.yaml)")
    return str(home / "history" / "runs")


def _write_ahead_without_sync(dbapi_connection, _record) -> None:
    # Dagster's databases are in WAL mode; its default `synchronous=FULL` syncs the log to disk at every commit,
    # every event (0.8 s of a run). NORMAL syncs at checkpoints: a database stays consistent whatever happens, and
    # only the last events before a power cut (not a crash of the process) may be missing from the history.
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` keeping an engine (and its pooled connection) per database and process."""

    def __init__(self, base_dir: str | None = None, inst_data: ConfigurableClassData | None = None):
        # (before Dagster's __init__, which may already connect to the index database)
        self._engines: OrderedDict[tuple[int, str], Engine] = OrderedDict()
        # its own lock, not Dagster's `_db_lock`: `has_table` is asked inside a connection that holds that one
        self._engines_lock = threading.RLock()
        super().__init__(base_dir or default_base_dir(), inst_data)

    @classmethod
    def config_type(cls) -> dict:
        from dagster import Field, StringSource

        return {"base_dir": Field(StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value: Mapping[str, Any]):
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        with self._engines_lock:
            return self._kept_engine(shard)

    def _kept_engine(self, shard: str) -> Engine:
        # keyed by process too: a forked process must not use its parent's pooled connections
        key = (os.getpid(), shard)
        engine = self._engines.get(key)
        if engine is not None:
            self._engines.move_to_end(key)
            return engine
        engine = create_engine(self.conn_string_for_shard(shard),
                               connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        event.listen(engine, "connect", _write_ahead_without_sync)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[key] = engine
        while len(self._engines) > KEPT_ENGINES:
            (pid, _), oldest = self._engines.popitem(last=False)
            if pid == os.getpid():
                oldest.dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            with self._engine(shard).connect() as conn:
                with conn.begin():
                    yield conn

    def has_table(self, table_name: str) -> bool:
        # (Dagster's builds an engine for the question too, and asks it for every rule check's event)
        engine = self._engine(INDEX_SHARD_NAME)
        with engine.connect() as conn:
            return bool(engine.dialect.has_table(conn, table_name))

    def _dispose_engines(self) -> None:
        with self._db_lock, self._engines_lock:
            for (pid, _), engine in self._engines.items():
                if pid == os.getpid():
                    engine.dispose()
            self._engines.clear()

    def wipe(self) -> None:
        self._dispose_engines()  # (its run databases are deleted)
        super().wipe()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()
