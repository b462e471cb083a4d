"""The lake: the text and extracted layers as Parquet files, one directory per shard.

Documents are sharded by the first hex digit of their sha256 (16 shards, the partitions of the text and
extracted assets). A partition writes only under its own `shard=<s>/` directories, so partitions run at
the same time in different processes or machines with no lock to share; the load asset then copies new
files into the DuckDB warehouse. Files are written under a temporary name and renamed: a reader (or a
run killed midway) never meets half a file. A file is never rewritten; a newer file for the same
document (re-extraction) wins when loaded, because files are loaded in name (= time) order.

    lake/manifest/documents.parquet            every document: id, store path, format, encoding, status
    lake/<table>/shard=<s>/<utc stamp>-<rand>.parquet
"""

from __future__ import annotations

import os
import uuid
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

SHARDS = [f"{i:x}" for i in range(16)]

# Tables of the text layer (written together, same file name) and of the extracted layer.
TEXT_TABLES = ("document_text", "document_blocks", "decode_rejections")
EXTRACTED_TABLES = ("reports", "report_cells", "extraction_issues", "narrative_claims")

MANIFEST_SCHEMA = {"id": pl.String, "store_path": pl.String, "format": pl.String, "encoding": pl.String,
                   "status": pl.String}


def shard_of(document_id: str) -> str:
    return document_id[0]


def part_name() -> str:
    """A new file name that sorts by creation time (UTC microseconds) and never collides."""
    return f"{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.parquet"


def _write_atomically(frame: pl.DataFrame, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        frame.write_parquet(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


class Lake:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    # --- the manifest: what the raw layer accepted --------------------------------------------------

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest" / "documents.parquet"

    def write_manifest(self, rows: list[tuple[str, str, str, str | None, str]]) -> None:
        """Replace the manifest with every document (id, store_path, format, encoding, status)."""
        frame = pl.DataFrame(rows, schema=MANIFEST_SCHEMA, orient="row").sort("id")
        _write_atomically(frame, self.manifest_path)

    def manifest(self, shard: str) -> pl.DataFrame:
        """The manifest rows of one shard (empty before the raw layer ran)."""
        if not self.manifest_path.exists():
            return pl.DataFrame(schema=MANIFEST_SCHEMA)
        return pl.scan_parquet(self.manifest_path).filter(pl.col("id").str.starts_with(shard)).collect()

    # --- partition files ----------------------------------------------------------------------------

    def shard_dir(self, table: str, shard: str) -> Path:
        return self.root / table / f"shard={shard}"

    def write(self, frames: dict[str, pl.DataFrame], shard: str) -> str:
        """Write one file per table for a shard, all under the same new name; return the name. Empty
        frames are written too, so a table's files line up with its siblings'. The first table's file is
        written last: readers go by it, so when it exists its siblings do (a run killed between two files
        leaves only siblings, never read, and the batch is redone)."""
        name = part_name()
        for table, frame in reversed(list(frames.items())):
            _write_atomically(frame, self.shard_dir(table, shard) / name)
        return name

    def parts(self, table: str, shard: str | None = None) -> list[Path]:
        """Finished files of a table (one shard, or all), oldest first."""
        shards = [shard] if shard else SHARDS
        return sorted((p for s in shards if (d := self.shard_dir(table, s)).is_dir() for p in d.glob("*.parquet")),
                      key=lambda p: p.name)

    def ids(self, table: str, shard: str, column: str, where: pl.Expr | None = None) -> set[str]:
        """The distinct values of an id column over a shard's files of a table."""
        files = self.parts(table, shard)
        if not files:
            return set()
        scan = pl.scan_parquet(files)
        if where is not None:
            scan = scan.filter(where)
        return set(scan.select(column).unique().collect()[column].to_list())
