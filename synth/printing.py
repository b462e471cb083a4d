"""From true values to what the document prints: cell texts, and the gold values read back from them.

The gold holds what the document PRINTS: a placeholder or a blank is null, `251000元` is 25.1 (万元),
`+12` is 12. Both the printed text and the gold value come out of the same function, so they cannot
drift apart.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from pipelines.contract import T4_BLOCKS, TEMPLATE_TABLES
from pipelines.contract import identities as I
from synth import labels as L

# T3 rows whose 总计 a report may leave blank (Shanghai 2019 filled 总计 only on 一/二/(七)/四)
SUMMARY_ROWS = I.summary_rows("t3_applications", TEMPLATE_TABLES["v2019"]["t3_applications"].rows)


@dataclass(frozen=True)
class Style:
    """How one report prints its numbers (consistent within the report)."""

    placeholder: str | None = None  # printed for every zero: "-", "/", "—", "", "无"; None prints "0"
    units: bool = False  # 52项, 9件, 114.36万元 in T2 cells
    yuan_amounts: bool = False  # 251000元 in the unit-less (九) 采购总金额 cell
    plus_sign: bool = True  # +12 for a positive 本年增/减
    two_decimals: bool = False  # 540.40 rather than 540.4
    blank_detail_totals: bool = False  # T3 总计 blank on every detail row


@dataclass
class PRow:
    """One printed table row: its key (None for a row without numbers), label and cell texts."""

    key: str | None
    label: str
    cells: list[str]
    outer: str | None = None  # T3 group spanning all result rows (三、本年度办理结果)
    inner: str | None = None  # T3 sub-group ((三)不予公开 …)


@dataclass
class PTable:
    """One printed table. T4 has one row per block (renderers flatten it to the printed 15 cells)."""

    key: str
    caption: str | None
    col_labels: list[str]
    rows: list[PRow] = field(default_factory=list)


def pick_style(rng: random.Random, layout: str) -> Style:
    """Draw the number style; blank cells only where a layout keeps cell boundaries."""
    keeps_cells = layout in ("html", "docx", "pdf", "pipe_table", "tab_indented")
    placeholders = ["-", "/", "—", "无"] + ([""] if keeps_cells else [])
    placeholder = rng.choice(placeholders) if rng.random() < 0.25 else None
    return Style(
        placeholder=placeholder,
        units=rng.random() < 0.15,
        yuan_amounts=rng.random() < 0.1,
        plus_sign=rng.random() < 0.7,
        two_decimals=rng.random() < 0.4,
        # blank totals and placeholders never meet: then every null in T3 is a blank (spec §2.5 policy)
        blank_detail_totals=keeps_cells and layout != "tab_indented" and placeholder is None and rng.random() < 0.12,
    )


def count_cell(v: int, style: Style, unit: str = "") -> tuple[str, int | None]:
    if v == 0 and style.placeholder is not None:
        return style.placeholder, None
    return f"{v}{unit if style.units and v else ''}", v


def signed_cell(v: int, style: Style) -> tuple[str, int | None]:
    if v == 0 and style.placeholder is not None:
        return style.placeholder, None
    return (f"+{v}" if v > 0 and style.plus_sign else str(v)), v


def amount_cell(cents: int, style: Style, header_has_unit: bool) -> tuple[str, float | None]:
    """An amount held in cents of 万元; printed in 万元 or, where the header names no unit, maybe in 元."""
    if cents == 0 and style.placeholder is not None:
        return style.placeholder, None
    wan = cents / 100
    if style.yuan_amounts and not header_has_unit and cents:
        return f"{cents * 100}元", wan
    text = f"{wan:.2f}" if style.two_decimals else f"{wan:.2f}".rstrip("0").rstrip(".")
    return text + ("万元" if style.units and cents else ""), wan


def _t2_cell(col: str, v: int, style: Style, v_: L.Variants) -> tuple[str, float | int | None]:
    if col == "item_count_change":
        return signed_cell(v, style)
    if col == "procurement_amount_wan_yuan":
        return amount_cell(v, style, header_has_unit=bool(v_.procurement_unit))
    if col == "fee_amount_wan_yuan":
        return amount_cell(v, style, header_has_unit=True)
    unit = "项" if col in ("procurement_project_count", "prior_year_item_count") else "件"
    return count_cell(v, style, unit)


def print_tables(values: dict, template: str, t3_rowset: tuple[str, ...], v: L.Variants,
                 style: Style) -> tuple[dict[str, PTable], dict]:
    """Printed tables and the gold cells (every cell of every table of the template)."""
    tables: dict[str, PTable] = {}
    gold: dict = {}
    for key, spec in TEMPLATE_TABLES[template].items():
        if not key.startswith("t2_"):
            continue
        cols = list(spec.cols)
        table = PTable(key, L.caption(key, v), [L.t2_col_label(c, template, v) for c in cols])
        gold[key] = {}
        for row in spec.rows:
            printed = [_t2_cell(c, values[key][row][c], style, v) for c in cols]
            table.rows.append(PRow(row, L.t2_row_label(row, template, v), [p[0] for p in printed]))
            gold[key][row] = {c: p[1] for c, p in zip(cols, printed)}
        tables[key] = table

    t3 = PTable("t3_applications", None, L.t3_col_labels(v))
    gold["t3_applications"] = {}
    t3_cols = list(TEMPLATE_TABLES[template]["t3_applications"].cols)
    for key, outer, inner, label in L.t3_rows(t3_rowset, v):
        printed = [count_cell(values["t3_applications"][key][c], style) for c in t3_cols]
        if style.blank_detail_totals and key not in SUMMARY_ROWS:
            printed[-1] = ("", None)
        t3.rows.append(PRow(key, label, [p[0] for p in printed], outer, inner))
        gold["t3_applications"][key] = {c: p[1] for c, p in zip(t3_cols, printed)}
    tables["t3_applications"] = t3

    t4 = PTable("t4_review_litigation", None, L.t4_outcome_labels(v))
    gold["t4_review_litigation"] = {}
    outcomes = list(TEMPLATE_TABLES[template]["t4_review_litigation"].cols)
    for block in T4_BLOCKS:
        printed = [count_cell(values["t4_review_litigation"][block][o], style) for o in outcomes]
        t4.rows.append(PRow(block, block, [p[0] for p in printed]))
        gold["t4_review_litigation"][block] = {o: p[1] for o, p in zip(outcomes, printed)}
    tables["t4_review_litigation"] = t4
    return tables, gold
