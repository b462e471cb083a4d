"""`nianbao sql` is read-only for real: every way out of the published snapshot — another database, a file
to write or read, an extension, a setting, a temporary object — is refused with a clear message, and
nothing on disk changes. Numbers print with every digit they have."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
from test_cli import nianbao


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _attempts(tmp: Path) -> list[str]:
    data = tmp / "data"
    snapshot, warehouse = data / "published" / "nianbao.duckdb", data / "warehouse.duckdb"
    return [
        f"ATTACH '{warehouse}' AS w (READ_WRITE); DELETE FROM w.documents",
        f"ATTACH '{warehouse}' AS w",
        f"COPY (select 1 as x) TO '{snapshot}'",
        f"COPY reports TO '{tmp}/stolen.csv'",
        f"EXPORT DATABASE '{tmp}/exported'",
        "INSTALL httpfs",
        "LOAD httpfs",
        "LOAD json",
        "select * from read_csv('/etc/passwd')",
        "select * from read_text('/etc/passwd')",
        f"select * from read_parquet('{data}/exports/mart_quality.parquet')",
        "select * from glob('/etc/*')",
        "SET threads = 1",
        "SET enable_external_access = true",
        "PRAGMA threads = 1",
        "RESET threads",
        "CREATE TEMP MACRO twice(x) AS 2 * x",
        "CREATE TEMP TABLE t AS select 1",
        "select 1; CREATE TEMP VIEW v AS select 1",
        "EXPLAIN ANALYZE CREATE TEMP TABLE t AS select 1",
        "CHECKPOINT",
        "DROP TABLE reports",
        "DELETE FROM reports",
    ]


def test_every_way_out_of_the_snapshot_is_refused_and_nothing_changes(published):
    data = published / "data"
    snapshot, warehouse = data / "published" / "nianbao.duckdb", data / "warehouse.duckdb"
    before = {p: _digest(p) for p in (snapshot, warehouse)}
    listing = sorted(p.name for p in published.rglob("*"))
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        documents = conn.execute("select count(*) from documents").fetchone()[0]
    for query in _attempts(published):
        proc = nianbao("sql", query, tmp=published)
        out = " ".join(proc.stdout.split())
        assert proc.returncode == 1, (query, proc.stdout, proc.stderr)
        assert "nianbao sql is read-only" in out, (query, out)
        assert "root:" not in out  # no line of /etc/passwd came back
    assert {p: _digest(p) for p in (snapshot, warehouse)} == before
    assert sorted(p.name for p in published.rglob("*")) == listing  # no file written, no .wal, no export
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert conn.execute("select count(*) from documents").fetchone()[0] == documents > 0


def test_the_refusal_names_the_statement(published):
    proc = nianbao("sql", f"ATTACH '{published / 'data' / 'warehouse.duckdb'}' AS w (READ_WRITE)", tmp=published)
    assert "refused: ATTACH" in proc.stdout and "Nothing was run" in proc.stdout
    proc = nianbao("sql", "select * from read_csv('/etc/passwd')", tmp=published)
    assert "out of its reach" in proc.stdout and "/etc/passwd" in proc.stdout


def test_queries_still_run(published):
    for query in ("select count(*) from reports", "show tables", "describe mart_agency_year",
                  "pragma table_info('reports')", "explain select * from reports",
                  "with r as (select * from reports) select count(*) from r; select 2"):
        proc = nianbao("sql", query, tmp=published)
        assert proc.returncode == 0, (query, proc.stdout, proc.stderr)


def test_numbers_print_exactly_in_every_format(published):
    query = "select 114.36::double as a, 123456.7::double as b, 1.50::decimal(5, 2) as c, 7::bigint as d"
    table = nianbao("sql", query, tmp=published).stdout
    assert "114.36" in table and "123456.7" in table and "1.50" in table and "e+05" not in table
    assert nianbao("sql", query, "--format", "csv", tmp=published).stdout.splitlines() == [
        "a,b,c,d", "114.36,123456.7,1.50,7"]
    assert json.loads(nianbao("sql", query, "--format", "json", tmp=published).stdout) == [
        {"a": 114.36, "b": 123456.7, "c": 1.5, "d": 7}]
    # a real mart's figures as stored: a procurement amount in 万元 (114.36) and an applicant share (4/9)
    columns = "procurement_amount_wan_yuan, applicant_share_natural_person"
    with duckdb.connect(str(published / "data" / "published" / "nianbao.duckdb"), read_only=True) as conn:
        stored = conn.execute(f"select {columns} from mart_agency_year order by report_id").fetchall()
    assert (114.36, 0.4444444444444444) in stored
    query = f"select {columns} from mart_agency_year order by report_id"
    table = nianbao("sql", query, tmp=published).stdout
    assert all(repr(v) in table for row in stored for v in row if v is not None), table
    as_json = json.loads(nianbao("sql", query, "--format", "json", tmp=published).stdout)
    assert [tuple(r.values()) for r in as_json] == stored
    as_csv = nianbao("sql", query, "--format", "csv", tmp=published).stdout
    assert "114.36,0.4444444444444444" in as_csv.splitlines()
