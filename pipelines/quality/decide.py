"""The checks asset's decision for a whole run: the identities and value rules are computed in one SQL pass
over report_cells (compile.py), the other rules' residual rows every batch wrote are added, and Great
Expectations validates them once per suite (per GX_BATCH_REPORTS reports) in the file context of the data
directory — stored validation results, rendered as Data Docs — and its unexpected rows become the
FAIL instances. Verdicts follow in SQL; suspect cells are sought for the failing reports only (they are read
again from the warehouse). `check_results`, `suspect_cells` and `report_quality` of the checked reports are
replaced in one transaction; the ids of the validation results are kept in `check_state`, where the blocking
guard reads them.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.quality import compile, gx
from pipelines.quality.localise import suspects
from pipelines.quality.model import Suspect
from pipelines.quality.run import Outcome, needs_localising, verdict
from pipelines.quality.store import CHECKED, OUTCOME_TABLES, RESIDUALS, load_reports, outcome_frames, save_state
from pipelines.quality.suites import Rule
from pipelines.storage.warehouse import transaction

GX_BATCH_REPORTS = 5000  # reports per GX validation of a suite (bounds the pandas frames GX reads)
VALIDATION_STATE = "gx_validation_results"


@dataclass
class Decided:
    verdicts: Counter = field(default_factory=Counter)
    suspects: int = 0
    results: list[str] = field(default_factory=list)  # GX validation result ids
    instances: int = 0
    unexpected: int = 0
    timings: dict = field(default_factory=dict)  # seconds per step


def decide(conn: duckdb.DuckDBPyConnection, directory: Path, rules: list[Rule], root: Path, at: datetime,
           gx_api=gx) -> Decided:
    """Validate the residual files under `directory` and replace the checked reports' outcome (`gx_api`: the
    `gx` module, or a GX process's)."""
    started = time.perf_counter()
    checked = sorted(str(p) for p in (directory / CHECKED).glob("*.parquet"))
    if not checked:
        return Decided()
    # GX's import (2-3 s, once per process) goes on in a thread while DuckDB, which releases the GIL, runs the SQL
    # below (a large run has imported it while its workers ran: then this returns at once)
    importing = threading.Thread(target=gx_api.open_context, args=(root,), daemon=True)
    importing.start()
    residuals = sorted(str(p) for p in (directory / RESIDUALS).glob("*.parquet"))
    conn.execute("create or replace temp table check_checked as select * from read_parquet(?, hive_partitioning = false)",
                 [checked])
    # the identities and value rules in one SQL pass over report_cells (compile.py), the others from the batches
    compile.residuals(conn, rules, conn.execute(
        """select report_id, true as checked, previous_id from check_checked
           union all
           select distinct previous_id, false, null from check_checked
           where previous_id is not null and previous_id not in (select report_id from check_checked)""").pl())
    # the batches' rows join the SQL's in one table; its rowid names a row for GX (`row`) and check_failing (GX's
    # copy, check_gx, holds only the columns it reads)
    if residuals:
        conn.execute("""insert into chk_residuals by name
                        select report_id, rule_id, scope, observed, expected, residual, assessable, message
                        from read_parquet(?, hive_partitioning = false)""", [residuals])
    conn.execute("""create or replace temp table check_parts as
                    select report_id, ((row_number() over (order by report_id) - 1) // ?)::integer as part
                    from check_checked""", [GX_BATCH_REPORTS])
    _gx_table(conn)
    conn.execute("create or replace temp table check_failing (row bigint)")
    out = Decided()
    out.timings["identities and value rules (SQL)"] = time.perf_counter() - started
    started = time.perf_counter()
    importing.join()
    gx_api.open_context(root)  # raises here what the thread could not
    out.timings["GX import and context (once per process)"] = time.perf_counter() - started
    started = time.perf_counter()
    # GX: one validation per suite for each part of ≤ GX_BATCH_REPORTS reports
    stamp = at.strftime("%Y%m%dT%H%M%S")
    parts = [p for (p,) in conn.execute("select distinct part from check_parts order by 1").fetchall()]
    for part in parts:
        name = f"checks-{stamp}" + (f"-part{part + 1}" if len(parts) > 1 else "")
        tables = {suite: _wide(conn, suite_rules, part, directory / f"gx-{suite}-{part}.parquet")
                  for suite, suite_rules in gx.by_suite(rules).items()}
        validated = gx_api.validate_tables(tables, rules, root=root, run_name=name, at=at)
        for table in tables.values():
            if isinstance(table, Path):
                table.unlink()
        out.results += validated.results
        out.instances += sum(s["evaluated"] for s in validated.stats.values())
        out.unexpected += len(validated.failing)
        if validated.failing:
            conn.register("failing_rows", pl.DataFrame({"row": sorted(validated.failing)},
                                                       schema={"row": pl.Int64}).to_arrow())
            conn.execute("insert into check_failing select row from failing_rows")
            conn.unregister("failing_rows")
    out.timings["GX validation"] = time.perf_counter() - started
    started = time.perf_counter()
    severity = pl.DataFrame({"rule_id": [r.id for r in rules], "severity": [r.severity for r in rules]})
    conn.register("rule_severity", severity.to_arrow())
    try:
        conn.execute("create or replace temp table check_severity as select * from rule_severity")
    finally:
        conn.unregister("rule_severity")
    # a view, not a table: the verdicts read it, and the insert into check_results (_replace) reads it again
    conn.execute("""create or replace temp view check_outcome as
                    select r.report_id, r.rule_id, s.severity,
                           case when f.row is not null then 'FAIL' when r.assessable then 'PASS'
                                else 'NOT_ASSESSABLE' end as status,
                           r.scope, r.expected, r.observed, r.residual as difference, r.message
                    from chk_residuals r join check_severity s using (rule_id)
                    left join check_failing f on f.row = r.rowid""")
    per_report = conn.execute(
        """select c.report_id, c.doc_type,
                  coalesce(list(distinct o.rule_id order by o.rule_id)
                           filter (where o.status = 'FAIL' and o.severity = 'hard'), []),
                  coalesce(list(distinct o.rule_id order by o.rule_id)
                           filter (where o.status = 'FAIL' and o.severity = 'soft'), []),
                  count(o.rule_id) filter (where o.status = 'NOT_ASSESSABLE')
           from check_checked c left join check_outcome o using (report_id)
           group by all order by 1""").fetchall()
    to_localise = [rid for rid, _, hard, _, _ in per_report if needs_localising(hard)]
    found: list[Suspect] = []
    notes: dict[str, list[str]] = {}
    for report in load_reports(conn, to_localise) if to_localise else []:
        cells, notes[report.report_id] = suspects(report, rules)
        found += cells
    verdicts = [verdict(rid, doc_type, hard, soft, na, notes.get(rid, []))
                for rid, doc_type, hard, soft, na in per_report]
    frames = outcome_frames(Outcome([], found, verdicts, {}), at)
    _replace(conn, frames)
    save_state(conn, VALIDATION_STATE, json.dumps(out.results))
    out.timings["verdicts, suspects, outcome tables"] = time.perf_counter() - started
    out.verdicts = Counter(v.status for v in verdicts)
    out.suspects = len(found)
    return out


