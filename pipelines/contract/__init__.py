"""The extraction contract (spec §2 and §10): every table, row and column key of both templates, with their
official labels — loaded from `templates.yml`, the one definition of the templates.

These keys are the public schema. Everything that reads or writes cells (JSON records at ingestion,
the extractor, the checks, the marts) takes them from here; everything that prints or recognises a label
(the extractor's patterns, the generator, the audit sheet) takes it from here too. The identities are the
`sum` rules of the report_cells suite (`pipelines.contract.identities`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from pipelines.contract.grammar import NUMBERING

TEMPLATE_FILE = Path(__file__).with_name("templates.yml")
def load(path: Path = TEMPLATE_FILE) -> dict:
    """The template definition as data (templates.yml)."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


DEFINITION = load()
TEMPLATES = tuple(DEFINITION["templates"])
TABLES: dict[str, dict] = DEFINITION["tables"]  # table key -> its definition: rows, cols, labels
TABLE_KEYS = tuple(TABLES)
T2_TABLES = tuple(t for t, entry in TABLES.items() if entry["section"] == 2)  # the 主动公开 tables, t2_art20_*


@dataclass(frozen=True)
class TableSpec:
    """One table of the contract: its rows and columns, with the column types, for one template."""

    key: str
    rows: tuple[str, ...]
    cols: dict[str, str]  # col_key -> type: int | sint | amt
    derived_rows: tuple[str, ...] = ()
    derived_cols: tuple[str, ...] = ()


def _in(entry: dict, template: str) -> bool:
    return template in entry.get("templates", TEMPLATES)


def _spec(key: str, template: str) -> TableSpec:
    t = TABLES[key]
    return TableSpec(key, tuple(r for r, e in t["rows"].items() if _in(e, template)),
                     {c: e["type"] for c, e in t["cols"].items() if _in(e, template)},
                     tuple(t.get("derived_rows", ())), tuple(t.get("derived_cols", ())))


TEMPLATE_TABLES: dict[str, dict[str, TableSpec]] = {
    template: {key: _spec(key, template) for key, t in TABLES.items() if _in(t, template)} for template in TEMPLATES}
V2019, V2021 = TEMPLATE_TABLES["v2019"], TEMPLATE_TABLES["v2021"]

T3_COLS = V2019["t3_applications"].cols
T3_ROWS_V2019 = V2019["t3_applications"].rows
T3_ROWS_V2021 = V2021["t3_applications"].rows
T3_DERIVED_ROWS = V2019["t3_applications"].derived_rows
# the (六) block: its rows as v2021 prints them, and the one row v2019 (and some v2021 reports) print instead
OTHER_SPLIT = tuple(r for r, e in TABLES["t3_applications"]["rows"].items() if e.get("group") == "other")
OTHER_AS_ONE_ROW = TABLES["t3_applications"]["groups"]["other"]["as_one_row"]
T4_BLOCKS = V2019["t4_review_litigation"].rows
T4_OUTCOMES = V2019["t4_review_litigation"].cols


# --- labels -----------------------------------------------------------------------------------------------

ALIASES: dict[str, list[str]] = DEFINITION["aliases"]  # name -> [variant printed in the wild, official wording]
PATTERNS: dict[str, str] = DEFINITION["patterns"]
SECTIONS: list[list[str]] = [s["titles"] for s in DEFINITION["sections"]]  # each section's titles, official first
ROW_HEADER: str = DEFINITION["row_header"]
_ASCII = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "“": '"', "”": '"'})


def ascii_form(label: str) -> str:
    """A printed label with ASCII brackets, colons, commas and quotes (as half-width documents print it)."""
    return label.translate(_ASCII)


def label_of(entry: dict, template: str | None = None) -> str:
    """An entry's printed label: its template's, or without a known template the last one defined."""
    label = entry["label"]
    if isinstance(label, dict):
        return label.get(template) or list(label.values())[-1]
    return label


def row_entry(table: str, row: str) -> dict | None:
    return TABLES[table]["rows"].get(row) if table in TABLES else None


def col_entry(table: str, col: str) -> dict | None:
    return TABLES[table]["cols"].get(col) if table in TABLES else None


def wrapped(entry: dict, template: str | None = None) -> str:
    """The label as documents that wrap it print it: a "\n" after `wrap` characters of its text (numbering
    aside), or the label unchanged."""
    label = label_of(entry, template)
    if "wrap" not in entry:
        return label
    number, text = split_numbering(label)
    return number + text[: entry["wrap"]] + "\n" + text[entry["wrap"]:]


def split_numbering(label: str) -> tuple[str, str]:
    """A printed label's leading numbering ("一、", "（一）", "1.") and its text: the grammar's numbering, read
    on the label's ASCII form (which has the same length: the definition prints full-width brackets)."""
    m = NUMBERING.match(ascii_form(label))
    return (label[: m.end()], label[m.end():]) if m else ("", label)


def section_title(table: str) -> str:
    """The official title of the report section holding a table."""
    return SECTIONS[TABLES[table]["section"] - 1][0]


def t3_group(row: str) -> str | None:
    """The second-level group of a T3 row ((三)…(六)): a group inside the results, or None."""
    entry = TABLES["t3_applications"]["rows"].get(row) or {}
    group = entry.get("group")
    return group if group and "within" in TABLES["t3_applications"]["groups"][group] else None


def allowed_rows(table: str, template: str | None = None) -> set[str]:
    """Row keys a table may carry: of one template, or of either when the template is unknown."""
    specs = [TEMPLATE_TABLES[template]] if template in TEMPLATE_TABLES else TEMPLATE_TABLES.values()
    return {r for spec in specs if table in spec for r in spec[table].rows + spec[table].derived_rows}


def allowed_cols(table: str, template: str | None = None) -> set[str]:
    """Column keys a table may carry: of one template, or of either when the template is unknown."""
    specs = [TEMPLATE_TABLES[template]] if template in TEMPLATE_TABLES else TEMPLATE_TABLES.values()
    return {c for spec in specs if table in spec for c in (*spec[table].cols, *spec[table].derived_cols)}


def cell_ref(ref: str) -> tuple[str, str, str]:
    """A cell reference of the expectation suites as a key: `granted.total` (T3), `t4.admin_review.total`,
    `t2_art20_1.regulations.issued_count`."""
    parts = ref.split(".")
    if parts[0] == "t4":
        return ("t4_review_litigation", parts[1], parts[2])
    if len(parts) == 2:
        return ("t3_applications", parts[0], parts[1])
    return (parts[0], parts[1], parts[2])


_CLAIM_SUITE = Path(__file__).resolve().parents[2] / "expectations" / "extracted" / "narrative_claims.yml"


@lru_cache(maxsize=4)
def stated_cells(template: str | None) -> dict[str, tuple[str, str, str]]:
    """Prose claims that name exactly one cell of `template` (claim → cell), read from the narrative-claims
    suite: the one map of what the prose states, used by the checks and by the extractor's tie-breaks."""
    out = {}
    for rule in yaml.safe_load(_CLAIM_SUITE.read_text(encoding="utf-8"))["rules"]:
        if rule["kind"] != "claim":
            continue
        for check in rule["checks"]:
            refs = check.get("cells") or check.get(template or "")
            if refs and len(refs) == 1 and "expect_zero" not in check:
                out[check["claim"]] = cell_ref(refs[0])
    return out
