"""The audit sheet and its index as pure functions: data in, HTML out, parsed strictly (the pages are
well-formed XML as well as HTML) and read back by structure, not by substring alone."""

from __future__ import annotations

import json

from collections import Counter

import pytest
from lxml import etree

from pipelines.audit import labels as L
from pipelines.audit.index import CHUNK, PAGE_SIZE, Entry, render_index
from pipelines.audit.sheet import Cell, Claim, Finding, Issue, Sheet, Suspect, instance_cells, render_sheet
from pipelines.contract import T3_COLS, T3_ROWS_V2019, T3_ROWS_V2021, T4_BLOCKS, T4_OUTCOMES, V2021
from pipelines.quality.suites import rules

NS = {"h": "http://www.w3.org/1999/xhtml"}
RULES = {r.id: r for r in rules()}


def parse(html: str):
    return etree.fromstring(html.encode("utf-8"), etree.XMLParser(recover=False, resolve_entities=False,
                                                                   no_network=True))


def text(node) -> str:
    return "".join(node.itertext())


def cell(doc, label: str):
    """The <td> whose tooltip starts with a cell label (行政复议 · 总计)."""
    found = [td for td in doc.iterfind(".//h:td", NS) if (td.get("title") or "").split("\n")[0] == label]
    assert len(found) == 1, (label, len(found))
    return found[0]


def quote(doc, td) -> str | None:
    """The source text a cell shows when clicked: its number (data-q) in the page's list of quotes."""
    if td.get("data-q") is None:
        return None
    return json.loads(doc.find(".//h:script[@id='quotes']", NS).text)[int(td.get("data-q"))]


def hongze_like(**overrides) -> Sheet:
    """The 洪泽区 2023 case: T4 admin review 10+1 printed with total 0, after-review 5 with total 0."""
    cells = {}
    for key in V2021:
        spec = V2021[key]
        for r in spec.rows:
            for c in spec.cols:
                cells[(key, r, c)] = Cell(0.0, "0", "ZERO")
    t4 = {("admin_review", "upheld"): 10, ("admin_review", "corrected"): 1,
          ("litigation_after_review", "upheld"): 5}
    for (b, o), v in t4.items():
        cells[("t4_review_litigation", b, o)] = Cell(float(v), str(v), "NUMERIC")
    cells[("t2_art20_8", "administrative_fees", "fee_amount_wan_yuan")] = Cell(114.36, "114.36万元", "NUMERIC", "万元")
    cells[("t2_art20_1", "normative_documents", "issued_count")] = Cell(None, "", "EMPTY")
    del cells[("t3_applications", "other_misc", "total")]
    sheet = Sheet(
        "a" * 64, "hongze-district-2023.pdf", "淮安市洪泽区人民政府", 2023, "county", "江苏省淮安市洪泽区", "v2021",
        "annual_report", "quarantined", "fails T4-01, T4-03", cells=cells,
        findings=[Finding("T4-01", "hard", "FAIL", "t4_review_litigation.admin_review", 11.0, 0.0, -11.0, "m1"),
                  Finding("T4-03", "hard", "FAIL", "t4_review_litigation.litigation_after_review", 5.0, 0.0, -5.0,
                          "m3"),
                  Finding("NT-01", "soft", "FAIL", "apps_received@928", 2.0, 0.0, -2.0, "the text says 0")],
        suspects=[Suspect("t4_review_litigation", "admin_review", "total", 0.0, 11.0, ["T4-01"], True),
                  Suspect("t4_review_litigation", "litigation_after_review", "total", 0.0, 5.0, ["T4-03"], False)],
        claims=[Claim("apps_received", 0.0, "2023年共受理政府信息依申请公开件0件。", 928)],
        issues=[Issue("ambiguous_split", "error", "'5845546' splits several ways", "t2_art20_1.normative_documents"),
                Issue("region_unresolved", "warning", "no place", "metadata.region")],
    )
    for k, v in overrides.items():
        setattr(sheet, k, v)
    return sheet


def test_the_sheet_parses_strictly_and_carries_the_header():
    doc = parse(render_sheet(hongze_like(), RULES))
    head = {text(th): text(th.getnext()) for th in doc.iterfind(".//h:table[@class='head']//h:th", NS)}
    assert head["机关"] == "淮安市洪泽区人民政府" and head["年度"] == "2023年" and head["层级"] == "县级"
    assert head["地区"] == "江苏省淮安市洪泽区" and head["模板"] == "2021版"
    assert head["来源文件"] == "hongze-district-2023.pdf"
    assert head["审核结论"].startswith("隔离待核 — 未通过硬性规则 T4-01、T4-03")


