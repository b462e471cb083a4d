"""The template matcher: token rows aligned to the official tables' rows, values resolved into cells.

One pass over the rows of tokens (a run of values with the labels before it), in document order,
against the template's rows in their fixed order (spec §11): a row's label is the shortest suffix of
the labels before its values that matches a row still ahead, so wrapped labels, group headers and
column headers in between do not matter, and "其他" can only be the row the order allows. A row
found with too few values is completed by a value run with no label of its own (a wrapped label, a
page break), by splitting run-together digits with the identities, or reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from collections.abc import Iterator
from itertools import accumulate, islice, product
from operator import itemgetter

from rapidfuzz import fuzz

from pipelines.contract import (OTHER_AS_ONE_ROW, OTHER_SPLIT, ROW_HEADER, T2_TABLES, TABLE_KEYS, TABLES,
                                TEMPLATE_TABLES, T4_BLOCKS)
from pipelines.contract import identities as I
from pipelines.contract.grammar import SIGNS
from pipelines.extract import labels as L
from pipelines.extract.lines import text_lines
from pipelines.extract.solver import is_cell, number, solve, sums_hold
from pipelines.extract.template import detect_template as template_of
from pipelines.extract.tokens import LABEL, VALUE, Token, tokenize
from pipelines.extract.values import PLACEHOLDERS, Cell, parse_cell, unit_fits

MAX_SUFFIX = 8
# Labels that are also column headers ("总计", "其他"): matched only when the row order is about to reach
# them, never by jumping over most of a table.
NEAR_ONLY = {"results_total": 4, "other_misc": 2}


@dataclass(slots=True)  # (thousands a run: slots make them cheaper to build and to read)
class RawRow:
    labels: list[Token]
    values: list[Token]
    start: int  # index of its first value token


@dataclass
class Expected:
    table: str
    row: str
    cols: list[str]
    types: list[str]
    pattern: L.RowPattern | None  # None for the T4 row, recognised by its header words

    def __post_init__(self) -> None:
        # which table's gate applies; asked for every (row, expected row) pair the matcher tries
        self.gate = "t4" if self.table.startswith("t4") else "t3" if self.table.startswith("t3") else "t2"
        # asked for every row found: its location in issues, each column's header unit
        self.where = f"{self.table}.{self.row}"
        self.units = [TABLES[self.table]["cols"].get(col, {}).get("unit") if typ == "amt" else None
                      for col, typ in zip(self.cols, self.types)]
        # the identities inside the row (T3: total = Σ applicants; T4: each block's total = Σ outcomes), as
        # (part positions, total position), from the report_cells suite
        if self.pattern is None:
            position = {_t4_key(col): i for i, col in enumerate(self.cols)}
        else:
            position = {(self.row, col): i for i, col in enumerate(self.cols)}
        self.groups = I.row_groups(self.table, self.row, position) if self.gate != "t2" else []
        # the check that a split of the row's run-together cells satisfies those identities (the solver's)
        self.identity = sums_hold(self.groups)
        # the run-together digits of this row already split, and their splits: the same digits recur in this
        # row of many reports (a row of zeros), and the row's cells and checks never change. Bounded
        # (SOLVED_KEPT); it lives as long as this Expected (expected_rows' cache: one per template)
        self.solved: dict[tuple[str, ...], tuple[list, bool]] = {}


@dataclass
class Tables:
    """Cells found, as cells[table][row][col] = Cell, and the issues met on the way."""

    template: str | None
    cells: dict[str, dict[str, dict[str, Cell]]] = field(default_factory=dict)
    issues: list[dict] = field(default_factory=list)
    # T3 rows whose run-together digits split several ways: settled, if at all, by the column identities
    ambiguous: dict[str, tuple["Expected", list[list[str]]]] = field(default_factory=dict)
    # (table, row) → (start, end) offsets in the source text of the characters the row's values came from
    spans: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

    def issue(self, code: str, severity: str, message: str, location: str | None = None) -> None:
        self.issues.append({"code": code, "severity": severity, "message": message, "location": location})

    @property
    def n_cells(self) -> int:
        return sum(len(cols) for rows in self.cells.values() for cols in rows.values())


def group_rows(tokens: list[Token]) -> list[RawRow]:
    rows, labels, values, start = [], [], [], 0
    for i, tok in enumerate(tokens):
        if tok[0] == LABEL:
            if values:
                rows.append(RawRow(labels, values, start))
                labels, values = [], []
            labels.append(tok)
        else:
            if not values:
                start = i
            values.append(tok)
    if values:
        rows.append(RawRow(labels, values, start))
    return rows


_KIND = itemgetter(0)  # a token's kind
_LINE = itemgetter(2)  # a token's line


def detect_template(text: str) -> str | None:
    """v2019 / v2021 / hybrid from the table labels (spec §1), None when neither template's labels occur."""
    return template_of(text)[0]


@lru_cache(maxsize=4)
def expected_rows(template: str) -> tuple[Expected, ...]:
    """The rows of a template's tables in their printed order, T4's single row last (one tuple per
    template, shared: read-only)."""
    spec = TEMPLATE_TABLES[template]
    out = []
    for table in TABLE_KEYS:
        if table in T2_TABLES and table in spec:
            cols = list(spec[table].cols)
            for row in spec[table].rows:
                out.append(Expected(table, row, cols, [spec[table].cols[c] for c in cols], L.T2_ROWS[row]))
    t3 = spec["t3_applications"]
    t3_rows = list(t3.rows)
    if OTHER_AS_ONE_ROW not in t3_rows:  # the (六) block printed as one row, as some 2021-format reports do
        t3_rows.insert(t3_rows.index(OTHER_SPLIT[0]), OTHER_AS_ONE_ROW)
    for row in t3_rows:
        out.append(Expected("t3_applications", row, list(t3.cols), list(t3.cols.values()), L.T3_ROWS[row]))
    t4 = spec["t4_review_litigation"]
    t4_cols = [f"{b}_{o}" for b in t4.rows for o in t4.cols]
    out.append(Expected("t4_review_litigation", "*", t4_cols, [t4.cols[o] for b in t4.rows for o in t4.cols], None))
    return tuple(out)


