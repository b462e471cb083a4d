"""Marts layer: indicators of accepted reports (spec §5), and their safe publication and export."""

from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.checks import CHECK_RESULTS
from assets.metadata import md_table
from pipelines.audit.build import warehouse_texts, write_audit
from pipelines.marts.build import MARTS, build_marts, export, publish
from pipelines.marts.charts import write_report
from pipelines.storage.runlock import RunLock

_DESCRIPTIONS = {
    "mart_agency_year": "One row per logical report (agency × year × scope) whose current version is accepted: "
                        "agency, level, region, year, template and every indicator.",
    "mart_region_level_year": "Per region, level and year: sums, agency counts, rates from summed numerators and "
                              "denominators, P25/P50/P75 of agency rates.",
    "mart_outcome_breakdown": "Long: region/level/year × outcome row × applicant column.",
    "mart_review_litigation": "Administrative review and litigation per region/level/year and block.",
    "mart_active_disclosure_v2019": "T2 cells of accepted 2019-template reports (never unioned with v2021).",
    "mart_active_disclosure_v2021": "T2 cells of accepted 2021-template reports (never unioned with v2019).",
    "mart_quality": "Per region/level/year, all reports: accepted, quarantined, failures per rule, most common errors; "
                    "superseded and conflicting versions, duplicate sources, withdrawn documents.",
    "mart_agency_yoy": "Year-over-year changes per agency (agency identity key, renames through agency_aliases).",
}


# What a mart's preview shows in the UI: who, where, when and the key figures (never the 64-character ids),
# the most recent years first; rates rounded to 4 places.
_PREVIEW = {
    "mart_agency_year": ["agency", "admin_level", "region", "year", "template", "apps_new", "apps_closed", "granted",
                         "closure_rate", "substantive_disclosure_rate", "admin_review_total", "litigation_total"],
    "mart_region_level_year": ["region", "admin_level", "year", "reports", "agencies", "apps_new", "closure_rate",
                               "substantive_disclosure_rate", "dispute_rate"],
    "mart_outcome_breakdown": ["region", "admin_level", "year", "outcome", "applicant", "applications", "reports"],
    "mart_review_litigation": ["region", "admin_level", "year", "block", "upheld", "corrected", "other_outcome",
                               "pending", "total", "correction_rate"],
    "mart_active_disclosure_v2019": ["agency", "admin_level", "region", "year", "table_key", "row_key", "col_key",
                                     "value"],
    "mart_active_disclosure_v2021": ["agency", "admin_level", "region", "year", "table_key", "row_key", "col_key",
                                     "value"],
    "mart_quality": ["region", "admin_level", "year", "reports", "accepted", "quarantined", "hard_failures",
                     "soft_warnings", "most_common_errors"],
    "mart_agency_yoy": ["agency", "admin_level", "region", "year", "previous_year", "apps_new", "apps_new_previous",
                        "apps_new_yoy", "closure_rate_change", "admin_review_change", "litigation_change"],
}
_ROUNDED = ("_rate", "_yoy", "_change")


def preview(conn, mart: str, limit: int = 10) -> tuple[list[str], list[tuple]]:
    """The preview of a mart for its asset metadata: (columns, rows), key columns and figures only."""
    present = {d[0] for d in conn.execute(f"select * from {mart} limit 0").description}
    columns = [c for c in _PREVIEW.get(mart, []) if c in present] or \
        [c for c in present if c not in ("report_id", "agency_id", "logical_report", "sources")][:10]
    select = ", ".join(f"round({c}, 4) as {c}" if c.endswith(_ROUNDED) and c != "previous_year" else c
                       for c in columns)
    order = ", ".join(c for c in ("year desc", "agency", "region", "admin_level") if c.split()[0] in columns)
    rows = conn.execute(f"select {select} from {mart}{' order by ' + order if order else ''} limit ?", [limit]).fetchall()
    counts = [not c.endswith(_ROUNDED) or c == "previous_year" for c in columns]  # counts stored as DOUBLE: 9, not 9.0
    return columns, [tuple(int(v) if count and isinstance(v, float) and v.is_integer() else v
                           for v, count in zip(row, counts)) for row in rows]


@dg.multi_asset(
    specs=[dg.AssetSpec(["marts", m], group_name="marts", deps=[CHECK_RESULTS], kinds={"duckdb"},
                        description=_DESCRIPTIONS[m]) for m in MARTS],
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
def snapshot(warehouse: DuckDBResource, run_lock: RunLock):
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
                        texts=texts)
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