def test_failing_identities_are_listed_with_their_numbers_in_chinese():
    doc = parse(render_sheet(hongze_like(), RULES))
    rows = {tr.get("data-rule"): [text(td) for td in tr.iterfind("h:td", NS)]
            for tr in doc.iterfind(".//h:tr[@class='finding']", NS)}
    assert set(rows) == {"T4-01", "T4-03", "NT-01"}
    rule, requirement, where, observed, expected, difference = rows["T4-01"]
    assert requirement == RULES["T4-01"].zh
    assert where.startswith("行政复议：总计 应等于 结果维持＋结果纠正＋其他结果＋尚未审结")
    assert (observed, expected, difference) == ("0", "11", "-11")
    assert rows["T4-03"][2].startswith("复议后起诉：总计 应等于") and rows["T4-03"][3:] == ["0", "5", "-5"]
    # hard rules first
    assert list(rows) == ["T4-01", "T4-03", "NT-01"]


def test_cells_of_a_failing_identity_are_marked_and_the_suspect_shows_its_value():
    doc = parse(render_sheet(hongze_like(), RULES))
    total = cell(doc, "行政复议 · 总计")
    assert set(total.get("class").split()) >= {"fail", "suspect"}
    assert text(total) == "0应为 11"
    assert "T4-01" in total.get("title") and "疑误：填报 0，改为 11" in total.get("title")
    upheld = cell(doc, "行政复议 · 结果维持")
    assert "fail" in upheld.get("class").split() and "suspect" not in upheld.get("class").split()
    assert cell(doc, "未经复议直接起诉 · 总计").get("class") is None  # T4-02 holds: not marked
    after = cell(doc, "复议后起诉 · 总计")
    assert text(after) == "0应为 5" and "（可能之一）" in after.get("title")
    suspects = [[text(td) for td in tr.iterfind("h:td", NS)] for tr in doc.iterfind(".//h:tr[@class='suspect-row']", NS)]
    assert suspects[0][:4] == ["行政复议 · 总计", "0", "11", "T4-01"] and suspects[0][4].startswith("唯一")
    assert suspects[1][:3] == ["复议后起诉 · 总计", "0", "5"]


def test_the_official_layout_of_t3_and_t4():
    doc = parse(render_sheet(hongze_like(), RULES))
    t3 = doc.find(".//h:table[@class='form t3']", NS)
    body = t3.findall("h:tbody/h:tr", NS)
    assert len(body) == len(T3_ROWS_V2021) == 25
    assert all(len(tr.findall("h:td", NS)) == len(T3_COLS) for tr in body)
    labels = [text(th) for th in t3.iterfind(".//h:th[@class='rl']", NS)]
    assert labels[0] == "一、本年新收政府信息公开申请数量" and labels[-1] == "四、结转下年度继续办理"
    assert "3.危及“三安全一稳定”" in labels and "（七）总计" in labels
    heads = [text(th) for th in t3.iterfind("h:thead//h:th", NS)]
    assert heads[:3] == [L.T3_NOTE, "申请人情况", "自然人"] and "法人或其他组织" in heads and "社会公益组织" in heads
    groups = [text(th) for th in t3.iterfind(".//h:th[@class='grp']", NS)]
    assert groups == ["（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"]
    # the cell the report does not have is shown as missing, not as 0
    assert "absent" in cell(doc, "3.其他 · 总计").get("class")
    t4 = doc.find(".//h:table[@class='form t4']", NS)
    assert len(t4.findall("h:tbody/h:tr/h:td", NS)) == len(T4_BLOCKS) * len(T4_OUTCOMES) == 15
    assert [text(th) for th in t4.find("h:thead/h:tr", NS)] == ["行政复议", "行政诉讼"]


def test_v2019_rows_and_a_single_other_row_in_a_v2021_report():
    sheet = hongze_like(template="v2019", cells={("t3_applications", r, c): Cell(1.0, "1", "NUMERIC")
                                                 for r in T3_ROWS_V2019 for c in T3_COLS})
    doc = parse(render_sheet(sheet, RULES))
    assert len(doc.findall(".//h:table[@class='form t3']/h:tbody/h:tr", NS)) == len(T3_ROWS_V2019) == 23
    t2_heads = [text(th) for th in doc.iterfind(".//h:table[@class='form t2']//h:th", NS)]
    assert "第二十条第（九）项" in t2_heads and "本年新制作数量" in t2_heads and "规范性文件" in t2_heads
    # 洪泽区 2023: a v2021 report printing (六)其他处理 as one row
    single = hongze_like(cells={("t3_applications", r, c): Cell(0.0, "0", "ZERO")
                                for r in T3_ROWS_V2019 for c in T3_COLS})
    doc = parse(render_sheet(single, RULES))
    labels = [text(th) for th in doc.iterfind(".//h:table[@class='form t3']//h:th[@class='rl']", NS)]
    assert "（六）其他处理" in labels and "3.其他" not in labels
    assert not [td for td in doc.iterfind(".//h:table[@class='form t3']//h:td", NS) if "absent" in (td.get("class") or "")]


