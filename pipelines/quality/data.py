"""ReportData from an extracted record (for `nianbao check`) or from the warehouse (for the checks asset)."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING

from pipelines.quality.model import CellV, ReportData
from pipelines.quality.versions import SUPERSEDED, WITHDRAWN, Document, logical_key, resolve

if TYPE_CHECKING:  # (the extractor is not imported by the checks workers, which read the warehouse)
    from pipelines.extract.record import Record

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
    """Give each report the same agency's report of the year before (of the same scope when the agency
    published both a jurisdiction summary and its own report that year), and a jurisdiction summary its own
    government's report of the same year (by agency key, through the alias table). A superseded or
    withdrawn version is nobody's previous or own report."""
    aliases = aliases or {}
    index: dict[tuple[str, int], list[ReportData]] = {}
    for r in reports:
        if r.agency_key and r.year and r.doc_type == "annual_report":
            index.setdefault((aliases.get(r.agency_key, r.agency_key), r.year), []).append(r)

    def scope(r: ReportData) -> str:
        return r.metadata.get("report_scope") or ""

    def standing(r: ReportData) -> bool:
        return r.version not in (SUPERSEDED, WITHDRAWN)

    for (key, year), group in index.items():
        before = [p for p in index.get((key, year - 1), []) if standing(p)]
        for r in group:
            same = [p for p in before if scope(p) == scope(r)]
            r.previous = same[0] if same else before[0] if len(before) == 1 else None
            if scope(r) == "jurisdiction_summary":
                r.own = next((o for o in group if scope(o) == "government_own" and standing(o)), None)


def cells_fingerprint(report: ReportData) -> str:
    """Equal for reports with the same cells (value and placeholder kind; the printed text may differ)."""
    cells = sorted((k, c.value, c.semantic) for k, c in report.cells.items())
    return hashlib.sha256(repr(cells).encode()).hexdigest()


def link_versions(reports: list[ReportData], aliases: dict[str, str] | None = None) -> None:
    """Place reports checked together without a warehouse (`nianbao check`) among the versions of their
    logical reports: with no file history nothing orders them, so the same agency, year and scope with
    different cells is a conflict, and the same cells are one version."""
    aliases = aliases or {}
    docs = [Document(r.report_id, logical_key(aliases.get(r.agency_key, r.agency_key), r.year,
                                              r.metadata.get("report_scope"))
                     if r.doc_type == "annual_report" else None, cells_fingerprint(r)) for r in reports]
    versions = {v.report_id: v for v in resolve(docs)}
    for r in reports:
        r.version, r.rivals = versions[r.report_id].status, versions[r.report_id].rivals