_T2_GATE, _T3_HEADING_GATE, _T3_HEADER_GATE, _T4_GATE, _END_GATE = 1, 2, 4, 8, 16


@lru_cache(maxsize=65536)
def _gate_flags(text: str) -> int:
    """Which table boundaries a label token can be (bits above)."""
    x = L.norm_label(text)
    return ((_T2_GATE if L.T2_CAPTION.search(x) or x == ROW_HEADER else 0)
            | (_T3_HEADING_GATE if L.T3_HEADING.search(x) and len(x) < 40 else 0)
            | (_T3_HEADER_GATE if L.T3_HEADER.search(x) or x in L.T3_HEADER_CELLS else 0)
            | (_T4_GATE if L.T4_HEADING.search(x) else 0)
            | (_END_GATE if L.END_OF_TABLES.search(x) and len(x) < 30 else 0))


def _gates(tokens: list[Token]) -> dict[str, int]:
    """Token index after which each table's rows may be matched: its caption, or for T3 its column
    header (the prose under the §三 heading names 予以公开 too), and where the tables end."""
    n = len(tokens)
    marked = [(i, f) for i, t in enumerate(tokens) if t[0] == LABEL and (f := _gate_flags(t[1]))]

    def first(flag: int, after: int = 0) -> int | None:
        return next((i for i, f in marked if i >= after and f & flag), None)

    t2 = first(_T2_GATE)
    t3_heading = first(_T3_HEADING_GATE)
    t3_header = first(_T3_HEADER_GATE, t3_heading or t2 or 0)
    t3 = t3_header if t3_header is not None else t3_heading
    if t3 is None:  # without a heading the rows still count, but only after T2's start
        t3 = t2 or 0
    t4 = first(_T4_GATE, t3 + 1)
    t4 = t3 if t4 is None else t4
    end = first(_END_GATE, t4 + 1)
    t2 = t2 or 0
    # "first": where the first table's rows may begin (a value run before it is no row's)
    return {"t2": t2, "t3": t3, "t4": t4, "end": n if end is None else end, "first": min(t2, t3, t4)}


def _region(index: int, gates: dict[str, int]) -> str:
    """Which table's region a token index lies in."""
    return "t4" if index >= gates["t4"] else "t3" if index >= gates["t3"] else "t2"


def _candidates(row: RawRow, backward: bool) -> Iterator[tuple[int, str]]:
    """Label candidates for a row's values, shortest first: suffixes of the labels before them (backward),
    or prefixes of the labels after them (forward: layout text puts a tall row's values above its label).
    Made one at a time: the matcher mostly stops at the first."""
    labels = row.labels
    for k in range(1, min(MAX_SUFFIX, len(labels)) + 1):
        yield k, L.norm_label("".join([t[1] for t in (labels[-k:] if backward else labels[:k])]))


_ROW_PATTERNS = {**L.T2_ROWS, **L.T3_ROWS}
# `labels.matches` takes no label longer than its row's official label + 14 characters; a candidate whose
# text is over twice the longest such bound names no row (norm_label removes at most half of a text)
_TOO_LONG = 2 * max(len(p.official) + 14 for p in _ROW_PATTERNS.values())


# any row's pattern: a label none of them finds is no row's (most labels are prose or headers)
_ANY_ROW = re.compile("|".join(f"(?:{p.pattern.pattern})" for p in _ROW_PATTERNS.values()))


@lru_cache(maxsize=65536)
def _rows_named(label: str) -> frozenset[str]:
    """The rows (T2, T3) whose pattern a normalised label matches (`labels.matches`)."""
    if L.PROSE.search(label) or not _ANY_ROW.search(label):
        return frozenset()
    return frozenset(row for row, pattern in _ROW_PATTERNS.items() if L.matches(pattern, label))


