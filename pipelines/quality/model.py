"""What the rules read about one report, and what they produce."""

from __future__ import annotations

from dataclasses import dataclass, field

Key = tuple[str, str, str]  # (table, row, col)

PASS, FAIL, NOT_ASSESSABLE = "PASS", "FAIL", "NOT_ASSESSABLE"
NULL_SEMANTICS = ("NA", "EMPTY")


@dataclass
class CellV:
    value: float | None
    semantic: str
    raw: str


@dataclass
class ReportData:
    report_id: str
    doc_type: str
    template: str | None
    year: int | None
    agency: str | None
    admin_level: str | None
    publication_date: str | None
    metadata: dict
    cells: dict[Key, CellV] = field(default_factory=dict)
    claims: list[dict] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)
    text: str | None = None
    agency_key: str | None = None
    previous: "ReportData | None" = None  # the same agency's report of the year before
    own: "ReportData | None" = None  # for a jurisdiction summary: the government's own report, same year
    version: str | None = None  # among the versions of its logical report: current, superseded, conflict, withdrawn
    rivals: tuple[str, ...] = ()  # in conflict: the other documents claiming the same agency, year and scope
    _rows: tuple[int, dict[str, set[str]]] | None = field(default=None, repr=False, compare=False)

    def rows(self, table: str) -> set[str]:
        # asked for every instance of every rule: indexed once per set of cells (rebuilt if cells are added)
        if self._rows is None or self._rows[0] != len(self.cells):
            index: dict[str, set[str]] = {}
            for t, r, _ in self.cells:
                index.setdefault(t, set()).add(r)
            self._rows = (len(self.cells), index)
        return self._rows[1].get(table, set())


@dataclass
class Row:
    """One evaluated instance of a rule: the residual GX validates, and what a person needs to read it."""

    report_id: str
    rule_id: str
    scope: str
    observed: float | None
    expected: float | None
    residual: float | None
    assessable: bool
    message: str = ""
    cells: tuple[Key, ...] = ()


@dataclass
class Result:
    report_id: str
    rule_id: str
    severity: str
    status: str
    scope: str
    expected: float | None
    observed: float | None
    difference: float | None
    message: str


@dataclass
class Suspect:
    report_id: str
    table_key: str
    row_key: str
    col_key: str
    reported: float | None
    suggested: float
    rules_explained: list[str]
    unique: bool
