"""Loading the lake into the DuckDB warehouse: every Parquet file not loaded before, in name (= time) order.

Each group of files is loaded in one transaction that also records the files in `lake_loaded`: a run
killed midway loads them again next time, and because a document's rows are deleted before its new rows
are inserted, loading twice never duplicates a row. When the same document appears in several files of
a group, only its rows from the newest file are taken (a re-extraction replaces the report).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.storage.lake import EXTRACTED_TABLES, Lake
from pipelines.storage.warehouse import transaction

FILES_PER_TRANSACTION = 64

# (lake table, warehouse table, id column) in load order: text before the reports read from it
_TEXT = [("document_text", "document_text", "document_id"), ("document_blocks", "document_blocks", "document_id")]
_EXTRACTED = [(t, t, "report_id") for t in EXTRACTED_TABLES]


@dataclass
class Loaded:
    files: int = 0
    documents_decoded: int = 0
    documents_rejected: int = 0
    reports: int = 0
    by_table: dict[str, int] = field(default_factory=dict)


def _new_files(conn: duckdb.DuckDBPyConnection, lake: Lake, table: str) -> list[str]:
    done = {p for (p,) in conn.execute("select path from lake_loaded where table_name = ?", [table]).fetchall()}
    return [str(p) for p in lake.parts(table) if str(p) not in done]


def _chunks(items: list[str], n: int) -> list[list[str]]:
    return [items[i:i + n] for i in range(0, len(items), n)]


# The newest file's rows of each document: a file name sorts by the time it was written.
_NEWEST = """select * exclude (filename)
              from read_parquet(?, filename = true, union_by_name = true, hive_partitioning = false)
              qualify filename = max(filename) over (partition by {id})"""
# the shard=<s> directories are no column: the tables have none
_READ = "read_parquet(?, hive_partitioning = false)"
# The page a cell was read on, for the paged documents (PDFs, scans: document_text.page_starts) among the
# reports just loaded: the number of pages that begin at or before the cell's first character. Most runs have
# none, and then report_cells is not scanned. A cell read from a table grid has no offsets: its page is its
# grid's, stored with it at extraction.
_PAGED = f"""select document_id from document_text
             where page_starts is not null and document_id in (select report_id from {_READ})"""
_PAGES = """update report_cells set source_page = len(list_filter(t.page_starts, s -> s <= report_cells.source_start))
            from document_text t
            where t.document_id = report_cells.report_id and report_cells.source_start is not null
              and report_cells.report_id in (select unnest(?::varchar[]))"""


def _replace(conn: duckdb.DuckDBPyConnection, lake: Lake, files: list[str], tables: list[tuple[str, str, str]],
             loaded: Loaded) -> None:
    """Replace the rows of every document in `files` (files of the first table; the other tables' files
    share their names) in each table, inside the caller's transaction. Table and column names are
    constants of this module, never input; the file lists are bound."""
    _, _, id_col = tables[0]
    for lake_table, table, _ in tables:
        paths = [str(lake.root / lake_table / Path(f).parent.name / Path(f).name) for f in files]
        # by the primary files' ids: a report whose new version has no cells loses its old ones
        conn.execute(f"delete from {table} where {id_col} in (select {id_col} from {_READ})", [files])
        conn.execute(f"insert into {table} by name " + _NEWEST.format(id=id_col), [paths])
        loaded.by_table[table] = loaded.by_table.get(table, 0) + len(paths)


def _record(conn: duckdb.DuckDBPyConnection, table: str, files: list[str]) -> None:
    # one statement of a bound list (executemany runs a statement per row: 2 ms each)
    conn.execute("insert or ignore into lake_loaded (path, table_name, loaded_at) select unnest(?::varchar[]), ?, now()",
                 [list(files), table])


def _transaction(conn: duckdb.DuckDBPyConnection, work) -> None:
    with transaction(conn):
        work()


def _load_each_group(conn: duckdb.DuckDBPyConnection, lake: Lake, table: str, load, loaded: Loaded) -> None:
    """Call `load(files)` on the new files of a lake table, a group at a time, each group in a transaction
    that also records its files as loaded."""
    for files in _chunks(_new_files(conn, lake, table), FILES_PER_TRANSACTION):
        def group(files=files):
            load(files)
            _record(conn, table, files)
        _transaction(conn, group)
        loaded.files += len(files)


def load_lake(conn: duckdb.DuckDBPyConnection, lake: Lake) -> Loaded:
    """Load every new lake file into the warehouse; return what was loaded."""
    loaded = Loaded()

    def count(sql: str, files: list[str]) -> int:
        return conn.execute(sql + _READ, [files]).fetchone()[0]

    def texts(files: list[str]) -> None:
        _replace(conn, lake, files, _TEXT, loaded)
        loaded.documents_decoded += count("select count(*) from ", files)

    def rejections(files: list[str]) -> None:
        conn.execute("update documents set status = 'rejected', reason = r.reason "
                     f"from (select document_id, reason from {_READ}) r where documents.id = r.document_id", [files])
        loaded.documents_rejected += count("select count(*) from ", files)

    def reports(files: list[str]) -> None:
        _replace(conn, lake, files, _EXTRACTED, loaded)
        if paged := [d for (d,) in conn.execute(_PAGED, [files]).fetchall()]:
            conn.execute(_PAGES, [paged])
        loaded.reports += count("select count(distinct report_id) from ", files)

    _load_each_group(conn, lake, "document_text", texts, loaded)
    _load_each_group(conn, lake, "decode_rejections", rejections, loaded)
    _load_each_group(conn, lake, "reports", reports, loaded)
    return loaded
