"""`nianbao report`: a static HTML page of the key indicators and of data quality, by year, level and region.

Plotly draws in the reader's browser (Chinese place names need no server-side fonts); plotly.js is inlined
once, so the page works offline as a single file. Every chart shows what its title says: rates are
recomputed from summed numerators and denominators (never stacked, never averaged), shares are shares,
years run in order, and every axis, legend and level is in Chinese.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import duckdb
import plotly.express as px

from pipelines.contract import TABLES, split_numbering
from pipelines.contract.identities import detail_rows

LEVELS = {"central": "中央", "provincial": "省级", "prefectural": "地市级", "county": "县级", "township": "乡镇级"}
LEVEL_ORDER = list(LEVELS.values()) + ["未知"]


def _outcome_groups() -> tuple[tuple[tuple[str, ...], str], ...]:
    """T3's result rows grouped as the template groups them (三、本年度办理结果 (一)…(六)), read from
    templates.yml, as (row keys, name): a row printed under the results by itself, or a second-level group's
    rows with its subtotal row (`total`: denied_total, which the marts derive); each named by its label
    without numbering or note (（二）部分公开（区分处理的，…） → 部分公开)."""
    t3 = TABLES["t3_applications"]
    one_row = {e["as_one_row"]: g for g, e in t3["groups"].items() if "as_one_row" in e}
    out: dict[str, tuple[list[str], str]] = {}  # by group, or by row for a row by itself
    for row in detail_rows("t3_applications"):  # the outcome rows (一)…(六), in the template's order
        group = t3["rows"][row]["group"]
        group = one_row.get(row, group if "within" in t3["groups"][group] else None)
        label = t3["groups"][group]["label"] if group else t3["rows"][row]["label"]
        out.setdefault(group or row, ([], split_numbering(label)[1].split("（")[0]))[0].append(row)
    for group, (rows, _) in out.items():
        total = t3["groups"].get(group, {}).get("total")
        if total and total not in rows:
            rows.append(total)
    return tuple((tuple(rows), name) for rows, name in out.values())


OUTCOME_GROUPS = _outcome_groups()
RATES = (("closure_rate", "办结率"), ("substantive_disclosure_rate", "实质公开率"), ("dispute_rate", "争议转化率"))
VERDICTS = {"accepted": "通过（计入指标）", "quarantined": "隔离（未通过硬性规则或非年报）"}
SEVERITIES = {"hard": "硬性规则", "soft": "提示性规则"}


def _level(sql_column: str) -> str:
    cases = " ".join(f"when '{k}' then '{v}'" for k, v in LEVELS.items())
    return f"case {sql_column} {cases} else '未知' end"


def _outcome(sql_column: str) -> str:
    cases = []
    for rows, name in OUTCOME_GROUPS:
        keys = ", ".join(f"'{row}'" for row in rows)
        cases.append(f"when {sql_column} in ({keys}) then '{name}'")
    return f"case {' '.join(cases)} end"


def figure_data(conn: duckdb.DuckDBPyConnection) -> dict:
    """The numbers behind every chart (pandas frames), by chart key; pure reads of the snapshot."""
    def df(query: str):
        return conn.execute(query).df()

    return {
        "by_year": df("""select year::varchar as 年度, sum(apps_new) as 本年新收, sum(apps_closed) as 本年办结,
                         sum(apps_carried_out) as 结转下年度 from mart_agency_year group by year order by year"""),
        "mix": df(f"""with x as (select {_level('admin_level')} as 层级, {_outcome('outcome')} as 办理结果,
                                      sum(applications) as n
                               from mart_outcome_breakdown where applicant = 'total' group by all)
                      select 层级, 办理结果, n / nullif(sum(n) over (partition by 层级), 0) as 占比
                      from x where 办理结果 is not null order by 层级, 办理结果"""),
        "rates": df(f"""select year::varchar as 年度, {_level('admin_level')} as 层级,
                               sum(apps_closed) / nullif(sum(apps_workload), 0) as 办结率,
                               sum(disclosed_substantive) / nullif(sum(apps_closed), 0) as 实质公开率,
                               sum(admin_review_total + litigation_direct_total) / nullif(sum(apps_closed), 0)
                                   as 争议转化率
                        from mart_agency_year group by all order by 年度, 层级"""),
        "quality": df(f"""select year::varchar as 年度, {_level('admin_level')} as 层级,
                                 sum(accepted) as accepted, sum(quarantined) as quarantined
                          from mart_quality where year is not null group by all order by 年度"""),
        "rules": df("""select rule_id as 规则, severity, count(distinct report_id) as 报告数 from check_results
                       where status = 'FAIL' group by all order by 报告数 desc, 规则"""),
    }


def _counts(values) -> dict:
    """A count axis from 0 with whole-number ticks (no 0.5 report)."""
    top = max([v for v in values if v == v] or [0])
    return {"rangemode": "tozero", "tick0": 0, "dtick": 1 if top <= 10 else None, "tickformat": ",d"}


def figures(data: dict) -> list[tuple[str, object]]:
    """Every chart with its title, from `figure_data`."""
    years = {"年度": sorted(set(data["by_year"]["年度"]) | set(data["rates"]["年度"]) | set(data["quality"]["年度"]))}
    levels = {"层级": [lvl for lvl in LEVEL_ORDER if lvl in set(data["rates"]["层级"]) | set(data["mix"]["层级"])
                     | set(data["quality"]["层级"])]}
    by_year = data["by_year"].melt(id_vars=["年度"], var_name="项目", value_name="申请件数")
    rates = data["rates"].melt(id_vars=["年度", "层级"], var_name="指标", value_name="比率")
    quality = data["quality"].melt(id_vars=["年度", "层级"], var_name="审核结果", value_name="报告数")
    quality["审核结果"] = quality["审核结果"].map(VERDICTS)
    rules = data["rules"].assign(规则类型=data["rules"]["severity"].map(SEVERITIES))
    out = [
        ("各年度政府信息公开申请：新收、办结与结转下年度（件）",
         px.bar(by_year, x="年度", y="申请件数", color="项目", barmode="group", category_orders=years)),
        ("各层级办理结果构成（占该层级办理结果总数的比例）",
         px.bar(data["mix"], x="层级", y="占比", color="办理结果", category_orders={
             **levels, "办理结果": [v for _, v in OUTCOME_GROUPS]}).update_yaxes(tickformat=".0%", range=[0, 1])),
        ("各层级办结率、实质公开率与争议转化率（按年度，由汇总的分子分母重新计算）",
         px.line(rates, x="年度", y="比率", color="层级", facet_col="指标", markers=True,
                 category_orders={**years, **levels, "指标": [v for _, v in RATES]})
         .update_yaxes(tickformat=".0%", rangemode="tozero")),
        ("各年度报告审核结果（按层级）",
         px.bar(quality, x="年度", y="报告数", color="审核结果", facet_col="层级", barmode="group",
                category_orders={**years, **levels}).update_yaxes(**_counts(quality["报告数"]))),
        ("各规则未通过的报告数",
         px.bar(rules, x="规则", y="报告数", color="规则类型").update_yaxes(**_counts(rules["报告数"]))),
    ]
    for _, fig in out:
        fig.for_each_annotation(lambda a: a.update(text=a.text.split("=")[-1]))  # facet titles: the value only
        fig.update_layout(bargap=0.25, legend_title_text="", font_family="Noto Sans CJK SC, sans-serif")
        fig.update_xaxes(type="category")
    return out


def write_report(snapshot: Path, out: Path) -> Path:
    """Write the page from the published snapshot; return its path."""
    with duckdb.connect(str(snapshot), read_only=True) as conn:
        charts = figures(figure_data(conn))
        reports, accepted = conn.execute(
            "select count(*), count(*) filter (where status = 'accepted') from report_quality").fetchone()
    parts = ["<!doctype html><html lang=zh-CN><meta charset=utf-8><title>政府信息公开工作年度报告 — 指标与数据质量</title>",
             "<style>body{font-family:'Noto Sans CJK SC',system-ui,sans-serif;margin:2rem}</style>",
             f"<h1>政府信息公开工作年度报告 — 指标与数据质量</h1><p>共 {reports} 份报告，其中 {accepted} 份通过审核"
             "（各项指标只统计通过审核的报告）。</p>"]
    for i, (title, fig) in enumerate(charts):
        fig.update_layout(height=440, margin={"t": 40})
        parts.append(f"<h2>{escape(title)}</h2>")
        parts.append(fig.to_html(full_html=False, include_plotlyjs="inline" if i == 0 else False))
    parts.append("</html>")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text("\n".join(parts), encoding="utf-8")
    tmp.replace(out)
    return out
