"""Narrative figures (spec §3 NT-01…NT-05): the real documents, then one snippet per claim type."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from pipelines.decode.dispatch import decode_document
from pipelines.decode.model import Limits
from pipelines.decode.normalise import normalise
from pipelines.extract.narrative import Claim, narrative_claims
from pipelines.ingest.sniff import sniff

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


@lru_cache(maxsize=None)
def decoded(source: str) -> str:
    data = (CORPUS / source).read_bytes()
    s = sniff(data)
    return decode_document(data, s.format, s.encoding, Limits()).text


def values(claims: list[Claim], key: str) -> list[float | None]:
    return [c.value for c in claims if c.claim == key]


def one(claims: list[Claim], key: str) -> Claim:
    found = [c for c in claims if c.claim == key]
    assert len(found) == 1, (key, found)
    return found[0]


def claims_of(text: str) -> list[Claim]:
    return narrative_claims(normalise(text))


# --- real documents -------------------------------------------------------------------------------------------

def test_000_prose_says_zero_applications_while_the_table_says_two() -> None:
    cs = narrative_claims(decoded("samples/000_2f7257501bd8445e.txt"))
    assert values(cs, "apps_received") == [0]
    assert values(cs, "admin_review_total") == [0] and values(cs, "litigation_total") == [0]
    assert values(cs, "normative_documents_count") == [1] and values(cs, "regulations_count") == [0]
    assert values(cs, "procurement_count") == [210] and values(cs, "procurement_amount") == [540.4]
    assert one(cs, "procurement_amount").unit == "万元"
    # the one-cell-per-line tables (45 / 1 / 115, the T3 '2') yield nothing
    assert not {45, 115, 2} & {c.value for c in cs}


def test_001_self_inspection_figures() -> None:
    cs = narrative_claims(decoded("samples/001_2f212ad4ee3ae2a4.txt"))
    assert one(cs, "apps_received").qualifier == "zero_in_words"
    assert values(cs, "active_disclosure_total") == [69] and values(cs, "active_disclosure_parts_sum") == [69]


def test_002_zeros_in_words_and_the_disclosure_sum() -> None:
    cs = narrative_claims(decoded("samples/002_21970fde474fde16.txt"))
    assert values(cs, "apps_received") == [0]
    assert values(cs, "admin_review_total") == [0] and values(cs, "litigation_total") == [0]
    assert values(cs, "info_processing_fee") == [0]
    assert values(cs, "active_disclosure_total") == [62]
    parts = [c for c in cs if c.claim == "active_disclosure_part"]
    assert [c.value for c in parts] == [1, 2, 16, 8, 2, 6, 11, 1, 2, 5, 8]
    assert parts[0].text == "人事信息1条"
    assert one(cs, "active_disclosure_parts_sum").value == 62
    assert not any(c.claim.endswith("_count") for c in cs)  # the pipe tables yield nothing


def test_003_has_no_application_figures() -> None:
    assert narrative_claims(decoded("samples/003_aab5423710c0abba.txt")) == []


def test_004_applications_and_channel_parts() -> None:
    cs = narrative_claims(decoded("samples/004_cb93c0191c209947.txt"))
    assert values(cs, "apps_received") == [9]
    assert values(cs, "active_disclosure_total") == [445]
    s = one(cs, "active_disclosure_parts_sum")
    assert (s.value, s.qualifier) == (506, "overlapping_channels")
    assert not {52, 114.36} & {c.value for c in cs}  # 52项 / 114.36万元 are table cells


def test_huaian_pdf() -> None:
    text = decoded("pdf/huaian-city-2024.pdf")
    cs = narrative_claims(text)
    assert (one(cs, "apps_received").value, one(cs, "apps_received").qualifier) == (3119, None)
    closed = one(cs, "apps_closed")
    assert (closed.value, closed.qualifier) == (3050, "includes_carried_over")
    assert values(cs, "apps_carried_over_in") == [34] and values(cs, "apps_carried_forward") == [103]
    assert [values(cs, f"admin_review_{k}") for k in ("total", "upheld", "corrected", "other_outcome", "pending")] == \
        [[351], [72], [64], [178], [37]]
    assert [values(cs, f"litigation_{k}") for k in ("total", "upheld", "corrected", "other_outcome", "pending")] == \
        [[46], [25], [5], [9], [7]]
    fee = one(cs, "info_processing_fee")
    assert (fee.value, fee.unit) == (0.394, "万元")
    assert (one(cs, "active_disclosure_total").value, one(cs, "active_disclosure_total").qualifier) == (5500, "approximate")
    assert values(cs, "granted") == [] and 1362 not in {c.value for c in cs}  # T3 rows are skipped
    # offsets point at the figure's keyword in the original (column-aligned) text
    assert "".join(text[closed.offset : closed.offset + 20].split()).startswith("答复3050件")


def test_hongze_2024_sub_unit_figure() -> None:
    cs = narrative_claims(decoded("pdf/hongze-district-2024.pdf"))
    received = one(cs, "apps_received")
    assert (received.value, received.qualifier) == (17, "sub_unit")
    assert "区政府办代表区政府受理" in received.text


def test_hongze_2023_whole_district_figure() -> None:
    cs = narrative_claims(decoded("pdf/hongze-district-2023.pdf"))
    assert (one(cs, "apps_received").value, one(cs, "apps_received").qualifier) == (21, None)
    assert values(cs, "active_disclosure_total") == [1136]
    assert values(cs, "admin_review_total") == []  # T4 row '10 1 0 0 0 …' is a table


# --- snippets per claim type ----------------------------------------------------------------------------------

def test_application_flow() -> None:
    cs = claims_of("本年度共收到政府信息公开申请12件,上年结转2件,共办结13件,结转下年度办理1件。")
    assert [(c.claim, c.value) for c in cs] == [
        ("apps_received", 12), ("apps_carried_over_in", 2), ("apps_closed", 13), ("apps_carried_forward", 1)]


def test_received_including_carry_over() -> None:
    c = one(claims_of("全年共受理政府信息公开申请37件(含上年结转2件)。"), "apps_received")
    assert (c.value, c.unit, c.qualifier) == (37, "件", "includes_carried_over")


def test_carried_forward_number_first() -> None:
    assert values(claims_of("另有5件顺延至下一年度答复。"), "apps_carried_forward") == [5]


def test_outcome_counts() -> None:
    cs = claims_of("其中予以公开8件,部分公开2件,不予公开1件,无法提供3件,不予处理1件,其他处理2件。")
    assert {c.claim: c.value for c in cs} == {
        "granted": 8, "partially_granted": 2, "denied": 1, "unable": 3, "not_processed": 1, "other_handling": 2}


def test_chinese_numerals() -> None:
    assert values(claims_of("全年共收到政府信息公开申请三件。"), "apps_received") == [3]


def test_review_and_litigation_with_outcomes() -> None:
    cs = claims_of("被申请行政复议3起,其中结果维持2起,尚未审结1起;提起行政诉讼2件,其中败诉1件。")
    assert {c.claim: c.value for c in cs} == {
        "admin_review_total": 3, "admin_review_upheld": 2, "admin_review_pending": 1,
        "litigation_total": 2, "litigation_corrected": 1}
    assert one(cs, "admin_review_total").unit == "件"  # 起 is reported as 件


def test_review_and_litigation_joint_figures() -> None:
    assert {c.claim: c.value for c in claims_of("行政复议和行政诉讼各1件。")} == {
        "admin_review_total": 1, "litigation_total": 1}
    assert {c.claim: c.value for c in claims_of("行政复议、行政诉讼均为0。")} == {
        "admin_review_total": 0, "litigation_total": 0}
    assert {c.claim: c.value for c in claims_of("行政复议和行政诉讼共3件。")} == {"review_and_litigation_total": 3}


def test_all_upheld() -> None:
    cs = claims_of("发生行政复议7件、行政诉讼9件,均获维持。")
    assert values(cs, "all_upheld") == [1] and values(cs, "admin_review_total") == [7]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2022年度我局没有收到依申请公开的申请。", {"apps_received": 0}),
        ("本年度未收到政府信息公开申请。", {"apps_received": 0}),
        ("2021年,我镇没有依申请公开政府信息申请事项。", {"apps_received": 0}),
        ("本年度未发生行政复议、行政诉讼。", {"admin_review_total": 0, "litigation_total": 0}),
        ("未发生因政府信息公开被申请行政复议、提起行政诉讼的情况。", {"admin_review_total": 0, "litigation_total": 0}),
        ("本年度未收取信息处理费。", {"info_processing_fee": 0}),
    ],
)
def test_zero_in_words(text: str, expected: dict) -> None:
    cs = claims_of(text)
    assert {c.claim: c.value for c in cs} == expected
    assert all(c.qualifier == "zero_in_words" for c in cs)


def test_negations_that_are_not_zeros() -> None:
    assert claims_of("没有发生因政府信息公开行政复议被纠错的情况。") == []
    assert claims_of("有效降低行政复议、行政诉讼发生率。") == []
    assert claims_of("对无法提供的申请及时告知。") == []


def test_active_disclosure_figures() -> None:
    cs = claims_of("全年公开规章1件,行政规范性文件5件,行政许可120件,行政处罚30件,行政强制2件,行政事业性收费项目3项。")
    assert {c.claim: (c.value, c.unit) for c in cs} == {
        "regulations_count": (1, "件"), "normative_documents_count": (5, "件"), "licensing_count": (120, "件"),
        "penalty_count": (30, "件"), "coercion_count": (2, "件"), "fee_item_count": (3, "项")}


def test_amounts_in_yuan_become_wan_yuan() -> None:
    fee = one(claims_of("全年收取政府信息公开信息处理费3940元。"), "info_processing_fee")
    assert (fee.value, fee.unit) == (0.394, "万元")
    assert [(c.claim, c.value, c.unit) for c in claims_of("本年收费金额12.5万元,政府集中采购4项,采购总金额251000元。")] == [
        ("fee_amount", 12.5, "万元"), ("procurement_count", 4, "项"), ("procurement_amount", 25.1, "万元")]


def test_info_processing_fee_is_not_the_t2_fee_amount() -> None:
    assert [c.claim for c in claims_of("信息处理费收费金额0元。")] == ["info_processing_fee"]


def test_active_disclosure_total_and_parts() -> None:
    cs = claims_of("本年度主动公开政府信息共20条,其中机构信息2条,工作动态18条。")
    assert values(cs, "active_disclosure_total") == [20]
    assert [c.text for c in cs if c.claim == "active_disclosure_part"] == ["机构信息2条", "工作动态18条"]
    assert (one(cs, "active_disclosure_parts_sum").value, one(cs, "active_disclosure_parts_sum").qualifier) == (20, None)
    # per-channel figures are not a total
    assert values(claims_of("通过网站和微信分别公开政府信息162条、33条。"), "active_disclosure_total") == []


def test_sub_unit_subject() -> None:
    c = one(claims_of("2024年,区政府办代表区政府受理政府信息公开申请17件。"), "apps_received")
    assert c.qualifier == "sub_unit"
    assert one(claims_of("2024年,全市共受理政府信息公开申请3119件。"), "apps_received").qualifier is None


def test_application_count_of_reviews_is_not_an_application_count() -> None:
    assert values(claims_of("收到行政复议申请3件。"), "apps_received") == []
    assert values(claims_of("收到申请人投诉2件。"), "apps_received") == []
    assert values(claims_of("各项指标均维持较高水平。"), "all_upheld") == []


# --- table regions are skipped --------------------------------------------------------------------------------

def test_pipe_table_rows_are_skipped() -> None:
    text = "三、收到和处理政府信息公开申请情况\n| 一、本年新收政府信息公开申请数量 | 5件 | 0 | 0 | 0 | 0 | 0 | 5 |\n"
    assert claims_of(text) == []


def test_one_cell_per_line_table_is_skipped() -> None:
    text = ("(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)\n申请人情况\n"
            "(一)予以公开\n\n9件\n\n0\n\n9\n四、政府信息公开行政复议、行政诉讼情况\n行政复议\n结果维持\n3件\n"
            "五、存在的主要问题及改进情况\n本年度收到政府信息公开申请9件。\n")
    assert [(c.claim, c.value) for c in claims_of(text)] == [("apps_received", 9)]


def test_heading_inside_overview_does_not_start_a_table() -> None:
    text = "(五)收到和处理政府信息公开申请情况。2022年度共收到政府信息公开申请4件。\n"
    assert values(claims_of(text), "apps_received") == [4]


def test_column_aligned_rows_are_skipped_but_wrapped_prose_is_joined() -> None:
    text = (" 行政许可                   447228\n"
            " 一、本年新收政府信息公开申请数量         3001 53    0    0     61    4   3119\n"
            "     答复),均在法定期限内予以答复。政府信息公开行政复议                                351\n\n"
            "件,其中结果维持          72 件。\n\n- 3 -\n\n全市共受理政府信息公开\n\n申请  12 件。\n")
    cs = claims_of(text)
    assert [(c.claim, c.value) for c in cs] == [
        ("admin_review_total", 351), ("admin_review_upheld", 72), ("apps_received", 12)]
    assert text[cs[0].offset :].startswith("行政复议")


def test_repealed_and_in_force_documents_are_told_apart() -> None:
    cs = claims_of("废止规范性文件12件,现行有效规范性文件45件,制发规范性文件3件。")
    assert {c.claim: c.value for c in cs} == {
        "normative_documents_repealed": 12, "normative_documents_in_force": 45, "normative_documents_count": 3}


def test_applicant_breakdown_is_not_a_second_total() -> None:
    cs = claims_of("共收到政府信息公开申请15件,其中自然人申请13件,法人或其他组织申请2件。")
    assert values(cs, "apps_received") == [15]


def test_a_sentence_is_searched_only_for_rules_whose_required_words_it_holds() -> None:
    """The shortcut that skips a rule for a sentence lacking every string its pattern requires: the strings
    read from the parsed pattern are necessary (alternatives, optional parts, repeats), and skipping never
    loses a claim the rule finds."""
    import re

    from pipelines.extract import narrative as N

    assert N._required_text(re.compile("a(?:bc|d)?e")) in (("a",), ("e",))
    assert N._required_text(re.compile("x?(?:bc|de)+")) == ("bc", "de")
    assert N._required_text(re.compile("(?:bc|d*)")) is None
    assert N._required_text(re.compile("(?i:ab)")) is None
    for _, pattern, needed in N._RULES_NEEDING + N._ZERO_RULES_NEEDING:
        pattern = getattr(pattern, "regex", pattern)  # a pattern opening on a figure: the whole of it
        assert needed, pattern.pattern
        for sentence in ("共收到政府信息公开申请15件,其中予以公开3件,不予公开2件。", "规章3件,行政许可12项,收费金额1.5万元。",
                         "本年度没有收到政府信息公开申请。", "未发生行政复议和行政诉讼。", "集中采购项目4项,采购总金额20万元。"):
            if pattern.search(sentence):
                assert any(x in sentence for x in needed), (pattern.pattern, sentence)


def test_a_pattern_opening_on_a_figure_finds_what_the_whole_pattern_finds() -> None:
    """A pattern that opens on a figure is run only where the rest of it (after the figure) occurs: on
    random sentences of the words and figures it reads, the shortcut finds the same matches as the whole
    pattern, and finds some (the test could fail)."""
    import random

    from pipelines.extract import narrative as N

    after_figure = [p for _, p in N._RULES if isinstance(p, N._AfterFigure)] + [N._PART]
    assert after_figure
    words = ("件 个 条 篇 申请 需 结转 转结 顺延 转入 到 至 下 下一年 年度 其中 3 12 0 1.5 7,000 两 三十 五 "
             "共 , 。 政府信息 公开 人事信息").split()
    rng = random.Random(11)
    found = 0
    for _ in range(20_000):
        sentence = "".join(rng.choice(words) for _ in range(rng.randint(1, 16)))
        for p in after_figure:
            whole = [(m.span(), m.groupdict()) for m in p.regex.finditer(sentence)]
            assert [(m.span(), m.groupdict()) for m in p.finditer(sentence)] == whole, (p.regex.pattern, sentence)
            found += len(whole)
    assert found > 1000
