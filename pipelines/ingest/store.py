"""The immutable content-addressed store: a document's bytes live at `<store>/<sha[:2]>/<sha>`.

Files are copied and hashed in one streaming pass (bounded memory whatever the size), written to a
temporary name and renamed into place, then made read-only. The same bytes are stored once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

CHUNK = 1024 * 1024


class UnreadableSource(Exception):
    """The source file could not be read (the document's problem, recorded as a rejection)."""


class StoreError(Exception):
    """The store could not be written (the installation's problem: the run fails)."""


def prepare(store_dir: str | Path) -> None:
    """Create the store (and its scratch folder), emptying the scratch folder of copies a killed run left
    (ingestion runs under the run lock, so none is in progress); fails loudly when it cannot be written."""
    scratch = Path(store_dir) / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    for leftover in scratch.glob("incoming-*"):
        leftover.unlink(missing_ok=True)


def store_path(store_dir: str | Path, sha256: str) -> Path:
    return Path(store_dir) / sha256[:2] / sha256


def put_file(store_dir: str | Path, source: str | Path) -> tuple[str, int, Path]:
    """Copy `source` into the store; return (sha256, size in bytes, stored path)."""
    store_dir = Path(store_dir)
    try:
        src = open(source, "rb")
    except OSError as e:
        raise UnreadableSource(f"{e.strerror or e} ({type(e).__name__})") from e
    try:
        fd, tmp_name = tempfile.mkstemp(dir=store_dir / "tmp", prefix="incoming-")
    except OSError as e:
        src.close()
        raise StoreError(f"cannot write to the store {store_dir}: {e}") from e
    digest, size = hashlib.sha256(), 0
    try:
        with src, os.fdopen(fd, "wb") as dst:
            while True:
                try:
                    chunk = src.read(CHUNK)
                except OSError as e:
                    raise UnreadableSource(f"{e.strerror or e} ({type(e).__name__})") from e
                if not chunk:
                    break
                digest.update(chunk)
                try:
                    dst.write(chunk)
                except OSError as e:
                    raise StoreError(f"cannot write to the store {store_dir}: {e}") from e
                size += len(chunk)
        sha = digest.hexdigest()
        target = store_path(store_dir, sha)
        if target.exists():
            os.unlink(tmp_name)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp_name, 0o444)
            os.replace(tmp_name, target)
        return sha, size, target
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


def hash_file(source: str | Path) -> tuple[str, int]:
    """(sha256, size) of a file, read in chunks (constant memory)."""
    digest, size = hashlib.sha256(), 0
    try:
        with open(source, "rb") as f:
            while chunk := f.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except OSError as e:
        raise UnreadableSource(f"{e.strerror or e} ({type(e).__name__})") from e
    return digest.hexdigest(), size


def read_head(path: str | Path, limit: int) -> bytes:
    """Read at most `limit` bytes of a stored document."""
    with open(path, "rb") as f:
        return f.read(limit)
