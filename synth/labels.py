"""Printed labels of the official templates, with the variants and typos real reports carry (spec §2, §4 E6).

The labels and the variants themselves are those of the one definition of the templates
(pipelines/contract/templates.yml); this module draws which of them a report prints.

A `Variants` is drawn once per report, so a document is consistent with itself as real ones are. A "\n"
inside a label marks where the document breaks it (商业\n企业); renderers decide what a break becomes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from pipelines import contract as C

_T3, _T4 = C.TABLES["t3_applications"], C.TABLES["t4_review_litigation"]
T3_NOTE = _T3["note"]
T3_APPLICANT = _T3["col_group"]
T3_LEGAL_PERSON = _T3["col_groups"]["legal_person"]
T4_REVIEW, T4_LITIGATION = C.label_of(_T4["rows"]["admin_review"]), _T4["row_groups"]["litigation"]
T4_DIRECT, T4_AFTER = C.label_of(_T4["rows"]["litigation_direct"]), C.label_of(_T4["rows"]["litigation_after_review"])
RESULTS_GROUP = _T3["groups"]["results"]["label"]
T2_ROW_HEADER = C.ROW_HEADER

_PROCUREMENT = C.col_entry("t2_art20_9", "procurement_amount_wan_yuan")
_FEE = C.label_of(C.col_entry("t2_art20_8", "fee_amount_wan_yuan"))


def _alias(name: str, label: str) -> str:
    """A label printed with a variant met in the wild (templates.yml `aliases`) in place of the official wording."""
    variant, official = C.ALIASES[name]
    return label.replace(official, variant)


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
    fee_header: str = _FEE  # 本年收费金额（单位：万元） | 本年收费金额(单位:万元)
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
        procurement_unit=rng.choices(("", C.ascii_form(_PROCUREMENT["unit_note"]), _PROCUREMENT["unit_note"]),
                                     (50, 30, 20))[0],
        fee_header=rng.choices((_FEE, C.ascii_form(_FEE)), (85, 15))[0],
        split_columns=rng.random() < 0.4,
        split_long_leaf=rng.random() < 0.15,
        caption_space=rng.random() < 0.2,
    )


def caption(table: str, v: Variants) -> str:
    text = C.TABLES[table]["caption"]  # 第二十条第（一）项
    return text.replace("条第", "条 第", 1) if v.caption_space else text


def t2_row_label(row: str, template: str, v: Variants) -> str:
    entry = next(C.row_entry(t, row) for t in C.TABLE_KEYS if row in C.TABLES[t]["rows"])
    label = C.label_of(entry, template)
    if not v.normative_official and isinstance(entry["label"], dict):  # the other template's wording
        label = next(other for t, other in entry["label"].items() if t != template)
    return label


def t2_col_label(col: str, template: str, v: Variants) -> str:
    if col == "procurement_amount_wan_yuan":
        return C.label_of(_PROCUREMENT) + v.procurement_unit
    if col == "fee_amount_wan_yuan":
        return v.fee_header
    label = C.label_of(next(C.col_entry(t, col) for t in C.TABLES if col in C.TABLES[t]["cols"]), template)
    return _alias("published", label) if v.published_variant else label


def _printed(entry: dict, v: Variants) -> str:
    return C.wrapped(entry) if v.split_columns else C.label_of(entry)


def t3_col_labels(v: Variants) -> list[str]:
    return [_printed(e, v) for e in _T3["cols"].values()]


def t4_outcome_labels(v: Variants) -> list[str]:
    return [_printed(e, v) for e in _T4["cols"].values()]


def t3_rows(rows: tuple[str, ...], v: Variants) -> list[tuple[str, str | None, str | None, str]]:
    """(row_key, outer group, inner group, printed label) for the T3 rows of a row set, in template order."""
    groups = _T3["groups"]
    out = []
    for key in rows:
        entry = _T3["rows"][key]
        label = C.wrapped(entry) if v.split_long_leaf else C.label_of(entry)
        if v.zhuanjie_typo:
            label = _alias("zhuanjie", label)
        if v.new_received_variant:
            label = _alias("new_received", label)
        group = groups.get(entry.get("group"), {})
        outer = groups["results"]["label"] if entry.get("group") == "results" or "within" in group else None
        inner = group["label"] if "within" in group else None
        number, text = C.split_numbering(label)
        if v.missing_chars and "misprint" in entry:
            text = entry["misprint"]
        if number.endswith("."):  # a numbered leaf: the report's own separator
            number = number[:-1] + v.item_sep
        out.append((key, outer, inner, number + text))
    return out
