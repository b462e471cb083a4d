"""The checks layer in DuckDB: read reports as ReportData, write results, suspects and verdicts."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime

import duckdb
import polars as pl

from pipelines.quality.data import agency_key
from pipelines.quality.model import CellV, ReportData
from pipelines.quality.run import Outcome
from pipelines.warehouse import replace_rows



def load_reports(conn: duckdb.DuckDBPyConnection) -> list[ReportData]:
    """Every extracted report with its cells, claims, issues and text."""
    reports = {}
    for (rid, doc_type, template, year, agency, level, pub, meta, text) in conn.execute(
        """select r.report_id, r.doc_type, r.template, r.year, r.agency, r.admin_level,
                  strftime(r.publication_date, '%Y-%m-%d'), r.metadata, t.text
           from reports r left join document_text t on t.document_id = r.report_id order by r.report_id"""
    ).fetchall():
        metadata = json.loads(meta) if meta else {}
        reports[rid] = ReportData(rid, doc_type, template, year, agency, level, pub, metadata, text=text,
                                  agency_key=agency_key(agency, metadata.get("region_code"), level))
    for rid, t, r, c, value, semantic, raw in conn.execute(
        "select report_id, table_key, row_key, col_key, value, semantic, value_raw from report_cells"
    ).fetchall():
        reports[rid].cells[(t, r, c)] = CellV(value, semantic, raw)
    claims = defaultdict(list)
    for rid, claim, value, unit, qualifier, text, offset in conn.execute(
        'select report_id, claim, value, unit, qualifier, text, "offset" from narrative_claims'
    ).fetchall():
        claims[rid].append({"claim": claim, "value": value, "unit": unit, "qualifier": qualifier, "text": text,
                            "offset": offset})
    issues = defaultdict(list)
    for rid, code, severity, message, location in conn.execute(
        "select report_id, code, severity, message, location from extraction_issues"
    ).fetchall():
        issues[rid].append({"code": code, "severity": severity, "message": message, "location": location})
    for rid, report in reports.items():
        report.claims, report.issues = claims.get(rid, []), issues.get(rid, [])
    return list(reports.values())


def aliases(conn: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(conn.execute("select alias_key, canonical_key from agency_aliases").fetchall())


def write_outcome(conn: duckdb.DuckDBPyConnection, outcome: Outcome, at: datetime) -> None:
    """Replace the three tables with this run's results (every report is checked on every run: the
    cross-year rules of a report change when its neighbours arrive)."""
    frames = {
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
    replace_rows(conn, frames)
