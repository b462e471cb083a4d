"""One synthetic report, as a pure function of a seed string and a layout: content, printed tables, gold.

`build_report(seed, layout, error_rate)` draws everything a document needs (agency, year, template,
numbers, label variants, number style, narrative, publication date, injected errors) and the gold
record of what it prints. Renderers turn the `Report` into bytes; they never change its content.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from pipelines.contract import ALIASES, TABLES, T3_ROWS_V2019, T3_ROWS_V2021
from synth import errors as E
from synth import identities, narrative, nonreport
from synth.labels import Variants, pick_variants
from synth.narrative import Section
from synth.numbers import table_values
from synth.places import Agency, agency_for_slot, pick_agency
from synth.printing import PTable, Style, pick_style, print_tables

TEXT_LAYOUTS = ("one_cell_per_line", "tab_indented", "pipe_table", "run_together")
_CN_DIGITS = "〇一二三四五六七八九"
_SURNAMES = "王李张刘陈杨赵黄周吴徐孙朱马胡郭林何高"


@dataclass
class Report:
    """Everything a renderer needs, plus the gold record (without `source`, which is the file name)."""

    seed: str
    layout: str
    doc_type: str
    agency: Agency
    year: int
    template: str | None
    title: list[str]  # one line, or two (agency / year + 政府信息公开工作年度报告) as in 003/004
    sections: list[Section]
    tables: dict[str, PTable] = field(default_factory=dict)
    variants: Variants | None = None
    style: Style | None = None
    chrome: list[str] = field(default_factory=list)  # page chrome lines (索引号, 发布日期 …)
    signature: list[str] = field(default_factory=list)  # closing lines (agency, date)
    halfwidth: bool = False  # ASCII brackets/colons/commas, as crawled text often has (000, 002)
    scraped: bool = False  # non-report from a document-sharing site (001)
    gold: dict = field(default_factory=dict)


def _cn_date(y: int, m: int, d: int) -> str:
    def num(n: int) -> str:
        tens, ones = divmod(n, 10)
        return (("" if tens == 1 else _CN_DIGITS[tens]) + "十" if tens else "") + (_CN_DIGITS[ones] if ones else "")
    return "".join(_CN_DIGITS[int(c)] for c in str(y)) + f"年{num(m)}月{num(d)}日"


def _publication(rng: random.Random, agency: Agency, year: int, layout: str) -> tuple[str, list[str], list[str]]:
    """The publication date (ISO) and where the document prints it: page chrome or signature."""
    r = rng.random()
    if r < 0.02:
        y, m, d = year, 12, 31  # signed on the last day of the period (004, MD-01)
    elif r < 0.12:
        y, m, d = year + 1, rng.randint(4, 6), rng.randint(1, 28)
    else:
        y, m, d = year + 1, rng.randint(1, 3 if "government" in agency.kind else 1), rng.randint(1, 28)
    iso = f"{y}-{m:02d}-{d:02d}"
    if layout == "html" or (layout in TEXT_LAYOUTS and rng.random() < 0.3):
        line = rng.choice((f"发布日期：{iso}", f"公开日期: {iso} {rng.randint(8, 17):02d}:{rng.randint(0, 59):02d}",
                           f"发布时间：{y}年{m:02d}月{d:02d}日"))
        chrome = [f"索引号：{rng.randint(10**8, 10**9 - 1)}/{y}-{rng.randint(10000, 99999)}", line,
                  f"发布机构：{agency.name}"]
        return iso, chrome, []
    if rng.random() < 0.7:
        date = _cn_date(y, m, d) if rng.random() < 0.15 else f"{y}年{m}月{d}日"
        return iso, [], [agency.name, date]
    return None, [], []


def _title(rng: random.Random, agency: Agency, year: int) -> list[str]:
    rest = rng.choice(("年政府信息公开工作年度报告", "年度政府信息公开工作年度报告"))
    return [agency.name, f"{year}{rest}"] if rng.random() < 0.25 else [f"{agency.name}{year}{rest}"]


def _notes(template: str, rowset: tuple, year: int, style: Style, v: Variants, layout: str) -> list[str]:
    notes = [f"Synthetic report, layout {layout}."]
    if template == "v2019" and year >= 2021:
        notes.append("Late adopter: a v2019-template report for a year of the v2021 template.")
    if template == "v2021" and "other_handling" in rowset:
        notes.append("（六）其他处理 printed as a single row (洪泽 style): gold has other_handling, not its 3 items.")
    if style.placeholder is not None:
        notes.append(f"Placeholder {style.placeholder!r} printed for every zero; stored as null.")
    if style.blank_detail_totals:
        notes.append("T3 总计 left blank on every detail row (Shanghai 2019 style); stored as null.")
    if style.yuan_amounts or style.units:
        notes.append("Units inside cells (项/件/万元/元); 元 converted to 万元 in the gold.")
    misprint = TABLES["t3_applications"]["rows"]["denied_prohibited_by_law"]["misprint"]
    typos = [name for name, on in ((ALIASES["new_received"][0], v.new_received_variant),
                                   (ALIASES["zhuanjie"][0], v.zhuanjie_typo), (misprint, v.missing_chars),
                                   (ALIASES["published"][0], v.published_variant)) if on]
    if typos:
        notes.append("Label variants/typos: " + ", ".join(typos) + ".")
    return notes


def build_report(seed: str, layout: str, error_rate: float = 0.0) -> Report:
    """Draw one document (a report, or ~3% of the time a non-report) for a layout."""
    rng = random.Random(seed)
    corpus, _, slot = seed.rpartition(":")
    if corpus and slot.isdigit():  # document `slot` of corpus `corpus`: an agency × year no other slot has
        agency, year = agency_for_slot(corpus, int(slot), rng)
    else:
        agency, year = pick_agency(rng), rng.randint(2019, 2025)
    halfwidth = layout in TEXT_LAYOUTS and rng.random() < 0.2
    date, chrome, signature = _publication(rng, agency, year, layout)
    meta = {"publication_date": date, "admin_level": agency.admin_level, "region": agency.region}
    if rng.random() < 0.03:
        kind = "self_inspection" if rng.random() < 0.6 else "work_summary"
        report = Report(seed, layout, kind, agency, year, None, [nonreport.title(kind, agency, year)],
                        nonreport.sections(rng, kind, agency, year), chrome=chrome, signature=signature,
                        halfwidth=halfwidth, scraped=layout in TEXT_LAYOUTS and rng.random() < 0.4)
        report.gold = {"doc_type": kind, "agency": agency.name, "year": year, "template": None, "cells": {},
                       "source_inconsistencies": [], "notes": [f"Synthetic {kind}, not an annual report."],
                       "metadata": meta, "layout": layout, "injected_errors": []}
        return report

    template = "v2019" if year <= 2020 or rng.random() < 0.03 else "v2021"
    rowset = T3_ROWS_V2019 if template == "v2019" or rng.random() < 0.08 else T3_ROWS_V2021
    government = "government" in agency.kind
    values = table_values(rng, template, rowset, agency.admin_level, agency.can_make_rules, government)
    style, variants = pick_style(rng, layout), pick_variants(rng)
    injected, claim = E.inject(rng, values, error_rate, style.blank_detail_totals)
    tables, cells = print_tables(values, template, rowset, variants, style)
    misstate = {}
    if claim:
        injected.append(E.narrative_error(rng, claim, narrative.claims(cells)[claim]))
        misstate[claim] = injected[-1]["stated"]
    sections = narrative.sections(rng, agency, year, template, cells, misstate)
    if rng.random() < 0.1:  # contact lines between the tables (000, E16)
        sections[1].after += [f"填报人：{rng.choice(_SURNAMES)}{rng.choice('明华伟芳丽强军静敏')}",
                              f"联系方式：{rng.randint(60000000, 89999999)}"]
    report = Report(seed, layout, "annual_report", agency, year, template, _title(rng, agency, year), sections,
                    tables, variants, style, chrome, signature, halfwidth)
    report.gold = {
        "doc_type": "annual_report", "agency": agency.name, "year": year, "template": template, "cells": cells,
        "source_inconsistencies": [f"{i} {where}: {msg}" for i, where, msg in identities.check(cells, template)]
        if injected else [],
        "notes": _notes(template, rowset, year, style, variants, layout), "metadata": meta, "layout": layout,
        "injected_errors": injected,
    }
    return report
