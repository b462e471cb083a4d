"""Which reports a checks run must (re)check, and in which batches. Pure: index rows in, report ids out.

A report's results depend on itself, on its place among the versions of its logical report (VR-01, and
a superseded version is nobody's previous year) and, through the cross-year rules, on its agency's report
of the year before and (for a jurisdiction summary) on the government's own report of the same year. So
when a report is new, re-extracted or changed place among the versions (superseded, in or out of a
conflict, withdrawn), the reports to check are it, the same agency's reports of the same year and those of
the year after. When the rules or the alias table change, everything is checked.

Batches keep an agency's reports together and bring their other years along as context (linked, not
re-checked), so memory is bounded by the batch size, not by the warehouse.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from pipelines.quality.data import agency_key


@dataclass(frozen=True)
class IndexRow:
    report_id: str
    doc_type: str | None
    agency: str | None
    admin_level: str | None
    region_code: str | None
    year: int | None
    extracted_at: datetime | None
    checked_at: datetime | None
    versioned_at: datetime | None = None  # when its place among the versions of its report last changed

    def key(self, aliases: dict[str, str]) -> str | None:
        k = agency_key(self.agency, self.region_code, self.admin_level)
        return aliases.get(k, k) if k else None


@dataclass
class Batch:
    check: list[str]  # reports whose results are replaced
    context: list[str]  # other years of the same agencies, read for the cross-year rules only


def to_check(index: list[IndexRow], aliases: dict[str, str], everything: bool) -> set[str]:
    """The reports this run must check: new, re-extracted or re-versioned ones and their cross-year neighbours
    (or all)."""
    if everything:
        return {r.report_id for r in index}
    changed = [r for r in index if r.checked_at is None or (r.extracted_at and r.extracted_at > r.checked_at)
               or (r.versioned_at and r.versioned_at > r.checked_at)]
    touched = {(r.key(aliases), r.year) for r in changed if r.key(aliases) and r.year}
    out = {r.report_id for r in changed}
    for r in index:
        k = r.key(aliases)
        if k and r.year and ((k, r.year) in touched or (k, r.year - 1) in touched):
            out.add(r.report_id)
    return out


def batches(index: list[IndexRow], wanted: set[str], aliases: dict[str, str], size: int = 2000) -> list[Batch]:
    """`wanted` cut into batches of about `size` reports, an agency never split across two batches."""
    by_key: dict[str, list[IndexRow]] = defaultdict(list)
    for r in index:
        by_key[r.key(aliases) or f"report:{r.report_id}"].append(r)
    out: list[Batch] = []
    current = Batch([], [])
    for key in sorted(by_key):
        rows = by_key[key]
        mine = [r.report_id for r in rows if r.report_id in wanted]
        if not mine:
            continue
        if current.check and len(current.check) + len(mine) > size:
            out.append(current)
            current = Batch([], [])
        current.check += mine
        current.context += [r.report_id for r in rows if r.report_id not in wanted]
    if current.check:
        out.append(current)
    return out
