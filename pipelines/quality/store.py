"""The checks layer in DuckDB: read reports as ReportData, write results, suspects and verdicts."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.quality.data import agency_key
from pipelines.quality.model import CellV, ReportData
from pipelines.quality.plan import IndexRow
from pipelines.quality.run import CHECKER_VERSION, Outcome
from pipelines.quality.suites import suite_files
from pipelines.quality.versions import Document, Source, Version, logical_key
from pipelines.storage.warehouse import ensure_schema, transaction


def prepare(conn: duckdb.DuckDBPyConnection) -> None:
    """The warehouse's tables, created when missing (a checks run may be the first to open a warehouse)."""
    ensure_schema(conn)


def report_index(conn: duckdb.DuckDBPyConnection) -> list[IndexRow]:
    """Every report's identity, extraction time, last check time and when its place among the versions of
    its report last changed (a few columns: fits 100k reports)."""
    return [IndexRow(*row) for row in conn.execute(
        """select r.report_id, r.doc_type, r.agency, r.admin_level, r.region_code, r.year, r.extracted_at, q.checked_at,
                  v.changed_at
           from reports r left join report_quality q using (report_id) left join report_versions v using (report_id)
           order by r.report_id""").fetchall()]


def version_documents(conn: duckdb.DuckDBPyConnection, aliases: dict[str, str]) -> list[Document]:
    """Every extracted report as a version of its logical report: its identity (agency key through the
    aliases, year, scope) and withdrawal; for the reports that share an identity with another (the only ones
    compared) or were withdrawn, also when they were first seen, where and when their files were seen, and
    a fingerprint of their cells."""
    rows = conn.execute(
        """select r.report_id, r.doc_type, r.agency, r.region_code, r.admin_level, r.year,
                  r.metadata->>'report_scope', w.withdrawn_at
           from reports r left join (select document_id as report_id, max(withdrawn_at) as withdrawn_at
                                     from document_withdrawals group by document_id) w using (report_id)
           order by r.report_id""").fetchall()
    identities, withdrawals = {}, {}
    for rid, doc_type, agency, region_code, level, year, scope, withdrawn_at in rows:
        key = agency_key(agency, region_code, level)
        identities[rid] = logical_key(aliases.get(key, key), year, scope) if doc_type == "annual_report" else None
        withdrawals[rid] = withdrawn_at
    shared = Counter(i for i in identities.values() if i)
    compared = [rid for rid, i in identities.items() if (i and shared[i] > 1) or withdrawals[rid]]
    conn.register("compared_reports", pl.DataFrame({"report_id": compared}, schema={"report_id": pl.String}).to_arrow())
    try:
        contents = dict(conn.execute(
            """select report_id, count(*) || ':' || bit_xor(hash(table_key, row_key, col_key, value, semantic))
               from report_cells where report_id in (select report_id from compared_reports)
               group by report_id""").fetchall())
        found = conn.execute(
            """select d.id, d.first_seen, (select list((s.path, s.last_seen, s.mtime_ns) order by s.path)
                                          from document_sources s where s.document_id = d.id)
               from documents d where d.id in (select report_id from compared_reports)""").fetchall()
        seen = {rid: (first_seen, tuple(Source(*s) for s in sources or ())) for rid, first_seen, sources in found}
    finally:
        conn.unregister("compared_reports")
    return [Document(rid, identities[rid], contents.get(rid, "0:"), *seen.get(rid, (None, ())), withdrawals[rid])
            for rid in identities]


_VERSIONS = {"report_id": pl.String, "logical_key": pl.String, "status": pl.String, "primary_id": pl.String,
             "superseded_by": pl.String, "rivals": pl.List(pl.String), "sources": pl.Int32,
             "changed_at": pl.Datetime("us", "UTC")}


def save_versions(conn: duckdb.DuckDBPyConnection, versions: list[Version], at: datetime) -> int:
    """Replace report_versions in one transaction. A report whose status or rivals changed (or that is new)
    gets `changed_at` = `at`, so the checks plan re-checks it; the others keep theirs. Returns how many
    changed."""
    frame = pl.DataFrame([{**v.__dict__, "rivals": list(v.rivals), "changed_at": at} for v in versions],
                         schema=_VERSIONS)
    conn.register("resolved_versions", frame.to_arrow())
    try:
        with transaction(conn):
            conn.execute(
                """create or replace temp table next_versions as
                   select n.* replace (case when o.report_id is not null and o.status = n.status
                                                 and o.rivals = n.rivals then o.changed_at else n.changed_at end
                                       as changed_at)
                   from resolved_versions n left join report_versions o using (report_id)""")
            changed = conn.execute("select count(*) from next_versions where changed_at = ?", [at]).fetchone()[0]
            conn.execute("delete from report_versions")
            conn.execute("insert into report_versions by name select * from next_versions")
            conn.execute("drop table next_versions")
    finally:
        conn.unregister("resolved_versions")
    return changed


