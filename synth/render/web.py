"""A government-portal page (spec §9 "HTML tables"): site chrome (nav, 当前位置, 分享到, footer), the
metadata line (发布日期, 来源), the report in <p>s and <table>s with the official template's
rowspan/colspan, `&nbsp;` in blank cells; a quarter of the pages GBK-encoded with <meta charset="gb2312">.
"""

from __future__ import annotations

from html import escape

from synth.grid import Grid, grids
from synth.model import Report
from synth.render.common import flow, rng_for

_NAV = ("首页", "政务公开", "政务服务", "互动交流", "数据开放")


def _cell(text: str, rng) -> str:
    if not text:
        return "&nbsp;"
    parts = [escape(p) for p in text.split("\n")]
    return "<br/>".join(parts) if rng.random() < 0.5 else "".join(parts)


def table_html(g: Grid, rng) -> str:
    rows = []
    for row in g.rows:
        cells = []
        for c in row:
            attrs = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + \
                (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
            align = ' style="text-align:center"' if c.kind in ("head", "value") else ""
            cells.append(f"<td{attrs}{align}>{_cell(c.text, rng)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return '<table border="1" cellspacing="0" cellpadding="0" width="100%">\n<tbody>\n' + "\n".join(rows) + \
        "\n</tbody>\n</table>"


def html(report: Report) -> bytes:
    """The page, a quarter of them GBK-encoded (the encoding the page declares)."""
    text = page(report)
    return text.encode("gbk", "xmlcharrefreplace") if 'charset="gb2312"' in text[:200] else text.encode("utf-8")


def page(report: Report) -> str:
    """The page as text (what a crawler parses)."""
    rng = rng_for(report, "html")
    gbk = rng.random() < 0.25
    site = report.agency.name.removesuffix("人民政府").removesuffix("办事处")
    title = "".join(report.title)
    meta = "　".join(report.chrome[1:] + [f"来源：{report.agency.name}"])
    body: list[str] = []
    for kind, item in flow(report):
        if kind == "tables":
            body += [table_html(g, rng) for g in grids(report.tables, item)]
        elif kind in ("para", "heading", "signature"):
            style = ' style="text-align:right"' if kind == "signature" else ""
            body.append(f"<p{style}>{'<strong>' if kind == 'heading' else ''}{escape(str(item))}"
                        f"{'</strong>' if kind == 'heading' else ''}</p>")
    charset = "gb2312" if gbk else "utf-8"
    index_no = report.chrome[0] + "　" if report.chrome else ""
    site_code, icp = rng.randint(10**9, 10**10 - 1), rng.randint(10**7, 10**8 - 1)
    page = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="{charset}">
<meta name="ArticleTitle" content="{escape(title)}"/>
<meta name="PubDate" content="{escape(report.gold.get("metadata", {}).get("publication_date") or "")}"/>
<meta name="ContentSource" content="{escape(report.agency.name)}"/>
<meta name="ColumnName" content="政府信息公开年报"/>
<title>{escape(title)}_{escape(site)}门户网站</title>
</head>
<body>
<div class="header"><div class="logo">{escape(site)}门户网站</div>
<ul class="nav">{"".join(f'<li><a href="#">{n}</a></li>' for n in _NAV)}</ul></div>
<div class="breadcrumb">当前位置：<a href="#">首页</a> &gt; <a href="#">政务公开</a> &gt; <a href="#">年报</a></div>
<div class="article">
<h1>{escape(title)}</h1>
<div class="info">{escape(index_no)}{escape(meta)}　【字体：<a>大</a> <a>中</a> <a>小</a>】</div>
<div class="content">
{chr(10).join(body)}
</div>
<div class="share">分享到：<a>微信</a> <a>微博</a> <a>QQ空间</a></div>
<div class="tools">【<a>打印本页</a>】【<a>关闭窗口</a>】</div>
</div>
<div class="footer">主办单位：{escape(report.agency.name)}办公室　网站标识码：{site_code}　ICP备{icp}号</div>
</body>
</html>
"""
    return page
