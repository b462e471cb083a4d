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
import re
import uuid
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from pipelines import contract as C


MARTS_SQL = Path(__file__).parent / "sql"

# The registry of marts is the folder sql/: one file per mart, whose header (its first comment lines, up to a
# line `--` alone) is the mart's entry:
#
#   -- mart: mart_name               the table the file creates
#   -- grain: what one row is
#   -- description: English, shown in the Dagster UI
#   -- 说明: 中文说明
#   -- preview: columns the UI's preview shows (optional)
#
# a key's value may go on over lines starting `--   `. A mart that reads another mart is built after it (the
# SQL, comments aside, names it). Adding a mart is adding one file.
_HEADER_KEYS = {"mart": "name", "grain": "grain", "description": "description", "说明": "description_zh",
                "preview": "preview"}
_REQUIRED = ("name", "grain", "description", "description_zh")


@dataclass(frozen=True)
class Mart:
    name: str
    grain: str
    description: str
    description_zh: str
    preview: tuple[str, ...]
    sql: str
    path: Path
    reads: tuple[str, ...] = ()  # the other marts its SQL reads


def _join(a: str, b: str) -> str:
    # English runs on with a space; Chinese (or a line ending in CJK punctuation) runs on without one
    return a + b if not a or not b or ord(a[-1]) > 0x2E7F or ord(b[0]) > 0x2E7F else f"{a} {b}"


def read_header(path: Path) -> dict[str, str]:
    """The registry entry at the top of a mart's SQL file."""
    entry: dict[str, str] = {}
    key = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("--") or line.strip() == "--":
            break
        body = line[2:]
        if body.startswith("   ") and key:  # a continuation of the previous key's value
            entry[key] = _join(entry[key], body.strip())
            continue
        label, colon, value = body.strip().partition(":")
        if not colon or label not in _HEADER_KEYS:
            raise ValueError(f"{path.name}: the header line {line!r} is not one of "
                             f"{', '.join(k + ':' for k in _HEADER_KEYS)} (end the header with a line `--`)")
        key = _HEADER_KEYS[label]
        entry[key] = value.strip()
    missing = [k for k in _REQUIRED if not entry.get(k)]
    if missing:
        raise ValueError(f"{path.name}: the header lacks {', '.join(missing)} (see pipelines/marts/build.py)")
    return entry


def registry(sql_dir: Path | None = None) -> tuple[Mart, ...]:
    """Every mart of `sql_dir` (default: sql/ beside this module), each after the marts it reads; otherwise
    in the order of their file names."""
    marts = {}
    for path in sorted(Path(sql_dir or MARTS_SQL).glob("*.sql")):
        entry = read_header(path)
        sql = path.read_text(encoding="utf-8")
        if not re.search(rf"\bcreate\s+or\s+replace\s+table\s+{re.escape(entry['name'])}\b", sql, re.I):
            raise ValueError(f"{path.name}: creates no table {entry['name']} (create or replace table …)")
        if entry["name"] in marts:
            raise ValueError(f"{path.name}: mart {entry['name']} is also {marts[entry['name']].path.name}")
        marts[entry["name"]] = Mart(entry["name"], entry["grain"], entry["description"], entry["description_zh"],
                                    tuple(c.strip() for c in entry.get("preview", "").split(",") if c.strip()),
                                    sql, path)
    code = {name: re.sub(r"--[^\n]*", "", m.sql) for name, m in marts.items()}
    ordered: list[Mart] = []
    placing: list[str] = []

    def place(name: str) -> None:
        if any(m.name == name for m in ordered):
            return
        if name in placing:
            raise ValueError(f"marts read each other: {' → '.join(placing + [name])}")
        placing.append(name)
        reads = tuple(other for other in marts if other != name and re.search(rf"\b{other}\b", code[name]))
        for other in reads:
            place(other)
        placing.pop()
        ordered.append(replace(marts[name], reads=reads))

    for name in marts:
        place(name)
    return tuple(ordered)


MARTS = tuple(m.name for m in registry())  # the registry's marts when this module was loaded
# What people query besides the marts: the reports, their cells, why a report is quarantined and which
# documents are versions of which report (superseded, in conflict, withdrawn: report_versions).
TABLES = ("reports", "report_cells", "report_quality", "check_results", "suspect_cells", "narrative_claims",
          "extraction_issues", "documents", "report_versions", "template_rows")
PUBLISHED = MARTS + TABLES  # as loaded: publish() reads the registry again (published_tables)
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


def template_rows() -> list[tuple[str, str, str | None, str]]:
    """(table_key, row_key, row_group, label) of every row of the contract's tables: the groups the marts sum
    (T3's denied / unable / not_processed / other blocks, T4's litigation blocks) and the official Chinese label
    of each key, for people joining report_cells to it."""
    return [(table, row, entry.get("group"), C.label_of(entry))
            for table, spec in C.TABLES.items() for row, entry in spec["rows"].items()]


def build_marts(conn: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """(Re)build every mart of the registry in the warehouse, after the contract's `template_rows` (which the
    marts read for row groups); row count per mart."""
    conn.execute("create or replace table template_rows (table_key varchar, row_key varchar, row_group varchar, "
                 "label varchar)")
    # one statement of bound lists, not a statement per row (executemany: 0.44 s for its 37 rows in a 10 000-report
    # warehouse, each insert its own commit)
    conn.execute("insert into template_rows select unnest(?::varchar[]), unnest(?::varchar[]), "
                 "unnest(?::varchar[]), unnest(?::varchar[])", [list(c) for c in zip(*template_rows())])
    marts = registry()
    for mart in marts:
        conn.execute(mart.sql)
    return {m.name: conn.execute(f"select count(*) from {m.name}").fetchone()[0] for m in marts}


def published_tables() -> tuple[str, ...]:
    """The tables of the snapshot: every mart of the registry, then TABLES."""
    return tuple(m.name for m in registry()) + TABLES


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
            for table in published_tables():
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
        for mart in (m.name for m in registry()):
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