def load_reports(conn: duckdb.DuckDBPyConnection, ids: list[str]) -> list[ReportData]:
    """Some extracted reports with their cells, claims, issues and text."""
    conn.register("wanted_reports", pl.DataFrame({"report_id": ids}, schema={"report_id": pl.String}).to_arrow())
    try:
        return _load(conn)
    finally:
        conn.unregister("wanted_reports")


def _load(conn: duckdb.DuckDBPyConnection) -> list[ReportData]:
    wanted = "report_id in (select report_id from wanted_reports)"
    reports = {}
    for (rid, doc_type, template, year, agency, level, pub, meta, text, version, rivals) in conn.execute(
        f"""select r.report_id, r.doc_type, r.template, r.year, r.agency, r.admin_level,
                  strftime(r.publication_date, '%Y-%m-%d'), r.metadata, t.text, v.status, rv.rivals
           from reports r left join (select document_id, text from document_text where document_id in
                                     (select report_id from wanted_reports)) t on t.document_id = r.report_id
           left join report_versions v using (report_id)
           left join (select x.report_id, list(d.original_path order by d.original_path) as rivals
                      from (select report_id, unnest(rivals) as rival from report_versions
                            where report_id in (select report_id from wanted_reports)) x
                      join documents d on d.id = x.rival group by x.report_id) rv using (report_id)
           where r.{wanted}
           order by r.report_id"""
    ).fetchall():
        metadata = json.loads(meta) if meta else {}
        reports[rid] = ReportData(rid, doc_type, template, year, agency, level, pub, metadata, text=text,
                                  agency_key=agency_key(agency, metadata.get("region_code"), level),
                                  version=version, rivals=tuple(rivals or ()))
    _load_cells(conn, reports, wanted)
    claims = defaultdict(list)
    for rid, claim, value, unit, qualifier, text, offset in conn.execute(
        f'select report_id, claim, value, unit, qualifier, text, "offset" from narrative_claims where {wanted}'
    ).fetchall():
        claims[rid].append({"claim": claim, "value": value, "unit": unit, "qualifier": qualifier, "text": text,
                            "offset": offset})
    issues = defaultdict(list)
    for rid, code, severity, message, location in conn.execute(
        f"select report_id, code, severity, message, location from extraction_issues where {wanted}"
    ).fetchall():
        issues[rid].append({"code": code, "severity": severity, "message": message, "location": location})
    for rid, report in reports.items():
        report.claims, report.issues = claims.get(rid, []), issues.get(rid, [])
    return list(reports.values())


def _load_cells(conn: duckdb.DuckDBPyConnection, reports: dict[str, ReportData], wanted: str) -> None:
    """The reports' cells. Most of a checks worker's time is reading them: a report and a cell address come as
    small integers (indexes of `reports` and of the distinct addresses, whose key tuples are built once) and the
    columns as lists, not one 7-tuple with three new strings per cell (1 000 reports, 184 000 cells: 0.9 -> 0.6 s)."""
    keys = conn.execute(f"select distinct table_key, row_key, col_key from report_cells where {wanted}").fetchall()
    conn.register("loaded_reports", pl.DataFrame({"report_id": list(reports), "ri": range(len(reports))},
                                                 schema={"report_id": pl.String, "ri": pl.Int32}).to_arrow())
    conn.register("loaded_keys", pl.DataFrame(keys, schema={"table_key": pl.String, "row_key": pl.String,
                                                            "col_key": pl.String}, orient="row")
                  .with_row_index("ki").to_arrow())
    try:
        columns = conn.execute(
            """select i.ri, k.ki, c.value, c.semantic, c.value_raw from report_cells c
               join loaded_reports i using (report_id) join loaded_keys k using (table_key, row_key, col_key)"""
        ).fetchnumpy()
    finally:
        conn.unregister("loaded_reports")
        conn.unregister("loaded_keys")
    cells = [r.cells for r in reports.values()]
    for ri, ki, value, semantic, raw in zip(*(columns[c].tolist() for c in ("ri", "ki", "value", "semantic",
                                                                            "value_raw"))):
        cells[ri][keys[ki]] = CellV(value, semantic, raw)


