"""The extracted layer in the lake: records as the rows of `reports`, `report_cells`,
`extraction_issues` and `narrative_claims` (Polars frames written per shard; the load asset copies them
into DuckDB, where a re-extraction replaces the report's rows)."""

from __future__ import annotations

import json
from datetime import date, datetime

import polars as pl

from pipelines.extract.record import EXTRACTOR_VERSION, Record
from pipelines.storage.lake import Lake

REPORT_SCHEMA = {
    "report_id": pl.String, "doc_type": pl.String, "agency": pl.String, "admin_level": pl.String, "region": pl.String,
    "region_code": pl.String, "year": pl.Int32, "template": pl.String, "publication_date": pl.Date,
    "source_format": pl.String, "status": pl.String, "n_cells": pl.Int32, "n_issues": pl.Int32,
    "extractor_version": pl.String, "extracted_at": pl.Datetime("us", "UTC"), "metadata": pl.String,
}
CELL_SCHEMA = {"report_id": pl.String, "table_key": pl.String, "row_key": pl.String, "col_key": pl.String,
               "value": pl.Float64, "value_raw": pl.String, "semantic": pl.String, "unit": pl.String,
               "source_start": pl.Int32, "source_end": pl.Int32, "source_page": pl.Int32, "source_table": pl.Int32,
               "source_grid_row": pl.Int32, "source_grid_row_end": pl.Int32}
_CLAIM_FIELDS = ("claim", "value", "unit", "qualifier", "text", "offset")


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def frames(records: list[Record], at: datetime, version: str | None = None) -> dict[str, pl.DataFrame]:
    """The four tables' rows for a batch of records, extracted by `version` (by default this one)."""
    version = version or EXTRACTOR_VERSION
    reports = pl.DataFrame(
        [
            {
                "report_id": r.report_id, "doc_type": r.doc_type, "agency": r.agency, "admin_level": r.admin_level,
                "region": r.region, "region_code": r.metadata.get("region_code"), "year": r.year,
                "template": r.template, "publication_date": _date(r.publication_date),
                "source_format": r.source_format, "status": r.status,
                "n_cells": sum(len(c) for rows in r.cells.values() for c in rows.values()),
                "n_issues": len(r.issues), "extractor_version": version, "extracted_at": at,
                "metadata": json.dumps(r.metadata, ensure_ascii=False, default=str),
            }
            for r in records
        ],
        schema=REPORT_SCHEMA,
    )
    # a row read from the text has offsets into it (its page is set on loading, from the text's page starts);
    # a row read from a table grid has the grid's coordinates, its page the grid's. Built as columns, not a
    # dict per cell: a report has ~100 cells, and the dicts cost more than the rest of writing its rows.
    columns: dict[str, list] = {name: [] for name in CELL_SCHEMA}
    (report_ids, table_keys, row_keys, col_keys, values, raws, semantics, units, starts, ends, grid_pages,
     grid_tables, grid_rows, grid_row_ends) = columns.values()
    for r in records:
        for t, rows in r.cells.items():
            for row, cols in rows.items():
                span = r.provenance.get(f"{t}.{row}") or r.provenance.get(f"{t}.*")
                grid = r.grid_provenance.get(f"{t}.{row}") or r.grid_provenance.get(f"{t}.*")
                n = len(cols)
                report_ids += [r.report_id] * n
                table_keys += [t] * n
                row_keys += [row] * n
                starts += [span[0] if span else None] * n
                ends += [span[1] if span else None] * n
                grid_pages += [grid[0] if grid else None] * n
                grid_tables += [grid[1] if grid else None] * n
                grid_rows += [grid[2] if grid else None] * n
                grid_row_ends += [grid[3] if grid else None] * n
                for col, cell in cols.items():
                    col_keys.append(col)
                    values.append(None if cell.value is None else float(cell.value))
                    raws.append(cell.raw)
                    semantics.append(cell.semantic)
                    units.append(cell.unit)
    cells = pl.DataFrame(columns, schema=CELL_SCHEMA)
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


def pending_extraction(lake: Lake, shard: str) -> list[tuple[str, dict[str, str]]]:
    """Decoded documents of a shard with no report from this extractor version, grouped by the text
    file they are in: [(file name, {document id: format})]."""
    done = lake.ids("reports", shard, "report_id", pl.col("extractor_version") == EXTRACTOR_VERSION)
    formats = dict(lake.manifest(shard).select("id", "format").iter_rows())
    out = []
    for path in lake.parts("document_text", shard):
        ids = pl.read_parquet(path, columns=["document_id"])["document_id"].to_list()
        pending = {i: formats.get(i, "text") for i in ids if i not in done}
        if pending:
            out.append((path.name, pending))
    return out
