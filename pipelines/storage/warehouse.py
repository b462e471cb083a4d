"""The DuckDB warehouse: schema, upserts and the queries the layers share. SQL is bound, never formatted."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from functools import cache
from pathlib import Path

import duckdb
import pyarrow as pa

from pipelines.ingest.inbox import DocumentRow

SQL_DIR = Path(__file__).parent / "sql"


@cache
def sql(name: str) -> str:
    """A statement from pipelines/storage/sql/<name>.sql."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def ensure_schema(conn: duckdb.DuckDBPyConnection) -> None:
    conn.execute(sql("schema"))


def upsert_documents(conn: duckdb.DuckDBPyConnection, rows: list[DocumentRow], seen: datetime) -> int:
    """Insert new documents and refresh `last_seen` of known ones; return how many were new."""
    if not rows:
        return 0
    batch = pa.Table.from_pylist([asdict(r) | {"seen": seen} for r in rows])
    conn.register("incoming_documents", batch)
    try:
        before = conn.execute("select count(*) from documents").fetchone()[0]
        conn.execute(sql("upsert_documents"))
        after = conn.execute("select count(*) from documents").fetchone()[0]
    finally:
        conn.unregister("incoming_documents")
    return after - before


@contextmanager
def transaction(conn: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The block's statements as one transaction: committed when it ends, rolled back when it raises."""
    conn.execute("begin")
    try:
        yield
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise


def record_scan(conn: duckdb.DuckDBPyConnection, paths: list[str], at: datetime) -> None:
    """Replace the record of the last inbox scan (printable paths) with this one."""
    with transaction(conn):
        conn.execute("delete from inbox_scan")
        if paths:
            conn.register("scanned_paths", pa.table({"path": paths}))
            try:
                conn.execute("insert into inbox_scan select distinct path, ? from scanned_paths", [at])
            finally:
                conn.unregister("scanned_paths")


def known_files(conn: duckdb.DuckDBPyConnection) -> dict:
    """What earlier runs read, by inbox path: path -> (size, mtime_ns, its DocumentRow)."""
    rows = conn.execute(
        """select s.path, s.size_bytes, s.mtime_ns, d.id, d.format, d.encoding, d.status, d.reason,
                  d.store_path
           from document_sources s join documents d on d.id = s.document_id
           where s.mtime_ns is not null
           qualify row_number() over (partition by s.path order by s.last_seen desc) = 1""").fetchall()
    return {path: (size, mtime, DocumentRow(id=doc_id, original_path=path, original_name=path.rsplit("/", 1)[-1],
                                           size_bytes=size,
                                           format=fmt, encoding=enc, status=status, reason=reason,
                                           store_path=store, mtime_ns=mtime))
            for path, size, mtime, doc_id, fmt, enc, status, reason, store in rows}


def manifest_rows(conn: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Every document as the lake's manifest lists it: (id, store_path, format, encoding, status)."""
    return conn.execute("select id, store_path, format, encoding, status from documents order by id").fetchall()


def documents_summary(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(format, status, count) over all documents."""
    return conn.execute(
        "select format, status, count(*) from documents group by all order by format, status"
    ).fetchall()


def documents_seen_at(conn: duckdb.DuckDBPyConnection, path: str) -> dict[str, list[str]]:
    """The documents ever seen at `path` (a file) or under it (a folder), each with every path it was seen at."""
    return dict(conn.execute(
        """select document_id, list(path order by path) from document_sources
           where document_id in (select document_id from document_sources where path = ? or starts_with(path, ?))
           group by document_id order by document_id""", [path, path.rstrip("/") + "/"]).fetchall())


def withdraw_documents(conn: duckdb.DuckDBPyConnection, withdrawn: list[tuple[str, str]], reason: str,
                       at: datetime) -> None:
    """Record (document id, path) pairs as withdrawn at `at`: from the next checks run on, those documents are
    no version of their reports (pipelines/quality/versions.py), until one of their files is seen again."""
    conn.executemany("insert or replace into document_withdrawals (document_id, path, withdrawn_at, reason) "
                     "values (?, ?, ?, ?)", [(doc, path, at, reason) for doc, path in withdrawn])