def aliases(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(conn.execute("select alias_key, canonical_key from agency_aliases order by 1").fetchall())


def rules_fingerprint(conn: duckdb.DuckDBPyConnection) -> str:
    """A digest of what every result depends on besides the reports: the suite files, the checker's
    code version and the alias table. When it changes, every report is checked again."""
    digest = hashlib.sha256(CHECKER_VERSION.encode())
    for path in suite_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps(sorted(aliases(conn).items())).encode())
    return digest.hexdigest()


def last_fingerprint(conn: duckdb.DuckDBPyConnection) -> str | None:
    row = conn.execute("select value from check_state where key = 'rules_fingerprint'").fetchone()
    return row[0] if row else None


def save_fingerprint(conn: duckdb.DuckDBPyConnection, fingerprint: str) -> None:
    save_state(conn, "rules_fingerprint", fingerprint)


def save_state(conn: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    conn.execute("insert or replace into check_state (key, value) values (?, ?)", [key, value])


def outcome_frames(outcome: Outcome, at: datetime) -> dict[str, pl.DataFrame]:
    """The three tables' rows of a checked batch."""
    return {
        "check_results": pl.DataFrame(
            [r.__dict__ | {"difference": r.difference} for r in outcome.results],
            schema={"report_id": pl.String, "rule_id": pl.String, "severity": pl.String, "status": pl.String,
                    "scope": pl.String, "expected": pl.Float64, "observed": pl.Float64, "difference": pl.Float64,
                    "message": pl.String}),
        "suspect_cells": pl.DataFrame(
            [{"report_id": s.report_id, "table_key": s.table_key, "row_key": s.row_key, "col_key": s.col_key,
              "reported": s.reported, "suggested": s.suggested, "rules_explained": s.rules_explained,
              "is_unique": s.unique} for s in outcome.suspects],
            schema={"report_id": pl.String, "table_key": pl.String, "row_key": pl.String, "col_key": pl.String,
                    "reported": pl.Float64, "suggested": pl.Float64, "rules_explained": pl.List(pl.String),
                    "is_unique": pl.Boolean}),
        "report_quality": pl.DataFrame(
            [{"report_id": v.report_id, "status": v.status, "hard_failures": v.hard_failures,
              "soft_warnings": v.soft_warnings, "not_assessable": v.not_assessable, "reason": v.reason,
              "notes": v.notes, "checked_at": at} for v in outcome.verdicts],
            schema={"report_id": pl.String, "status": pl.String, "hard_failures": pl.Int32,
                    "soft_warnings": pl.Int32, "not_assessable": pl.Int32, "reason": pl.String,
                    "notes": pl.List(pl.String), "checked_at": pl.Datetime("us", "UTC")}),
    }


OUTCOME_TABLES = ("check_results", "suspect_cells", "report_quality")
RESIDUALS, CHECKED = "residuals", "checked"
_RESIDUALS = {"report_id": pl.String, "rule_id": pl.String, "scope": pl.String, "observed": pl.Float64,
              "expected": pl.Float64, "residual": pl.Float64, "assessable": pl.Boolean, "message": pl.String}


def write_residual_files(reports: list[ReportData], rows: list, directory: Path, name: str) -> None:
    """A batch's residual rows and its checked reports (id, doc_type, the previous year's report the cross-year
    rules read) as Parquet, for decide.py."""
    (directory / RESIDUALS).mkdir(parents=True, exist_ok=True)
    (directory / CHECKED).mkdir(parents=True, exist_ok=True)
    pl.DataFrame({"report_id": [r.report_id for r in rows], "rule_id": [r.rule_id for r in rows],
                  "scope": [r.scope for r in rows], "observed": [r.observed for r in rows],
                  "expected": [r.expected for r in rows], "residual": [r.residual for r in rows],
                  "assessable": [r.assessable for r in rows], "message": [r.message for r in rows]},
                 schema=_RESIDUALS).write_parquet(directory / RESIDUALS / f"{name}.parquet")
    pl.DataFrame({"report_id": [r.report_id for r in reports], "doc_type": [r.doc_type for r in reports],
                  "previous_id": [r.previous.report_id if r.previous else None for r in reports]},
                 schema={"report_id": pl.String, "doc_type": pl.String, "previous_id": pl.String}).write_parquet(
        directory / CHECKED / f"{name}.parquet")
