"""Shared fixtures: where ../shared sits (beside the checkout, as in CI) and small helpers."""

from __future__ import annotations

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
