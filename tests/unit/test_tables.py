"""The layout readers and the template matcher on small tables written in each layout of spec §9."""

from __future__ import annotations

import pytest

from pipelines.extract.solver import solve, sums_hold
from pipelines.extract.tables import detect_template, extract_tables
from pipelines.extract.tokens import tokenize
from pipelines.extract.values import parse_cell

T3_LABELS = [
    ("new_received", "一、本年新收政府信息公开申请数量"), ("carried_over_in", "二、上年结转政府信息公开申请数量"),
    ("granted", "(一)予以公开"), ("partially_granted", "(二)部分公开(区分处理的,只计这一情形,不计其他情形)"),
    ("denied_state_secret", "1.属于国家秘密"), ("denied_prohibited_by_law", "2.其他法律行政法规禁止公开"),
    ("denied_security_stability", '3.危及"三安全一稳定"'), ("denied_third_party_rights", "4.保护第三方合法权益"),
    ("denied_internal_affairs", "5.属于三类内部事务信息"), ("denied_process_information", "6.属于四类过程性信息"),
    ("denied_enforcement_file", "7.属于行政执法案卷"), ("denied_administrative_query", "8.属于行政查询事项"),
    ("unable_not_held", "1.本机关不掌握相关政府信息"), ("unable_needs_creation", "2.没有现成信息需要另行制作"),
    ("unable_unclear_after_correction", "3.补正后申请内容仍不明确"), ("not_processed_petition", "1.信访举报投诉类申请"),
    ("not_processed_duplicate", "2.重复申请"), ("not_processed_publication", "3.要求提供公开出版物"),
    ("not_processed_excessive", "4.无正当理由大量反复申请"), ("not_processed_reconfirm", "5.要求行政机关确认或重新出具已获取信息"),
    ("other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    ("other_fee_unpaid", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    ("other_misc", "3.其他"), ("results_total", "(七)总计"), ("carried_forward_out", "四、结转下年度继续办理"),
]
HEADER = ["三、收到和处理政府信息公开申请情况", "(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)",
          "申请人情况", "自然人", "法人或其他组织", "总计", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]


def t3_values() -> dict[str, list[int]]:
    """A consistent v2021 T3: every row sums to its total, 一+二 = (七)+四 in every column."""
    rows = {key: [0] * 7 for key, _ in T3_LABELS}
    def put(key, parts):
        rows[key] = [*parts, sum(parts)]
    put("new_received", [12, 3, 0, 1, 0, 2]); put("carried_over_in", [2, 0, 0, 0, 0, 0])
    put("granted", [6, 1, 0, 1, 0, 1]); put("partially_granted", [2, 0, 0, 0, 0, 0])
    put("denied_state_secret", [1, 0, 0, 0, 0, 0]); put("unable_not_held", [3, 1, 0, 0, 0, 0])
    put("other_misc", [1, 0, 0, 0, 0, 1]); put("results_total", [13, 2, 0, 1, 0, 2])
    put("carried_forward_out", [1, 1, 0, 0, 0, 0])
    return rows


T4_TEXT = ["四、政府信息公开行政复议、行政诉讼情况", "行政复议", "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结",
           "总计", "未经复议直接起诉", "复议后起诉"]
T4_VALUES = [3, 1, 0, 1, 5, 2, 0, 0, 0, 2, 1, 1, 0, 0, 2]
TAIL = ["五、存在的主要问题及改进情况", "工作中还存在一些不足。"]


def assert_t3(tables, expected=None):
    expected = expected or t3_values()
    got = tables.cells["t3_applications"]
    for key, values in expected.items():
        assert [got[key][c].value for c in got[key]] == values, key


def assert_t4(tables):
    t4 = tables.cells["t4_review_litigation"]
    assert [t4[b][o].value for b in t4 for o in t4[b]] == T4_VALUES


def one_cell_per_line(values) -> str:
    lines = HEADER[:]
    for key, label in T3_LABELS:
        if key == "other_no_correction":
            lines.append("(六)其他处理")
        lines.append(label)
        lines += ["-" if v == 0 else str(v) for v in values[key]]
    return "\n\n".join(lines + T4_TEXT + ["-" if v == 0 else str(v) for v in T4_VALUES] + TAIL)


def test_one_cell_per_line_with_placeholders():
    tables = extract_tables(one_cell_per_line(t3_values()), "v2021")
    cell = tables.cells["t3_applications"]["carried_over_in"]["commercial_enterprise"]
    assert cell.value is None and cell.semantic == "NA" and cell.raw == "-"
    expected = {k: [None if v == 0 else v for v in vs] for k, vs in t3_values().items()}
    assert_t3(tables, expected)


def test_tab_indented_with_values_pushed_below_blank_cells():
    lines = [f"\t{h}" for h in HEADER]
    for key, label in T3_LABELS:
        lines.append(f"\t{label}")
        for i, v in enumerate(t3_values()[key]):
            lines += ["\t\u00a0\u3000", "", str(v)] if i == 6 else [f"\t\u3000\u3000   {v}"]
        lines.append("\t")
    text = "\n".join(lines + T4_TEXT + [" ".join(map(str, T4_VALUES))] + TAIL)
    from pipelines.decode.normalise import normalise
    tables = extract_tables(normalise(text), "v2021")
    assert_t3(tables)
    assert_t4(tables)


def test_pipe_table_with_padding_cells_and_split_headers():
    lines = [f"| {HEADER[1]} | 申请人情况 | | | | | | | |", "| 自然人 | 法人或其他组织 | 总计 | | | | |",
             "| 商业 企业 | 科研 机构 | 社会公益组织 | 法律服务机构 | 其他 | | |"]
    for key, label in T3_LABELS:
        lines.append(f"| {label} | " + " | ".join(map(str, t3_values()[key])) + " | | |")
    lines += ["| 行政复议 | | | | | 行政诉讼 |", "| " + " | ".join(map(str, T4_VALUES)) + " |"]
    tables = extract_tables("\n".join(["三、收到和处理政府信息公开申请情况", *lines, *TAIL]), "v2021")
    assert_t3(tables)
    assert_t4(tables)


def test_column_aligned_layout_values_above_wrapped_labels_and_footers():
    lines = list(HEADER)
    for n, (key, label) in enumerate(T3_LABELS):
        row = "   ".join(map(str, t3_values()[key]))
        if n % 3 == 0:  # tall row: the values sit above the label
            lines += [f"{' ' * 30}{row}", f"   {label}"]
        elif n % 3 == 1:  # label wrapped over two lines, values on the first
            lines += [f"   {label[:8]}{' ' * 10}{row}", f"   {label[8:]}"]
        else:
            lines.append(f"   {label}{' ' * 6}{row}")
        if n == 12:
            lines.append(" " * 50 + "- 4 -")
    lines += T4_TEXT + ["   ".join(map(str, T4_VALUES))] + TAIL
    tables = extract_tables("\n".join(lines), "v2021")
    assert_t3(tables)
    assert_t4(tables)


def test_reading_order_table_emitted_column_by_column():
    values = t3_values()
    columns = [str(values[key][c]) for c in range(7) for key, _ in T3_LABELS]
    text = "\n".join(HEADER + [label for _, label in T3_LABELS] + columns + T4_TEXT + [" ".join(map(str, T4_VALUES))] + TAIL)
    tables = extract_tables(text, "v2021")
    assert_t3(tables)
    assert any(i["code"] == "detached_values" for i in tables.issues)


def test_a_table_emitted_column_by_column_in_another_column_order_is_withheld():
    """pdfminer.six emitted a real T3 column by column with its 总计 column before 其他: dealt out by column the
    rows no longer add up (nor by row), so neither is kept, and its values go to no row (they went to the
    last label's row before, every one of them WRONG)."""
    values = t3_values()
    order = [0, 1, 2, 3, 4, 6, 5]  # 总计 printed before 其他
    columns = [str(values[key][c]) for c in order for key, _ in T3_LABELS]
    text = "\n".join(HEADER + [label for _, label in T3_LABELS] + columns + T4_TEXT + [" ".join(map(str, T4_VALUES))] + TAIL)
    tables = extract_tables(text, "v2021")
    assert "t3_applications" not in tables.cells
    assert any(i["code"] == "detached_values" and i["severity"] == "error" for i in tables.issues)
    assert_t4(tables)


T2_HEAD = ["二、主动公开政府信息情况", "第二十条第(一)项", "信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
T2_MID = ["第二十条第(五)项", "信息内容", "本年处理决定数量", "行政许可", "550", "第二十条第(六)项", "信息内容",
          "本年处理决定数量", "行政处罚", "行政强制", "4119", "195", "第二十条第(八)项", "信息内容",
          "本年收费金额(单位:万元)", "行政事业性收费", "7730.28"]


@pytest.mark.parametrize("stacked", [True, False], ids=["stacked", "row-by-row"])
def test_values_after_several_rows_labels_are_dealt_out_only_when_every_row_has_one_column(stacked):
    """pdfminer.six's text of a real PDF: 规章 / 行政规范性文件 / 0 0 0 5 0 5 (by column: regulations 0 0 0,
    normative documents 0 5 5) and 行政处罚 / 行政强制 / 4119 / 195. The nearest label took the first values
    (normative documents 0 0 0, coercion 4119: WRONG). One column a row: first label, first value. Three
    columns: by row or by column is not known, both rows withheld."""
    first = ["规章", "行政规范性文件", "0", "0", "0", "5", "0", "5"] if stacked else \
        ["规章", "0", "0", "0", "行政规范性文件", "0", "5", "5"]
    text = "\n".join(T2_HEAD + first + T2_MID + T4_TEXT + [" ".join(map(str, T4_VALUES))] + TAIL)
    cells = extract_tables(text, "v2021").cells
    assert cells["t2_art20_6"]["administrative_penalty"]["decision_count"].value == 4119
    assert cells["t2_art20_6"]["administrative_coercion"]["decision_count"].value == 195
    assert cells["t2_art20_5"]["administrative_licensing"]["decision_count"].value == 550
    if stacked:
        assert "t2_art20_1" not in cells
    else:
        assert [c.value for c in cells["t2_art20_1"]["normative_documents"].values()] == [0, 5, 5]


def test_a_one_column_row_with_two_values_is_withheld_not_cut():
    """A figure wrapped in a narrow cell (9487 printed 94 / 87): two values under 行政许可. Cut into rows, the
    first went to 行政许可 (94, WRONG); another row's value whose label is lost reads the same, so both are
    withheld (extra_values)."""
    mid = ["第二十条第(五)项", "信息内容", "本年处理决定数量", "行政许可", "94", "87", "第二十条第(六)项", "信息内容",
           "本年处理决定数量", "行政处罚", "4119", "行政强制", "195"]
    text = "\n".join(T2_HEAD + ["规章", "0", "0", "0", "行政规范性文件", "0", "5", "5"] + mid + T4_TEXT
                     + [" ".join(map(str, T4_VALUES))] + TAIL)
    tables = extract_tables(text, "v2021")
    assert "t2_art20_5" not in tables.cells or \
        tables.cells["t2_art20_5"]["administrative_licensing"]["decision_count"].value is None
    assert any(i["code"] == "extra_values" and i["location"] == "t2_art20_5.administrative_licensing"
               for i in tables.issues)
    assert tables.cells["t2_art20_6"]["administrative_penalty"]["decision_count"].value == 4119


def test_a_label_below_values_does_not_pass_over_a_row_named_above_them():
    """pdfminer.six moved the (六) caption above 行政许可's value: 行政许可 … 本年处理决定数量 / 447228 / 行政处罚
    行政强制 / 3985758 88283. The label below the value (行政处罚) named it, passing over 行政许可, named above
    and still without a value: whose it is is not known."""
    mid = ["第二十条第(五)项", "信息内容", "行政许可", "第二十条第(六)项", "本年处理决定数量", "447228",
           "信息内容", "行政处罚", "行政强制", "第二十条第(八)项", "本年处理决定数量", "3985758", "88283"]
    text = "\n".join(T2_HEAD + ["规章", "0", "0", "0", "行政规范性文件", "0", "5", "5"] + mid + T4_TEXT
                     + [" ".join(map(str, T4_VALUES))] + TAIL)
    tables = extract_tables(text, "v2021")
    penalty = tables.cells.get("t2_art20_6", {}).get("administrative_penalty", {}).get("decision_count")
    assert penalty is None or penalty.value != 447228
    licensing = tables.cells.get("t2_art20_5", {}).get("administrative_licensing", {}).get("decision_count")
    assert licensing is None or licensing.value == 447228


def test_run_together_row_is_split_by_its_identity():
    text = "\n".join(HEADER + ["一、本年新收政府信息公开申请数量230 000023"])
    cells = extract_tables(text, "v2021").cells["t3_applications"]["new_received"]
    assert [c.value for c in cells.values()] == [23, 0, 0, 0, 0, 0, 23]


def test_ambiguous_split_is_reported_and_left_null():
    text = "\n".join(["第二十条第(五)项", "信息内容", "上一年项目数量", "本年增/减", "处理决定数量", "行政许可2648-18538"])
    tables = extract_tables(text, "v2019")
    cells = tables.cells["t2_art20_5"]["administrative_licensing"]
    # 2648 | -18 | 538, 2648 | -185 | 38 …: the change and the decisions are not known; the prior-year count
    # is 2648 in every split (a sign is allowed only in the change column), so it is known
    assert cells["prior_year_item_count"].value == 2648
    assert cells["item_count_change"].value is None and cells["decision_count"].value is None
    assert any(i["code"] == "ambiguous_split" and "1 cells they agree on" in i["message"] for i in tables.issues)


def test_solver_enumerates_only_identity_satisfying_splits():
    t4 = sums_hold([([0, 1, 2, 3], 4), ([5, 6, 7, 8], 9), ([10, 11, 12, 13], 14)])
    assert solve(["31015", "20002", "00000"], 15, t4) == [["3", "1", "0", "1", "5", "2", "0", "0", "0", "2",
                                                          "0", "0", "0", "0", "0"]]
    assert solve(["1" * 50], 7, lambda s: True) == []  # too long to search: no guess
    assert solve([], 3, t4) == [] and solve([], 0, lambda s: True) == [[]]  # no digits: nothing to cut, no crash


def test_missing_row_is_an_issue_and_its_cells_are_absent():
    values = t3_values()
    text = one_cell_per_line(values).replace("1.属于国家秘密", "这一行的标签被删掉了")
    tables = extract_tables(text, "v2021")
    assert "denied_state_secret" not in tables.cells["t3_applications"]
    assert any(i["code"] == "missing_row" and "denied_state_secret" in i["location"] for i in tables.issues)


def test_template_detected_from_labels_not_year():
    assert detect_template("2021年 本年新制作数量 本年新公开数量") == "v2019"
    assert detect_template("2020年 本年制发件数 现行有效件数") == "v2021"
    assert detect_template("本年制发件数 政府集中采购") == "hybrid"
    assert detect_template("工作总结") is None


@pytest.mark.parametrize(("raw", "typ", "value", "semantic"), [
    ("0", "int", 0, "ZERO"), ("1,234", "int", 1234, "NUMERIC"), ("-", "int", None, "NA"), ("/", "int", None, "NA"),
    ("无", "int", None, "NA"), ("", "int", None, "EMPTY"), ("\u00a0", "int", None, "EMPTY"), ("52项", "int", 52, "NUMERIC"),
    ("114.36万元", "amt", 114.36, "NUMERIC"), ("251000元", "amt", 25.1, "NUMERIC"), ("+1036", "sint", 1036, "NUMERIC"),
    ("-3", "sint", -3, "NUMERIC"), ("见附件", "int", None, "TEXT"),
])
def test_cell_grammar(raw, typ, value, semantic):
    cell = parse_cell(raw, typ)
    assert (cell.value, cell.semantic) == (value, semantic)


def test_tokenizer_never_splits_a_number_across_a_blank_tab_cell():
    kinds = [(t.kind, t.text) for t in tokenize("\t规章\n\t\u00a0\n\n20\n\t下一个")]
    assert kinds == [("label", "规章"), ("value", "20"), ("label", "下一个")]


def test_an_extractor_failure_is_recorded_not_raised(monkeypatch):
    from pipelines.decode.model import Decoded
    from pipelines.extract import record

    def boom(*args, **kwargs):
        raise RuntimeError("a bug met on one document")

    monkeypatch.setattr(record, "extract_decoded", boom)
    out = record.extract_safely("abc", Decoded("t", "t", [], "text"), "text")
    assert out.status == "failed" and out.issues[0]["code"] == "extraction_failed"
    assert "a bug met on one document" in out.issues[0]["message"]


def test_a_rows_numbering_cut_from_its_label_is_not_a_value():
    """OCR and converters put a space between a row's numbering and its label (`6. 属于四类过程性信息`):
    "6." is never a cell, so before a label it is the label's — the row above keeps its 7 values."""
    from pipelines.extract.tokens import LABEL, VALUE, tokenize

    kinds = [(t.kind, t.text) for t in tokenize("5、属于三类内部事务信息\t0\t0\t0\t0\t0\t0\t0\n6. 属于四类过程性信息\t1\t0\t0\t0\t0\t0\t1")]
    assert (LABEL, "6.") in kinds and (VALUE, "6.") not in kinds
    assert [k for k, _ in kinds].count(VALUE) == 14
    # a figure before a label stays a figure
    assert (VALUE, "6") in [(t.kind, t.text) for t in tokenize("行政许可 6 行政处罚 7")]
    assert (VALUE, "6.5") in [(t.kind, t.text) for t in tokenize("收费金额 6.5 本年")]
