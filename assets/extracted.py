"""Extracted layer: every decoded document turned into the record of the extraction contract."""

from datetime import datetime, timezone

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.metadata import md_table
from pipelines.extract.parallel import extract_all
from pipelines.settings import IngestSettings
from pipelines.progress import progress
from pipelines.reports_store import pending_extraction, write_records
from pipelines.warehouse import ensure_schema, load_decoded

BATCH = 500


@dg.asset(key=["extracted", "reports"], group_name="extracted", deps=[["text", "document_text"]],
          kinds={"duckdb", "polars"}, pool="duckdb")
def reports(context: dg.AssetExecutionContext, warehouse: DuckDBResource, settings: IngestSettings):
    """One row per document (report_id = its sha256): doc_type, agency, level, region, year, template, status.

    Its cells are in `report_cells` (one row per table/row/column, value NULL for placeholders), with
    `extraction_issues` and the figures the prose states in `narrative_claims`. Only documents not yet
    extracted by this extractor version are read; re-extraction replaces a report's rows.
    """
    at = datetime.now(timezone.utc)
    with warehouse.get_connection() as conn:
        ensure_schema(conn)
        pending = pending_extraction(conn)

        def batches():
            for start in range(0, len(pending), BATCH):
                batch = pending[start:start + BATCH]
                decoded = load_decoded(conn, [doc_id for doc_id, _ in batch])
                yield [(doc_id, decoded[doc_id], fmt) for doc_id, fmt in batch]

        # small runs stay in-process: starting workers costs more than it saves
        workers = settings.worker_count if len(pending) >= 200 else 1
        for records in progress(extract_all(batches(), workers), "extract", total=-(-len(pending) // BATCH)):
            write_records(conn, records, at)
        by_type = conn.execute("select doc_type, status, count(*) from reports group by all order by all").fetchall()
        preview = conn.execute(
            "select left(report_id, 12), doc_type, agency, year, template, source_format, status, n_cells, n_issues "
            "from reports order by extracted_at desc, report_id limit 20"
        ).fetchall()
        top_issues = conn.execute(
            "select code, severity, count(*) from extraction_issues group by all order by 3 desc limit 10"
        ).fetchall()
        total = conn.execute("select count(*) from reports").fetchone()[0]
    context.log.info(f"extracted {len(pending)} documents")
    return dg.MaterializeResult(
        metadata={
            "extracted_this_run": len(pending),
            "reports_by_type_status": {f"{t}/{s}": n for t, s, n in by_type},
            "preview": md_table(["id", "doc_type", "agency", "year", "template", "format", "status", "cells",
                                 "issues"], preview),
            "most_common_issues": md_table(["code", "severity", "reports"], top_issues),
            "dagster/row_count": total,
        }
    )


@dg.asset_check(asset=["extracted", "reports"], blocking=True)
def one_report_per_document_no_duplicate_cells(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    """Every decoded document has exactly one report, and no cell is stored twice."""
    with warehouse.get_connection() as conn:
        missing = conn.execute(
            "select count(*) from document_text t join documents d on d.id = t.document_id "
            "where d.status = 'accepted' and not exists (select 1 from reports r where r.report_id = t.document_id)"
        ).fetchone()[0]
        duplicates = conn.execute(
            "select count(*) from (select 1 from report_cells group by report_id, table_key, row_key, col_key "
            "having count(*) > 1)").fetchone()[0]
    return dg.AssetCheckResult(passed=missing == 0 and duplicates == 0,
                               metadata={"documents_without_report": missing, "duplicate_cells": duplicates})
