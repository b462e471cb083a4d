"""The quality report people read: a static HTML page written beside the warehouse after every checks run."""

from __future__ import annotations

from collections import Counter, defaultdict
from html import escape
from pathlib import Path

import duckdb

from pipelines.audit.labels import cell_label
from pipelines.audit.sheet import sheet_name
from pipelines.quality.suites import Rule

_STYLE = """body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;
vertical-align:top}th{background:#f3f3f3}.FAIL{color:#b00020;font-weight:600}.hard{font-weight:600}
.accepted{color:#1b5e20}.quarantined{color:#b00020}small{color:#666}"""


MAX_REPORTS = 300  # reports listed with their failures; the counts above cover all of them
AUDIT_DIR = "audit"  # the audit sheets, beside this page (pipelines/audit/build.py, written when publishing)
DATA_DOCS = "gx/data_docs/index.html"  # Great Expectations' Data Docs of the runs' validations, beside this page


def write_report(path: Path, conn: duckdb.DuckDBPyConnection, rules: list[Rule], generated: str) -> Path:
    """Write the HTML page from the warehouse: verdicts, every rule with its counts, and the failing
    instances and suspect cells of the first MAX_REPORTS reports (quarantined first)."""
    status: dict[str, Counter] = defaultdict(Counter)
    failing_reports: dict[str, int] = {}
    for rule_id, st, n, reports in conn.execute(
            "select rule_id, status, count(*), count(distinct report_id) from check_results group by all").fetchall():
        status[rule_id][st] = n
        if st == "FAIL":
            failing_reports[rule_id] = reports
    verdicts = Counter(dict(conn.execute("select status, count(*) from report_quality group by all").fetchall()))
    total = sum(verdicts.values())
    parts = ['<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" lang="zh-CN"><head><meta charset="utf-8"/>',
             f"<title>nianbao quality report — 数据质量</title><style>{_STYLE}</style></head><body>",
             f"<h1>Data quality — 数据质量</h1><p><small>generated {escape(generated)}</small></p>",
             f'<p>{total} reports: <span class="accepted">{verdicts["accepted"]} accepted</span>, '
             f'<span class="quarantined">{verdicts["quarantined"]} quarantined</span>. '
             f'<a href="{AUDIT_DIR}/index.html">审核单 — the audit sheet of every report</a> '
             f"<small>(written by the publish step of the run)</small> · "
             f'<a href="{DATA_DOCS}">Great Expectations Data Docs</a> <small>(the suites and every run\'s '
             f"validation results)</small></p>",
             '<h2>Rules</h2><table id="rules"><thead><tr><th>rule</th><th>severity</th><th>描述 / description</th>'
             "<th>tolerance</th><th>reports failing</th><th>PASS</th><th>FAIL</th><th>NOT_ASSESSABLE</th></tr></thead>"
             "<tbody>"]
    for rule in rules:
        c, n = status[rule.id], failing_reports.get(rule.id, 0)
        parts.append(f'<tr class="rule"><td class="{"hard" if rule.hard else ""}">{rule.id}</td><td>{rule.severity}</td>'
                     f"<td>{escape(rule.zh)}<br/><small>{escape(rule.en)}</small></td><td>{rule.tolerance:g}</td>"
                     f'<td class="{"FAIL" if n else ""}">{n}</td>'
                     f"<td>{c['PASS']}</td><td>{c['FAIL']}</td><td>{c['NOT_ASSESSABLE']}</td></tr>")
    parts.append("</tbody></table>")
    listed = conn.execute(
        """select q.report_id, coalesce(d.original_name, q.report_id), q.status, q.reason, q.notes
           from report_quality q left join documents d on d.id = q.report_id
           where q.status = 'quarantined' or exists (select 1 from check_results c
                                                     where c.report_id = q.report_id and c.status = 'FAIL')
           order by q.status <> 'quarantined', 2 limit ?""", [MAX_REPORTS]).fetchall()
    shown = [r[0] for r in listed]
    results, suspects = defaultdict(list), defaultdict(list)
    if shown:
        for rid, rule_id, severity, scope, observed, expected, message in conn.execute(
                """select report_id, rule_id, severity, scope, observed, expected, message from check_results
                   where status = 'FAIL' and report_id in (select unnest(?)) order by rule_id, scope""",
                [shown]).fetchall():
            results[rid].append((rule_id, severity, scope, observed, expected, message))
        for rid, t, r, c, reported, suggested, explained, unique in conn.execute(
                """select report_id, table_key, row_key, col_key, reported, suggested, rules_explained, is_unique
                   from suspect_cells where report_id in (select unnest(?))""", [shown]).fetchall():
            suspects[rid].append((t, r, c, reported, suggested, explained, unique))
    parts.append(f"<h2>Reports with failures</h2><p><small>the first {len(listed)} (quarantined first, then by "
                 f"name); every result is in the warehouse tables check_results and suspect_cells, every report's "
                 f'audit sheet in <a href="{AUDIT_DIR}/index.html">{AUDIT_DIR}/</a></small></p>')
    for rid, name, st, reason, notes in listed:
        parts.append(f'<section class="report" id="r-{rid[:16]}"><h3>{escape(name)} — <span class="{st}">{st}</span> '
                     f'<small><a href="{AUDIT_DIR}/{sheet_name(rid)}">审核单</a></small></h3>'
                     f"<p>{escape(reason or '')}</p><table class=\"results\"><thead><tr><th>rule</th><th>scope</th>"
                     "<th>observed</th><th>expected</th><th>message</th></tr></thead><tbody>")
        for rule_id, severity, scope, observed, expected, message in results[rid]:
            parts.append(f'<tr><td class="{"hard" if severity == "hard" else ""}">{rule_id}</td>'
                         f"<td>{escape(scope or '')}</td><td>{_n(observed)}</td><td>{_n(expected)}</td>"
                         f"<td>{escape(message or '')}</td></tr>")
        parts.append("</tbody></table>")
        for t, r, c, reported, suggested, explained, unique in suspects[rid]:
            parts.append(f'<p class="suspect">Suspect cell{"" if unique else " (one of several)"}: '
                         f"<b>{escape(cell_label(t, r, c))}</b> <small>({t}.{r}.{c})</small> printed "
                         f"{_n(reported)}, {_n(suggested)} would make {', '.join(explained or [])} hold.</p>")
        for note in notes or []:
            parts.append(f"<p><small>{escape(note)}</small></p>")
        parts.append("</section>")
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _n(value) -> str:
    return "" if value is None else f"{value:g}"
