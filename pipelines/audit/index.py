"""The index of audit sheets: static pages of PAGE_SIZE reports each (quarantined first, then by year,
region and agency) with links to every other page, so that 100 000 reports are 200 light pages; and beside
them the whole listing as data files (`index-data-<n>.js`, CHUNK reports each). The filter (verdict, level,
year, region, rule, agency / file) and the column sort on any page work on *all* reports: the first use
loads the data files (script tags, so the pages work from the file system, without a server) and shows
the matching reports 500 at a time. The filter lives in the address (`index.html#verdict=quarantined&year=2023`),
so a filtered view can be linked. A pure function of the rows.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from html import escape

from pipelines.audit import labels as L

PAGE_SIZE = 500
CHUNK = 5000  # reports per data file


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
var C=JSON.parse(document.getElementById('index-conf').textContent);
var tbody=document.querySelector('#reports tbody'),own=tbody.innerHTML,ownCount=tbody.rows.length;
var shown=document.getElementById('shown'),of=document.getElementById('of'),more=document.getElementById('more');
var ths=document.querySelectorAll('#reports thead th'),all=null,loading=false,sortCol=-1,asc=true,hits=[],at=0;
window.NB_INDEX=window.NB_INDEX||[];
var F=['verdict','level','year','region','rule','text'];
function el(k){return document.getElementById('f-'+k);}
function val(k){return el(k).value.trim().toLowerCase();}
function esc(t){return String(t==null?'':t).replace(/[&<>"]/g,function(c){return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c];});}
function load(done){if(all){done();return;}if(loading)return;loading=true;more.textContent='正在读取全部报告…';
 var i=0;(function next(){if(i>=C.chunks){all=[].concat.apply([],window.NB_INDEX);loading=false;done();return;}
  var s=document.createElement('script');s.src=C.data+(i+1)+'.js';s.onload=function(){i++;next();};
  s.onerror=function(){loading=false;more.textContent='读取 '+s.src+' 失败';};document.head.appendChild(s);})();}
// d: [verdict, year, region, level, agency, template, rules, source, id, href]
var KEY=[function(d){return C.verdicts[d[0]]||'未检查';},function(d){return d[1]||0;},function(d){return d[2]||'';},
 function(d){return C.levels[d[3]]||d[3]||'';},function(d){return d[4]||'';},function(d){return C.templates[d[5]]||d[5]||'';},
 function(d){return d[6];},function(d){return d[7];},function(d){return d[8];}];
function row(d){return '<tr class="'+esc(d[0])+'" data-verdict="'+esc(d[0])+'" data-level="'+esc(d[3])+'" data-year="'+esc(d[1]||'')
 +'" data-rules="'+esc(d[6])+'"><td class="v">'+esc(C.verdicts[d[0]]||'未检查')+'</td><td class="n">'+esc(d[1]||'')+'</td><td>'
 +esc(d[2])+'</td><td class="n">'+esc(C.levels[d[3]]||d[3]||'')+'</td><td><a href="'+esc(d[9])+'">'+esc(d[4]||'（机关未识别）')
 +'</a></td><td>'+esc(C.templates[d[5]]||d[5]||'')+'</td><td>'+esc(d[6])+'</td><td>'+esc(d[7])+'</td><td class="r">'+esc(d[8])+'</td></tr>';}
function active(){return F.some(function(k){return val(k);})||sortCol>=0;}
function remember(){var h=F.filter(function(k){return el(k).value.trim();}).map(function(k){
 return k+'='+encodeURIComponent(el(k).value.trim());});if(sortCol>=0)h.push('sort='+sortCol+(asc?'':'-'));
 history.replaceState(null,'',h.length?'#'+h.join('&'):location.pathname+location.search);}
function draw(){var end=Math.min(at+C.show,hits.length);tbody.innerHTML=hits.slice(at,end).map(row).join('');
 shown.textContent=hits.length?(at+1)+'–'+end:'0';of.textContent='全部 '+all.length+' 份中的 '+hits.length+' 份';
 more.innerHTML=(at>0?'<a href="#" data-step="-1">上一批</a> ':'')+(end<hits.length?'<a href="#" data-step="1">下一批</a>':'');}
function apply(){remember();if(!active()){tbody.innerHTML=own;shown.textContent=ownCount;of.textContent='本页 '+ownCount+' 份';
 more.textContent='';return;}
 load(function(){var v=val('verdict'),l=val('level'),y=val('year'),g=val('region'),r=val('rule'),q=val('text');
  hits=all.filter(function(d){return (!v||d[0]===v)&&(!l||d[3]===l)&&(!y||String(d[1])===y)
   &&(!g||String(d[2]||'').toLowerCase().indexOf(g)!==-1)&&(!r||(' '+d[6]+' ').toLowerCase().indexOf(r)!==-1)
   &&(!q||(d[4]+' '+d[7]+' '+d[8]).toLowerCase().indexOf(q)!==-1);});
  if(sortCol>=0){var k=KEY[sortCol];hits.sort(function(a,b){var x=k(a),y=k(b);
   var c=(typeof x==='number'&&typeof y==='number')?x-y:String(x).localeCompare(String(y),'zh');return asc?c:-c;});}
  at=0;draw();});}
document.getElementById('filter').addEventListener('input',apply);
document.getElementById('filter').addEventListener('submit',function(e){e.preventDefault();});
more.addEventListener('click',function(e){var s=e.target.getAttribute('data-step');if(!s)return;e.preventDefault();
 at=Math.max(0,at+Number(s)*C.show);draw();window.scrollTo(0,0);});
Array.prototype.forEach.call(ths,function(th,i){th.addEventListener('click',function(){asc=sortCol===i?!asc:true;sortCol=i;
 Array.prototype.forEach.call(ths,function(o){o.classList.remove('sorted-asc','sorted-desc');});
 th.classList.add(asc?'sorted-asc':'sorted-desc');apply();});});
location.hash.replace(/^#/,'').split('&').forEach(function(kv){var p=kv.split('='),k=p[0],v=decodeURIComponent(p[1]||'');
 if(k==='sort'){sortCol=parseInt(v,10);asc=v.slice(-1)!=='-';if(ths[sortCol])ths[sortCol].classList.add(asc?'sorted-asc':'sorted-desc');}
 else if(F.indexOf(k)!==-1)el(k).value=v;});
apply();})();
//]]>"""


