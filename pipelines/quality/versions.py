"""Documents as versions of logical reports. Pure: one row per extracted document in, one verdict per document out.

A logical report is an agency × year × scope (the agency identity key of the cross-year rules, renames
through agency_aliases; `report_scope` of the metadata). Every annual report with a known agency and year
is a version of one; anything else is a logical report of its own.

- **Same cells, one version.** Documents of one logical report whose cells are identical (the same report
  as PDF, HTML and DOCX, or re-saved with a line added) are one version with several sources; one of them,
  the *primary*, stands for it (one still at a path it was seen at, then the first seen, then the lowest id).
- **Replacement orders versions.** A file replaced under the same path makes the new document newer than
  every document seen at that path before it (`document_sources`: the one last seen at a path is the one
  there now). The order is closed transitively; a version below another is `superseded`.
- **One current version, or a conflict.** When exactly one version is not superseded it is `current`; when
  several are (different paths, no replacement between them) they are in `conflict`, each naming its rivals,
  and none is current until the conflict is resolved (a file withdrawn, or replaced).
- **Withdrawn.** A document the operator withdrew (`nianbao withdraw`, after removing its file) is no version
  of anything, unless one of its files was seen again after the withdrawal.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

CURRENT, SUPERSEDED, CONFLICT, WITHDRAWN = "current", "superseded", "conflict", "withdrawn"


@dataclass(frozen=True)
class Source:
    path: str
    last_seen: datetime  # the last scan that found this document at `path`
    mtime_ns: int | None = None


@dataclass(frozen=True)
class Document:
    report_id: str
    identity: str | None  # logical_key(...) of an annual report, None for anything that cannot be grouped
    content: str  # equal for documents with the same cells
    first_seen: datetime | None = None
    sources: tuple[Source, ...] = ()
    withdrawn_at: datetime | None = None

    @property
    def withdrawn(self) -> bool:
        seen = max((s.last_seen for s in self.sources), default=None)
        return self.withdrawn_at is not None and (seen is None or seen <= self.withdrawn_at)


@dataclass(frozen=True)
class Version:
    report_id: str
    logical_key: str
    status: str  # current | superseded | conflict | withdrawn
    primary_id: str  # the document that stands for these cells (itself, or the one it duplicates)
    superseded_by: str | None = None  # the primary of the version that stands above it now
    rivals: tuple[str, ...] = ()  # in conflict: the primaries of the other versions
    sources: int = 1  # documents with these cells in this logical report


def logical_key(agency_key: str | None, year: int | None, scope: str | None) -> str | None:
    """year × agency × scope, or None when the agency or the year is unknown (the year first: a key never
    starts like a spreadsheet formula in a CSV export)."""
    if not agency_key or not year:
        return None
    return f"{year}|{agency_key}|{scope or '-'}"


def resolve(documents: list[Document]) -> list[Version]:
    """Every document's place among the versions of its logical report, in report_id order."""
    groups: dict[str, list[Document]] = defaultdict(list)
    out: list[Version] = []
    for d in documents:
        if d.withdrawn:
            out.append(Version(d.report_id, d.identity or f"report:{d.report_id}", WITHDRAWN, d.report_id))
        elif d.identity is None:
            out.append(Version(d.report_id, f"report:{d.report_id}", CURRENT, d.report_id))
        else:
            groups[d.identity].append(d)
    for key, docs in groups.items():
        if len(docs) == 1:  # most reports: one document, nothing to compare
            out.append(Version(docs[0].report_id, key, CURRENT, docs[0].report_id))
        else:
            out += _resolve_group(key, docs)
    return sorted(out, key=lambda v: v.report_id)


def _resolve_group(key: str, docs: list[Document]) -> list[Version]:
    live = _live(docs)
    contents: dict[str, list[Document]] = defaultdict(list)
    for d in docs:
        contents[d.content].append(d)
    primary = {c: min(ds, key=lambda d: (d.report_id not in live, d.first_seen is None, d.first_seen or 0,
                                         d.report_id)).report_id
               for c, ds in contents.items()}
    above = _order(docs)  # content -> contents above it, transitively
    superseded = {c for c in contents if any(c not in above.get(n, set()) for n in above.get(c, set()))}
    standing = sorted((c for c in contents if c not in superseded), key=lambda c: primary[c])
    out = []
    for c, ds in contents.items():
        if c in superseded:
            tops = sorted(primary[n] for n in above[c] if n not in superseded)
            status, by, rivals = SUPERSEDED, (tops[0] if tops else None), ()
        elif len(standing) == 1:
            status, by, rivals = CURRENT, None, ()
        else:
            status, by, rivals = CONFLICT, None, tuple(primary[o] for o in standing if o != c)
        out += [Version(d.report_id, key, status, primary[c], by, rivals, len(ds)) for d in ds]
    return out


def _latest(docs: list[Document]) -> dict[str, list[tuple[tuple, Document]]]:
    """Per path, the documents seen there, oldest first."""
    at: dict[str, list[tuple[tuple, Document]]] = defaultdict(list)
    for d in docs:
        for s in d.sources:
            at[s.path].append(((s.last_seen, s.mtime_ns or 0, d.report_id), d))
    return {p: sorted(seen, key=lambda x: x[0]) for p, seen in at.items()}


def _live(docs: list[Document]) -> set[str]:
    """Documents that are the latest at one of their paths at least (not replaced everywhere)."""
    return {seen[-1][1].report_id for seen in _latest(docs).values()}


def _order(docs: list[Document]) -> dict[str, set[str]]:
    """content -> every content newer than it (replaced it at a path, directly or through others)."""
    newer: dict[str, set[str]] = defaultdict(set)
    for seen in _latest(docs).values():
        for i, (_, old) in enumerate(seen):
            for _, new in seen[i + 1:]:
                if new.content != old.content:
                    newer[old.content].add(new.content)
    closed: dict[str, set[str]] = {}
    for c in {d.content for d in docs}:
        reach, todo = set(), list(newer.get(c, ()))
        while todo:
            n = todo.pop()
            if n not in reach:
                reach.add(n)
                todo += newer.get(n, ())
        closed[c] = reach - {c}
    return closed