_RULE_ID = re.compile(r"^[A-Z][A-Z0-9]-\d{2}$")


def _gx_table(conn: duckdb.DuckDBPyConnection) -> None:
    """check_gx: what GX reads of each residual row (rowid in chk_residuals as `row`, its part, report, scope,
    rule, and the residual where assessable), stored in the order of the parts: the table's row groups then
    hold one part each, and a part's query (`_wide`) reads its own (DuckDB skips the others by their min and
    max). Selecting a part from chk_residuals itself read the whole run's rows for every part and suite: at
    100 000 reports (20 parts) GX validation took 170 s against 6.9 s at 10 000."""
    conn.execute("""create or replace temp table check_gx as
                    select r.rowid as row, p.part, left(r.report_id, 16) as report, r.scope, r.rule_id,
                           case when r.assessable then r.residual end as residual
                    from chk_residuals r join check_parts p using (report_id)
                    order by p.part""")


def _wide(conn: duckdb.DuckDBPyConnection, rules: list[Rule], part: int, path: Path):
    """A suite's residual table for GX (gx.wide's layout), pivoted in DuckDB: one column per rule, holding the
    residual of the row's instance when it is that rule's and assessable; `row` is the instance's rowid in
    chk_residuals. Read from check_gx (`_gx_table`) and written by DuckDB to the Parquet file `path`, which is
    returned: GX reads it where it runs (`gx.residual_frame`, in the GX process of a run), with report and scope
    as categorical columns. The table never passes through this process's Python: at 10 000 reports, pickling
    it to the GX process held it three times over (a run's process tree 1 992 -> 2 500 MiB at its peak). An
    empty table is a frame from .df(), as GX has always been given it (object columns)."""
    assert all(_RULE_ID.match(r.id) for r in rules)  # column names: checked, not bound
    columns = ", ".join(f"case when rule_id = '{r.id}' then residual end as \"{r.id}\"" for r in rules)
    select = f"""select row, report, scope, {columns} from check_gx
                 where part = ? and rule_id in (select unnest(?::varchar[]))
                 order by row"""
    params = [part, [r.id for r in rules]]
    (written,) = conn.execute(f"copy ({select}) to {_literal(path)} (format parquet)", params).fetchone()
    if not written:
        path.unlink(missing_ok=True)
        return conn.execute(select, params).df()
    return path


def _literal(path: Path) -> str:
    # COPY takes no bound file name; the path is the checks' own scratch file, quoted
    return "'" + str(path).replace("'", "''") + "'"


def _replace(conn: duckdb.DuckDBPyConnection, frames: dict[str, pl.DataFrame]) -> None:
    """Replace the checked reports' rows of the three outcome tables in one transaction."""
    conn.register("new_suspects", frames["suspect_cells"].to_arrow())
    conn.register("new_quality", frames["report_quality"].to_arrow())
    try:
        with transaction(conn):
            for table in OUTCOME_TABLES:  # table names are this module's constants
                conn.execute(f"delete from {table} where report_id in (select report_id from check_checked)")
            conn.execute("insert into check_results by name select * from check_outcome")
            conn.execute("insert into suspect_cells by name select * from new_suspects")
            conn.execute("insert into report_quality by name select * from new_quality")
    finally:
        conn.unregister("new_suspects")
        conn.unregister("new_quality")
        conn.execute("drop view if exists check_outcome")
        for table in ("chk_residuals", "check_checked", "check_parts", "check_gx", "check_failing", "check_severity"):
            conn.execute(f"drop table if exists {table}")