def _match(row: RawRow, todo: tuple[Expected, ...], start: int, gates: dict[str, int],
           labels: RawRow | None = None, backward: bool = True) -> tuple[int, int] | None:
    """(index in todo, labels used) of the nearest expected row named by the shortest label suffix
    (or, forward, prefix of `labels`)."""
    if row.start < gates["first"]:
        return None  # before every table begins (prose with figures): no row, exact or close, may take it
    n_values = list(map(_KIND, row.values)).count(VALUE)
    blank = n_values == 0
    where = _positions(todo)
    t4_named = None  # T4's header words since the last values: asked once, only if its row is reached
    source = (labels or row).labels
    for k in range(1, min(MAX_SUFFIX, len(source)) + 1):
        joined = "".join([t[1] for t in (source[-k:] if backward else source[:k])])
        if k > 1 and len(joined) > _TOO_LONG:
            # no row's label is this long, nor any longer candidate (normalising at most halves a label);
            # T4's row, which does not depend on the candidate, was asked at k = 1
            break
        label = L.norm_label(joined)
        named = _rows_named(label)
        # the rows this label names, in the template's order from `start`, then T4's row (always last)
        order = where.get(named)
        if order is None:  # (the same labels name the same rows in every report: sorted once per template)
            order = where[named] = sorted([where[r] for r in named if r in where] + where["*"])
        for j in order:
            if j < start:
                continue
            exp = todo[j]
            if row.start < gates[exp.gate] or (blank and len(row.values) < len(exp.cols)):
                continue  # before its table begins, or blank cells between header cells
            if not backward and n_values != len(exp.cols) and not _fills_run_together(row, exp, n_values):
                continue  # a label below its values is taken only by a run that fills its whole row
            if exp.row in NEAR_ONLY and j - start > NEAR_ONLY[exp.row]:
                continue
            if exp.pattern is None:
                # T4's single row: any of its header words since the last values (an OCR engine may
                # have put a wrong header row right above the numbers)
                if t4_named is None:
                    whole = L.norm_label("".join([t[1] for t in (labels or row).labels]))
                    t4_named = bool(L.T4_LABEL.search(whole)) and (
                        len(row.values) >= 3 or sum(len(t[1]) for t in row.values) >= 5)
                if t4_named:
                    return j, k
            else:
                return j, k
    return _fuzzy_match(row, todo, start, gates, labels, backward, n_values)


_POSITIONS: dict[int, tuple[tuple[Expected, ...], dict]] = {}


def _positions(todo: tuple[Expected, ...]) -> dict:
    """Row → its index in `todo` (rows of T2 and T3 are unique in it), and "*" → [the indices of the rows
    without a pattern (T4's)]. Worked out once per template's rows (`expected_rows` keeps one tuple each)."""
    known = _POSITIONS.get(id(todo))
    if known is not None and known[0] is todo:
        return known[1]
    where: dict = {"*": [j for j, e in enumerate(todo) if e.pattern is None]}
    for j, e in enumerate(todo):
        if e.pattern is not None:
            assert e.row not in where, e.row
            where[e.row] = j
    if len(_POSITIONS) > 8:
        _POSITIONS.clear()
    _POSITIONS[id(todo)] = (todo, where)
    return where


FUZZY_WINDOW, FUZZY_SCORE = 3, 80


@lru_cache(maxsize=65536)
def _close(bare: str, row: str) -> bool:
    official = L.strip_numbering(L.norm_label(_ROW_PATTERNS[row].official))
    return fuzz.ratio(bare, official) >= FUZZY_SCORE


def _fuzzy_match(row: RawRow, todo: list[Expected], start: int, gates: dict[str, int], labels: RawRow | None,
                 backward: bool, n_values: int) -> tuple[int, int] | None:
    """Close, not equal: a label cut by a wrap inside its key word, an OCR swap, missing characters.
    Only the next few rows in order are considered, and the run must fill the row."""
    # the rows the run may be: asked first, as most runs fill none of them (then no label is looked at)
    window = [j for j in range(start, min(start + FUZZY_WINDOW, len(todo)))
              if todo[j].pattern is not None and row.start >= gates[todo[j].gate] and n_values == len(todo[j].cols)]
    if not window:
        return None
    for k, label in islice(_candidates(labels or row, backward), 3):
        bare = L.strip_numbering(label)
        if len(bare) < 4:
            continue
        for j in window:
            if _close(bare, todo[j].row):
                return j, k
    return None


Hints = dict[tuple[str, str, str], float]


def extract_tables(text: str, template: str | None = None, hints: Hints | None = None) -> Tables:
    """Find the tables of the given (or detected) template in a normalised text.

    `hints` are figures the prose states for some cells (table, row, col → value): used only to choose
    among the splits of run-together digits that all satisfy the identities, never to fill a cell."""
    template = template or detect_template(text)
    if template not in ("v2019", "v2021"):
        # hybrid or undetected: read with both row sets and keep the reading that finds more
        results = [_extract(text, t, hints or {}) for t in ("v2019", "v2021")]
        best = max(results, key=lambda r: r.n_cells)
        if best.n_cells:
            best.issue("template_uncertain", "info",
                       f"template {'hybrid' if template == 'hybrid' else 'not detected'}; read as {best.template}")
        return best
    return _extract(text, template, hints or {})


_PLUS_ONE = (1).__add__  # a line's length and its "\\n"


def _line_spans(result: Tables, text: str, todo: list[Expected], found: dict[int, list[Token]]) -> None:
    """Provenance of rows read by lines: the lines their values came from, as offsets into `text`."""
    starts = None
    spans, cells = result.spans, result.cells
    for j, values in found.items():
        exp = todo[j]
        table = exp.table
        read = cells.get(table)
        if not values or not read:
            continue
        # T4 is read as one row of 15 values and stored as its three blocks: they share the span
        rows = [r for r in ((exp.row,) if exp.pattern is not None else read)
                if r in read and (table, r) not in spans]
        if not rows:
            continue
        if starts is None:  # offsets of every line, computed once and only when a row was found
            starts = list(accumulate(map(_PLUS_ONE, map(len, text_lines(text))), initial=0))
        lines = list(map(_LINE, values))
        span = (starts[min(lines)], starts[max(lines) + 1] - 1)
        for row in rows:
            spans[(table, row)] = span


