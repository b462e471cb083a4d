"""The printed Chinese labels of the official templates that the extractor does not need (spec §2).

Row labels come from `pipelines.extract.labels` (`RowPattern.official`), keys and column types from
`pipelines.contract`; this module adds only what neither holds: column headers, T2 captions, T3 group
headers, T4 blocks, and the Chinese names the audit sheet shows for levels, verdicts and extraction issues.
"""

from __future__ import annotations

from functools import lru_cache

from pipelines.extract.labels import T2_ROWS, T3_ROWS

T2_CAPTIONS = {"t2_art20_1": "第二十条第（一）项", "t2_art20_5": "第二十条第（五）项",
               "t2_art20_6": "第二十条第（六）项", "t2_art20_8": "第二十条第（八）项",
               "t2_art20_9": "第二十条第（九）项"}
T2_ROW_HEADER = "信息内容"
T2_COLS = {
    "v2019": {"new_made_count": "本年新制作数量", "new_published_count": "本年新公开数量",
              "published_total_count": "对外公开总数量", "prior_year_item_count": "上一年项目数量",
              "item_count_change": "本年增/减", "decision_count": "处理决定数量",
              "procurement_project_count": "采购项目数量", "procurement_amount_wan_yuan": "采购总金额（万元）"},
    "v2021": {"issued_count": "本年制发件数", "repealed_count": "本年废止件数", "in_force_count": "现行有效件数",
              "decision_count": "本年处理决定数量", "fee_amount_wan_yuan": "本年收费金额（单位：万元）"},
}

T3_TITLE = "收到和处理政府信息公开申请情况"
T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T3_APPLICANT = "申请人情况"
T3_LEGAL_PERSON = "法人或其他组织"
T3_COLS = {"natural_person": "自然人", "commercial_enterprise": "商业企业", "research_institution": "科研机构",
           "public_welfare_org": "社会公益组织", "legal_service_org": "法律服务机构", "other_org": "其他",
           "total": "总计"}
T3_RESULTS_GROUP = "三、本年度办理结果"
# rows under a second-level group header of the template, and that header
T3_GROUPS = {"denied": "（三）不予公开", "unable": "（四）无法提供", "not_processed": "（五）不予处理",
             "other": "（六）其他处理"}

T4_TITLE = "政府信息公开行政复议、行政诉讼情况"
T4_REVIEW, T4_LITIGATION = "行政复议", "行政诉讼"
T4_BLOCKS = {"admin_review": "行政复议", "litigation_direct": "未经复议直接起诉",
             "litigation_after_review": "复议后起诉"}
T4_OUTCOMES = {"upheld": "结果维持", "corrected": "结果纠正", "other_outcome": "其他结果", "pending": "尚未审结",
               "total": "总计"}

TABLE_NAMES = {"t2_art20_1": "主动公开（第二十条第（一）项）", "t2_art20_5": "主动公开（第二十条第（五）项）",
               "t2_art20_6": "主动公开（第二十条第（六）项）", "t2_art20_8": "主动公开（第二十条第（八）项）",
               "t2_art20_9": "主动公开（第二十条第（九）项）", "t3_applications": "申请情况表",
               "t4_review_litigation": "复议诉讼表"}
SECTION_TITLES = {"t2": "二、主动公开政府信息情况", "t3": "三、" + T3_TITLE, "t4": "四、" + T4_TITLE}

