"""Shared fixtures: where ../shared sits (beside the checkout, as in CI) and small helpers."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only ../shared folder with the spec and the gold corpus."""
    assert (SHARED / "corpus").is_dir(), f"../shared/corpus not found beside the checkout at {SHARED}"
    return SHARED


@pytest.fixture(scope="session")
def corpus_dir(shared_dir: Path) -> Path:
    return shared_dir / "corpus"


@pytest.fixture(scope="session")
def published(tmp_path_factory, corpus_dir: Path) -> Path:
    """A data directory after `nianbao run` on the real samples (the published snapshot inside), shared by
    the tests that only read it (the SQL cookbook, the read-only SQL tests)."""
    from test_cli import nianbao

    tmp = tmp_path_factory.mktemp("published")
    run = nianbao("run", "--inbox", str(corpus_dir / "samples"), tmp=tmp)
    assert run.returncode == 0, run.stdout + run.stderr
    return tmp


def stop(process: subprocess.Popen, wait: float = 20) -> None:
    """End a process started in its own session (a webserver and its children): SIGTERM to the group,
    SIGKILL if it is still there after `wait` seconds."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(wait)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def load_records(conn, records, at) -> None:
    """Put extracted records into a warehouse's tables, as the load step does from the lake."""
    from pipelines.extract.store import frames

    for table, frame in frames(records, at).items():
        conn.register("incoming", frame.to_arrow())
        conn.execute(f"insert into {table} by name select * from incoming")
        conn.unregister("incoming")