def _extract(text: str, template: str, hints: Hints) -> Tables:
    tokens = tokenize(text)
    rows = group_rows(tokens)
    gates = _gates(tokens)
    todo = expected_rows(template)
    result = Tables(template=template)
    found: dict[int, list[Token]] = {}
    t3_first = next(j for j, e in enumerate(todo) if e.table == "t3_applications")
    t3_line = tokens[gates["t3"]].line if gates["t3"] < len(tokens) else 0
    pointer, last, carried, taken, i = 0, None, [], 0, -1
    recent: list[Token] = []  # the labels of the value runs read since the last row found
    spill = False  # the last value run, in a table, left values no row took (none took it, or too many)
    while i + 1 < len(rows):
        i += 1
        row = rows[i]
        if row.start > gates["end"]:
            break
        if carried or taken:  # (otherwise the row as grouped: nothing changes it)
            row = RawRow(carried + row.labels[taken:], row.values, row.start)
        carried, taken = [], 0
        detached = _detached_table(result, row, todo, max(pointer, t3_first), t3_line)
        if detached is None:
            continue  # a table's values printed apart from its labels, dealt out no sure way: nobody's
        if detached:
            found.update(detached)
            last = max(detached)
            pointer = last + 1
            continue
        hit = _match(row, todo, pointer, gates)
        backward = hit is not None
        if hit is not None and spill and todo[hit[0]].pattern is not None \
                and _region(row.start, gates) == todo[hit[0]].gate:  # (T4's one row is named by its header)
            # a label between two value runs, the one above it with values left over: where a tall row's
            # label is printed below its values those are the row's (run together or joined to the row above,
            # they no longer filled it), read by the label above these are. Which, the text does not say
            values = _value_texts(row.values)
            result.issue("ambiguous_row", "error", f"{values!r} below the label of {todo[hit[0]].where}, and values "
                         "no row took above it: which are its values is not known; left out", todo[hit[0]].where)
            pointer, last, spill = hit[0] + 1, None, False
            continue
        if hit is None and last is not None and _short(todo[last], found[last]) and _has_values(row) \
                and _region(row.start, gates) == todo[last].gate:
            found[last].extend(row.values)  # the rest of a row cut by a wrapped label or a page break
            spill = False
            continue
        if hit is None and i + 1 < len(rows):
            hit = _match(row, todo, pointer, gates, labels=rows[i + 1], backward=False)
            if hit is not None and (own := _skipped_rows_named(todo, 0, hit[0], row.labels[-2:])):
                # the label right above the values names a row already read (the same table printed twice, as
                # text and as a converter's table): the label below them is another row's
                values = _value_texts(row.values)
                result.issue("ambiguous_row", "error", f"{values!r}: under a label of {todo[own[-1]].where}, read "
                             f"before; not taken by {todo[hit[0]].where}, named below them", todo[hit[0]].where)
                hit = None
            skipped = _skipped_rows_named(todo, pointer, hit[0], recent + row.labels) if hit is not None else []
            if skipped:
                # a label below the values names a later row while a row before it was named above them and
                # found no values (a converter moved a caption, or emitted a table by columns): whose values
                # these are is not known
                values = _value_texts(row.values)
                result.issue("ambiguous_row", "error", f"{values!r}: named {todo[hit[0]].where} by the label below "
                             f"them, but {', '.join(todo[x].where for x in skipped)} named above them has no values "
                             "yet; left out", todo[hit[0]].where)
                hit = None
            if hit is not None:
                taken = hit[1]  # those labels named this row; the next row may not use them again
        if hit is not None:
            recent = []
            j = hit[0]
            head, rest = _cut(row.values, len(todo[j].cols))
            stacked = _skipped_rows_named(todo, pointer, j, row.labels[:len(row.labels) - hit[1]]) \
                if rest and backward else []
            if stacked:
                # several rows' labels, then their values (a converter that emits a table by columns): the first
                # values are the first label's row, not the nearest label's
                pointer, last = j + 1, None
                dealt = _deal_stacked(result, todo, [*stacked, j], row.values)
                found.update(dealt)
                if dealt:
                    last = j
                continue
            if rest and not todo[j].groups:
                # a T2 row (no identity inside it) followed by more values than it has columns: another row's
                # whose label is lost, or its own figure cut by a line break ("94" / "87" in a narrow cell)?
                # The text does not say: the row gets them all, and withholds them (extra_values)
                head, rest = row.values, []
            if rest and todo[j].groups and not _adds_up(todo[j], head):
                # a run of several rows' values whose first row does not add up: the run is not rows laid end
                # to end (a converter emitting the table by columns), so where one row ends is not known
                values = _value_texts(row.values)
                result.issue("ambiguous_row", "error", f"{values!r}: {len(row.values)} values under {todo[j].where}, "
                             f"whose first {len(todo[j].cols)} do not satisfy its identity: not rows laid end to "
                             "end; left out", todo[j].where)
                pointer, last = j + 1, None
                continue
            found[j] = head
            pointer, last = j + 1, j
            spill = sum(t.kind == VALUE for t in head) > len(todo[j].cols)  # withheld as extra_values
            if rest:  # two rows' values run together when a page footer or a label between them is gone
                rows.insert(i + 1, RawRow([], rest, row.start + len(head)))
        elif not _has_values(row):
            carried = row.labels  # blank header cells: their labels stay context for the next row
        else:
            recent.extend(row.labels)
            # (a run under the label of a row already read is that row's copy, no other row's values)
            spill = row.start >= gates["first"] and sum(t.kind == VALUE for t in row.values) > 1 \
                and not _skipped_rows_named(todo, 0, pointer, row.labels[-2:])
    for j, values in found.items():
        resolve_values(result, todo[j], values, hints)
    _line_spans(result, text, todo, found)
    settle_by_columns(result)
    report_missing(result, todo, found)
    return result