LEVELS = {"central": "中央", "provincial": "省级", "prefectural": "市级", "county": "县级", "township": "乡镇"}
TEMPLATES = {"v2019": "2019版（试行）", "v2021": "2021版"}
VERDICTS = {"accepted": "通过", "quarantined": "隔离待核"}
SEVERITIES = {"hard": "硬性", "soft": "提示"}
STATUSES = {"FAIL": "不符", "NOT_ASSESSABLE": "无法判定", "PASS": "相符"}
ISSUE_SEVERITIES = {"error": "错误", "warning": "警告", "info": "说明"}
ISSUES = {
    "ambiguous_split": "连写数字有多种拆分，未取值", "unsplittable": "连写数字无法拆分，未取值",
    "readings_disagree": "两种读法数值不一致，未取值", "extra_values": "数值多于列数，未取值",
    "ocr_unreadable": "识别不清，未取值", "ocr_identity_chosen": "识别存疑，按勾稽关系选定",
    "unreadable_cell": "单元格无法识别", "missing_row": "缺少此行",
    "missing_table": "缺少此表", "missing_values": "缺少数值", "cell_value": "单元格不是数字",
    "ambiguous_blanks": "空格位置不确定", "detached_values": "数值与行标签分离", "run_together_split": "连写数字已拆分",
    "single_other_row": "（六）其他处理只印一行", "group_header_read_as_row": "分组标题被读作数据行",
    "read_as_stream": "表格按字符流读取", "template_uncertain": "模板版本不确定", "template_unknown": "模板版本未知",
    "template_hybrid": "混用两版模板", "region_unresolved": "未识别地区", "region_ambiguous": "地区有歧义",
    "agency_unresolved": "未识别机关", "agency_anonymised": "机关名称已匿名", "title_missing": "缺少标题",
    "year_unresolved": "未识别年度", "year_mismatch": "年度不一致", "year_inferred": "年度系推断",
    "year_from_body": "年度取自正文", "publication_date_missing": "缺少发布日期", "tables_not_found": "未找到表格",
    "template_labels_in_non_report": "非年报中出现模板标签", "extraction_failed": "提取失败",
}
DOC_TYPES = {"annual_report": "政府信息公开工作年度报告", "self_inspection": "自查报告"}


@lru_cache(maxsize=4096)
def _full_width(label: str) -> str:
    """Official labels are stored normalised (ASCII brackets and quotes); printed as the template prints them."""
    out, quote_open = [], True
    for ch in label.replace("(", "（").replace(")", "）").replace(",", "，"):
        if ch == '"':
            ch, quote_open = ("“" if quote_open else "”"), not quote_open
        out.append(ch)
    return "".join(out)


@lru_cache(maxsize=4096)
def row_label(table: str, row: str, template: str | None = None) -> str:
    """The official printed label of a row of T2 or T3, or of a T4 block."""
    if table == "t4_review_litigation":
        return T4_BLOCKS.get(row, row)
    if table.startswith("t2_"):
        if row == "normative_documents" and template == "v2019":
            return "规范性文件"
        return T2_ROWS[row].official if row in T2_ROWS else row
    return _full_width(T3_ROWS[row].official) if row in T3_ROWS else row


def leaf_label(row: str) -> str:
    """A T3 row's label within its group (the official label already is)."""
    return row_label("t3_applications", row)


@lru_cache(maxsize=4096)
def col_label(table: str, col: str, template: str | None = None) -> str:
    if table == "t3_applications":
        return T3_COLS.get(col, col)
    if table == "t4_review_litigation":
        return T4_OUTCOMES.get(col, col)
    for t in ([template] if template in T2_COLS else []) + list(T2_COLS):
        if col in T2_COLS[t]:
            return T2_COLS[t][col]
    return col


@lru_cache(maxsize=4096)
def cell_label(table: str, row: str, col: str | None, template: str | None = None) -> str:
    """A cell (or a row, when col is None) named in the report's own words: 复议后起诉·总计,
    “一、本年新收政府信息公开申请数量”·自然人."""
    if table == "t4_review_litigation":
        name = T4_BLOCKS.get(row, row) if row != "*" else T4_TITLE
    elif row == "*":
        name = TABLE_NAMES.get(table, table)
    else:
        name = row_label(table, row, template)
        if table.startswith("t2_"):
            name = f"{T2_CAPTIONS.get(table, table)} {name}"
    return name if col in (None, "*") else f"{name} · {col_label(table, col, template)}"


def t3_group(row: str) -> str | None:
    """The second-level group of a T3 row ((三)…(六)), or None."""
    for prefix, group in (("denied_", "denied"), ("unable_", "unable"), ("not_processed_", "not_processed")):
        if row.startswith(prefix):
            return group
    if row in ("other_no_correction", "other_fee_unpaid", "other_misc"):
        return "other"
    return None
