"""`nianbao report`: a static HTML page of the key indicators and of data quality, by year, level and region.

Plotly draws in the reader's browser (Chinese place names need no server-side fonts); plotly.js is inlined
once, so the page works offline as a single file.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import duckdb
import plotly.express as px


def _figures(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, object]]:
    def df(query: str):
        return conn.execute(query).df()

    by_year = df("""select year::varchar as year, sum(apps_new) as new, sum(apps_closed) as closed,
                    sum(apps_carried_out) as carried_forward from mart_agency_year group by 1 order by 1""")
    mix = df("""select admin_level, outcome, sum(applications) as applications from mart_outcome_breakdown
                where applicant = 'total' group by all order by 1""")
    rates = df("""select coalesce(region, '(unknown)') as region, year::varchar as year, closure_rate,
                  substantive_disclosure_rate, dispute_rate from mart_region_level_year order by region""")
    quality = df("""select year::varchar as year, admin_level, sum(accepted) as accepted, sum(quarantined) as quarantined
                    from mart_quality group by all order by 1""")
    rules = df("""select rule_id, severity, count(distinct report_id) as reports_failing from check_results
                  where status = 'FAIL' group by all order by reports_failing desc""")
    figures = [
        ("Applications by year (new, closed, carried forward)",
         px.bar(by_year, x="year", y=["new", "closed", "carried_forward"], barmode="group")),
        ("Outcome mix by administrative level",
         px.bar(mix, x="admin_level", y="applications", color="outcome").update_layout(barnorm="fraction")),
        ("Closure, substantive disclosure and dispute rates by region and year",
         px.bar(rates.melt(id_vars=["region", "year"], var_name="rate"), x="region", y="value", color="rate",
                facet_col="year", barmode="group")),
        ("Reports accepted and quarantined, by year and level",
         px.bar(quality.melt(id_vars=["year", "admin_level"], var_name="verdict", value_name="reports"),
                x="year", y="reports", color="verdict", facet_col="admin_level")),
        ("Reports failing each rule", px.bar(rules, x="rule_id", y="reports_failing", color="severity")),
    ]
    return figures


def write_report(snapshot: Path, out: Path) -> Path:
    """Write the page from the published snapshot; return its path."""
    with duckdb.connect(str(snapshot), read_only=True) as conn:
        figures = _figures(conn)
        reports, accepted = conn.execute(
            "select count(*), count(*) filter (where status = 'accepted') from report_quality").fetchone()
    parts = ["<!doctype html><meta charset=utf-8><title>nianbao — indicators and data quality</title>",
             "<style>body{font-family:system-ui,sans-serif;margin:2rem}</style>",
             f"<h1>政府信息公开工作年度报告 — indicators and data quality</h1><p>{reports} reports, "
             f"{accepted} accepted (the indicators count accepted reports only).</p>"]
    for i, (title, fig) in enumerate(figures):
        fig.update_layout(height=420, margin={"t": 30})
        parts.append(f"<h2>{escape(title)}</h2>")
        parts.append(fig.to_html(full_html=False, include_plotlyjs="inline" if i == 0 else False))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    tmp.replace(out)
    return out
