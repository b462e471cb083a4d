"""Loading extracted records into DuckDB: Polars frames → Arrow → one transaction per batch.

Re-extraction replaces a report's rows (delete, then insert, in one transaction): never duplicated.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import duckdb
import polars as pl

from pipelines.extract.record import EXTRACTOR_VERSION, Record
from pipelines.warehouse import replace_rows

_CLAIM_FIELDS = ("claim", "value", "unit", "qualifier", "text", "offset")


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def frames(records: list[Record], at: datetime) -> dict[str, pl.DataFrame]:
    """The four tables' rows for a batch of records."""
    reports = pl.DataFrame(
        [
            {
                "report_id": r.report_id, "doc_type": r.doc_type, "agency": r.agency, "admin_level": r.admin_level,
                "region": r.region, "region_code": r.metadata.get("region_code"), "year": r.year,
                "template": r.template, "publication_date": _date(r.publication_date),
                "source_format": r.source_format, "status": r.status,
                "n_cells": sum(len(c) for rows in r.cells.values() for c in rows.values()),
                "n_issues": len(r.issues), "extractor_version": EXTRACTOR_VERSION, "extracted_at": at,
                "metadata": json.dumps(r.metadata, ensure_ascii=False, default=str),
            }
            for r in records
        ],
        schema_overrides={"year": pl.Int32, "publication_date": pl.Date, "n_cells": pl.Int32, "n_issues": pl.Int32},
    )
    cells = pl.DataFrame(
        [
            {"report_id": r.report_id, "table_key": t, "row_key": row, "col_key": col,
             "value": None if cell.value is None else float(cell.value), "value_raw": cell.raw,
             "semantic": cell.semantic, "unit": cell.unit}
            for r in records for t, rows in r.cells.items() for row, cols in rows.items() for col, cell in cols.items()
        ],
        schema={"report_id": pl.String, "table_key": pl.String, "row_key": pl.String, "col_key": pl.String,
                "value": pl.Float64, "value_raw": pl.String, "semantic": pl.String, "unit": pl.String},
    )
    issues = pl.DataFrame(
        [{"report_id": r.report_id, **{k: i.get(k) for k in ("code", "severity", "message", "location")}}
         for r in records for i in r.issues],
        schema={k: pl.String for k in ("report_id", "code", "severity", "message", "location")},
    )
    claims = pl.DataFrame(
        [{"report_id": r.report_id, **{k: c.get(k) for k in _CLAIM_FIELDS}} for r in records for c in r.claims],
        schema={"report_id": pl.String, "claim": pl.String, "value": pl.Float64, "unit": pl.String,
                "qualifier": pl.String, "text": pl.String, "offset": pl.Int32},
    )
    return {"reports": reports, "report_cells": cells, "extraction_issues": issues, "narrative_claims": claims}


def write_records(conn: duckdb.DuckDBPyConnection, records: list[Record], at: datetime) -> None:
    """Replace the rows of each record's report in the four tables."""
    if not records:
        return
    replace_rows(conn, frames(records, at), [r.report_id for r in records])


def pending_extraction(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Decoded documents with no report from this extractor version: (document id, format)."""
    return conn.execute(
        """
        select d.id, d.format from documents d join document_text t on t.document_id = d.id
        where d.status = 'accepted'
          and not exists (select 1 from reports r where r.report_id = d.id and r.extractor_version = ?)
        order by d.id
        """,
        [EXTRACTOR_VERSION],
    ).fetchall()
