"""Metadata extraction (spec §1, §6): the 8 gold documents, then one synthetic snippet per rule."""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path

import pytest

from pipelines.decode.dispatch import decode_document
from pipelines.decode.model import Limits
from pipelines.decode.normalise import normalise
from pipelines.extract.metadata import detect_template, extract_metadata, find_title
from pipelines.extract.region import gazetteer, resolve_region
from pipelines.ingest.sniff import sniff

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
GOLD = sorted((CORPUS / "gold").glob("*.json"))


@lru_cache(maxsize=None)
def decoded(source: str) -> str:
    """The text the extractor sees for a corpus file (decoded and normalised exactly as the pipeline does)."""
    data = (CORPUS / source).read_bytes()
    s = sniff(data)
    return decode_document(data, s.format, s.encoding, Limits()).text


def gold(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", GOLD, ids=[p.stem for p in GOLD])
def test_gold_metadata(path: Path) -> None:
    g = gold(path)
    m = extract_metadata(decoded(g["source"]), has_tables=bool(g["cells"]))
    assert (m.doc_type, m.agency, m.year, m.template) == (g["doc_type"], g["agency"], g["year"], g["template"])
    if "metadata" in g:
        md = g["metadata"]
        assert (m.publication_date, m.admin_level, m.region) == (md["publication_date"], md["admin_level"], md["region"])


@pytest.mark.parametrize(
    "stem, admin_level, region, code",
    [
        ("huaian-city-2024", "prefectural", "江苏省淮安市", "320800000000"),
        ("hongze-district-2023", "county", "江苏省淮安市洪泽区", "320813000000"),
        ("hongze-district-2024", "county", "江苏省淮安市洪泽区", "320813000000"),
        ("003_aab5423710c0abba", "township", "河北省定州市", "139001000000"),
        ("002_21970fde474fde16", "county", "浙江省台州市三门县", "331022000000"),
        ("004_cb93c0191c209947", "township", "浙江省宁波市余姚市", "330281000000"),
    ],
)
def test_gold_region_codes(stem: str, admin_level: str, region: str, code: str) -> None:
    g = gold(CORPUS / "gold" / f"{stem}.json")
    m = extract_metadata(decoded(g["source"]), has_tables=True)
    assert (m.admin_level, m.region, m.region_code) == (admin_level, region, code)
    assert 0 < m.region_confidence <= 1


def test_gold_details() -> None:
    m000 = extract_metadata(decoded("samples/000_2f7257501bd8445e.txt"), has_tables=True)
    assert (m000.date_source, m000.index_no, m000.doc_no) == ("chrome", "002590227/2021-64730", None)
    assert m000.contact == "陈潜 / 82939016"
    assert m000.region_code is None and m000.region_confidence < 0.5  # 永和镇 only; not 永和县
    m002 = extract_metadata(decoded("samples/002_21970fde474fde16.txt"), has_tables=True)
    assert m002.agency_kind == "department" and m002.report_scope == "agency_own"
    assert {"agency_unresolved", "title_missing"} <= {i["code"] for i in m002.issues}
    m004 = extract_metadata(decoded("samples/004_cb93c0191c209947.txt"), has_tables=True)
    assert (m004.date_source, m004.contact) == ("signature", "62466630")
    huaian = extract_metadata(decoded("pdf/huaian-city-2024.pdf"), has_tables=True)
    assert huaian.report_scope == "jurisdiction_summary" and huaian.agency_kind == "government"


# --- synthetic snippets ---------------------------------------------------------------------------------------

BODY = "一、总体情况\n我局认真贯彻条例。\n二、主动公开政府信息情况\n本年制发件数\n三、收到和处理政府信息公开申请情况\n"


def meta(text: str, has_tables: bool = True):
    return extract_metadata(normalise(text), has_tables)


def codes(m) -> set[str]:
    return {i["code"] for i in m.issues}


def test_title_on_two_lines_takes_agency_from_line_before() -> None:
    m = meta("三门县财政局\n\n2021年政府信息公开工作年度报告\n" + BODY)
    assert m.title == "三门县财政局2021年政府信息公开工作年度报告"
    assert (m.agency, m.agency_kind, m.admin_level, m.year) == ("三门县财政局", "department", "county", 2021)
    assert (m.region, m.region_code) == ("浙江省台州市三门县", "331022000000")


def test_title_wrapped_over_two_lines() -> None:
    t = find_title(normalise("余姚市人民政府2021年政府信息公开\n工作年度报告\n一、总体情况\n"))
    assert t is not None and t.kind == "annual" and t.text == "余姚市人民政府2021年政府信息公开工作年度报告"


def test_breadcrumb_is_not_a_title() -> None:
    t = find_title(normalise("当前位置: 首页 >> 年报 >> 政府信息公开年报\n永和镇2020年度政府信息公开工作年度报告\n"))
    assert t.text == "永和镇2020年度政府信息公开工作年度报告"


def test_signature_date() -> None:
    m = meta("马渚镇人民政府\n2020年政府信息公开工作年度报告\n" + BODY + "本年度无其他需要报告的事项。\n\n 马渚镇人民政府\n2020年12月31日\n")
    assert (m.publication_date, m.date_source) == ("2020-12-31", "signature")


def test_signature_date_in_chinese_numerals() -> None:
    m = meta("2021年政府信息公开工作年度报告\n" + BODY + "六、其他需要报告的事项\n无。\n某某县民政局\n二〇二二年一月二十日\n")
    assert (m.publication_date, m.date_source) == ("2022-01-20", "signature")


@pytest.mark.parametrize(
    "chrome, iso",
    [
        ("公开日期: 2021-01-22 09:37", "2021-01-22"),
        ("发布时间:2022年1月30日", "2022-01-30"),
        ("发布日期:2022/01/28", "2022-01-28"),
        ("成文日期: 2022.01.27", "2022-01-27"),
    ],
)
def test_chrome_date_formats(chrome: str, iso: str) -> None:
    m = meta(f"索引号: 11330000/2022-00001\n{chrome}\n2021年政府信息公开工作年度报告\n" + BODY)
    assert (m.publication_date, m.date_source, m.index_no) == (iso, "chrome", "11330000/2022-00001")


def test_publication_date_beats_written_date() -> None:
    m = meta("成文日期: 2022-01-10\n发布日期: 2022-01-25\n2021年政府信息公开工作年度报告\n" + BODY)
    assert m.publication_date == "2022-01-25"


def test_we_bureau_alone_leaves_agency_unresolved() -> None:
    m = meta(BODY + "现将2022年我局政务公开工作总结如下。2022年度我局没有收到依申请公开的申请。\n")
    assert m.agency is None and m.agency_kind == "department"
    issue = next(i for i in m.issues if i["code"] == "agency_unresolved")
    assert "我局" in issue["message"] and issue["severity"] == "warning"
    assert m.year == 2022 and m.doc_type == "annual_report"


def test_untitled_text_without_outline_is_not_a_report() -> None:
    assert meta("我局认真贯彻条例,做好各项工作。\n", has_tables=True).doc_type == "not_a_report"


def test_detect_template_versions_and_hybrid() -> None:
    assert detect_template("信息内容 本年新制作数量 本年新公开数量 对外公开总数量") == (
        "v2019", ("本年新制作数量", "本年新公开数量", "对外公开总数量"))
    assert detect_template("| 信息内容 | 本年制发件数 | 本年废止件数 |")[0] == "v2021"
    template, labels = detect_template("本年新制作数量\n本年制发件数\n")
    assert template == "hybrid" and labels == ("本年新制作数量", "本年制发件数")
    assert detect_template("没有表格的文本")[0] is None


def test_template_labels_split_by_layout_still_count() -> None:
    assert detect_template("第二十条  第(一)项\n信息内容     本年制发 件数\n")[0] == "v2021"


def test_prose_mention_of_procurement_is_not_a_template_label() -> None:
    text = "全年政府集中采购210项,采购总金额540.4万元。\n信息内容\n本年制发件数\n"
    assert detect_template(text) == ("v2021", ("本年制发件数",))
    assert detect_template("政府集中采购\n210\n")[0] == "v2019"


def test_hybrid_and_unknown_template_issues() -> None:
    hybrid = meta("2021年政府信息公开工作年度报告\n本年新制作数量\n本年制发件数\n")
    assert hybrid.template == "hybrid" and "template_hybrid" in codes(hybrid)
    unknown = meta("2021年政府信息公开工作年度报告\n一、总体情况\n")
    assert unknown.template == "unknown_template" and "template_unknown" in codes(unknown)


def test_year_from_statistical_period() -> None:
    m = meta("某某县统计局政府信息公开工作年度报告\n本报告统计期限自2021年1月1日至2021年12月31日止。\n" + BODY)
    assert m.year == 2021


def test_year_from_period_typo_and_spaced_pdf_text() -> None:
    assert meta("政府信息公开工作年度报告\n内容涵盖镇政府20201月1日至12月31日期间。\n" + BODY).year == 2020
    pdf = "政府信息公开工作年度报告\n统计期限自     2024 年  1 月  1 日\n\n起至   2024 年  12 月  31 日止。\n" + BODY
    assert meta(pdf).year == 2024


def test_year_mismatch_between_title_and_period() -> None:
    m = meta("2021年政府信息公开工作年度报告\n统计期限自2020年1月1日至2020年12月31日。\n" + BODY)
    assert m.year == 2021
    assert next(i for i in m.issues if i["code"] == "year_mismatch")["severity"] == "error"


def test_year_statement_ignores_next_year_plans() -> None:
    m = meta(BODY + "2021年,我镇将做好以下工作。现将我镇2020年政府信息公开工作小结如下。\n")
    assert m.year == 2020


def test_year_falls_back_to_publication_year_minus_one() -> None:
    m = meta("发布日期: 2023-01-20\n政府信息公开工作年度报告\n" + BODY)
    assert m.year == 2022 and "year_inferred" in codes(m)


@pytest.mark.parametrize(
    "title, kind",
    [
        ("XX镇2021年度政务公开工作自查报告_第1页", "self_inspection"),
        ("某某县2021年政务公开工作总结", "work_summary"),
        ("关于做好2021年政府信息公开工作年度报告编制发布工作的通知", "notice"),
    ],
)
def test_other_document_types(title: str, kind: str) -> None:
    m = meta(title + "\n" + BODY, has_tables=False)
    assert m.doc_type == kind and m.template is None


def test_annual_title_without_tables_is_not_a_report() -> None:
    m = meta("2021年政府信息公开工作年度报告\n" + BODY, has_tables=False)
    assert m.doc_type == "not_a_report" and "tables_not_found" in codes(m) and m.template is None


def test_compiler_statement_gives_the_fuller_agency_name() -> None:
    m = meta("洪泽区人民政府\n2023年政府信息公开工作年度报告\n本报告由淮安市洪泽区人民政府办公室根据条例要求编制。\n" + BODY)
    assert (m.agency, m.admin_level, m.region) == ("淮安市洪泽区人民政府", "county", "江苏省淮安市洪泽区")


def test_compiler_statement_without_a_place_is_ignored() -> None:
    m = meta("洪泽区人民政府\n2023年政府信息公开工作年度报告\n本报告由区政府办编制。\n" + BODY)
    assert m.agency == "洪泽区人民政府"


def test_sentence_ending_in_a_date_is_no_signature() -> None:
    m = meta("2021年政府信息公开工作年度报告\n" + BODY + "本报告统计期限至2021年12月31日\n")
    assert m.publication_date is None and "publication_date_missing" in codes(m)


def test_agency_from_the_body_as_last_resort() -> None:
    m = meta(BODY + "如有疑问,请联系东亭镇人民政府(0312-2622317)。\n")
    assert (m.agency, m.agency_kind, m.contact) == ("东亭镇人民政府", "township", "0312-2622317")


def test_department_compiling_its_own_report() -> None:
    m = meta("政府信息公开工作年度报告\n本报告由三门县财政局编制。\n" + BODY)
    assert (m.agency, m.admin_level, m.report_scope) == ("三门县财政局", "county", "agency_own")


def test_chrome_publisher_when_there_is_no_title_prefix() -> None:
    m = meta("发布单位: 余姚市教育局\n政府信息公开工作年度报告\n" + BODY)
    assert (m.agency, m.agency_kind, m.admin_level) == ("余姚市教育局", "department", "county")


def test_report_scope() -> None:
    assert meta("淮安市人民政府\n2024年政府信息公开工作年度报告\n2024年,全市共受理申请3件。\n" + BODY).report_scope == \
        "jurisdiction_summary"
    assert meta("淮安市人民政府\n2024年政府信息公开工作年度报告\n" + BODY).report_scope == "government_own"


def test_central_and_provincial_levels() -> None:
    assert meta("国家统计局2021年政府信息公开工作年度报告\n" + BODY).admin_level == "central"
    assert meta("浙江省人民政府2021年政府信息公开工作年度报告\n" + BODY).admin_level == "provincial"
    assert meta("北京市东城区人民政府2021年政府信息公开工作年度报告\n" + BODY).region == "北京市东城区"


# --- region ---------------------------------------------------------------------------------------------------

def test_region_chain_from_a_county_name() -> None:
    r = resolve_region("余姚市人民政府", [], "")
    assert (r.region, r.code, r.level, r.confidence) == ("浙江省宁波市余姚市", "330281000000", "county", 0.95)
    assert resolve_region("定州市东亭镇", [], "").region == "河北省定州市"  # 省直辖县级市: no city level


def test_short_county_name_next_to_the_township() -> None:
    r = resolve_region("马渚镇人民政府", [], "精心运营余姚马渚官方微博")
    assert r.region == "浙江省宁波市余姚市" and r.confidence < 0.95


def test_short_name_as_an_ordinary_word_is_not_a_place() -> None:
    # 公安 (公安县), 朝阳 (朝阳区/市) used as words; 永和镇 is not 永和县
    r = resolve_region("永和镇", [], "永和镇公安派出所朝阳产业发展")
    assert (r.region, r.code, r.level) == ("永和镇", None, "township")
    assert "region_unresolved" in {i["code"] for i in r.issues}


def test_ambiguous_place_stays_unresolved() -> None:
    r = resolve_region("新华区人民政府", [], "")  # three 新华区 in the gazetteer
    assert r.code is None and "region_ambiguous" in {i["code"] for i in r.issues}


def test_ambiguous_place_disambiguated_by_context() -> None:
    r = resolve_region("朝阳区人民政府", [], "北京市朝阳区人民政府门户网站")
    assert (r.region, r.code) == ("北京市朝阳区", "110105000000")


def test_anonymised_names_are_not_places() -> None:
    assert resolve_region("XX镇", [], "依据xx县人民政府办公室通知").region is None


def test_gazetteer_is_read_without_importing_cpca() -> None:
    assert gazetteer().places["139001000000"].name == "定州市"
    assert "cpca" not in sys.modules


def test_portal_search_from_each_anchor_finds_what_findall_finds():
    """`_portals` searches only near each 门户网站; it must give `_PORTAL.findall`'s matches on any text,
    including portals run together, nested names and anchors without a portal name before them."""
    import random

    from pipelines.extract import metadata as M

    r = random.Random(11)
    pieces = list("人民政府门户网站市县区镇乡省的和") + ["政府门户网站", "人民政府门户网站", "门户网站", "abc", "。"]
    for _ in range(20000):
        text = "".join(r.choice(pieces) for _ in range(r.randint(0, 60)))
        assert M._portals(text) == M._PORTAL.findall(text), text
    assert M._portals("见淮安市人民政府门户网站,洪泽区政府门户网站") == ["见淮安市人民政府门户网站", "洪泽区政府门户网站"]
