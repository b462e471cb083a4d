"""Marts layer: indicators of accepted reports (spec §5), and their safe publication and export."""

from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.checks import CHECK_RESULTS
from assets.metadata import md_table
from pipelines.audit.build import warehouse_texts, write_audit
from pipelines.marts.build import MARTS, Mart, build_marts, export, publish, registry
from pipelines.marts.charts import write_report
from pipelines.resources import IngestSettings
from pipelines.storage.runlock import RunLock

# Each mart's description, grain and preview columns are its registry entry: the header of its SQL file
# (pipelines/marts/sql/, read by pipelines.marts.build.registry).
_MARTS = {m.name: m for m in registry()}


def mart_spec(mart: Mart) -> dg.AssetSpec:
    """A mart's asset, described by its registry entry (English, then Chinese, then its grain)."""
    return dg.AssetSpec(["marts", mart.name], group_name="marts", deps=[CHECK_RESULTS], kinds={"duckdb"},
                        description=f"{mart.description}\n\n{mart.description_zh}\n\nGrain: {mart.grain}.")


# What a mart's preview shows in the UI: the `preview:` columns of its header (who, where, when and the key
# figures, never the 64-character ids), the most recent years first; rates rounded to 4 places.
_ROUNDED = ("_rate", "_yoy", "_change")


def preview(conn, mart: str, limit: int = 10) -> tuple[list[str], list[tuple]]:
    """The preview of a mart for its asset metadata: (columns, rows), key columns and figures only."""
    present = {d[0] for d in conn.execute(f"select * from {mart} limit 0").description}
    columns = [c for c in (_MARTS[mart].preview if mart in _MARTS else ()) if c in present] or \
        [c for c in present if c not in ("report_id", "agency_id", "logical_report", "sources")][:10]
    select = ", ".join(f"round({c}, 4) as {c}" if c.endswith(_ROUNDED) and c != "previous_year" else c
                       for c in columns)
    order = ", ".join(c for c in ("year desc", "agency", "region", "admin_level") if c.split()[0] in columns)
    rows = conn.execute(f"select {select} from {mart}{' order by ' + order if order else ''} limit ?", [limit]).fetchall()
    counts = [not c.endswith(_ROUNDED) or c == "previous_year" for c in columns]  # counts stored as DOUBLE: 9, not 9.0
    return columns, [tuple(int(v) if count and isinstance(v, float) and v.is_integer() else v
                           for v, count in zip(row, counts)) for row in rows]


@dg.multi_asset(
    specs=[mart_spec(_MARTS[m]) for m in MARTS],
    pool="duckdb", can_subset=False,
)
def marts(warehouse: DuckDBResource):
    """Build every mart from the accepted reports, in the warehouse."""
    with warehouse.get_connection() as conn:
        counts = build_marts(conn)
        previews = {m: preview(conn, m) for m in MARTS}
    for mart in MARTS:
        cols, rows = previews[mart]
        yield dg.MaterializeResult(asset_key=["marts", mart], metadata={
            "dagster/row_count": counts[mart], "preview": md_table(cols, rows, limit=10)})


@dg.asset(key=["publish", "snapshot"], group_name="publish", deps=[["marts", m] for m in MARTS], kinds={"duckdb"},
          pool="duckdb")
def snapshot(warehouse: DuckDBResource, run_lock: RunLock, settings: IngestSettings):
    """The published snapshot users query (data/published/nianbao.duckdb, replaced atomically), every mart
    as Parquet and CSV in data/exports/, the charts page data/report.html, and the audit sheet (审核单) of every
    report with their index in data/audit/ (only the sheets of reports checked again are re-written)."""
    data_dir = Path(warehouse.database).parent
    with warehouse.get_connection() as conn:
        path = publish(conn, data_dir / "published")
    files = export(path, data_dir / "exports")
    page = write_report(path, data_dir / "report.html")

    def texts(ids: list[str]) -> dict[str, str]:
        with warehouse.get_connection() as conn:
            return warehouse_texts(conn, ids)

    audit = write_audit(path, data_dir / "audit", generated=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                        texts=texts, workers=settings.worker_count)
    return dg.MaterializeResult(metadata={
        "snapshot": dg.MetadataValue.path(str(path)),
        "report": dg.MetadataValue.path(str(page)),
        "audit_sheets": dg.MetadataValue.path(str(audit["index"])),
        "audit_sheets_written_this_run": audit["sheets_written"],
        "audit_index_pages": audit["index_pages"],
        "exports": md_table(["file", "bytes"], [(f.name, f.stat().st_size) for f in files], limit=40),
        "query_with": f"nianbao sql \"select * from mart_agency_year\"  (or duckdb -readonly {path})",
    })


@dg.asset_check(asset=["marts", "mart_agency_year"], blocking=True)
def only_accepted_reports_and_rates_in_range(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    """The mart holds accepted reports only, once each and one per logical report (agency × year × scope: no
    report counted twice through a copy, an older version or a rival), and every rate lies in [0, 1]."""
    rates = ("closure_rate", "grant_rate", "substantive_disclosure_rate", "denial_rate", "unable_rate",
             "not_processed_rate", "other_handling_rate", "not_held_rate")
    with warehouse.get_connection() as conn:
        not_accepted = conn.execute(
            "select count(*) from mart_agency_year m left join report_quality q using (report_id) "
            "where q.status is distinct from 'accepted'").fetchone()[0]
        duplicated = conn.execute(
            "select count(*) - count(distinct report_id) from mart_agency_year").fetchone()[0]
        counted_twice = conn.execute(
            "select count(*) - count(distinct logical_report) from mart_agency_year").fetchone()[0]
        not_current = conn.execute(
            "select count(*) from mart_agency_year m left join report_versions v using (report_id) "
            "where v.status is distinct from 'current' or v.primary_id <> v.report_id").fetchone()[0]
        out_of_range = conn.execute(
            "select count(*) from mart_agency_year where " + " or ".join(f"{r} not between 0 and 1" for r in rates)
        ).fetchone()[0]
    return dg.AssetCheckResult(passed=not (not_accepted or duplicated or counted_twice or not_current or out_of_range),
                               metadata={"not_accepted": not_accepted, "duplicated": duplicated,
                                         "logical_reports_counted_twice": counted_twice,
                                         "not_the_current_version": not_current, "rates_out_of_range": out_of_range})
