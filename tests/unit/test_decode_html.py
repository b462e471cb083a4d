"""HTML decoding: T3 of the official template inside a page with site chrome, and hostile pages."""

from __future__ import annotations

import time

import pytest

from pipelines.decode.html import MAX_COLSPAN, decode_html
from pipelines.decode.model import DecodeError, Limits

T3_ROWS = [
    ("一、本年新收政府信息公开申请数量", None, ["5", "1", "0", "0", "0", "0", "6"]),
    ("二、上年结转政府信息公开申请数量", None, ["0", "0", "0", "0", "0", "0", "0"]),
    ("三、本年度办理结果", "（一）予以公开", ["3", "1", "&nbsp;", "0", "0", "0", "&nbsp;"]),
    ("三、本年度办理结果", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ["1", "0", "0", "0", "0", "0", ""]),
    ("三、本年度办理结果", "（七）总计", ["5", "1", "0", "0", "0", "0", "6"]),
    ("四、结转下年度继续办理", None, ["0", "0", "0", "0", "0", "0", "0"]),
]


def _t3_table() -> str:
    """T3 as agencies publish it: a 3-row header, merged label cells, &nbsp; and blank 总计 cells."""
    rows = [
        '<tr><td rowspan="3" colspan="2">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>'
        '<td colspan="7">申请人情况</td></tr>',
        '<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>',
        "<tr><th>商业企业</th><th>科研机构</th><th>社会公益<br>组织</th><th>法律服务机构</th><th>其他</th></tr>",
    ]
    results = sum(1 for label, _, _ in T3_ROWS if label.startswith("三"))
    seen_results = False
    for label, sub, values in T3_ROWS:
        cells = "".join(f"<td>{v}</td>" for v in values)
        if sub is None:
            rows.append(f'<tr><td colspan="2">{label}</td>{cells}</tr>')
        elif not seen_results:
            seen_results = True
            rows.append(f'<tr><td rowspan="{results}"><p>{label}</p></td><td><span>{sub}</span></td>{cells}</tr>')
        else:
            rows.append(f"<tr><td>{sub}</td>{cells}</tr>")
    return '<table class="MsoTableGrid" border="1"><tbody>' + "\n".join(rows) + "</tbody></table>"


PAGE = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>XX区2022年政府信息公开工作年度报告_XX区人民政府</title>
<style>.nav {{ color: red }}</style><script>var tracker = "统计代码";</script></head>
<body>
<div id="header"><a href="/">XX区人民政府</a> <span>无障碍浏览</span></div>
<div class="main-nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
  <li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; 年度报告</div>
<div class="article">
  <h1>XX区2022年政府信息公开工作年度报告</h1>
  <div class="info">发布日期：2023-01-20&nbsp;&nbsp;来源：XX区人民政府办公室 【字体：大 中 小】
    <div class="bdsharebuttonbox">分享到：<a class="bds_weixin">微信</a><a class="bds_tsina">微博</a></div></div>
  <div id="printContent">
    <p>　　本报告根据《中华人民共和国政府信息公开条例》编制。</p>
    <p><strong>一、总体情况</strong></p>
    <p>2022年，XX区深入推进政务公开。<br/>全年主动公开政府信息1234条。</p>
    <p><strong>三、收到和处理政府信息公开申请情况</strong></p>
    {_t3_table()}
    <p>四、政府信息公开行政复议、行政诉讼情况</p>
  </div>
  <p>分享到：</p>
  <p>【打印本页】 【关闭窗口】</p>
  <p>扫一扫在手机打开当前页</p>
