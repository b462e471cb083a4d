"""The identities (勾稽关系) of spec §3, as the extractor and the generator use them: read from the `sum` rules
of expectations/extracted/report_cells.yml, the one place they are defined.

An identity here is a hard `sum` rule that demands equality within one report (not `compare: le`, not
cross-year, not limited to one template): T3-01, T3-02, T3-03 and T4-01…T4-03 today. A rule added to the
suite with those properties is used by the extractor's solver and the checks alike, without a change here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

SUITE = Path(__file__).resolve().parents[2] / "expectations" / "extracted" / "report_cells.yml"

CellKey = tuple[str, str]  # (row, col) inside one table


@dataclass(frozen=True)
class Identity:
    """lhs = rhs over one table: per row (refs are columns), per column (refs are rows), or once (refs are
    "row.col")."""

    id: str
    table: str
    for_each: str | None  # "row" | "col" | None
    lhs: tuple[str, ...]
    rhs: tuple[str, ...]

    def instance(self, at: str | None = None) -> tuple[tuple[CellKey, ...], tuple[CellKey, ...]]:
        """The (lhs, rhs) cell keys of the instance at one row (for_each row) or column (for_each col)."""
        def key(ref: str) -> CellKey:
            if self.for_each == "row":
                return (at, ref)
            if self.for_each == "col":
                return (ref, at)
            row, col = ref.split(".", 1)
            return (row, col)

        return tuple(map(key, self.lhs)), tuple(map(key, self.rhs))

    @property
    def in_one_row(self) -> bool:
        """Whether every instance lies inside one row (a row total, a T4 block's total)."""
        return self.for_each == "row" or (
            self.for_each is None and len({ref.split(".", 1)[0] for ref in self.lhs + self.rhs}) == 1)


@lru_cache(maxsize=2)
def identities(path: Path = SUITE) -> tuple[Identity, ...]:
    """The suite's equality identities within one report, in the suite's order."""
    out = []
    for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]:
        if (rule["kind"] != "sum" or rule["severity"] != "hard" or rule.get("compare", "eq") != "eq"
                or rule.get("cross_year") or rule.get("template") or isinstance(rule["table"], list)
                or any(ref.startswith(("prev:", "-")) for ref in rule["lhs"] + rule["rhs"])):
            continue
        out.append(Identity(rule["id"], rule["table"], rule.get("for_each"), tuple(rule["lhs"]), tuple(rule["rhs"])))
    return tuple(out)


def of_table(table: str) -> tuple[Identity, ...]:
    return tuple(i for i in identities() if i.table == table)


def row_groups(table: str, row: str, position: dict[CellKey, int]) -> list[tuple[list[int], int]]:
    """The identities inside one printed row as (part positions, total position), `position` mapping the
    row's cell keys to their places in it: T3's total = Σ of the applicant columns, T4's block totals."""
    groups = []
    for ident in of_table(table):
        if not ident.in_one_row or len(ident.lhs) != 1:
            continue
        lhs, rhs = ident.instance(row)
        if all(k in position for k in lhs + rhs):
            groups.append(([position[k] for k in rhs], position[lhs[0]]))
    return groups


def column_identities(table: str) -> tuple[Identity, ...]:
    """The identities between the rows of a table, one instance per column (T3-01, T3-03)."""
    return tuple(i for i in of_table(table) if i.for_each == "col")


def with_lhs(table: str, ref: str, for_each: str | None = None) -> str:
    """The id of the identity of a table whose left-hand side names `ref` (a column for per-row identities,
    a row for per-column ones, "row.col" otherwise): which identity a wrong total breaks."""
    return next(i.id for i in of_table(table) if i.for_each == for_each and ref in i.lhs)


def detail_rows(table: str) -> tuple[str, ...]:
    """The rows a total row adds up, per column (T3-03: (七)总计 = Σ the outcome rows)."""
    return tuple(r for i in column_identities(table) if len(i.lhs) == 1 for r in i.rhs)


def summary_rows(table: str, rows: tuple[str, ...]) -> tuple[str, ...]:
    """The rows of a table that are no detail row (T3: 一, 二, (七)总计, 四)."""
    details = set(detail_rows(table))
    return tuple(r for r in rows if r not in details)
