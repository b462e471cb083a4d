"""Printed labels of the official templates, with the variants and typos real reports carry (spec §2, §4 E6).

A `Variants` is drawn once per report, so a document is consistent with itself as real ones are. A "\n"
inside a label marks where the document breaks it (商业\n企业); renderers decide what a break becomes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
T3_APPLICANT = "申请人情况"
T3_LEGAL_PERSON = "法人或其他组织"
T4_REVIEW, T4_LITIGATION = "行政复议", "行政诉讼"
T4_DIRECT, T4_AFTER = "未经复议直接起诉", "复议后起诉"
RESULTS_GROUP = "三、本年度办理结果"
T2_ROW_HEADER = "信息内容"

_CAPTIONS = {"t2_art20_1": "一", "t2_art20_5": "五", "t2_art20_6": "六", "t2_art20_8": "八", "t2_art20_9": "九"}
_T2_ROWS = {"regulations": "规章", "administrative_licensing": "行政许可", "other_external_services": "其他对外管理服务事项",
            "administrative_penalty": "行政处罚", "administrative_coercion": "行政强制",
            "administrative_fees": "行政事业性收费", "centralized_procurement": "政府集中采购"}
_T2_COLS = {"new_made_count": "本年新制作数量", "published_total_count": "对外公开总数量",
            "prior_year_item_count": "上一年项目数量", "item_count_change": "本年增/减",
            "procurement_project_count": "采购项目数量", "issued_count": "本年制发件数",
            "repealed_count": "本年废止件数", "in_force_count": "现行有效件数"}
_T3_COLS = {"natural_person": "自然人", "commercial_enterprise": "商业\n企业", "research_institution": "科研\n机构",
            "public_welfare_org": "社会公益\n组织", "legal_service_org": "法律服务\n机构", "other_org": "其他",
            "total": "总计"}
_T4_OUTCOMES = ("结果\n维持", "结果\n纠正", "其他\n结果", "尚未\n审结", "总计")

# (group, [(row_key, leaf label)]); numbered leaves get their number and the report's separator
_DENIED = ("（三）不予公开", [("denied_state_secret", "属于国家秘密"), ("denied_prohibited_by_law", "其他法律行政法规禁止公开"),
                        ("denied_security_stability", "危及“三安全一稳定”"), ("denied_third_party_rights", "保护第三方合法权益"),
                        ("denied_internal_affairs", "属于三类内部事务信息"), ("denied_process_information", "属于四类过程性信息"),
                        ("denied_enforcement_file", "属于行政执法案卷"), ("denied_administrative_query", "属于行政查询事项")])
_UNABLE = ("（四）无法提供", [("unable_not_held", "本机关不掌握相关政府信息"), ("unable_needs_creation", "没有现成信息需要另行制作"),
                        ("unable_unclear_after_correction", "补正后申请内容仍不明确")])
_NOT_PROCESSED = ("（五）不予处理", [("not_processed_petition", "信访举报投诉类申请"), ("not_processed_duplicate", "重复申请"),
                               ("not_processed_publication", "要求提供公开出版物"),
                               ("not_processed_excessive", "无正当理由大量反复申请"),
                               ("not_processed_reconfirm", "要求行政机关确认或重新出具已获取信息")])
_OTHER = ("（六）其他处理", [("other_no_correction", "申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
                        ("other_fee_unpaid", "申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
                        ("other_misc", "其他")])


@dataclass(frozen=True)
class Variants:
    """The label choices of one report."""

    item_sep: str = "."  # 1.属于国家秘密 / 1、/ 1．
    new_received_variant: bool = False  # 本年新收到 (004)
    zhuanjie_typo: bool = False  # 上年转结 / 转结下年度 (004)
    missing_chars: bool = False  # 2.其他法律行政止公开 (洪泽)
    normative_official: bool = True  # 规范性文件 (v2019) / 行政规范性文件 (v2021), else the other one
    published_variant: bool = False  # 本年公开数量 (000)
    procurement_unit: str = ""  # "" (official) | "(单位:万元)" | "（单位：万元）"
    fee_header: str = "本年收费金额（单位：万元）"
    split_columns: bool = True  # 商业\n企业, 结果\n纠正 …
    split_long_leaf: bool = False  # 5.要求行政机关确认或重新出具\n已获取信息 (000)
    caption_space: bool = False  # 第二十条 第（一）项


def pick_variants(rng: random.Random) -> Variants:
    """Draw a report's label variants; each deviation from the template is a minority choice."""
    return Variants(
        item_sep=rng.choices((".", "、", "．"), (75, 15, 10))[0],
        new_received_variant=rng.random() < 0.1,
        zhuanjie_typo=rng.random() < 0.08,
        missing_chars=rng.random() < 0.05,
        normative_official=rng.random() < 0.85,
        published_variant=rng.random() < 0.1,
        procurement_unit=rng.choices(("", "(单位:万元)", "（单位：万元）"), (50, 30, 20))[0],
        fee_header=rng.choices(("本年收费金额（单位：万元）", "本年收费金额(单位:万元)"), (85, 15))[0],
        split_columns=rng.random() < 0.4,
        split_long_leaf=rng.random() < 0.15,
        caption_space=rng.random() < 0.2,
    )


