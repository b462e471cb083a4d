"""The official template tables as grids of merged cells (HTML semantics: rowspan/colspan, covered
positions omitted), shared by the renderers that keep cell structure: HTML, DOCX and PDF.

T3 has 3 label columns (三、本年度办理结果 | (三)不予公开 | leaf) + 7 value columns and a 3-row header;
T4 has 15 columns and a 3-row header; T2 is printed as one 4-column table with a caption row per
article (第二十条第（一）项 …), as in both official formats.
"""

from __future__ import annotations

from dataclasses import dataclass

from synth import labels as L
from synth.printing import PTable


@dataclass(frozen=True)
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    kind: str = "value"  # head | label | group | value


@dataclass
class Grid:
    """A table to draw: its rows of cells, the number of columns and of header rows (repeatable)."""

    key: str
    rows: list[list[Cell]]
    ncols: int
    header_rows: int = 0


def t2_grid(tables: list[PTable]) -> Grid:
    rows: list[list[Cell]] = []
    for t in tables:
        span_last = 3 - len(t.col_labels)  # the last column spans what the label and columns leave
        rows.append([Cell(t.caption or "", colspan=4, kind="head")])
        rows.append([Cell(L.T2_ROW_HEADER, kind="head")] + [
            Cell(lab, colspan=1 + (span_last if i == len(t.col_labels) - 1 else 0), kind="head")
            for i, lab in enumerate(t.col_labels)])
        for r in t.rows:
            rows.append([Cell(r.label, kind="label")] + [
                Cell(v, colspan=1 + (span_last if i == len(r.cells) - 1 else 0)) for i, v in enumerate(r.cells)])
    return Grid("t2", rows, 4)


def t3_grid(t: PTable) -> Grid:
    cols = t.col_labels
    rows = [
        [Cell(L.T3_NOTE, 3, 3, "head"), Cell(L.T3_APPLICANT, 1, 7, "head")],
        [Cell(cols[0], 2, 1, "head"), Cell(L.T3_LEGAL_PERSON, 1, 5, "head"), Cell(cols[6], 2, 1, "head")],
        [Cell(c, kind="head") for c in cols[1:6]],
    ]
    for i, r in enumerate(t.rows):
        row: list[Cell] = []
        prev = t.rows[i - 1] if i else None
        if r.outer is None:
            row.append(Cell(r.label, colspan=3, kind="label"))
        else:
            if prev is None or prev.outer != r.outer:
                row.append(Cell(r.outer, rowspan=sum(x.outer == r.outer for x in t.rows), kind="group"))
            if r.inner is None:
                row.append(Cell(r.label, colspan=2, kind="label"))
            else:
                if prev is None or prev.inner != r.inner:
                    row.append(Cell(r.inner, rowspan=sum(x.inner == r.inner for x in t.rows), kind="group"))
                row.append(Cell(r.label, kind="label"))
        rows.append(row + [Cell(v) for v in r.cells])
    return Grid(t.key, rows, 10, header_rows=3)


def t4_grid(t: PTable) -> Grid:
    outcomes = t.col_labels
    rows = [
        [Cell(L.T4_REVIEW, 1, 5, "head"), Cell(L.T4_LITIGATION, 1, 10, "head")],
        [Cell(o, 2, 1, "head") for o in outcomes] + [Cell(L.T4_DIRECT, 1, 5, "head"), Cell(L.T4_AFTER, 1, 5, "head")],
        [Cell(o, kind="head") for o in outcomes * 2],
        [Cell(v) for r in t.rows for v in r.cells],
    ]
    return Grid(t.key, rows, 15, header_rows=3)


def grids(tables: dict[str, PTable], keys: list[str]) -> list[Grid]:
    """The grids of one section's tables (its T2 tables are merged into one grid)."""
    t2 = [tables[k] for k in keys if k.startswith("t2_")]
    out = [t2_grid(t2)] if t2 else []
    if "t3_applications" in keys:
        out.append(t3_grid(tables["t3_applications"]))
    if "t4_review_litigation" in keys:
        out.append(t4_grid(tables["t4_review_litigation"]))
    return out


def positions(grid: Grid) -> list[list[tuple[int, int, Cell]]]:
    """Each row's cells with their (row, column) origin, covered positions resolved."""
    taken: set[tuple[int, int]] = set()
    out = []
    for r, row in enumerate(grid.rows):
        c, placed = 0, []
        for cell in row:
            while (r, c) in taken:
                c += 1
            placed.append((r, c, cell))
            taken.update((r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan))
            c += cell.colspan
        out.append(placed)
    return out


def with_continuations(grid: Grid) -> list[list[Cell | None]]:
    """Each row's cells in column order with None where a cell of an earlier row reaches down
    (Word's vMerge continuation cell: text converters print it as an empty cell)."""
    placed = positions(grid)
    reaching: dict[int, list[tuple[int, Cell | None]]] = {}
    for r, row in enumerate(placed):
        for _, c, cell in row:
            for dr in range(1, cell.rowspan):
                reaching.setdefault(r + dr, []).append((c, None))
    return [[cell for _, cell in sorted([(c, cell) for _, c, cell in row] + reaching.get(r, []),
                                        key=lambda x: x[0])] for r, row in enumerate(placed)]
