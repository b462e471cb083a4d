"""The identities and value rules compiled into SQL (pipelines/quality/compile.py) give the same residual rows
as the Python evaluation (pipelines/quality/evaluate.py): on the real samples and PDFs in a real DuckDB
warehouse (洪泽区 2023 and 2024 are consecutive years of one agency: the cross-year rules apply), and on
copies of them with cells made text (with quotes), removed, blanked (a total left EMPTY), negative or
fractional, in both templates."""

from __future__ import annotations

import math
from datetime import datetime, timezone

import duckdb
import polars as pl
import pytest

from pipelines.quality import compile
from pipelines.quality.data import link_years
from pipelines.quality.evaluate import evaluate
from pipelines.quality.store import aliases, load_reports
from pipelines.quality.suites import rules

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
MUTATIONS = [  # (sample index, SQL on that report's cells)
    (0, "update report_cells set semantic = 'TEXT', value = null, value_raw = 'it''s \"x\"' "
        "where table_key = 't3_applications' and row_key = 'granted' and col_key = 'natural_person'"),
    (1, "delete from report_cells where table_key = 't3_applications' and row_key = 'carried_over_in' "
        "and col_key = 'total'"),
    (2, "update report_cells set semantic = 'EMPTY', value = null, value_raw = '' "
        "where table_key = 't3_applications' and row_key = 'new_received' and col_key = 'total'"),
    (3, "update report_cells set value = -2, value_raw = '-2' where table_key = 't4_review_litigation' "
        "and row_key = 'admin_review' and col_key = 'upheld'"),
    (7, "update report_cells set value = value + 0.5, value_raw = value_raw || '.5' "
        "where (table_key like 't2%' or table_key = 't4_review_litigation') and value is not null"),
    (5, "update report_cells set semantic = 'NA', value = null, value_raw = '—' where table_key = 't3_applications' "
        "and row_key = 'denied_state_secret'"),
    (6, "update report_cells set value = value + 1, value_raw = 'x' where table_key = 't3_applications' "
        "and row_key = 'results_total' and col_key = 'total'"),
    # tenths: a sum of them depends on the order it is added in (the SQL must add in ref order, as Python does)
    (8, "update report_cells set value = value + 0.1 * (length(row_key) % 7), value_raw = value_raw || '.x' "
        "where table_key in ('t3_applications', 't4_review_litigation') and value is not null"),
]


@pytest.fixture(scope="module")
def warehouse(corpus_dir, tmp_path_factory):
    from pipelines.extract.files import extract_file
    from conftest import load_records
    from pipelines.storage.warehouse import ensure_schema

    files = sorted((corpus_dir / "samples").glob("*.txt")) + sorted((corpus_dir / "pdf").glob("*.pdf"))
    records = [extract_file(f) for f in files]
    path = tmp_path_factory.mktemp("compiled") / "w.duckdb"
    with duckdb.connect(str(path)) as conn:
        ensure_schema(conn)
        load_records(conn, records, T0)
        ids = [r for (r,) in conn.execute("select report_id from reports order by 1").fetchall()]
        for i, sql in MUTATIONS:  # each on a copy of a report under a new id, the original kept
            copy = f"mut{i}_" + ids[i % len(ids)][5:]
            for table in ("reports", "report_cells", "narrative_claims", "extraction_issues"):
                conn.execute(f"create temp table c as select * from {table} where report_id = ?", [ids[i % len(ids)]])
                conn.execute("update c set report_id = ?", [copy])
                conn.execute(f"insert into {table} select * from c")
                conn.execute("drop table c")
            conn.execute(sql.replace("where ", "where report_id = ? and ", 1), [copy])
        for i, rid in enumerate(ids):  # each annual report gets a year before: the cross-year rules apply
            copy = f"prev_{rid[5:]}"
            for table in ("reports", "report_cells", "narrative_claims", "extraction_issues"):
                conn.execute(f"create temp table c as select * from {table} where report_id = ?", [rid])
                conn.execute("update c set report_id = ?", [copy])
                conn.execute(f"insert into {table} select * from c")
                conn.execute("drop table c")
            conn.execute("update reports set year = year - 1 where report_id = ?", [copy])
            conn.execute("""update report_cells set value = value + ?, value_raw = 'y' where report_id = ?
                            and value is not null and (row_key = 'carried_forward_out' or col_key = 'in_force_count'
                                                       or col_key = 'item_count_change')""", [i % 2, copy])
            if i % 3 == 0:  # a previous year whose cells are missing or text
                conn.execute("""delete from report_cells where report_id = ? and row_key = 'carried_forward_out'
                                and col_key = 'natural_person'""", [copy])
                conn.execute("""update report_cells set semantic = 'TEXT', value = null, value_raw = '见附表'
                                where report_id = ? and col_key = 'in_force_count'""", [copy])
    return path