def _value_texts(tokens: list[Token]) -> str:
    """A run's values as printed, for an issue's message."""
    return " ".join(t.text for t in tokens if t.kind == VALUE)


def _adds_up(exp: Expected, values: list[Token]) -> bool:
    """Whether a row's values, as read, satisfy its identities (a blank cell counts as 0)."""
    texts = [t.text or "-" for t in values]
    try:
        return len(texts) == len(exp.cols) and exp.identity(texts)
    except ValueError:  # a cell that is no number
        return False


def _deal_stacked(result: Tables, todo: tuple[Expected, ...], rows: list[int],
                  values: list[Token]) -> dict[int, list[Token]]:
    """The values of rows whose labels all stand before them, in the template's order: one value each when
    every row has one column (by row and by column then read the same); otherwise nobody's (row after row,
    or column after column, the text does not say) and reported."""
    filled = [t for t in values if t.kind == VALUE]
    if all(len(todo[x].cols) == 1 for x in rows) and len(filled) == len(values) == len(rows):
        return {x: [t] for x, t in zip(rows, filled)}
    result.issue("ambiguous_row", "error", f"{_value_texts(filled)!r}: the values of "
                 f"{', '.join(todo[x].where for x in rows)}, printed after all their labels; row after row or "
                 "column after column is not known; left out", todo[rows[-1]].where)
    return {}


def _fills_run_together(row: RawRow, exp: Expected, n_values: int) -> bool:
    """Whether a run of fewer values than the row has cells, some of them run together (`100 0 0 0 0 10`),
    splits into the row's cells so that its identity holds: it fills the row as well as a separated one."""
    if not exp.groups or not 0 < n_values < len(exp.cols) or len(row.values) != n_values:
        return False
    return bool(solve([t.text for t in row.values], len(exp.cols), exp.identity, limit=1))


def _skipped_rows_named(todo: tuple[Expected, ...], start: int, j: int, labels: list[Token]) -> list[int]:
    """The expected rows between `start` and `j` (which a match at j would pass over) that one of `labels`
    names."""
    if j <= start:
        return []
    where = _positions(todo)
    named = {where[r] for t in labels if t[0] == LABEL for r in _rows_named(L.norm_label(t[1])) if r in where}
    return sorted(x for x in named if start <= x < j)


def _detached_table(result: Tables, row: RawRow, todo: list[Expected], start: int,
                    first_line: int) -> dict[int, list[Token]] | None:
    """A T3 table whose labels all come first and its values after (a PDF extractor emitting the table
    column by column, or labels detached from values): the values are dealt out to the labelled rows,
    by column or by row, whichever satisfies the row identity (total = Σ parts). {} when the row is no such
    table; None when it is one but no dealing is sure (its values then belong to no row)."""
    if len(row.values) < 70 or len(row.labels) < 10:
        return {}  # (cheap test first: the counts below are at most these)
    values = [t for t in row.values if t.kind == VALUE]
    labels = [t for t in row.labels if t.line >= first_line]  # not the prose before the table
    if len(values) < 70 or len(labels) < 10:
        return {}
    rows, j = [], start
    for k, tok in enumerate(labels):
        label = L.norm_label(tok.text)
        joined = L.norm_label(labels[k - 1].text + tok.text) if k else label
        for jj in range(j, min(j + 4, len(todo))):
            exp = todo[jj]
            if exp.table == "t3_applications" and (L.matches(exp.pattern, label) or L.matches(exp.pattern, joined)):
                rows.append(jj)
                j = jj + 1
                break
    keys = {todo[r].row for r in rows}
    if OTHER_AS_ONE_ROW in keys and OTHER_SPLIT[0] in keys:  # (六)其他处理 was the group header
        rows = [r for r in rows if todo[r].row != OTHER_AS_ONE_ROW]
    n = len(rows)
    if n < 10 or len(values) != 7 * n:
        return {}
    by_row = {r: values[i * 7:(i + 1) * 7] for i, r in enumerate(rows)}
    by_col = {r: [values[c * n + i] for c in range(7)] for i, r in enumerate(rows)}

    def fits(layout: dict[int, list[Token]]) -> int:
        return _t3_identities_held({todo[r].row: [t.text for t in cells] for r, cells in layout.items()})

    best = max((by_col, by_row), key=fits)
    def texts(layout: dict[int, list[Token]]) -> dict[int, list[str]]:
        return {r: [t.text for t in cells] for r, cells in layout.items()}

    if fits(by_col) == fits(by_row) and texts(by_col) != texts(by_row):
        result.issue("ambiguous_split", "error", "labels detached from values: read by column and by row fit the "
                     "identities equally; T3 left out", "t3_applications")
        return None
    held = _t3_rows_held({todo[r].row: [t.text for t in cells] for r, cells in best.items()})
    if held < n - 1:
        # neither dealing makes the rows add up (a converter that emitted the columns in another order): the
        # better of two wrong readings is still wrong. One row may fail: the report's own error
        result.issue("detached_values", "error", f"T3 values printed apart from their labels; dealt out by column "
                     f"or by row, only {held} of {n} rows satisfy total = Σ applicants; T3 left out", "t3_applications")
        return None
    result.issue("detached_values", "info", f"T3 values printed apart from their labels; dealt out "
                 f"{'by column' if best is by_col else 'by row'}", "t3_applications")
    return best