</div>
<div class="sidebar"><h3>相关链接</h3><a>国务院</a><a>省政府</a></div>
<div class="footer">版权所有：XX区人民政府办公室 地址：XX路1号 网站标识码：3201000001 <a>苏ICP备12345678号</a></div>
<footer><p>主办单位：XX区人民政府</p></footer>
<script>document.write("写入的文字");</script>
</body></html>
"""


@pytest.fixture(scope="module")
def page():
    return decode_html(PAGE.encode("utf-8"), "utf-8", Limits())


def _table(decoded):
    tables = [b for b in decoded.blocks if b.kind == "table"]
    assert len(tables) == 1
    return tables[0]


def test_grid_shape(page):
    grid = _table(page).grid
    assert len(grid) == 3 + len(T3_ROWS)
    assert {len(row) for row in grid} == {9}


def test_header_spans_repeat_their_text(page):
    header = _table(page).grid[:3]
    assert header[0][2:] == ["申请人情况"] * 7
    assert header[1][2:] == ["自然人"] + ["法人或其他组织"] * 5 + ["总计"]
    assert header[2][2:] == ["自然人", "商业企业", "科研机构", "社会公益 组织", "法律服务机构", "其他", "总计"]
    assert {row[0] for row in header} == {"(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)"}
    assert all(row[0] == row[1] for row in header)


def test_row_label_rowspan_and_blank_cells(page):
    body = _table(page).grid[3:]
    assert body[0][:2] == ["一、本年新收政府信息公开申请数量"] * 2
    results = [row for row in body if row[0] == "三、本年度办理结果"]
    assert [row[1] for row in results] == [
        "(一)予以公开",
        "(二)部分公开(区分处理的,只计这一情形,不计其他情形)",
        "(七)总计",
    ]
    assert results[0][2:] == ["3", "1", "", "0", "0", "0", ""]  # &nbsp; cells are empty
    assert results[1][-1] == ""  # total left blank
    assert body[-1][0] == body[-1][1] == "四、结转下年度继续办理"


def test_table_text_is_grid_text(page):
    table = _table(page)
    assert table.text.splitlines()[3] == "| 一、本年新收政府信息公开申请数量 | 一、本年新收政府信息公开申请数量 | 5 | 1 | 0 | 0 | 0 | 0 | 6 |"


def test_chrome_is_gone(page):
    for chrome in ("首页", "互动交流", "当前位置", "分享到", "微信", "打印本页", "关闭窗口", "字体", "扫一扫",
                   "版权所有", "ICP", "相关链接", "主办单位", "统计代码", "写入的文字", "无障碍", "_XX区人民政府"):
        assert chrome not in page.text, chrome


def test_metadata_and_body_kept(page):
    lines = page.text.splitlines()
    assert lines[0] == "XX区2022年政府信息公开工作年度报告"
    assert "发布日期:2023-01-20 来源:XX区人民政府办公室" in lines
    assert "本报告根据《中华人民共和国政府信息公开条例》编制。" in lines
    assert "2022年,XX区深入推进政务公开。" in lines and "全年主动公开政府信息1234条。" in lines
    assert lines[-1] == "四、政府信息公开行政复议、行政诉讼情况"


def test_blocks_in_document_order(page):
    kinds = [b.kind for b in page.blocks]
    texts = [b.text for b in page.blocks]
    table_at = kinds.index("table")
    assert texts[table_at - 1] == "三、收到和处理政府信息公开申请情况"
    assert texts[table_at + 1] == "四、政府信息公开行政复议、行政诉讼情况"


def test_original_text_is_raw(page):
    assert "发布日期：2023-01-20" in page.original_text  # before NFKC
    assert "发布日期:2023-01-20" in page.text
    assert page.decoder.startswith("lxml-")


def test_nested_tables_layout():
    html = """<html><body><table width="100%"><tr><td class="left"><a>栏目一</a></td><td>
      <p>正文标题</p>
      <table border="1"><tr><td>项目</td><td>数量</td></tr><tr><td>规章</td><td>0</td></tr></table>
    </td></tr></table>
    <table><tr><td>只有一个单元格的版式表格</td></tr></table></body></html>"""
    decoded = decode_html(html.encode(), None, Limits())
    assert [(b.kind, b.text) for b in decoded.blocks] == [
        ("paragraph", "栏目一"),
        ("paragraph", "正文标题"),
        ("table", "| 项目 | 数量 |\n| 规章 | 0 |"),
        ("paragraph", "只有一个单元格的版式表格"),
    ]


def test_gb2312_meta_charset_page():
    html = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>'
        "<body><p>发布时间：2023年01月20日</p><p>镕铧（GBK 外字）与政府信息公开</p></body></html>"
    )
    data = html.encode("gb18030")
    for encoding in (None, "gb18030", "big5"):  # the declaration beats a wrong guess
        decoded = decode_html(data, encoding, Limits())
        assert decoded.text.splitlines() == ["发布时间:2023年01月20日", "镕铧(GBK 外字)与政府信息公开"]


def test_utf8_beats_a_stale_declaration():
    html = '<html><head><meta charset="gbk"></head><body><p>年度报告正文</p></body></html>'
    assert decode_html(html.encode("utf-8"), None, Limits()).text == "年度报告正文"


def test_big5_page_becomes_simplified():
    html = '<html><head><meta charset="big5"></head><body><p>政府資訊公開工作年度報告</p></body></html>'
    decoded = decode_html(html.encode("cp950"), None, Limits())
    assert decoded.text == "政府资讯公开工作年度报告"
    assert "traditional_script" in decoded.flags


def test_entity_declaration_refused():
    html = (
        b'<!DOCTYPE html [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        b"<html><body><p>&lol2;</p></body></html>"
    )
    with pytest.raises(DecodeError) as e:
        decode_html(html, None, Limits())
    assert e.value.code == "html_entity_declaration"


@pytest.mark.parametrize("levels", [500, 3000, 10_000])
def test_deep_nesting_refused(levels: int):
    html = b"<html><body>" + b"<div>" * levels + "深".encode() + b"</div>" * levels + b"</body></html>"
    started = time.perf_counter()
    with pytest.raises(DecodeError) as e:
        decode_html(html, "utf-8", Limits())
    assert e.value.code == "html_too_deep"
    assert time.perf_counter() - started < 2


def test_nesting_within_limit_accepted():
    html = b"<html><body>" + b"<div>" * 300 + "深".encode() + b"</div>" * 300 + b"</body></html>"
    assert decode_html(html, "utf-8", Limits()).text == "深"
    with pytest.raises(DecodeError, match="html_too_deep"):
        decode_html(html, "utf-8", Limits(max_html_depth=100))


def test_hostile_spans_are_bounded():
    html = (
        b'<html><body><table><tr><td colspan="99999999" rowspan="99999999">a</td><td colspan="-3">b</td></tr>'
        b'<tr><td colspan="1e9">c</td></tr></table></body></html>'
    )
    started = time.perf_counter()
    grid = decode_html(html, "utf-8", Limits()).blocks[0].grid
    assert time.perf_counter() - started < 2
    assert len(grid) == 2 and {len(row) for row in grid} == {MAX_COLSPAN + 1}
    assert grid[0] == ["a"] * MAX_COLSPAN + ["b"]
    assert grid[1] == ["a"] * MAX_COLSPAN + ["c"]


def test_huge_table_refused():
    row = b"<tr>" + b'<td colspan="100">x</td>' * 200 + b"</tr>"
    html = b"<html><body><table>" + row * 60 + b"</table></body></html>"
    with pytest.raises(DecodeError, match="html_table_too_large"):
        decode_html(html, "utf-8", Limits())


@pytest.mark.parametrize(
    "html",
    [
        b"<html><body></body></html>",
        b"<html><head><title>only a title</title></head><body>  &nbsp; </body></html>",
        b"",
        b"<!-- nothing -->",
        "<html><body><nav>首页</nav><script>x()</script><p>当前位置：首页</p>"
        "<table><tr><td>&nbsp;</td><td></td></tr></table></body></html>".encode(),
    ],
)
def test_no_text(html: bytes):
    with pytest.raises(DecodeError) as e:
        decode_html(html, None, Limits())
    assert e.value.code == "html_no_text"


def test_hidden_and_pre():
    html = (
        '<html><body><div style="display: none">隐藏的字</div><p hidden>也隐藏</p>'
        "<pre>第一行\n  第二行</pre></body></html>"
    )
    assert decode_html(html.encode(), None, Limits()).text == "第一行\n第二行"


def test_page_wrapped_in_a_form_and_header_boxes_with_metadata():
    html = """<html><body><form id="form1" method="post" action="./x.aspx">
      <div class="search"><input name="q"><a>搜索</a></div>
      <div class="article-header"><h1>2022年度报告</h1></div>
      <div class="detail-header">索引号：11320800/2023-00012 发布机构：XX局</div>
      <div class="content"><p>正文第一段。</p>
      <table><tr><th>项目</th><th>数量</th></tr><tr><td>规章</td><td>0</td></tr></table></div>
    </form></body></html>"""
    decoded = decode_html(html.encode(), None, Limits())
    assert decoded.text.splitlines() == [
        "2022年度报告",
        "索引号:11320800/2023-00012 发布机构:XX局",
        "正文第一段。",
        "| 项目 | 数量 |",
        "| 规章 | 0 |",
    ]


def test_a_cells_text_is_the_same_by_the_shortcut_and_by_the_walk():
    """Cells of plain inline markup skip the walk (speed); cells with anything the walk treats specially
    (hidden, chrome-named, line-breaking) take it — both give what the walk gives."""
    from lxml import html as lxml_html

    from pipelines.decode.html import _cell_text, _Lines, _plain_cell, _walk

    cases = ["<td> 12 </td>", "<td><span>行政</span><b>许可</b> 3</td>", "<td><font>1</font>\n<font>2</font></td>",
             "<td><span style='color:red'>5</span></td>", "<td><span hidden>x</span>7</td>",
             "<td><span style='display:none'>x</span>7</td>", "<td><span class='share'>分享</span>8</td>",
             "<td>a<br/>b</td>", "<td><p>一</p><p>二</p></td>", "<td style='visibility:hidden'>9</td>",
             "<td><!-- c -->10</td>", "<td><a href='#'>链接</a>11<sup>1</sup></td>"]
    plain = 0
    for case in cases:
        cell = lxml_html.fromstring(f"<table><tr>{case}</tr></table>").find(".//td")
        lines = _Lines(page_lines=False)
        _walk(cell, lines)
        assert _cell_text(cell) == " ".join(b.text for b in lines.blocks), case
        plain += _plain_cell(cell)
    assert 0 < plain < len(cases)
