"""The stream reader (pipelines/extract/stream.py): separators, anchors, numbering, placeholders, the solver."""

from __future__ import annotations

from pipelines.extract.stream import CELL, LINE, NONE, SPACE, build_stream, read_stream

T2_2021 = ("二、主动公开政府信息情况第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章000"
           "行政规范性文件{normative}第二十条第（五）项信息内容本年处理决定数量行政许可2418第二十条第（六）项"
           "信息内容本年处理决定数量行政处罚644行政强制64第二十条第（八）项信息内容本年收费金额（单位：万元）"
           "行政事业性收费{fee}")
T3_HEAD = ("三、收到和处理政府信息公开申请情况（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
           "申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他")
T3_ROWS_2021 = [
    ("一、本年新收政府信息公开申请数量", "15130000154"), ("二、上年结转政府信息公开申请数量", "0000000"),
    ("三、本年度办理结果（一）予以公开", "330000033"), ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "380000038"),
    ("（三）不予公开1.属于国家秘密", "0000000"), ("2.其他法律行政法规禁止公开", "0000000"),
    ("3.危及“三安全一稳定”", "0000000"), ("4.保护第三方合法权益", "0000000"), ("5.属于三类内部事务信息", "3000003"),
    ("6.属于四类过程性信息", "2000002"), ("7.属于行政执法案卷", "3000003"), ("8.属于行政查询事项", "3000003"),
    ("（四）无法提供1.本机关不掌握相关政府信息", "491000050"), ("2.没有现成信息需要另行制作", "3000003"),
    ("3.补正后申请内容仍不明确", "0000000"), ("（五）不予处理1.信访举报投诉类申请", "2000002"), ("2.重复申请", "0000000"),
    ("3.要求提供公开出版物", "0000000"), ("4.无正当理由大量反复申请", "0000000"),
    ("5.要求行政机关确认或重新出具已获取信息", "0000000"),
    ("（六）其他处理1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "8000008"),
    ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "2000002"), ("3.其他", "1000001"),
    ("（七）总计", "14710000148"), ("四、结转下年度继续办理", "4200006"),
]
T4 = ("四、政府信息公开行政复议、行政诉讼情况行政复议行政诉讼结果维持结果纠正其他结果尚未审结总计未经复议直接起诉"
      "复议后起诉结果维持结果纠正其他结果尚未审结总计结果维持结果纠正其他结果尚未审结总计25380363300630003"
      "五、存在的主要问题及改进情况")


def crawl_text(normative: str = "5845546", fee: str = "4166.24", rows=T3_ROWS_2021, t4: str = T4) -> str:
    """A crawled report in the real pingtan shape (cells run together, no separators, one line)."""
    return T2_2021.format(normative=normative, fee=fee) + T3_HEAD + "".join(a + b for a, b in rows) + t4


def values(tables, table):
    return {row: {col: cell.value for col, cell in cols.items()} for row, cols in tables.cells[table].items()}


def test_separator_strengths_and_offsets():
    text = "规章 | 0 |\t1\n2  3 4行政"
    s = build_stream(text)
    assert s.chars == "规章|0|1234行政".replace("|", "")
    strengths = {s.chars[r[0]]: r[2] for r in s.runs}
    assert strengths["0"] == CELL and strengths["1"] == CELL and strengths["2"] == LINE
    assert strengths["3"] == CELL and strengths["4"] == SPACE
    assert s.sep_before(s.chars.index("行")) == NONE
    for i, c in enumerate(s.chars):
        assert text[s.source(i)] == c  # every character traces back to the source text


def test_a_crawled_report_is_read_whole_with_the_ambiguous_t2_row_withheld():
    t = read_stream(crawl_text(), "v2021")
    assert values(t, "t2_art20_1")["regulations"] == {"issued_count": 0, "repealed_count": 0, "in_force_count": 0}
    assert set(values(t, "t2_art20_1")["normative_documents"].values()) == {None}
    amb = [i for i in t.issues if i["code"] == "ambiguous_split"]
    assert [i["location"] for i in amb] == ["t2_art20_1.normative_documents"]
    assert "5 845 546" in amb[0]["message"] or "58 45 546" in amb[0]["message"]  # candidates are named
    assert values(t, "t2_art20_8")["administrative_fees"]["fee_amount_wan_yuan"] == 4166.24
    t3 = values(t, "t3_applications")
    assert list(t3["new_received"].values()) == [151, 3, 0, 0, 0, 0, 154]
    assert list(t3["unable_not_held"].values()) == [49, 1, 0, 0, 0, 0, 50]
    assert list(t3["carried_forward_out"].values()) == [4, 2, 0, 0, 0, 0, 6]
    t4 = values(t, "t4_review_litigation")
    assert t4["admin_review"] == {"upheld": 25, "corrected": 3, "other_outcome": 8, "pending": 0, "total": 36}
    assert t4["litigation_after_review"]["total"] == 3
    assert not [i for i in t.issues if i["severity"] == "error" and i["code"] != "ambiguous_split"]


