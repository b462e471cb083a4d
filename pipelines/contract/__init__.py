"""The extraction contract (spec §2 and §10): every table, row and column key of both templates.

These keys are the public schema. Everything that reads or writes cells (JSON records at ingestion,
the extractor, the checks, the marts) takes them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

TEMPLATES = ("v2019", "v2021")


@dataclass(frozen=True)
class TableSpec:
    """One table of the contract: its rows and columns, with the column types, for one template."""

    key: str
    rows: tuple[str, ...]
    cols: dict[str, str]  # col_key -> type: int | sint | amt
    derived_rows: tuple[str, ...] = ()
    derived_cols: tuple[str, ...] = ()


T3_COLS = {
    "natural_person": "int",
    "commercial_enterprise": "int",
    "research_institution": "int",
    "public_welfare_org": "int",
    "legal_service_org": "int",
    "other_org": "int",
    "total": "int",
}

_T3_HEAD = (
    "new_received",
    "carried_over_in",
    "granted",
    "partially_granted",
    "denied_state_secret",
    "denied_prohibited_by_law",
    "denied_security_stability",
    "denied_third_party_rights",
    "denied_internal_affairs",
    "denied_process_information",
    "denied_enforcement_file",
    "denied_administrative_query",
    "unable_not_held",
    "unable_needs_creation",
    "unable_unclear_after_correction",
    "not_processed_petition",
    "not_processed_duplicate",
    "not_processed_publication",
    "not_processed_excessive",
    "not_processed_reconfirm",
)
_T3_TAIL = ("results_total", "carried_forward_out")
T3_ROWS_V2019 = _T3_HEAD + ("other_handling",) + _T3_TAIL
T3_ROWS_V2021 = _T3_HEAD + ("other_no_correction", "other_fee_unpaid", "other_misc") + _T3_TAIL
T3_DERIVED_ROWS = ("denied_total", "unable_total", "not_processed_total", "other_handling", "disclosed_substantive")

T4_BLOCKS = ("admin_review", "litigation_direct", "litigation_after_review")
T4_OUTCOMES = {"upheld": "int", "corrected": "int", "other_outcome": "int", "pending": "int", "total": "int"}

_V2019_ITEM_COLS = {"prior_year_item_count": "int", "item_count_change": "sint", "decision_count": "int"}

V2019 = {
    "t2_art20_1": TableSpec(
        "t2_art20_1",
        ("regulations", "normative_documents"),
        {"new_made_count": "int", "new_published_count": "int", "published_total_count": "int"},
    ),
    "t2_art20_5": TableSpec("t2_art20_5", ("administrative_licensing", "other_external_services"), _V2019_ITEM_COLS),
    "t2_art20_6": TableSpec("t2_art20_6", ("administrative_penalty", "administrative_coercion"), _V2019_ITEM_COLS),
    "t2_art20_8": TableSpec(
        "t2_art20_8", ("administrative_fees",), {"prior_year_item_count": "int", "item_count_change": "sint"}
    ),
    "t2_art20_9": TableSpec(
        "t2_art20_9",
        ("centralized_procurement",),
        {"procurement_project_count": "int", "procurement_amount_wan_yuan": "amt"},
    ),
    "t3_applications": TableSpec(
        "t3_applications", T3_ROWS_V2019, T3_COLS, T3_DERIVED_ROWS, ("legal_person_subtotal",)
    ),
    "t4_review_litigation": TableSpec("t4_review_litigation", T4_BLOCKS, T4_OUTCOMES),
}

V2021 = {
    "t2_art20_1": TableSpec(
        "t2_art20_1",
        ("regulations", "normative_documents"),
        {"issued_count": "int", "repealed_count": "int", "in_force_count": "int"},
    ),
    "t2_art20_5": TableSpec("t2_art20_5", ("administrative_licensing",), {"decision_count": "int"}),
    "t2_art20_6": TableSpec(
        "t2_art20_6", ("administrative_penalty", "administrative_coercion"), {"decision_count": "int"}
    ),
    "t2_art20_8": TableSpec("t2_art20_8", ("administrative_fees",), {"fee_amount_wan_yuan": "amt"}),
    "t3_applications": TableSpec(
        "t3_applications", T3_ROWS_V2021, T3_COLS, T3_DERIVED_ROWS, ("legal_person_subtotal",)
    ),
    "t4_review_litigation": TableSpec("t4_review_litigation", T4_BLOCKS, T4_OUTCOMES),
}

TEMPLATE_TABLES: dict[str, dict[str, TableSpec]] = {"v2019": V2019, "v2021": V2021}
TABLE_KEYS = (
    "t2_art20_1",
    "t2_art20_5",
    "t2_art20_6",
    "t2_art20_8",
    "t2_art20_9",
    "t3_applications",
    "t4_review_litigation",
)


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