def identities_held(tables: Tables, table: str) -> int:
    """How many identities a reading's table satisfies (T3: row totals and column sums; T4: block totals);
    0 for T2, which has none inside it. A NULL cell counts as 0."""
    rows = tables.cells.get(table, {})
    if table == "t3_applications":
        return _t3_identities_held({r: [_as_text(c) for c in cols.values()] for r, cols in rows.items()
                                    if len(cols) == 7})
    if table == "t4_review_litigation":
        def value(r: str, c: str) -> float:
            cell = rows.get(r, {}).get(c)
            return (cell.value or 0) if cell is not None else 0

        held = 0
        for ident in I.of_table(table):  # T4-01…03: a block's total = Σ its outcomes, where its total was read
            lhs, rhs = ident.instance()
            if all(c in rows.get(r, {}) for r, c in lhs):
                held += abs(sum(value(*k) for k in lhs) - sum(value(*k) for k in rhs)) < 1e-9
        return held
    return 0


def _as_text(cell: Cell) -> str:
    return "-" if cell.value is None else repr(cell.value)


_T3_COLUMNS = I.column_identities("t3_applications")
_T3_POSITIONS = {col: i for i, col in enumerate(TEMPLATE_TABLES["v2019"]["t3_applications"].cols)}


def _columns_hold(v: dict[str, list[float]], c: int) -> int:
    """How many of T3's column identities (T3-01 一+二 = (七)+四, T3-03 (七) = Σ outcomes) hold in column c of
    a reading (row → its numbers); a row the reading lacks counts as 0."""
    held = 0
    for ident in _T3_COLUMNS:
        sides = [sum(v[r][c] for r in side if r in v) for side in (ident.lhs, ident.rhs)]
        held += abs(sides[0] - sides[1]) < 1e-9
    return held


def _t3_identities_held(table: dict[str, list[str]]) -> int:
    """How many T3 identities a candidate reading satisfies: the row identities (T3-02) in every row and the
    column identities (T3-01, T3-03) in every column."""

    try:
        v = {row: [number(c) for c in cells] for row, cells in table.items()}
    except ValueError:
        return 0
    held = 0
    for row, cells in v.items():
        for parts, total in _t3_row_groups(row):
            held += abs(sum(cells[i] for i in parts) - cells[total]) < 1e-9
    return held + sum(_columns_hold(v, c) for c in range(len(_T3_POSITIONS)))


def _t3_rows_held(table: dict[str, list[str]]) -> int:
    """How many rows of a candidate T3 reading satisfy their row identities (T3-02: total = Σ applicants)."""
    try:
        v = {row: [number(c) for c in cells] for row, cells in table.items()}
    except ValueError:
        return 0
    return sum(all(abs(sum(cells[i] for i in parts) - cells[total]) < 1e-9 for parts, total in _t3_row_groups(row))
               for row, cells in v.items())


@lru_cache(maxsize=64)
def _t3_row_groups(row: str) -> list[tuple[list[int], int]]:
    return I.row_groups("t3_applications", row, {(row, col): i for col, i in _T3_POSITIONS.items()})


def _cut(values: list[Token], n: int) -> tuple[list[Token], list[Token]]:
    """Split a value run after its n-th value when at least a whole further row of values follows."""
    if len(values) < 2 * n:
        return values, []  # (fewer tokens than two rows of values)
    positions = [i for i, t in enumerate(values) if t.kind == VALUE]
    if len(positions) >= 2 * n:
        return values[: positions[n - 1] + 1], values[positions[n - 1] + 1:]
    return values, []


def _has_values(row: RawRow) -> bool:
    return any(t.kind == VALUE for t in row.values)


def _short(exp: Expected, values: list[Token]) -> bool:
    return sum(t.kind == VALUE for t in values) < len(exp.cols)


def resolve_values(result: Tables, exp: Expected, values: list[Token], hints: Hints) -> None:
    n = len(exp.cols)
    filled = [t for t in values if t[0] == VALUE]
    where = exp.where
    if len(filled) < n < len(values):
        values = _align_blanks(result, exp, values)
        if values is None:
            return
    if len(filled) <= n <= len(values) and not all(map(is_cell, [t[1] for t in filled])):
        # `00` beside a blank cell: cells run together where others are separated, so which of them, and which
        # blank, stand where is not known (the run-together solver reads rows whose separators are all gone)
        result.issue("unreadable_cell", "error", f"{' '.join(t.text for t in filled)!r}: a token that is not one "
                     "cell (a leading zero, a unit inside) among separated cells; cells left out", where)
        return
    if len(filled) == n:
        raw = [t.text for t in filled]
    elif len(filled) < n <= len(values):
        if exp.groups and any(len(t.text) > 1 for t in filled) \
                and solve([t.text for t in filled], n, exp.identity, limit=1):
            # `4 50 0 0 0 9` and a blank: is the blank a cell, or is 50 two cells run together (4 5 0 0 0 0 9
            # adds up)? The text does not say
            result.issue("ambiguous_split", "error", f"{' '.join(t.text for t in filled)!r} with blank cells: the "
                         "blanks as cells, or cells run together that satisfy the row's identity; cells left out", where)
            return
        raw = [t.text for t in values[:n]]  # blank cells stand in their positions
    elif len(filled) > n:
        # which of them belong to the row is not known (a stray cell, a split header, an OCR'd border):
        # taking the first n would store a number the text does not support
        result.issue("extra_values", "error", f"{len(filled)} values ({' '.join(t.text for t in filled)}) where the "
                     f"template has {n}; the row's cells are left out", where)
        return
    else:
        raw = _split_run_together(result, exp, [t.text for t in filled], hints)
        if raw is None:
            return
    t4 = exp.gate == "t4"
    row_cells = None
    for col, typ, unit, text in zip(exp.cols, exp.types, exp.units, raw):
        cell = parse_cell(text, typ, unit)
        if t4:
            block, outcome = _t4_key(col)
            result.cells.setdefault(exp.table, {}).setdefault(block, {})[outcome] = cell
        else:
            if row_cells is None:
                row_cells = result.cells.setdefault(exp.table, {}).setdefault(exp.row, {})
            row_cells[col] = cell
        if not cell.issue:
            continue
        if cell.issue.startswith("ocr_unreadable"):
            implied = _implied(exp, raw, exp.cols.index(col))
            result.issue("ocr_unreadable", "error", cell.issue + ("" if implied is None else
                         f"; the row's identity implies {implied:g} (a suggestion, not stored)"), f"{where}.{col}")
        elif cell.issue:
            severity = "error" if cell.semantic == "TEXT" else "info" if "unit_assumed" in cell.issue else "warning"
            result.issue("cell_value", severity, cell.issue, f"{where}.{col}")


