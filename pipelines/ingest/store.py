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


def store_path(store_dir: str | Path, sha256: str) -> Path:
    return Path(store_dir) / sha256[:2] / sha256


def put_file(store_dir: str | Path, source: str | Path) -> tuple[str, int, Path]:
    """Copy `source` into the store; return (sha256, size in bytes, stored path)."""
    store_dir = Path(store_dir)
    tmp_dir = store_dir / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    fd, tmp_name = tempfile.mkstemp(dir=tmp_dir, prefix="incoming-")
    try:
        with open(source, "rb") as src, os.fdopen(fd, "wb") as dst:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                dst.write(chunk)
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


def read_head(path: str | Path, limit: int) -> bytes:
    """Read at most `limit` bytes of a stored document."""
    with open(path, "rb") as f:
        return f.read(limit)
