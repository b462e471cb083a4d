"""The index of audit sheets: static pages of PAGE_SIZE reports each (quarantined first, then by year,
region and agency), every page with a filter (verdict, level, year, rule, free text) and sortable columns,
and links to every other page, so that 100 000 reports are 200 light pages. A pure function of the rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from html import escape

from pipelines.audit import labels as L

PAGE_SIZE = 500


@dataclass
class Entry:
    report_id: str
    href: str
    agency: str | None
    year: int | None
    admin_level: str | None
    region: str | None
    template: str | None
    status: str | None
    source: str
    failing_rules: list[str] = field(default_factory=list)


def _e(text) -> str:
    return escape("" if text is None else str(text), quote=True)


def order(entries: list[Entry]) -> list[Entry]:
    return sorted(entries, key=lambda e: (e.status != "quarantined", -(e.year or 0), e.region or "", e.agency or "",
                                          e.source, e.report_id))


def page_name(page: int) -> str:
    """index.html, then index-2.html, index-3.html …"""
    return "index.html" if page == 1 else f"index-{page}.html"


_STYLE = """body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:1.5rem;color:#111;font-size:14px}
h1{font-size:20px;margin:0 0 .5rem}.sum{color:#333;margin:.2rem 0 .8rem}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:.25rem .45rem;text-align:left}
th{background:#f0f0f0;cursor:pointer;user-select:none;white-space:nowrap}th.sorted-asc::after{content:' ▲'}
th.sorted-desc::after{content:' ▼'}tr.quarantined td.v{color:#b00020;font-weight:bold}
tr.accepted td.v{color:#1b5e20}td.v,td.n{white-space:nowrap}td.r{font-family:monospace;font-size:12px}
form{display:flex;gap:.6rem;flex-wrap:wrap;align-items:center;margin:.5rem 0;padding:.5rem;background:#f7f7f7;
border:1px solid #ddd}nav.pages{margin:.5rem 0;font-size:12px;line-height:1.9}nav.pages a,nav.pages b{margin-right:.35rem}
nav.pages b{background:#333;color:#fff;padding:0 .3rem}.count{color:#555;font-size:12px}
@media print{form,nav{display:none}}"""

_SCRIPT = """//<![CDATA[
(function(){
var rows=Array.prototype.slice.call(document.querySelectorAll('#reports tbody tr'));
var f=document.getElementById('filter');var shown=document.getElementById('shown');
function val(id){return document.getElementById(id).value.trim().toLowerCase();}
function apply(){var v=val('f-verdict'),l=val('f-level'),y=val('f-year'),r=val('f-rule'),q=val('f-text'),n=0;
rows.forEach(function(tr){var d=tr.dataset;var ok=(!v||d.verdict===v)&&(!l||d.level===l)&&(!y||d.year===y)
&&(!r||(' '+d.rules+' ').toLowerCase().indexOf(r)!==-1)&&(!q||tr.textContent.toLowerCase().indexOf(q)!==-1);
tr.style.display=ok?'':'none';if(ok)n++;});shown.textContent=n;}
f.addEventListener('input',apply);f.addEventListener('submit',function(e){e.preventDefault();});
var ths=document.querySelectorAll('#reports thead th');
Array.prototype.forEach.call(ths,function(th,i){th.addEventListener('click',function(){
var asc=!th.classList.contains('sorted-asc');Array.prototype.forEach.call(ths,function(o){o.classList.remove('sorted-asc','sorted-desc');});
th.classList.add(asc?'sorted-asc':'sorted-desc');var body=document.querySelector('#reports tbody');
rows.sort(function(a,b){var x=a.children[i].textContent,y=b.children[i].textContent;
var nx=parseFloat(x),ny=parseFloat(y);var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y,'zh');return asc?c:-c;});
rows.forEach(function(tr){body.appendChild(tr);});});});
apply();})();
//]]>"""


def _options(values, names: dict | None = None) -> str:
    return "".join(f'<option value="{_e(str(v).lower())}">{_e((names or {}).get(v, v))}</option>' for v in values)


def render_index_page(entries: list[Entry], page: int, pages: int, totals: Counter, *, generated: str = "",
                      quality_href: str | None = None) -> str:
    """One page of the index (entries already ordered and cut to this page)."""
    years = sorted({e.year for e in entries if e.year}, reverse=True)
    levels = [lv for lv in L.LEVELS if any(e.admin_level == lv for e in entries)]
    parts = ['<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" lang="zh-CN"><head><meta charset="utf-8"/>',
             f"<title>审核单索引（第 {page}/{pages} 页）</title><style>{_STYLE}</style></head><body>",
             "<h1>政府信息公开工作年度报告 · 审核单索引</h1>",
             f'<p class="sum">共 {sum(totals.values())} 份报告：通过 {totals.get("accepted", 0)}，'
             f'隔离待核 {totals.get("quarantined", 0)}'
             + (f'，未检查 {totals.get(None, 0)}' if totals.get(None) else "")
             + f"。隔离待核的排在前面，再按年度、地区、机关排序；每页 {PAGE_SIZE} 份。"
             + (f' <a href="{_e(quality_href)}">数据质量报告</a>' if quality_href else "")
             + (f' <span class="count">生成于 {_e(generated)}</span>' if generated else "") + "</p>"]
    nav = ['<nav class="pages">页：'] + [
        f"<b>{p}</b>" if p == page else f'<a href="{page_name(p)}">{p}</a>' for p in range(1, pages + 1)] + ["</nav>"]
    parts += nav
    parts.append('<form id="filter">本页筛选：'
                 '<label>结论 <select id="f-verdict"><option value="">全部</option>'
                 + _options(["quarantined", "accepted"], L.VERDICTS) + "</select></label>"
                 '<label>层级 <select id="f-level"><option value="">全部</option>'
                 + _options(levels, L.LEVELS) + "</select></label>"
                 '<label>年度 <select id="f-year"><option value="">全部</option>' + _options(years) + "</select></label>"
                 '<label>规则 <input id="f-rule" size="8" placeholder="T4-01"/></label>'
                 '<label>机关/地区/文件 <input id="f-text" size="16"/></label>'
                 f'<span class="count">显示 <span id="shown">{len(entries)}</span> / {len(entries)}</span></form>')
    parts.append('<table id="reports"><thead><tr><th>结论</th><th>年度</th><th>地区</th><th>层级</th><th>机关</th>'
                 "<th>模板</th><th>不符规则</th><th>来源文件</th><th>编号</th></tr></thead><tbody>")
    for e in entries:
        rules = " ".join(e.failing_rules)
        parts.append(
            f'<tr class="{_e(e.status or "")}" data-verdict="{_e(e.status or "")}" data-level="{_e(e.admin_level or "")}"'
            f' data-year="{_e(e.year or "")}" data-rules="{_e(rules)}">'
            f'<td class="v">{_e(L.VERDICTS.get(e.status or "", "未检查"))}</td><td class="n">{_e(e.year or "")}</td>'
            f"<td>{_e(e.region or '')}</td><td class=\"n\">{_e(L.LEVELS.get(e.admin_level or '', e.admin_level or ''))}</td>"
            f'<td><a href="{_e(e.href)}">{_e(e.agency or "（机关未识别）")}</a></td>'
            f"<td>{_e(L.TEMPLATES.get(e.template or '', e.template or ''))}</td><td>{_e(rules)}</td>"
            f'<td>{_e(e.source)}</td><td class="r">{_e(e.report_id[:16])}</td></tr>')
    parts.append("</tbody></table>")
    parts += nav
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "".join(parts)


def render_index(entries: list[Entry], *, generated: str = "", quality_href: str | None = None
                 ) -> list[tuple[str, str]]:
    """Every page of the index: [(file name, html)]; the first is index.html."""
    ordered = order(entries)
    totals = Counter(e.status for e in ordered)
    pages = max(1, -(-len(ordered) // PAGE_SIZE))
    return [(page_name(p), render_index_page(ordered[(p - 1) * PAGE_SIZE:p * PAGE_SIZE], p, pages, totals,
                                             generated=generated, quality_href=quality_href))
            for p in range(1, pages + 1)]