def _implied(exp: Expected, raw: list[str], at: int) -> float | None:
    """The value the row's identity gives an unreadable cell when every other cell of its group is known
    (T3: total = Σ applicant columns; T4: block total = Σ outcomes); None otherwise."""
    if exp.gate == "t2":
        return None
    for parts, total in exp.groups:
        if at != total and at not in parts:
            continue
        others = [i for i in (*parts, total) if i != at]
        try:
            known = {i: number(raw[i] or "-") for i in others}
        except ValueError:
            return None
        if any(v != v for v in known.values()):  # another unreadable cell: no single value follows
            return None
        value = sum(known[i] for i in parts if i != at) if at == total else \
            known[total] - sum(known[i] for i in parts if i != at)
        return value if value >= 0 else None
    return None


def _align_blanks(result: Tables, exp: Expected, values: list[Token]) -> list[Token] | None:
    """A row with more cells than the template has columns, the extra ones blank: which run of n cells is
    the row's? Every window that keeps all its values is a candidate. One candidate → it. Several (T3,
    T4) → the one whose row identity holds with its totals printed; else the one under which it holds
    at all (a blank total, as some reports leave them); else withheld (`ambiguous_blanks`). T2 has no
    identity: blank padding from a header line above is dropped, line by line."""
    n = len(exp.cols)
    if exp.gate == "t2":
        while len(values) > n:  # blank padding cells left over from a header line above
            head = [t for t in values if t.line == values[0].line]
            if any(t.kind == VALUE for t in head) or len(values) - len(head) < n:
                break
            values = values[len(head):]
        return values[:n]
    at = [i for i, t in enumerate(values) if t.kind == VALUE]
    first, last = (at[0], at[-1]) if at else (0, 0)
    windows = {tuple(t.text for t in values[s:s + n]): values[s:s + n]
               for s in range(max(0, last - n + 1), min(first, len(values) - n) + 1)}
    if len(windows) == 1:
        return next(iter(windows.values()))
    def fits(cells: tuple[str, ...], blank_total_fits: bool) -> bool:
        try:
            return all((blank_total_fits and not cells[total]) or (
                bool(cells[total]) and abs(sum(number(cells[i] or "-") for i in parts) - number(cells[total])) < 1e-9)
                for parts, total in exp.groups)
        except ValueError:  # text in a cell: no identity can be checked
            return False

    strict = [w for k, w in windows.items() if fits(k, False)]
    loose = [w for k, w in windows.items() if fits(k, True)]
    for found in (strict, loose):
        if len(found) == 1:
            return found[0]
    result.issue("ambiguous_blanks", "error", f"{len(values)} cells where the template has {n}, and "
                 f"{'several' if strict or loose else 'no'} placements of the blank ones satisfy the row's "
                 "identity; the row's cells are left out", f"{exp.table}.{exp.row}")
    return None


def _t4_key(col: str) -> tuple[str, str]:
    for block in T4_BLOCKS:
        if col.startswith(block + "_"):
            return block, col[len(block) + 1:]
    raise ValueError(col)


def _cell_keys(exp: Expected) -> list[tuple[str, str, str]]:
    if exp.table.startswith("t4"):
        return [(exp.table, *_t4_key(col)) for col in exp.cols]
    return [(exp.table, exp.row, col) for col in exp.cols]


def _agrees(exp: Expected, split: list[str], hints: Hints) -> bool:
    for key, typ, text in zip(_cell_keys(exp), exp.types, split):
        if key in hints:
            cell = parse_cell(text, typ, "万元" if typ == "amt" else None)
            if cell.value is None or abs(cell.value - hints[key]) > 1e-6:
                return False
    return True


