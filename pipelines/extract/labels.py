"""Label normalisation and the template's row labels as patterns (spec §2, §2.5).

A row is recognised by distinctive substrings of its official label (and of the variants met in the
wild), never by its numeral: numbering, brackets and wrapping differ from report to report. Several
labels are ambiguous alone ("其他" is a column, an outcome and a row): the matcher resolves them by the
template's row order, not here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"'})
_ALIASES = [
    ("转结", "结转"),
    ("本年新收到", "本年新收"),
    ("本年公开数量", "本年新公开数量"),
    ("其他组织", "其他"),
    ("合计", "总计"),
]


@lru_cache(maxsize=65536)
def norm_label(text: str) -> str:
    """A label ready to match: no white space, unified quotes and brackets, known variants mapped."""
    text = "".join(text.split()).translate(_QUOTES).replace("（", "(").replace("）", ")").replace("：", ":")
    for variant, canonical in _ALIASES:
        text = text.replace(variant, canonical)
    return text


@dataclass(frozen=True)
class RowPattern:
    key: str
    pattern: re.Pattern
    official: str  # the official label, for length plausibility and fuzzy fallback


def _p(key: str, regex: str, official: str) -> RowPattern:
    return RowPattern(key, re.compile(regex), official)


T2_ROWS = {
    "regulations": _p("regulations", r"^(?:\d[.、])?规章$|^规章", "规章"),
    "normative_documents": _p("normative_documents", r"规范性文件", "行政规范性文件"),
    "administrative_licensing": _p("administrative_licensing", r"行政许可", "行政许可"),
    "other_external_services": _p("other_external_services", r"其他对外管理|对外管理服务", "其他对外管理服务事项"),
    "administrative_penalty": _p("administrative_penalty", r"行政处罚", "行政处罚"),
    "administrative_coercion": _p("administrative_coercion", r"行政强制", "行政强制"),
    "administrative_fees": _p("administrative_fees", r"事业性收费|行政收费", "行政事业性收费"),
    "centralized_procurement": _p("centralized_procurement", r"集中采购", "政府集中采购"),
}

T3_ROWS = {
    "new_received": _p("new_received", r"本年新收|新收.*申请|本年收到", "一、本年新收政府信息公开申请数量"),
    "carried_over_in": _p("carried_over_in", r"上年结转|上年度结转", "二、上年结转政府信息公开申请数量"),
    "granted": _p("granted", r"予以公开", "(一)予以公开"),
    "partially_granted": _p("partially_granted", r"部分公开", "(二)部分公开(区分处理的,只计这一情形,不计其他情形)"),
    "denied_state_secret": _p("denied_state_secret", r"国家秘密", "1.属于国家秘密"),
    "denied_prohibited_by_law": _p("denied_prohibited_by_law", r"禁止公开|其他法律|法律行政", "2.其他法律行政法规禁止公开"),
    "denied_security_stability": _p("denied_security_stability", r"三安全|一稳定|危及", '3.危及"三安全一稳定"'),
    "denied_third_party_rights": _p("denied_third_party_rights", r"第三方", "4.保护第三方合法权益"),
    "denied_internal_affairs": _p("denied_internal_affairs", r"内部事务", "5.属于三类内部事务信息"),
    "denied_process_information": _p("denied_process_information", r"过程性", "6.属于四类过程性信息"),
    "denied_enforcement_file": _p("denied_enforcement_file", r"执法案卷", "7.属于行政执法案卷"),
    "denied_administrative_query": _p("denied_administrative_query", r"行政查询", "8.属于行政查询事项"),
    "unable_not_held": _p("unable_not_held", r"不掌握", "1.本机关不掌握相关政府信息"),
    "unable_needs_creation": _p("unable_needs_creation", r"另行制作|没有现成", "2.没有现成信息需要另行制作"),
    "unable_unclear_after_correction": _p("unable_unclear_after_correction", r"仍不明确|补正后", "3.补正后申请内容仍不明确"),
    "not_processed_petition": _p("not_processed_petition", r"信访|举报投诉", "1.信访举报投诉类申请"),
    "not_processed_duplicate": _p("not_processed_duplicate", r"重复申请", "2.重复申请"),
    "not_processed_publication": _p("not_processed_publication", r"出版物", "3.要求提供公开出版物"),
    "not_processed_excessive": _p("not_processed_excessive", r"大量反复|反复申请", "4.无正当理由大量反复申请"),
    "not_processed_reconfirm": _p("not_processed_reconfirm", r"重新出具|确认或|已获取", "5.要求行政机关确认或重新出具已获取信息"),
    "other_handling": _p("other_handling", r"其他处理", "(六)其他处理"),
    "other_no_correction": _p("other_no_correction", r"不补正|逾期不", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    "other_fee_unpaid": _p("other_fee_unpaid", r"收费通知|缴纳费用", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    "other_misc": _p("other_misc", r"^(?:\(?[3三]\)?[.、]?)?其他$", "3.其他"),
    "results_total": _p("results_total", r"^(?:\(?[七7]\)?[.、]?)?总计$", "(七)总计"),
    "carried_forward_out": _p("carried_forward_out", r"结转下年|下年度继续|继续办理", "四、结转下年度继续办理"),
}

# The same rows as literal keys for the stream reader (`stream.py`), which finds them in text with no
# separators at all: the official label and its distinctive parts, most specific first. A key may name
# several rows ("其他" names other_misc only where the order allows it).
STREAM_KEYS = {
    "regulations": ("规章",),
    "normative_documents": ("行政规范性文件", "规范性文件"),
    "administrative_licensing": ("行政许可",),
    "other_external_services": ("其他对外管理服务事项", "对外管理服务"),
    "administrative_penalty": ("行政处罚",),
    "administrative_coercion": ("行政强制",),
    "administrative_fees": ("行政事业性收费", "事业性收费", "行政收费"),
    "centralized_procurement": ("政府集中采购", "集中采购"),
    "new_received": ("本年新收政府信息公开申请数量", "本年新收", "本年收到"),
    "carried_over_in": ("上年结转政府信息公开申请数量", "上年结转", "上年转结", "上年度结转"),
    "granted": ("予以公开",),
    "partially_granted": ("部分公开",),
    "denied_state_secret": ("属于国家秘密", "国家秘密"),
    "denied_prohibited_by_law": ("其他法律行政法规禁止公开", "禁止公开"),
    "denied_security_stability": ("三安全一稳定", "危及"),
    "denied_third_party_rights": ("保护第三方合法权益", "第三方"),
    "denied_internal_affairs": ("属于三类内部事务信息", "内部事务"),
    "denied_process_information": ("属于四类过程性信息", "过程性"),
    "denied_enforcement_file": ("属于行政执法案卷", "执法案卷"),
    "denied_administrative_query": ("属于行政查询事项", "行政查询"),
    "unable_not_held": ("本机关不掌握相关政府信息", "不掌握"),
    "unable_needs_creation": ("没有现成信息需要另行制作", "另行制作", "没有现成"),
    "unable_unclear_after_correction": ("补正后申请内容仍不明确", "仍不明确"),
    "not_processed_petition": ("信访举报投诉类申请", "信访", "举报投诉"),
    "not_processed_duplicate": ("重复申请",),
    "not_processed_publication": ("要求提供公开出版物", "出版物"),
    "not_processed_excessive": ("无正当理由大量反复申请", "大量反复", "反复申请"),
    "not_processed_reconfirm": ("要求行政机关确认或重新出具已获取信息", "重新出具", "确认或"),
    "other_handling": ("其他处理",),
    "other_no_correction": ("逾期不补正", "申请人无正当理由", "不补正"),
    "other_fee_unpaid": ("收费通知", "缴纳费用"),
    "other_misc": ("其他",),
    "results_total": ("总计", "合计"),
    "carried_forward_out": ("结转下年度继续办理", "转结下年度继续办理", "结转下年", "下年度继续", "继续办理"),
}

T2_CAPTION = re.compile(r"第二十条第\(?([一二三四五六七八九十]+)\)?项")
T2_ITEMS = {"一": "t2_art20_1", "五": "t2_art20_5", "六": "t2_art20_6", "八": "t2_art20_8", "九": "t2_art20_9"}
T2_ROW_TABLE = {
    "regulations": "t2_art20_1",
    "normative_documents": "t2_art20_1",
    "administrative_licensing": "t2_art20_5",
    "other_external_services": "t2_art20_5",
    "administrative_penalty": "t2_art20_6",
    "administrative_coercion": "t2_art20_6",
    "administrative_fees": "t2_art20_8",
    "centralized_procurement": "t2_art20_9",
}

T3_HEADING = re.compile(r"收到和处理政府信息公开申请|勾稽关系")
T4_HEADING = re.compile(r"行政复议、?行政诉讼|行政复议和行政诉讼|被申请行政复议")
T4_LABEL = re.compile(r"复议|诉讼|维持|纠正|审结|结果|总计|起诉")
END_OF_TABLES = re.compile(r"存在的主要问题|主要问题及改进|其他需要报告")

# Marks of a sentence, which a table label never is: "2024年,我厅共新收政府信息公开申请 231 件".
PROSE = re.compile(r"[。;；:：!！?？]|我(?:局|镇|乡|委|厅|办|单位|机关|县|区|市|省)|共|全年|其中")


def matches(pattern: RowPattern, label: str) -> bool:
    """Whether a normalised label is this row's: the pattern is in it and it is not much longer than the
    official label (a sentence of narrative that happens to name 行政许可 is not a row label)."""
    return (bool(pattern.pattern.search(label)) and len(label) <= len(pattern.official) + 14
            and not PROSE.search(label))


_NUMBERING = re.compile(r"^(?:[一二三四五六七八九十]+、|\(?[一二三四五六七八九十\d]+\)|\d+[.、])+")


def strip_numbering(label: str) -> str:
    """A label without its leading numbering ("(四)1." …), for fuzzy comparison."""
    return _NUMBERING.sub("", label)