def _options(values, names: dict | None = None) -> str:
    return "".join(f'<option value="{_e(str(v).lower())}">{_e((names or {}).get(v, v))}</option>' for v in values)


def _json(value) -> str:
    """JSON that is also safe inside an XHTML script element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _data(entry: Entry) -> list:
    # the order the page's script reads: [verdict, year, region, level, agency, template, rules, source, id, href]
    return [entry.status or "", entry.year, entry.region or "", entry.admin_level or "", entry.agency or "",
            entry.template or "", " ".join(entry.failing_rules), entry.source, entry.report_id[:16], entry.href]


def data_name(chunk: int) -> str:
    return f"index-data-{chunk}.js"


def render_index_page(entries: list[Entry], page: int, pages: int, totals: Counter, *, generated: str = "",
                      quality_href: str | None = None, years: list[int] | None = None,
                      levels: list[str] | None = None, chunks: int = 1) -> str:
    """One page of the index (entries already ordered and cut to this page); `years` and `levels` are those
    of all reports (the filter works on all of them), `chunks` the number of data files."""
    years = years if years is not None else sorted({e.year for e in entries if e.year}, reverse=True)
    levels = levels if levels is not None else [lv for lv in L.LEVELS if any(e.admin_level == lv for e in entries)]
    conf = {"chunks": chunks, "data": "index-data-", "show": PAGE_SIZE, "verdicts": L.VERDICTS, "levels": L.LEVELS,
            "templates": L.TEMPLATES}
    parts = ['<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" lang="zh-CN"><head><meta charset="utf-8"/>',
             f"<title>审核单索引（第 {page}/{pages} 页）</title><style>{_STYLE}</style></head><body>",
             "<h1>政府信息公开工作年度报告 · 审核单索引</h1>",
             f'<p class="sum">共 {sum(totals.values())} 份报告：通过 {totals.get("accepted", 0)}，'
             f'隔离待核 {totals.get("quarantined", 0)}'
             + (f'，未检查 {totals.get(None, 0)}' if totals.get(None) else "")
             + f"。隔离待核的排在前面，再按年度、地区、机关排序；每页 {PAGE_SIZE} 份。筛选和点击表头排序作用于全部报告。"
             + (f' <a href="{_e(quality_href)}">数据质量报告</a>' if quality_href else "")
             + (f' <span class="count">生成于 {_e(generated)}</span>' if generated else "") + "</p>"]
    nav = ['<nav class="pages">页：'] + [
        f"<b>{p}</b>" if p == page else f'<a href="{page_name(p)}">{p}</a>' for p in range(1, pages + 1)] + ["</nav>"]
    parts += nav
    parts.append('<form id="filter">筛选全部报告：'
                 '<label>结论 <select id="f-verdict"><option value="">全部</option>'
                 + _options(["quarantined", "accepted"], L.VERDICTS) + "</select></label>"
                 '<label>层级 <select id="f-level"><option value="">全部</option>'
                 + _options(levels, L.LEVELS) + "</select></label>"
                 '<label>年度 <select id="f-year"><option value="">全部</option>' + _options(years) + "</select></label>"
                 '<label>地区 <input id="f-region" size="10" placeholder="江苏省"/></label>'
                 '<label>规则 <input id="f-rule" size="8" placeholder="T4-01"/></label>'
                 '<label>机关/文件 <input id="f-text" size="16"/></label>'
                 f'<span class="count">显示 <span id="shown">{len(entries)}</span>（<span id="of">本页 {len(entries)} 份'
                 '</span>）</span> <span id="more" class="count"></span></form>')
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
    parts.append(f'<script type="application/json" id="index-conf">{_json(conf)}</script>')
    parts.append(f"<script>{_SCRIPT}</script></body></html>")
    return "".join(parts)


def render_index(entries: list[Entry], *, generated: str = "", quality_href: str | None = None
                 ) -> list[tuple[str, str]]:
    """Every file of the index: [(file name, content)] — the pages (the first is index.html), then the data
    files the filter reads."""
    ordered = order(entries)
    totals = Counter(e.status for e in ordered)
    pages = max(1, -(-len(ordered) // PAGE_SIZE))
    chunks = max(1, -(-len(ordered) // CHUNK))
    years = sorted({e.year for e in ordered if e.year}, reverse=True)
    levels = [lv for lv in L.LEVELS if any(e.admin_level == lv for e in ordered)]
    out = [(page_name(p), render_index_page(ordered[(p - 1) * PAGE_SIZE:p * PAGE_SIZE], p, pages, totals,
                                            generated=generated, quality_href=quality_href, years=years,
                                            levels=levels, chunks=chunks))
           for p in range(1, pages + 1)]
    for c in range(1, chunks + 1):
        rows = [_data(e) for e in ordered[(c - 1) * CHUNK:c * CHUNK]]
        out.append((data_name(c), f"window.NB_INDEX=window.NB_INDEX||[];window.NB_INDEX.push({_json(rows)});\n"))
    return out
