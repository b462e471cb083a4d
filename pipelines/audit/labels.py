"""The printed Chinese labels of the official templates, as the audit sheet names them (spec §2), and the
Chinese names it shows for levels, verdicts and extraction issues.

Every template label (captions, row and column labels, group headers, section titles) is read from the one
definition of the templates (pipelines/contract/templates.yml); this module only arranges them for the sheet.
"""

from __future__ import annotations

from functools import lru_cache

from pipelines import contract as C
from pipelines.contract.grammar import NUMERALS

_T3, _T4 = C.TABLES["t3_applications"], C.TABLES["t4_review_litigation"]

T2_CAPTIONS = {t: C.TABLES[t]["caption"] for t in C.T2_TABLES}
T2_ROW_HEADER = C.ROW_HEADER
T2_COLS = {template: {col: e.get("shown") or C.label_of(e, template) for t, spec in C.TEMPLATE_TABLES[template].items()
                      if t in C.T2_TABLES for col, e in C.TABLES[t]["cols"].items() if col in spec.cols}
           for template in C.TEMPLATES}

T3_TITLE = C.section_title("t3_applications")
T3_NOTE = _T3["note"]
T3_APPLICANT = _T3["col_group"]
T3_LEGAL_PERSON = _T3["col_groups"]["legal_person"]
T3_COLS = {col: C.label_of(e) for col, e in _T3["cols"].items()}
T3_RESULTS_GROUP = _T3["groups"]["results"]["label"]
# rows under a second-level group header of the template, and that header
T3_GROUPS = {g: e["label"] for g, e in _T3["groups"].items() if "within" in e}

T4_TITLE = C.section_title("t4_review_litigation")
T4_BLOCKS = {block: C.label_of(e) for block, e in _T4["rows"].items()}
T4_REVIEW, T4_LITIGATION = T4_BLOCKS["admin_review"], _T4["row_groups"]["litigation"]
T4_OUTCOMES = {col: C.label_of(e) for col, e in _T4["cols"].items()}

TABLE_NAMES = {t: C.TABLES[t]["name"] for t in C.TABLE_KEYS}
SECTION_TITLES = {t[:2]: f"{NUMERALS[C.TABLES[t]['section'] - 1]}、{C.section_title(t)}"
                  for t in ("t2_art20_1", "t3_applications", "t4_review_litigation")}

LEVELS = {"central": "中央", "provincial": "省级", "prefectural": "市级", "county": "县级", "township": "乡镇"}
TEMPLATES = {t: C.DEFINITION["templates"][t]["name"] for t in C.TEMPLATES}
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
def row_label(table: str, row: str, template: str | None = None) -> str:
    """The official printed label of a row of T2 or T3, or of a T4 block."""
    entry = C.row_entry(table, row)
    return row if entry is None else C.label_of(entry, template)


def leaf_label(row: str) -> str:
    """A T3 row's label within its group (the official label already is)."""
    return row_label("t3_applications", row)


@lru_cache(maxsize=4096)
def col_label(table: str, col: str, template: str | None = None) -> str:
    entry = C.col_entry(table, col)
    if entry is None:  # a column of another T2 table
        return next((cols[col] for t in ([template] if template in T2_COLS else []) + list(T2_COLS)
                     if col in (cols := T2_COLS[t])), col) if table in C.T2_TABLES else col
    # without a known template, the first template's header (处理决定数量)
    return entry.get("shown") or C.label_of(entry, template if template in C.TEMPLATES else C.TEMPLATES[0])


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
        if table in C.T2_TABLES:
            name = f"{T2_CAPTIONS.get(table, table)} {name}"
    return name if col in (None, "*") else f"{name} · {col_label(table, col, template)}"


def t3_group(row: str) -> str | None:
    """The second-level group of a T3 row ((三)…(六)), or None."""
    return C.t3_group(row)
