"""Marts and safe publishing.

Marts are built inside the warehouse from accepted reports, then published as a *snapshot*: a new DuckDB
file written under a temporary name and renamed over `published/nianbao.duckdb` in one atomic step.
Users query the snapshot (`nianbao sql`, the DuckDB CLI, Python, DBeaver) read-only; the pipeline never
opens it for writing, so a reader meets no lock and never a half-built mart, and a failed run leaves the
last snapshot as it was. A write-ahead log that a read-write client left beside it is removed when a new
snapshot takes its place, so the new snapshot is exactly what the run built. Every mart is also exported
as Parquet and CSV, each file renamed into place.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import duckdb


MARTS_SQL = Path(__file__).parent / "sql"

MART_SQL = ("agency_year", "region_level_year", "outcome_breakdown", "review_litigation", "active_disclosure",
            "quality", "agency_yoy")
MARTS = ("mart_agency_year", "mart_region_level_year", "mart_outcome_breakdown", "mart_review_litigation",
         "mart_active_disclosure_v2019", "mart_active_disclosure_v2021", "mart_quality", "mart_agency_yoy")
# What people query besides the marts: the reports, their cells, why a report is quarantined and which
# documents are versions of which report (superseded, in conflict, withdrawn: report_versions).
PUBLISHED = MARTS + ("reports", "report_cells", "report_quality", "check_results", "suspect_cells",
                     "narrative_claims", "extraction_issues", "documents", "report_versions")
# The snapshot's check_results holds the instances people look at (FAIL, NOT_ASSESSABLE): the passing ones,
# nine in ten, stay in the warehouse and are counted in report_quality and mart_quality.
PUBLISHED_ROWS = {"check_results": "where status <> 'PASS'"}
SNAPSHOT = "nianbao.duckdb"
# A CSV text cell that starts like a formula (=, +, -, @, or a tab or carriage return) would be run by Excel
# or LibreOffice on opening (an agency named =HYPERLINK(…) in a JSON record): it gets a leading ' and shows
# as text. Only text columns are touched; every value is printed as DuckDB prints it in a CSV.
_CSV_CELLS = (r"case when typeof(columns(*)) = 'VARCHAR' and regexp_matches(columns(*)::varchar, '^[=+\-@\t\r]') "
              r"then '''' || columns(*)::varchar "
              r"when regexp_matches(typeof(columns(*)), '^(MAP|STRUCT)|\[\]$') then to_json(columns(*))::varchar "
              r"when typeof(columns(*)) = 'DOUBLE' and isfinite(columns(*)::double) "
              r"and columns(*)::double = trunc(columns(*)::double) and abs(columns(*)::double) < 1e15 "
              r"then (columns(*)::double)::bigint::varchar "
              r"else columns(*)::varchar end")
# A map, struct or list (failures_per_rule, sources) goes into the CSV as JSON, which spreadsheets and
# scripts read, not as DuckDB's {k=v} display; a byte order mark makes Excel and WPS read the CSV as UTF-8.
_BOM = b"\xef\xbb\xbf"


def _prepend_bom(path: Path) -> None:
    bommed = path.with_name(path.name + ".bom")
    with open(path, "rb") as src, open(bommed, "wb") as dst:
        dst.write(_BOM)
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    os.replace(bommed, path)


def build_marts(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """(Re)build every mart in the warehouse; row count per mart."""
    for name in MART_SQL:
        conn.execute((MARTS_SQL / f"{name}.sql").read_text(encoding="utf-8"))
    return {m: conn.execute(f"select count(*) from {m}").fetchone()[0] for m in MARTS}


def _literal(path: Path) -> str:
    # ATTACH and COPY take no bound parameters for the file name; the path comes from the settings, never
    # from a document, and is quoted.
    return "'" + str(path).replace("'", "''") + "'"


def publish(conn: duckdb.DuckDBPyConnection, published_dir: Path) -> Path:
    """Write a snapshot of the marts and published tables, then rename it over the current one."""
    published_dir.mkdir(parents=True, exist_ok=True)
    for stale in published_dir.glob(f".{SNAPSHOT}.*.tmp*"):  # of a run killed while publishing (runs
        stale.unlink(missing_ok=True)                         # hold the run lock: none is being written)
    tmp = published_dir / f".{SNAPSHOT}.{uuid.uuid4().hex}.tmp"
    try:
        conn.execute(f"attach {_literal(tmp)} as snapshot")
        try:
            for table in PUBLISHED:
                where = PUBLISHED_ROWS.get(table, "")
                conn.execute(f"create table snapshot.{table} as select * from main.{table} {where}")
        finally:
            conn.execute("detach snapshot")
        target = published_dir / SNAPSHOT
        # A WAL beside the snapshot is a read-write client's (the pipeline never writes the snapshot), and
        # DuckDB would replay it onto the new file for every reader. Removed before the rename (under the
        # run lock), so a reader opening the name meanwhile meets the old snapshot without it or the new one
        # without it. A client that keeps writing the old file after the swap can leave one again: the
        # snapshot is for read-only use, and the next run removes it.
        Path(f"{target}.wal").unlink(missing_ok=True)
        os.replace(tmp, target)
        return target
    finally:
        for leftover in (tmp, Path(f"{tmp}.wal")):
            if leftover.exists():
                leftover.unlink()


def export(snapshot: Path, exports_dir: Path) -> list[Path]:
    """Every mart of the snapshot as Parquet and CSV in `exports_dir`. The CSV is UTF-8 with a byte order mark
    (Excel and WPS then show the Chinese), maps and lists are JSON, and a text cell that starts with =, +, -,
    @ gets a leading ' so that a spreadsheet shows it rather than runs it."""
    exports_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with duckdb.connect(str(snapshot), read_only=True) as conn:
        for mart in MARTS:
            for fmt, cells, options in (("parquet", "*", "(format parquet)"),
                                        ("csv", _CSV_CELLS, "(format csv, header)")):
                final = exports_dir / f"{mart}.{fmt}"
                tmp = exports_dir / f".{mart}.{fmt}.tmp"
                conn.execute(f"copy (select {cells} from {mart}) to {_literal(tmp)} {options}")
                if fmt == "csv":
                    _prepend_bom(tmp)
                os.replace(tmp, final)
                written.append(final)
    return written