def _key(row) -> tuple:
    return tuple(row)


def _num(v):
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def test_sql_residuals_equal_python_residuals(warehouse):
    wanted = [r for r in rules() if compile.compiled(r)]
    assert {r.kind for r in wanted} == {"sum", "cells"} and len(wanted) >= 15
    with duckdb.connect(str(warehouse)) as conn:
        reports = load_reports(conn, [r for (r,) in conn.execute("select report_id from reports").fetchall()])
        link_years(reports, aliases(conn))
        assert any(r.previous for r in reports), "no consecutive years: the cross-year rules are not exercised"
        python = sorted((row.report_id, row.rule_id, row.scope, _num(row.observed), _num(row.expected),
                         _num(row.residual), row.assessable, row.message)
                        for report in reports for rule in wanted for row in evaluate(rule, report))
        links = pl.DataFrame({"report_id": [r.report_id for r in reports], "checked": [True] * len(reports),
                              "previous_id": [r.previous.report_id if r.previous else None for r in reports]})
        compile.residuals(conn, list(rules()), links)
        sql = sorted(tuple(_num(v) for v in row) for row in conn.execute(
            """select report_id, rule_id, scope, observed, expected, residual, assessable, message
               from chk_residuals""").fetchall())
    assert len(sql) == len(python) > 1000
    assert sql == python
    # the mutations reached the rules: each kind of not-assessable message and value violation is there
    messages = " | ".join(r[-1] for r in python)
    for part in ("is text ('it\\'s \"x\"')", "is missing", "a total left blank while its parts are numbers",
                 "negative: '-2'", "not a whole number", "placeholders read as 0", "last year"):
        assert part in messages, part
    assert any(r[1].startswith(("XY-", "T2-03", "T2-04", "T2-06")) and r[6] for r in python)  # cross-year rows


@pytest.mark.parametrize("size", [1, 3])
def test_residuals_computed_in_chunks_equal_one_pass(warehouse, monkeypatch, size):
    """A large run is compiled CHUNK_REPORTS reports at a time (DuckDB cannot spill what one pass over 100 000
    reports holds): chunks of 1 and 3 reports — a report and its previous year in different chunks, as
    checked and as context — give the rows of one pass over them all."""
    with duckdb.connect(str(warehouse)) as conn:
        reports = load_reports(conn, [r for (r,) in conn.execute("select report_id from reports").fetchall()])
        link_years(reports, aliases(conn))
        links = pl.DataFrame({"report_id": [r.report_id for r in reports], "checked": [True] * len(reports),
                              "previous_id": [r.previous.report_id if r.previous else None for r in reports]})
        rows = []
        for chunk in (10_000, size):
            monkeypatch.setattr(compile, "CHUNK_REPORTS", chunk)
            compile.residuals(conn, list(rules()), links)
            rows.append(sorted(tuple(_num(v) for v in row) for row in conn.execute(
                "select report_id, rule_id, scope, observed, expected, residual, assessable, message "
                "from chk_residuals").fetchall()))
        assert len(compile.chunks(links, size)) > 1
    assert rows[0] == rows[1] and len(rows[0]) > 1000
    assert any(r[1].startswith("XY-") and r[6] for r in rows[1])  # cross-year rows across chunks
