"""ReportData from an extracted record (for `nianbao check`) or from the warehouse (for the checks asset)."""

from __future__ import annotations

import re

from pipelines.extract.record import Record
from pipelines.quality.model import CellV, ReportData

_GOV_WORDS = re.compile(r"人民政府|政府|办公室|办公厅")


def agency_key(agency: str | None, region_code: str | None, admin_level: str | None) -> str | None:
    """The agency identity across years: region code, the name without 人民政府/办公室 and the region
    prefix, and the level (spec §6). Renames are mapped through the agency_aliases table."""
    if not agency:
        return None
    name = _GOV_WORDS.sub("", agency)
    return f"{region_code or '-'}|{name}|{admin_level or '-'}"


def from_record(record: Record, text: str | None = None) -> ReportData:
    cells = {(t, r, c): CellV(cell.value, cell.semantic, cell.raw)
             for t, rows in record.cells.items() for r, cols in rows.items() for c, cell in cols.items()}
    return ReportData(
        report_id=record.report_id, doc_type=record.doc_type, template=record.template, year=record.year,
        agency=record.agency, admin_level=record.admin_level, publication_date=record.publication_date,
        metadata=record.metadata, cells=cells, claims=record.claims, issues=record.issues, text=text,
        agency_key=agency_key(record.agency, record.metadata.get("region_code"), record.admin_level),
    )


def link_years(reports: list[ReportData], aliases: dict[str, str] | None = None) -> None:
    """Give each report the same agency's report of the year before, and a jurisdiction summary its own
    government's report of the same year (by agency key, through the alias table)."""
    aliases = aliases or {}
    index: dict[tuple[str, int, str], ReportData] = {}
    for r in reports:
        if r.agency_key and r.year:
            key = aliases.get(r.agency_key, r.agency_key)
            index[(key, r.year, r.metadata.get("report_scope") or "")] = r
    for r in reports:
        if not (r.agency_key and r.year):
            continue
        key = aliases.get(r.agency_key, r.agency_key)
        scope = r.metadata.get("report_scope") or ""
        r.previous = index.get((key, r.year - 1, scope))
        if scope == "jurisdiction_summary":
            r.own = index.get((key, r.year, "government_own"))
