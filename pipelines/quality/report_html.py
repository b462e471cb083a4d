"""The quality report people read: a static HTML page per validation run, written beside the warehouse."""

from __future__ import annotations

from collections import Counter, defaultdict
from html import escape
from pathlib import Path

from pipelines.quality.run import Outcome
from pipelines.quality.suites import Rule

_STYLE = """body{font-family:system-ui,'Noto Sans CJK SC',sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:left;
vertical-align:top}th{background:#f3f3f3}.FAIL{color:#b00020;font-weight:600}.hard{font-weight:600}
.accepted{color:#1b5e20}.quarantined{color:#b00020}small{color:#666}"""


def write_report(path: Path, outcome: Outcome, rules: list[Rule], names: dict[str, str], generated: str) -> Path:
    """Write the HTML page: verdicts, every rule with its counts, every failing instance with its suspect cell."""
    status = defaultdict(Counter)
    for r in outcome.results:
        status[r.rule_id][r.status] += 1
    failing_reports = defaultdict(set)
    for r in outcome.results:
        if r.status == "FAIL":
            failing_reports[r.rule_id].add(r.report_id)
    verdicts = Counter(v.status for v in outcome.verdicts)
    parts = [f"<!doctype html><meta charset=utf-8><title>nianbao quality report</title><style>{_STYLE}</style>",
             f"<h1>Data quality — 数据质量</h1><p><small>generated {escape(generated)}</small></p>",
             f"<p>{len(outcome.verdicts)} reports: <span class=accepted>{verdicts['accepted']} accepted</span>, "
             f"<span class=quarantined>{verdicts['quarantined']} quarantined</span>.</p>",
             "<h2>Rules</h2><table><tr><th>rule</th><th>severity</th><th>描述 / description</th><th>tolerance</th>"
             "<th>reports failing</th><th>PASS</th><th>FAIL</th><th>NOT_ASSESSABLE</th></tr>"]
    for rule in rules:
        c = status[rule.id]
        parts.append(f"<tr><td class={'hard' if rule.hard else ''}>{rule.id}</td><td>{rule.severity}</td>"
                     f"<td>{escape(rule.zh)}<br><small>{escape(rule.en)}</small></td><td>{rule.tolerance:g}</td>"
                     f"<td class={'FAIL' if failing_reports[rule.id] else ''}>{len(failing_reports[rule.id])}</td>"
                     f"<td>{c['PASS']}</td><td>{c['FAIL']}</td><td>{c['NOT_ASSESSABLE']}</td></tr>")
    parts.append("</table><h2>Reports with failures</h2>")
    suspects = defaultdict(list)
    for s in outcome.suspects:
        suspects[s.report_id].append(s)
    results = defaultdict(list)
    for r in outcome.results:
        if r.status == "FAIL":
            results[r.report_id].append(r)
    for v in sorted(outcome.verdicts, key=lambda v: (v.status != "quarantined", names.get(v.report_id, ""))):
        if not results[v.report_id] and v.status == "accepted":
            continue
        parts.append(f"<h3>{escape(names.get(v.report_id, v.report_id[:12]))} — "
                     f"<span class={v.status}>{v.status}</span></h3><p>{escape(v.reason)}</p><table>"
                     "<tr><th>rule</th><th>scope</th><th>observed</th><th>expected</th><th>message</th></tr>")
        for r in results[v.report_id]:
            parts.append(f"<tr><td class={'hard' if r.severity == 'hard' else ''}>{r.rule_id}</td>"
                         f"<td>{escape(r.scope)}</td><td>{_n(r.observed)}</td><td>{_n(r.expected)}</td>"
                         f"<td>{escape(r.message)}</td></tr>")
        parts.append("</table>")
        for s in suspects[v.report_id]:
            parts.append(f"<p>Suspect cell{'' if s.unique else ' (one of several)'}: <b>{s.table_key}.{s.row_key}."
                         f"{s.col_key}</b> printed {_n(s.reported)}, {_n(s.suggested)} would make "
                         f"{', '.join(s.rules_explained)} hold.</p>")
        for note in v.notes:
            parts.append(f"<p><small>{escape(note)}</small></p>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _n(value) -> str:
    return "" if value is None else f"{value:g}"