def _split_run_together(result: Tables, exp: Expected, tokens: list[str], hints: Hints) -> list[str] | None:
    where = f"{exp.table}.{exp.row}"
    types = exp.types

    def signs_ok(split: list[str]) -> bool:  # a sign only in the signed column, a unit only in a column of its kind
        for typ, s in zip(types, split):
            if s[:1] in _SIGN_STARTS and typ != "sint" and s not in PLACEHOLDERS or not unit_fits(s, typ):
                return False
        return True

    holds = signs_ok if exp.gate == "t2" else _and(exp.identity, signs_ok)
    if not tokens or not any(len(t) > 1 for t in tokens):
        result.issue("missing_values", "error",
                     f"{len(tokens)} values where the template has {len(exp.cols)}; the row's cells are left out",
                     where)
        return None
    solved = exp.solved
    known = solved.get(key := tuple(tokens))
    if known is None:
        search: dict = {}
        known = (solve(tokens, len(exp.cols), holds, limit=JOINT_CANDIDATES, report=search), search["complete"])
        if len(solved) >= SOLVED_KEPT:
            solved.clear()
        solved[key] = known
    solutions, complete = [list(s) for s in known[0]], known[1]
    if not complete and solutions:
        result.issue("ambiguous_split", "error", f"{' '.join(tokens)!r}: too many ways to split it to try them all; "
                                                 "cells left out", where)
        return None
    if len(solutions) > 1 and any(k in hints for k in _cell_keys(exp)):
        stated = [s for s in solutions if _agrees(exp, s, hints)]
        if len(stated) == 1:
            result.issue("run_together_split", "info", f"cells {' '.join(tokens)!r} split as {stated[0]}: the only "
                                                       "split that fits the figures the text states", where)
            return stated[0]
    if len(solutions) == 1:
        result.issue("run_together_split", "info", f"cells {' '.join(tokens)!r} split as {solutions[0]}", where)
        return solutions[0]
    if not solutions:
        result.issue("unsplittable", "error", f"no split of {' '.join(tokens)!r} into {len(exp.cols)} cells "
                                              "satisfies the row's identity; cells left out", where)
        return None
    shown = "; ".join(" ".join(s) for s in solutions[:3])
    if exp.table.startswith("t3"):
        result.ambiguous[exp.row] = (exp, solutions)
    # a cell every consistent split gives the same number is known; the others are not
    agreed = [s[0] if len({x[i] for x in solutions}) == 1 else "" for i, s in enumerate(zip(*solutions))]
    known = sum(bool(x) for x in agreed)
    result.issue("ambiguous_split", "error", f"{' '.join(tokens)!r} splits several ways that all fit "
                                             f"({shown}); " + (f"the {known} cells they agree on kept, the others "
                                             "left NULL" if known else "cells left NULL"), where)
    return agreed


_SIGN_STARTS = frozenset(SIGNS)  # (a set: an empty string is in no set, and in every str)


def _and(sums, signs):
    """A split holds when its sums hold and its signs are allowed; the sums' prefix check still prunes."""
    def holds(split: list[str]) -> bool:
        return signs(split) and sums(split)

    holds.prefix = sums.prefix
    return holds


JOINT_CANDIDATES, JOINT_LIMIT = 64, 200_000
SOLVED_KEPT = 512  # splits remembered per expected row


def settle_by_columns(result: Tables) -> None:
    """Choose among the splits of ambiguous T3 rows the one combination under which every column
    satisfies the column identities (T3-01 一+二 = (七)+四, T3-03 (七) = Σ outcomes); unique, or left as it was."""
    if not result.ambiguous:
        return
    t3 = result.cells.get("t3_applications", {})
    fixed = {row: [c.value or 0 for c in cols.values()] for row, cols in t3.items() if row not in result.ambiguous}
    rows = list(result.ambiguous)
    options = [result.ambiguous[r][1] for r in rows]
    total = 1
    for o in options:
        total *= len(o)
    if total > JOINT_LIMIT:
        return
    fits = []
    for combo in product(*options):
        v = dict(fixed)
        v.update({r: [number(x) for x in split] for r, split in zip(rows, combo)})
        if all(_columns_hold(v, c) == len(_T3_COLUMNS) for c in range(len(_T3_POSITIONS))):
            fits.append(combo)
            if len(fits) > 1:
                return
    if len(fits) != 1:
        return
    for row, split in zip(rows, fits[0]):
        exp = result.ambiguous[row][0]
        t3[row] = {col: parse_cell(text, typ) for col, typ, text in zip(exp.cols, exp.types, split)}
        result.issues = [i for i in result.issues
                         if not (i["code"] == "ambiguous_split" and i["location"] == f"t3_applications.{row}")]
        result.issue("run_together_split", "info", f"split as {split}: the only split under which every column "
                                                   "satisfies the identities", f"t3_applications.{row}")
    result.ambiguous.clear()


def report_missing(result: Tables, todo: list[Expected], found: dict[int, list[Token]]) -> None:
    keys = {(todo[j].table, todo[j].row) for j in found}
    single_other = ("t3_applications", OTHER_AS_ONE_ROW) in keys
    subs = {("t3_applications", r) for r in OTHER_SPLIT}
    if single_other and keys & subs and result.template == "v2021":
        # (六)其他处理 is a group header here (its rows are printed): the values read under it belong to a
        # row whose label wraps around it, which is not known for sure: reported missing, not guessed
        result.cells.get("t3_applications", {}).pop(OTHER_AS_ONE_ROW, None)
        keys.discard(("t3_applications", OTHER_AS_ONE_ROW))
        single_other = False
        result.issue("group_header_read_as_row", "warning", "values read under the (六)其他处理 group header while "
                     "its rows are printed too", "t3_applications.other_handling")
    tables_found = {t for t, _ in keys}
    for exp in todo:
        if (exp.table, exp.row) in keys or exp.table not in tables_found:
            continue
        if exp.row == OTHER_AS_ONE_ROW and result.template == "v2021":
            continue
        if single_other and exp.row in OTHER_SPLIT:
            continue
        result.issue("missing_row", "error", f"row {exp.row} of {exp.table} not found", f"{exp.table}.{exp.row}")
    if single_other and result.template == "v2021":
        result.issue("single_other_row", "info", "the (六)其他处理 block is printed as one row (2019-style)",
                     "t3_applications.other_handling")
    for table in TEMPLATE_TABLES[result.template]:
        if table not in tables_found:
            result.issue("missing_table", "error", f"table {table} not found", table)


