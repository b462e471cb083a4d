"""The DuckDB warehouse: schema, upserts and the queries the layers share. SQL is bound, never formatted."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from functools import cache
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa

from pipelines.decode.model import Decoded
from pipelines.ingest.inbox import DocumentRow

SQL_DIR = Path(__file__).parent / "sql"


@cache
def sql(name: str) -> str:
    """A statement from pipelines/sql/<name>.sql."""
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


def pending_decode(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str, str | None]]:
    """Accepted documents with no decoded text yet: (id, store_path, format, encoding)."""
    return conn.execute(
        """
        select d.id, d.store_path, d.format, d.encoding from documents d
        where d.status = 'accepted'
          and not exists (select 1 from document_text t where t.document_id = d.id)
        order by d.id
        """
    ).fetchall()


def write_decoded(conn: duckdb.DuckDBPyConnection, items: list[tuple[str, Decoded]], at: datetime) -> None:
    """Replace the text and blocks of each decoded document (delete-then-insert: never duplicated)."""
    if not items:
        return
    ids = pa.table({"document_id": [doc_id for doc_id, _ in items]})
    texts = pa.Table.from_pylist(
        [
            {
                "document_id": doc_id,
                "decoder": d.decoder,
                "pages": d.pages,
                "n_blocks": len(d.blocks),
                "n_tables": sum(b.kind == "table" for b in d.blocks),
                "flags": d.flags,
                "text": d.text,
                "original_text": d.original_text,
                "decoded_at": at,
            }
            for doc_id, d in items
        ]
    )
    blocks = pa.Table.from_pylist(
        [
            {"document_id": doc_id, "seq": i, "kind": b.kind, "page": b.page, "text": b.text, "grid": b.grid}
            for doc_id, d in items
            for i, b in enumerate(d.blocks)
        ],
        schema=pa.schema(
            [
                ("document_id", pa.string()),
                ("seq", pa.int32()),
                ("kind", pa.string()),
                ("page", pa.int32()),
                ("text", pa.string()),
                ("grid", pa.list_(pa.list_(pa.string()))),
            ]
        ),
    )
    conn.register("decoded_ids", ids)
    conn.register("decoded_text", texts)
    conn.register("decoded_blocks", blocks)
    try:
        conn.execute("begin")
        conn.execute("delete from document_blocks where document_id in (select document_id from decoded_ids)")
        conn.execute("delete from document_text where document_id in (select document_id from decoded_ids)")
        conn.execute("insert into document_text by name select * from decoded_text")
        conn.execute("insert into document_blocks by name select * from decoded_blocks")
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    finally:
        for name in ("decoded_ids", "decoded_text", "decoded_blocks"):
            conn.unregister(name)


def reject(conn: duckdb.DuckDBPyConnection, rejections: list[tuple[str, str]]) -> None:
    """Mark documents rejected with their reasons (the decoder could not read them)."""
    if not rejections:
        return
    conn.executemany("update documents set status = 'rejected', reason = ? where id = ?",
                     [(reason, doc_id) for doc_id, reason in rejections])


def documents_summary(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(format, status, count) over all documents."""
    return conn.execute(
        "select format, status, count(*) from documents group by all order by format, status"
    ).fetchall()


def load_decoded(conn: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, Decoded]:
    """The decoded text and blocks of some documents, as the decoders returned them."""
    from pipelines.decode.model import Block

    if not ids:
        return {}
    conn.register("wanted_ids", pa.table({"document_id": ids}))
    try:
        texts = conn.execute(
            "select document_id, text, original_text, decoder, pages, flags from document_text "
            "where document_id in (select document_id from wanted_ids)"
        ).fetchall()
        blocks = conn.execute(
            "select document_id, kind, page, text, grid from document_blocks "
            "where document_id in (select document_id from wanted_ids) order by document_id, seq"
        ).fetchall()
    finally:
        conn.unregister("wanted_ids")
    out = {doc_id: Decoded(text=text, original_text=original, blocks=[], decoder=decoder, pages=pages,
                           flags=list(flags or []))
           for doc_id, text, original, decoder, pages, flags in texts}
    for doc_id, kind, page, text, grid in blocks:
        out[doc_id].blocks.append(Block(kind=kind, text=text, page=page, grid=grid))
    return out


def replace_rows(conn: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame],
                 report_ids: list[str] | None = None) -> None:
    """In one transaction, replace rows of several tables by report: those of `report_ids`, or all of
    them when None. Table names are code constants (the dict's keys), never input."""
    names = list(frames)
    conn.register("replaced_ids", pl.DataFrame({"report_id": report_ids or []}, schema={"report_id": pl.String})
                  .to_arrow())
    for name, frame in frames.items():
        conn.register(f"new_{name}", frame.to_arrow())
    try:
        conn.execute("begin")
        for name in names:
            where = "" if report_ids is None else " where report_id in (select report_id from replaced_ids)"
            conn.execute(f"delete from {name}{where}")
            conn.execute(f"insert into {name} by name select * from new_{name}")
        conn.execute("commit")
    except BaseException:
        conn.execute("rollback")
        raise
    finally:
        conn.unregister("replaced_ids")
        for name in names:
            conn.unregister(f"new_{name}")