def test_withheld_cells_show_the_reason_and_placeholders_stay_as_printed():
    doc = parse(render_sheet(hongze_like(), RULES))
    withheld = cell(doc, "第二十条第（一）项 行政规范性文件 · 本年制发件数")
    assert "withheld" in withheld.get("class") and text(withheld) == "未取值连写数字有多种拆分，未取值"
    assert "ambiguous_split" in withheld.get("title")
    fee = cell(doc, "第二十条第（八）项 行政事业性收费 · 本年收费金额（单位：万元）")
    assert text(fee) == "114.36" and "原文：114.36万元" in fee.get("title")
    issues = {tr.get("data-code") for tr in doc.iterfind(".//h:tr[@class='issue']", NS)}
    assert issues == {"ambiguous_split", "region_unresolved"}


def test_prose_contradictions_are_quoted():
    doc = parse(render_sheet(hongze_like(), RULES))
    (item,) = doc.findall(".//h:li[@class='contradiction']", NS)
    assert text(item.find("h:blockquote", NS)) == "2023年共受理政府信息依申请公开件0件。"
    assert "正文称 0" in text(item) and "本年新收政府信息公开申请数量 · 总计 为 2" in text(item)
    assert "prose" in cell(doc, "一、本年新收政府信息公开申请数量 · 总计").get("class")


def test_source_text_on_click_only_where_the_record_has_provenance():
    text_ = "前文……行政复议结果维持结果纠正其他结果尚未审结总计1010000000500000正文后续"
    start = text_.index("1010")
    sheet = hongze_like(text=text_, provenance={"t4_review_litigation.*": (start, start + 16)})
    doc = parse(render_sheet(sheet, RULES))
    total = cell(doc, "行政复议 · 总计")
    assert quote(doc, total) == "…前文……行政复议结果维持结果纠正其他结果尚未审结总计【1010000000500000】正文后续…"
    assert "src" in total.get("class")
    # the T4 cells share one source (the table's span): the page holds it once
    t4 = [td for td in doc.iterfind(".//h:table[@class='form t4']//h:td", NS)]
    assert len(t4) == 15 and {td.get("data-q") for td in t4} == {total.get("data-q")}
    assert len(json.loads(doc.find(".//h:script[@id='quotes']", NS).text)) == 1
    plain = parse(render_sheet(hongze_like(), RULES))
    assert quote(plain, cell(plain, "行政复议 · 总计")) is None and plain.find(".//h:script", NS) is None


def test_a_row_read_from_a_table_grid_names_the_table_and_grid_rows():
    """No offsets, no text: the grid's place is the source (a DOCX has no pages; a PDF's grid names its page)."""
    sheet = hongze_like(grid_rows={"t2_art20_1.normative_documents": (2, 5, 5), "t4_review_litigation.*": (5, 3, 4)},
                        pages={"t4_review_litigation.*": 3})
    doc = parse(render_sheet(sheet, RULES))
    assert quote(doc, cell(doc, "第二十条第（一）项 行政规范性文件 · 本年制发件数")) == "表2 第5行"
    assert quote(doc, cell(doc, "行政复议 · 总计")) == "第3页 表5 第3–4行"
    assert quote(doc, cell(doc, "第二十条第（一）项 规章 · 本年制发件数")) is None  # neither offsets nor a grid


def test_a_quote_that_could_end_the_script_stays_inside_it():
    text_ = "表</script><script>alert(1)</script>]]>&amp;行政复议 10 1 0 0 11"
    start = text_.index("行政复议")
    sheet = hongze_like(text=text_, provenance={"t4_review_litigation.admin_review": (start, len(text_))})
    doc = parse(render_sheet(sheet, RULES))  # well-formed: nothing ended the script element early
    assert [s.get("id") for s in doc.iterfind(".//h:script", NS)] == ["quotes", None]
    assert quote(doc, cell(doc, "行政复议 · 总计")) == f"…{text_[start - 40:start]}【{text_[start:]}】…"


