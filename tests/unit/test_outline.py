"""The outline finder (pipelines/extract/outline.py): the one place the six sections' headings are found, read by
metadata and by the outline rules MD-02 and NT-07."""

from __future__ import annotations

from pipelines.extract.outline import outline

HEADINGS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")
BODY = "本年度工作有序推进，各项任务均已完成。"
T4_CELLS = ["行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "总计", "0", "0", "0"]


def report(headings=HEADINGS, t4=T4_CELLS, sep="\n") -> str:
    """Six sections, each a heading and a sentence; section 四 with its table, one cell per line."""
    parts = []
    for k, heading in enumerate(headings):
        parts += [heading, BODY] if heading else [BODY]
        if k == 3:
            parts += t4
    return sep.join(parts) + sep


def found(text: str) -> dict[int, tuple[str, str | None]]:
    """{section: (its heading's text, white space removed; its numeral)}."""
    return {k: ("".join(text[h.start:h.end].split()), h.numeral) for k, h in outline(text).headings.items()}


def test_the_six_headings_of_a_plain_report() -> None:
    assert found(report()) == {k: (h, "一二三四五六"[k]) for k, h in enumerate(HEADINGS)}


def test_the_t4_header_line_is_no_heading() -> None:
    """行政复议 is section 四's word and the first cell of T4's header: with section 四's heading gone, the
    header line (one cell per line, a pipe row, a tab-separated row) is not taken for it."""
    no_heading = (*HEADINGS[:3], None, *HEADINGS[4:])
    for t4 in (T4_CELLS, ["|行政复议|行政诉讼|", "|结果维持|结果纠正|"], ["行政复议\t\t\t行政诉讼", "结果维持\t结果纠正"]):
        assert 3 not in found(report(no_heading, t4))
        assert found(report(t4=t4))[3] == (HEADINGS[3], "四")


def test_long_headings_numbered_4_or_marked_up_are_found() -> None:
    headings = ("1、总体情况", "## 二、主动公开政府信息情况", "**三、收到和处理政府信息公开申请情况**",
                "4、因政府信息公开工作被申请行政复议、提起行政诉讼情况", "## 五、政府信息公开工作存在的主要问题及改进情况",
                "第六部分 其他需要报告的事项")
    got = found(report(headings))
    assert {k: n for k, (_, n) in got.items()} == dict(enumerate(["1", "二", "三", "4", "五", "六"]))
    assert got[3][0] == "4、因政府信息公开工作被申请行政复议、提起行政诉讼情况"


def test_a_heading_named_by_its_word_when_numbered_like_a_section() -> None:
    words = (*HEADINGS[:3], "四、行政复议和行政诉讼", "五、存在的主要问题和整改措施", HEADINGS[5])
    assert set(found(report(words))) == set(range(6))
    # unnumbered, or numbered like an item (a sub-item 1. of some list), the word alone names no section
    for variant in ("存在的主要问题和整改措施", "5、存在的主要问题和整改措施"):
        assert 4 not in found(report((*HEADINGS[:4], variant, HEADINGS[5])))


def test_unnumbered_headings_and_sentences_that_name_a_section() -> None:
    headings = ("一、总体情况", "主动公开政府信息情况", *HEADINGS[2:4], "存在的主要问题及改进情况", "其他需要报告的事项")
    got = found(report(headings))
    assert [got[k][1] for k in range(6)] == ["一", None, "三", "四", None, None]
    # a sentence naming a section, a sub-item of section 一 with its bracket number: no heading
    text = report((*HEADINGS[:5], None)).replace(BODY, "(二)收到和处理政府信息公开申请情况", 1) + "本年度无其他需要报告的事项。\n"
    assert 5 not in found(text) and found(text)[2] == (HEADINGS[2], "三")


def test_a_report_run_together_on_one_line() -> None:
    """A page flattened by a crawler: the headings stand in the run of text, after the figures of a table or
    the end of a sentence; a list of the sections in the introduction is none of them."""
    intro = "本报告共分6个部分:总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议、" \
            "行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项。本报告由“总体情况”、“其他需要报告的事项”组成。"
    for sep in ("", " "):
        text = intro + report(sep=sep)
        assert found(text) == {k: (h, "一二三四五六"[k]) for k, h in enumerate(HEADINGS)}
    text = intro + report(("一、总体情况", "主动公开政府信息情况", *HEADINGS[2:]), sep="")
    assert found(text)[1] == ("主动公开政府信息情况", None)
    # glued to the figures before it: 四、 after the last 0 of T3, 4、 after a row of zeros
    assert found("继续办理0000000四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼")[3][1] == "四"
    assert found("继续办理00000004、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼")[3][1] == "4"


def test_a_section_body_runs_to_the_next_heading() -> None:
    for sep in ("\n", ""):
        text = report(sep=sep)
        headings = outline(text).headings
        assert text[headings[4].end:headings[5].start].strip() == BODY


def test_numerals_of_extra_sections() -> None:
    """000 prints eight sections: two topics of section 一 as sections 五 and 六, then 七 and 八."""
    eight = (*HEADINGS[:4], "五、政府信息管理", "六、平台建设和监督保障", "七、存在的主要问题及改进情况", "八、其他需要报告的事项")
    text = "\n".join(x for h in eight for x in (h, BODY))
    result = outline(text)
    assert result.numerals == tuple("一二三四五六七八")
    assert [result.headings[k].numeral for k in range(6)] == list("一二三四七八")
    assert outline(text.replace("\n", "")).numerals == tuple("一二三四七八")