def test_a_row_number_glued_to_the_previous_rows_digits_is_part_of_the_next_label():
    # "…3000003" + "8.属于行政查询事项": the 8 is numbering, never an eighth value or part of the total
    t = read_stream(crawl_text(), "v2021")
    t3 = values(t, "t3_applications")
    assert list(t3["denied_enforcement_file"].values()) == [3, 0, 0, 0, 0, 0, 3]
    assert list(t3["denied_internal_affairs"].values()) == [3, 0, 0, 0, 0, 0, 3]


def test_a_section_number_glued_to_the_last_row_is_not_a_digit_of_it():
    rows = T3_ROWS_2021[:-1] + [("四、结转下年度继续办理", "0000000")]
    t = read_stream(crawl_text(rows=rows, t4=T4.replace("四、政府", "4、政府")), "v2021")
    assert list(values(t, "t3_applications")["carried_forward_out"].values()) == [0] * 7


def test_a_total_that_no_split_explains_is_withheld_not_guessed():
    rows = [(a, "15130000155" if b == "15130000154" else b) for a, b in T3_ROWS_2021]  # 151+3 ≠ 155
    t = read_stream(crawl_text(rows=rows), "v2021")
    row = values(t, "t3_applications").get("new_received", {})
    assert all(v is None for v in row.values())
    assert any(i["code"] == "unsplittable" and i["location"] == "t3_applications.new_received" for i in t.issues)


def test_wu_is_a_placeholder_only_where_no_label_goes_on():
    rows = [(a, "无无无无无无无" if a.startswith("二、") else b) for a, b in T3_ROWS_2021]
    t = read_stream(crawl_text(rows=rows, fee="无"), "v2021")
    assert set(values(t, "t3_applications")["carried_over_in"].values()) == {None}
    assert all(c.semantic == "NA" for c in t.cells["t3_applications"]["carried_over_in"].values())
    assert t.cells["t2_art20_8"]["administrative_fees"]["fee_amount_wan_yuan"].semantic == "NA"
    # 无法提供 / 无正当理由 stay labels: the rows around them are read right
    assert list(values(t, "t3_applications")["not_processed_excessive"].values()) == [0] * 7
    assert list(values(t, "t3_applications")["unable_not_held"].values()) == [49, 1, 0, 0, 0, 0, 50]


def test_a_token_with_a_leading_zero_is_never_a_cell():
    text = ("第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章\t0\t0\t04\n"
            "行政规范性文件\t1\t2\t3\n")
    t = read_stream(text, "v2021")
    assert "regulations" not in t.cells.get("t2_art20_1", {})
    assert any(i["location"] == "t2_art20_1.regulations" and i["severity"] == "error" for i in t.issues)
    assert values(t, "t2_art20_1")["normative_documents"] == {"issued_count": 1, "repealed_count": 2,
                                                              "in_force_count": 3}


def test_more_values_than_columns_are_withheld():
    text = ("第二十条第（一）项信息内容本年制发件数本年废止件数现行有效件数规章 0 0 0 "
            "行政规范性文件 1 2 3 4\n")
    t = read_stream(text, "v2021")
    assert "normative_documents" not in t.cells["t2_art20_1"]
    assert any(i["code"] == "extra_values" for i in t.issues)


def test_the_values_span_points_at_the_source_text():
    text = crawl_text()
    t = read_stream(text, "v2021")
    a, b = t.spans[("t3_applications", "new_received")]
    assert text[a:b] == "15130000154"


def test_a_v2021_report_with_the_single_other_handling_row():
    rows = [r for r in T3_ROWS_2021 if not r[0].startswith(("（六）", "2.申请人逾期", "3.其他"))]
    at = [a for a, _ in rows].index("（七）总计")
    rows.insert(at, ("（六）其他处理", "110000011"))  # 8+2+1 = 11 in one row, as 2019-style tables print it
    t = read_stream(crawl_text(rows=rows), "v2021")
    t3 = values(t, "t3_applications")
    assert list(t3["other_handling"].values()) == [11, 0, 0, 0, 0, 0, 11]
    assert not {"other_no_correction", "other_fee_unpaid", "other_misc"} & set(t3)
    assert list(t3["results_total"].values()) == [147, 1, 0, 0, 0, 0, 148]


def test_a_table_split_across_pages_with_a_footer_and_a_repeated_header():
    rows = list(T3_ROWS_2021)
    k = [a for a, _ in rows].index("（四）无法提供1.本机关不掌握相关政府信息")
    a, b = rows[k - 1]
    rows[k - 1] = (a, b + "\n- 3 -\n申请人情况自然人法人或其他组织总计商业企业科研机构社会公益组织法律服务机构其他\n")
    t = read_stream(crawl_text(rows=rows), "v2021")
    t3 = values(t, "t3_applications")
    assert list(t3["denied_administrative_query"].values()) == [3, 0, 0, 0, 0, 0, 3]
    assert list(t3["unable_not_held"].values()) == [49, 1, 0, 0, 0, 0, 50]