def test_hostile_text_is_escaped():
    sheet = hongze_like(agency="<script>alert(1)</script>&", source='a"b<.pdf',
                        claims=[Claim("apps_received", 2.0, "]]><x/>", 928)])
    doc = parse(render_sheet(sheet, RULES))
    assert len(doc.findall(".//h:script", NS)) == 0
    assert "<script>alert(1)</script>&" in text(doc.find(".//h:table[@class='head']", NS))


def test_the_print_stylesheet_is_a4_and_keeps_tables_whole():
    html = render_sheet(hongze_like(), RULES)
    assert "@page{size:A4" in html and "break-inside:avoid" in html and "@media print" in html


@pytest.mark.parametrize("rule_id,scope,cells,words", [
    ("T3-01", "t3_applications.*.natural_person", 4, "自然人列：本年新收政府信息公开申请数量＋上年结转政府信息公开申请数量 应等于"),
    ("T3-02", "t3_applications.granted", 7, "予以公开：总计 应等于 自然人＋商业企业＋…（共6项）"),
    ("T4-02", "t4_review_litigation.litigation_direct", 5, "未经复议直接起诉：总计 应等于"),
    ("T3-05", "t3_applications.granted.total", 1, "（一）予以公开 · 总计"),
])
def test_instance_cells_name_an_identity_in_the_reports_words(rule_id, scope, cells, words):
    keys, said = instance_cells(RULES[rule_id], scope, "v2021")
    assert len(keys) == cells and said.startswith(words)


def test_the_index_is_paged_and_each_page_filters():
    entries = [Entry(f"{i:064x}", f"{i:016x}.html", f"机关{i}", 2019 + i % 6, "county", "江苏省", "v2021",
                     "quarantined" if i % 10 == 0 else "accepted", f"f{i}.pdf", ["T4-01"] if i % 10 == 0 else [])
               for i in range(2 * PAGE_SIZE + 1)]
    files = render_index(entries)
    assert [name for name, _ in files] == ["index.html", "index-2.html", "index-3.html", "index-data-1.js"]
    pages = [(name, html) for name, html in files if name.endswith(".html")]
    docs = [parse(html) for _, html in pages]
    rows = [tr for d in docs for tr in d.iterfind(".//h:table[@id='reports']/h:tbody/h:tr", NS)]
    assert len(rows) == len(entries) and len({tr.find("h:td/h:a", NS).get("href") for tr in rows}) == len(entries)
    verdicts = [tr.get("data-verdict") for tr in rows]
    assert verdicts == sorted(verdicts, key=lambda v: v != "quarantined")  # quarantined first
    assert Counter(verdicts)["quarantined"] == 101
    assert rows[0].get("data-rules") == "T4-01"
    for d in docs:
        assert d.find(".//h:form[@id='filter']", NS) is not None
        assert len(d.findall(".//h:nav[@class='pages']/h:a", NS)) == 2 * 2  # the two other pages, top and bottom


def test_the_filter_reads_every_report_from_the_data_files():
    """The filter and sort of every page work on all reports: the data files list every report once, in the
    pages' order, with what the filter compares; the pages offer every year and level of all reports."""
    entries = [Entry(f"{i:064x}", f"{i:016x}.html", f"机关{i}", 2019 + i % 6, ("county", "township")[i % 2],
                     f"省{i % 7}", "v2021", "quarantined" if i % 10 == 0 else "accepted", f"f{i}.pdf",
                     ["T4-01"] if i % 10 == 0 else [])
               for i in range(2 * CHUNK + 3)]
    files = dict(render_index(entries))
    chunks = [files[f"index-data-{c}.js"] for c in (1, 2, 3)]
    rows = [r for js in chunks for r in json.loads(js[js.index("push(") + 5:js.rindex(");")])]
    assert len(rows) == len(entries) and len({r[9] for r in rows}) == len(entries)
    assert rows[0][0] == "quarantined" and rows[0][6] == "T4-01" and rows[-1][0] == "accepted"
    conf = parse(files["index-7.html"]).find(".//h:script[@id='index-conf']", NS)
    assert json.loads(conf.text)["chunks"] == 3
    page = parse(files["index-7.html"])  # a late page: only accepted reports of some years on it
    years = [o.get("value") for o in page.iterfind(".//h:select[@id='f-year']/h:option", NS)][1:]
    assert years == [str(y) for y in range(2024, 2018, -1)]
    assert page.find(".//h:input[@id='f-region']", NS) is not None