def caption(table: str, v: Variants) -> str:
    return f"第二十条{' ' if v.caption_space else ''}第（{_CAPTIONS[table]}）项"


def t2_row_label(row: str, template: str, v: Variants) -> str:
    if row == "normative_documents":
        official = "规范性文件" if template == "v2019" else "行政规范性文件"
        other = "行政规范性文件" if template == "v2019" else "规范性文件"
        return official if v.normative_official else other
    return _T2_ROWS[row]


def t2_col_label(col: str, template: str, v: Variants) -> str:
    if col == "new_published_count":
        return "本年公开数量" if v.published_variant else "本年新公开数量"
    if col == "decision_count":
        return "本年处理决定数量" if template == "v2021" else "处理决定数量"
    if col == "procurement_amount_wan_yuan":
        return "采购总金额" + v.procurement_unit
    if col == "fee_amount_wan_yuan":
        return v.fee_header
    return _T2_COLS[col]


def t3_col_labels(v: Variants) -> list[str]:
    return [lab if v.split_columns else lab.replace("\n", "") for lab in _T3_COLS.values()]


def t4_outcome_labels(v: Variants) -> list[str]:
    return [lab if v.split_columns else lab.replace("\n", "") for lab in _T4_OUTCOMES]


def t3_rows(rows: tuple[str, ...], v: Variants) -> list[tuple[str, str | None, str | None, str]]:
    """(row_key, outer group, inner group, printed label) for the T3 rows of a row set, in template order."""
    zhuan = "转结" if v.zhuanjie_typo else "结转"
    out = [("new_received", None, None, f"一、本年新收{'到' if v.new_received_variant else ''}政府信息公开申请数量"),
           ("carried_over_in", None, None, f"二、上年{zhuan}政府信息公开申请数量"),
           ("granted", RESULTS_GROUP, None, "（一）予以公开"),
           ("partially_granted", RESULTS_GROUP, None, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）")]
    groups = [_DENIED, _UNABLE, _NOT_PROCESSED] + ([_OTHER] if "other_misc" in rows else [])
    for group, leaves in groups:
        for n, (key, text) in enumerate(leaves, start=1):
            if key == "denied_prohibited_by_law" and v.missing_chars:
                text = "其他法律行政止公开"
            if key == "not_processed_reconfirm" and v.split_long_leaf:
                text = "要求行政机关确认或重新出具\n已获取信息"
            out.append((key, RESULTS_GROUP, group, f"{n}{v.item_sep}{text}"))
    if "other_handling" in rows:
        out.append(("other_handling", RESULTS_GROUP, None, "（六）其他处理"))
    out.append(("results_total", RESULTS_GROUP, None, "（七）总计"))
    out.append(("carried_forward_out", None, None, f"四、{zhuan}下年度继续办理"))
    assert [r[0] for r in out] == list(rows), "label order must follow the contract's row order"
    return out
