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
