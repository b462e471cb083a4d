"""The audit sheet (审核单) of one report: a pure function from the report's data to a static HTML page.

The page renders T2, T3 and T4 in the official template layout with the official Chinese labels, marks
every cell of a failing identity, each suspect cell with the value that would make its identities hold,
the cells the extractor withheld with the reason, quotes the prose a table contradicts, and carries the
agency, year, level, region, template, source file and verdict in its header. It prints on A4.

A click on a cell (or Enter) shows the source text its row was read from (or, for a row read from a table
grid, the table and grid row: 第3页 表2 第5行): each source text is in the page once, in a JSON list
(`<script id="quotes">`), and a cell names its entry (`data-q`) — the cells of a row, or of a table read
as a character stream, share one, so a page is ≈ 40 KiB, not ≈ 190.

Output is polyglot HTML (well-formed XML as well): every element closed, attributes quoted, no named
entities, scripts inside CDATA (the JSON list with <, > and & as \\u escapes), so a strict XML parser reads
it (tests do).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape

from pipelines.audit import labels as L
from pipelines.contract import T2_TABLES, TABLES, TEMPLATE_TABLES, T3_COLS, T4_BLOCKS, T4_OUTCOMES, cell_ref, stated_cells
from pipelines.extract.labels import strip_numbering
from pipelines.quality.suites import Rule, rules as all_rules

Key = tuple[str, str, str]
# Bump when the page changes: every sheet is written again.
RENDER_VERSION = "2026.12.5"
WITHHELD_CODES = ("ambiguous_split", "unsplittable", "readings_disagree", "extra_values", "ocr_unreadable",
                  "unreadable_cell", "missing_row", "missing_table", "missing_values", "cell_value",
                  "ambiguous_blanks")


@dataclass
class Cell:
    value: float | None
    raw: str | None = None
    semantic: str | None = None
    unit: str | None = None


@dataclass
class Finding:
    """A check result that is not a pass (check_results)."""

    rule_id: str
    severity: str
    status: str  # FAIL | NOT_ASSESSABLE
    scope: str
    expected: float | None
    observed: float | None
    difference: float | None
    message: str = ""


@dataclass
class Suspect:
    table: str
    row: str
    col: str
    reported: float | None
    suggested: float
    rules_explained: list[str]
    unique: bool


@dataclass
class Claim:
    claim: str
    value: float | None
    text: str
    offset: int | None
    unit: str | None = None


@dataclass
class Issue:
    code: str
    severity: str
    message: str
    location: str | None


@dataclass
class Sheet:
    report_id: str
    source: str
    agency: str | None
    year: int | None
    admin_level: str | None
    region: str | None
    template: str | None
    doc_type: str | None
    status: str | None  # accepted | quarantined | None (not checked)
    reason: str = ""
    publication_date: str | None = None
    notes: list[str] = field(default_factory=list)
    cells: dict[Key, Cell] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    suspects: list[Suspect] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    provenance: dict[str, tuple[int, int]] = field(default_factory=dict)  # "table.row" -> offsets into text
    pages: dict[str, int] = field(default_factory=dict)  # "table.row" -> the page of a PDF or scan it is on
    # "table.row" -> (table number, first grid row, last grid row) of a row read from a table grid (no offsets)
    grid_rows: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    text: str | None = None  # the decoded text the provenance points into (nianbao check only)

    @property
    def failing_rules(self) -> list[str]:
        return sorted({f.rule_id for f in self.findings if f.status == "FAIL"})


def sheet_name(report_id: str) -> str:
    """The file name of a report's sheet."""
    return f"{report_id[:16]}.html"


# ---------------------------------------------------------------------------------------------------- helpers

def _e(text) -> str:
    return escape("" if text is None else str(text), quote=True)


def _json(value) -> str:
    """JSON that is also safe inside an XHTML script element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _n(value) -> str:
    if value is None:
        return ""
    return f"{int(value)}" if float(value).is_integer() else f"{value:.6g}"


def _rules() -> dict[str, Rule]:
    return {r.id: r for r in all_rules()}


_OTHER_2021 = ("other_no_correction", "other_fee_unpaid", "other_misc")


def _t3_rows(sheet: Sheet) -> tuple[str, ...]:
    """The template's T3 rows; the (六) block as the report printed it (one row, or the three of v2021)."""
    t3 = {row for table, row, _ in sheet.cells if table == "t3_applications"}
    has_2021 = not t3.isdisjoint(_OTHER_2021)
    has_single = "other_handling" in t3
    template = sheet.template if sheet.template in TEMPLATE_TABLES else ("v2021" if has_2021 else "v2019")
    rows = TEMPLATE_TABLES[template]["t3_applications"].rows
    if template == "v2021" and has_single and not has_2021:
        at = rows.index("other_no_correction")
        rows = rows[:at] + ("other_handling",) + rows[at + 3:]
    return rows


_NOTE = re.compile(r"^(\w+): (?:(\d+) cells could each explain (.+)|no single cell explains the failures of (.+))$")


def _note_zh(note: str) -> str:
    """A localisation note of the checker in Chinese (the English stays beside it)."""
    m = _NOTE.match(note)
    if not m:
        return note
    table = L.TABLE_NAMES.get(m.group(1), m.group(1))
    if m.group(2):
        return f"{table}：有 {m.group(2)} 个单元格各自都能解释 {m.group(3).replace(', ', '、')} 的不符，需核对原表"
    return f"{table}：没有哪一个单元格能单独解释 {m.group(4).replace(', ', '、')} 的不符，可能不止一处有误"


def _short_row(row: str) -> str:
    return strip_numbering(L.row_label("t3_applications", row).replace("（", "(").replace("）", ")"))


def _side(names: list[str]) -> str:
    return "＋".join(names) if len(names) <= 5 else f"{'＋'.join(names[:2])}＋…（共{len(names)}项）"


def instance_cells(rule: Rule, scope: str, template: str | None) -> tuple[set[Key], str]:
    """The cells one instance of a rule reads, and the identity in the report's words
    (行政复议：总计 应等于 结果维持＋结果纠正＋其他结果＋尚未审结)."""
    p = rule.params
    if rule.kind == "sum" and not p.get("cross_year"):
        parts = scope.split(".")
        lhs, rhs = [r.lstrip("-") for r in p["lhs"]], [r.lstrip("-") for r in p["rhs"]]
        if p.get("for_each") == "col" and len(parts) == 3:
            table, col = parts[0], parts[2]
            keys = {(table, r, col) for r in lhs + rhs}
            words = (f"{L.col_label(table, col, template)}列：{_side([_short_row(r) for r in lhs])} 应等于 "
                     f"{_side([_short_row(r) for r in rhs])}")
            return keys, words
        if p.get("for_each") == "row" and len(parts) == 2:
            table, row = parts
            keys = {(table, row, c) for c in lhs + rhs}
            name = L.row_label(table, row, template) if table != "t3_applications" else _short_row(row)
            return keys, (f"{name}：{_side([L.col_label(table, c, template) for c in lhs])} 应"
                          f"{'不超过' if p.get('compare') == 'le' else '等于'} "
                          f"{_side([L.col_label(table, c, template) for c in rhs])}")
        table = p["table"] if isinstance(p["table"], str) else parts[0]
        keys_l = [(table, *r.split(".", 1)) for r in lhs]
        keys_r = [(table, *r.split(".", 1)) for r in rhs]
        if all(len(k) == 3 for k in keys_l + keys_r):
            def names(keys):
                rows = {k[1] for k in keys_l + keys_r}
                return [L.col_label(table, k[2], template) if len(rows) == 1 else L.cell_label(table, k[1], k[2],
                                                                                                 template)
                        for k in keys]
            rows = {k[1] for k in keys_l + keys_r}
            head = f"{L.row_label(table, next(iter(rows)), template)}：" if len(rows) == 1 else ""
            op = "不超过" if p.get("compare") == "le" else "等于"
            return set(keys_l + keys_r), f"{head}{_side(names(keys_l))} 应{op} {_side(names(keys_r))}"
    if rule.kind == "cells" and scope.count(".") == 2:
        key = tuple(scope.split("."))
        return {key}, L.cell_label(*key, template)
    if rule.kind == "claim":
        claim = scope.split("@")[0]
        key = stated_cells(template).get(claim)
        if key:
            return {key}, f"正文所述与表中 {L.cell_label(*key, template)}"
        checks = {c["claim"]: c for c in p.get("checks", [])}
        refs = (checks.get(claim) or {}).get("cells") or (checks.get(claim) or {}).get(template or "") or []
        keys = {cell_ref(r) for r in refs}
        return keys, "正文所述与表中 " + _side([L.cell_label(*k, template) for k in sorted(keys)]) if keys else ""
    return set(), ""


def _issue_keys(issue: Issue, sheet: Sheet, t3_rows: tuple[str, ...] | None = None) -> set[Key]:
    """The cells an extraction issue is about (location table.row[.col]; row * = the whole table)."""
    if not issue.location or "." not in issue.location:
        return set()
    parts = issue.location.split(".")
    table, row = parts[0], parts[1]
    col = parts[2] if len(parts) > 2 else None
    if _spec(sheet.template, table) is not None:
        rows = (t3_rows or _t3_rows(sheet)) if table == "t3_applications" else ()
        return set(_located(sheet.template, table, rows, row, col))
    return {k for k in _all_keys(sheet, table, t3_rows)
            if (row == "*" or k[1] == row) and (col in (None, "*") or k[2] == col)}


@lru_cache(maxsize=1024)
def _located(template: str | None, table: str, t3_rows: tuple[str, ...], row: str, col: str | None
             ) -> tuple[Key, ...]:
    """The cells of a template's table at an issue's location (row and col may be *)."""
    spec = _spec(template, table)
    rows = t3_rows if table == "t3_applications" else spec.rows
    return tuple((table, r, c) for r in rows for c in spec.cols
                 if (row == "*" or r == row) and (col in (None, "*") or c == col))


def _spec(template: str | None, table: str):
    """A table's spec in the report's template (or the first template that has the table), or None."""
    for t in ([template] if template in TEMPLATE_TABLES else []) + list(TEMPLATE_TABLES):
        spec = TEMPLATE_TABLES[t].get(table)
        if spec:
            return spec
    return None


def _all_keys(sheet: Sheet, table: str, t3_rows: tuple[str, ...] | None = None) -> list[Key]:
    spec = _spec(sheet.template, table)
    if spec is None:
        return [k for k in sheet.cells if k[0] == table]
    rows = (t3_rows or _t3_rows(sheet)) if table == "t3_applications" else spec.rows
    return [(table, r, c) for r in rows for c in spec.cols]


def _has_sources(sheet: Sheet) -> bool:
    """Whether any cell can show where it was read from: offsets with the text they point into, or a grid's place."""
    return bool(sheet.text and sheet.provenance or sheet.grid_rows)


def _source_text(sheet: Sheet, table: str, row: str) -> str | None:
    """Where a row was read from: its page (PDF, scan), then the text around its characters, or the table grid
    and grid rows it was read from (表2 第5行: the second table of the document, the fifth row of its grid)."""
    page = sheet.pages.get(f"{table}.{row}") or sheet.pages.get(f"{table}.*")
    on_page = f"第{page}页 " if page else ""
    span = sheet.provenance.get(f"{table}.{row}") or sheet.provenance.get(f"{table}.*")
    if span and sheet.text:
        start, end = span
        before = sheet.text[max(0, start - 40):start].replace("\n", " ")
        return on_page + f"…{before}【{sheet.text[start:end]}】{sheet.text[end:end + 20]}…".replace("\n", " ")
    grid = sheet.grid_rows.get(f"{table}.{row}") or sheet.grid_rows.get(f"{table}.*")
    if grid:
        number, first, last = grid
        return on_page + f"表{number} 第{first}行" if first == last else on_page + f"表{number} 第{first}–{last}行"
    return None


# ---------------------------------------------------------------------------------------------------- marks

@dataclass
class _Marks:
    failing: dict[Key, list[str]]
    prose: dict[Key, list[str]]
    suspect: dict[Key, Suspect]
    withheld: dict[Key, Issue]
    noted: dict[Key, list[Issue]]
    # each row's source text, worked out once: its number in `quotes` (the page's list of the source texts it
    # shows, each once: the cells of a row, or of a table read as a stream, share one), or None
    sources: dict[tuple[str, str], str | None] = field(default_factory=dict)
    quotes: dict[str, str] = field(default_factory=dict)  # source text -> its number
    # the cells any mark (or an issue that is not info) is on: the others take _cell's short way
    marked: set[Key] = field(default_factory=set)
    t3_rows: tuple[str, ...] = ()


def _marks(sheet: Sheet, rules: dict[str, Rule]) -> _Marks:
    failing: dict[Key, list[str]] = {}
    prose: dict[Key, list[str]] = {}
    for f in sheet.findings:
        if f.status != "FAIL" or f.rule_id not in rules:
            continue
        keys, _ = instance_cells(rules[f.rule_id], f.scope, sheet.template)
        target = prose if rules[f.rule_id].kind == "claim" else failing
        for k in keys:
            target.setdefault(k, [])
            if f.rule_id not in target[k]:
                target[k].append(f.rule_id)
    suspect = {(s.table, s.row, s.col): s for s in sheet.suspects}
    withheld: dict[Key, Issue] = {}
    noted: dict[Key, list[Issue]] = {}
    t3_rows = _t3_rows(sheet)
    for issue in sheet.issues:
        for k in _issue_keys(issue, sheet, t3_rows):
            cell = sheet.cells.get(k)
            if issue.code in WITHHELD_CODES and (cell is None or cell.value is None):
                withheld.setdefault(k, issue)
            else:
                noted.setdefault(k, []).append(issue)
    marked = {*failing, *prose, *suspect, *withheld,
              *(k for k, issues in noted.items() if any(i.severity != "info" for i in issues))}
    return _Marks(failing, prose, suspect, withheld, noted, marked=marked, t3_rows=t3_rows)


_SEMANTIC_TIPS = {"NA": "占位符（按0计）", "EMPTY": "空白（按0计）", "TEXT": "文字，不是数字"}


def _attr(text: str) -> str:
    """Text in a title attribute: escaped, each line break a character reference (what a tooltip shows)."""
    return _e(text).replace("\n", "&#10;")


@lru_cache(maxsize=8192)
def _text_attr(text: str) -> str:
    """_attr of the few texts many cells share (placeholder notes, 原文：—)."""
    return _attr(text)


@lru_cache(maxsize=8192)
def _text_e(text: str) -> str:
    """_e of the few texts many cells print (—, /, 无)."""
    return _e(text)


@lru_cache(maxsize=8192)
def _label_attr(table: str, row: str, col: str, template: str | None) -> str:
    return _attr(L.cell_label(table, row, col, template))


def _row_source(sheet: Sheet, marks: _Marks, table: str, row: str) -> str | None:
    """The number of a row's source text in the page's list (worked out once, shown on every cell of the row)."""
    try:
        return marks.sources[(table, row)]
    except KeyError:
        source = _source_text(sheet, table, row)
        out = None if not source else marks.quotes.setdefault(source, str(len(marks.quotes)))
        marks.sources[(table, row)] = out
        return out


def _td(sheet: Sheet, marks: _Marks, key: Key, extra: str = "") -> str:
    """A cell of the form: its value, its marks, its tooltip (label, notes) and its row's source text."""
    return _cell(sheet, marks, key, _label_attr(*key, sheet.template), extra)


def _cell(sheet: Sheet, marks: _Marks, key: Key, label: str, extra: str) -> str:
    cell = sheet.cells.get(key)
    if cell is None or key in marks.marked:
        return _td_marked(sheet, marks, key, cell, extra)
    # a cell nothing marks (most cells): the same markup as _td_marked, without its lists and joins
    table, row, _ = key
    title = label
    raw = cell.raw.strip() if cell.raw is not None else ""
    if cell.value is None:
        cls = "placeholder"
        body = _text_e(raw) or '<span class="blank">空</span>'
        title += "&#10;" + _text_attr(_SEMANTIC_TIPS.get(cell.semantic or "", cell.semantic or ""))
        shown = ""
    else:
        cls = ""
        body = shown = _n(cell.value)  # digits, sign, point, exponent: nothing to escape
    if raw and raw != shown:
        title += "&#10;" + _text_attr(f"原文：{raw}")
    try:
        source = marks.sources[(table, row)]
    except KeyError:
        source = _row_source(sheet, marks, table, row)
    if source:
        cls = f"{cls} src" if cls else "src"
        return f'<td class="{cls}" title="{title}" data-q="{source}" tabindex="0"{extra}>{body}</td>'
    return f'<td class="{cls}" title="{title}"{extra}>{body}</td>' if cls else f'<td title="{title}"{extra}>{body}</td>'


def _td_marked(sheet: Sheet, marks: _Marks, key: Key, cell: Cell | None, extra: str) -> str:
    classes, tips, body = [], [], ""
    table, row, col = key
    tips.append(L.cell_label(table, row, col, sheet.template))
    if key in marks.withheld:
        issue = marks.withheld[key]
        classes.append("withheld")
        body = f'<span class="wh">未取值</span><span class="why">{_e(L.ISSUES.get(issue.code, issue.code))}</span>'
        tips.append(f"未取值：{L.ISSUES.get(issue.code, issue.code)}（{issue.code}）{issue.message}")
    elif cell is None:
        classes.append("absent")
        body = '<span class="wh">缺</span>'
        tips.append("报告中没有这一格")
    else:
        if cell.value is None:
            classes.append("placeholder")
            body = _e(cell.raw.strip() if cell.raw and cell.raw.strip() else "") or '<span class="blank">空</span>'
            tips.append(_SEMANTIC_TIPS.get(cell.semantic or "", cell.semantic or ""))
        else:
            body = _e(_n(cell.value))
        if cell.raw is not None and cell.raw.strip() and cell.raw.strip() != _n(cell.value):
            tips.append(f"原文：{cell.raw.strip()}")
    if key in marks.failing:
        classes.append("fail")
        tips.append("不符规则：" + "、".join(marks.failing[key]))
    if key in marks.prose:
        classes.append("prose")
        tips.append("与正文不符：" + "、".join(marks.prose[key]))
    if key in marks.suspect:
        s = marks.suspect[key]
        classes.append("suspect")
        body += (f'<span class="fix">应为 {_e(_n(s.suggested))}</span>')
        tips.append(f"疑误：填报 {_n(s.reported)}，改为 {_n(s.suggested)} 可使 {'、'.join(s.rules_explained)} 成立"
                    f"{'' if s.unique else '（可能之一）'}")
    for issue in marks.noted.get(key, []):
        if issue.severity != "info":
            tips.append(f"{L.ISSUES.get(issue.code, issue.code)}：{issue.message}")
    source = _row_source(sheet, marks, table, row)
    attrs = f' title="{_attr(chr(10).join(tips))}"'
    if source:
        classes.append("src")
        attrs += f' data-q="{source}" tabindex="0"'
    cls = f' class="{" ".join(classes)}"' if classes else ""
    return f"<td{cls}{attrs}{extra}>{body}</td>"


# ---------------------------------------------------------------------------------------------------- tables
# A table's markup depends on the template (and the T3 rows the report printed), not on the report: it is laid
# out once per template as static text and cell slots (key, tooltip label, extra attributes), then filled.

_Slot = tuple[Key, str, str]


def _t2_layout(template: str | None) -> list:
    if template is None:
        return ['<p class="none">模板版本未识别，主动公开表无法按模板排列。</p>']
    out: list = ['<table class="form t2"><colgroup><col class="lab"/><col/><col/><col/></colgroup>']
    for tkey, spec in TEMPLATE_TABLES[template].items():
        if tkey not in T2_TABLES:
            continue
        cols = list(spec.cols)
        spans = [1] * (len(cols) - 1) + [4 - len(cols)]
        out.append(f'<tbody><tr class="cap"><th colspan="4">{_e(L.T2_CAPTIONS[tkey])}</th></tr>')
        out.append("<tr><th>" + _e(L.T2_ROW_HEADER) + "</th>" + "".join(
            f'<th{_span(s)}>{_e(L.col_label(tkey, c, template))}</th>' for c, s in zip(cols, spans)) + "</tr>")
        for row in spec.rows:
            out.append(f'<tr><th class="rl">{_e(L.row_label(tkey, row, template))}</th>')
            out += [((tkey, row, c), _span(s)) for c, s in zip(cols, spans)]
            out.append("</tr>")
        out.append("</tbody>")
    out.append("</table>")
    return out


def _span(n: int, attr: str = "colspan") -> str:
    return f' {attr}="{n}"' if n > 1 else ""


# T3's rows printed outside 三、本年度办理结果 (一、二、四): the template's rows in no group
_T3_OUTSIDE_RESULTS = frozenset(r for r, e in TABLES["t3_applications"]["rows"].items() if "group" not in e)


def _t3_layout(rows: tuple[str, ...]) -> list:
    cols = list(T3_COLS)
    out: list = ['<table class="form t3"><colgroup><col class="g1"/><col class="g2"/><col class="g3"/>'
                 + "<col/>" * 7 + "</colgroup><thead>",
                 f'<tr><th colspan="3" rowspan="3" class="note">{_e(L.T3_NOTE)}</th>'
                 f'<th colspan="7">{_e(L.T3_APPLICANT)}</th></tr>',
                 f'<tr><th rowspan="2" class="v">{_e(L.T3_COLS["natural_person"])}</th>'
                 f'<th colspan="5">{_e(L.T3_LEGAL_PERSON)}</th>'
                 f'<th rowspan="2" class="v">{_e(L.T3_COLS["total"])}</th></tr>',
                 "<tr>" + "".join(f'<th class="v">{_e(L.T3_COLS[c])}</th>' for c in cols[1:6])
                 + "</tr></thead><tbody>"]
    results = [r for r in rows if r not in _T3_OUTSIDE_RESULTS]
    groups: dict[str, list[str]] = {}
    for r in results:
        if g := L.t3_group(r):
            groups.setdefault(g, []).append(r)
    for row in rows:
        head = ""
        if row in _T3_OUTSIDE_RESULTS:
            head = f'<th colspan="3" class="rl">{_e(L.row_label("t3_applications", row))}</th>'
        else:
            if row == results[0]:
                head += f'<th rowspan="{len(results)}" class="grp v">{_e(L.T3_RESULTS_GROUP)}</th>'
            group = L.t3_group(row)
            if group is None:
                head += f'<th colspan="2" class="rl">{_e(L.row_label("t3_applications", row))}</th>'
            else:
                if row == groups[group][0]:
                    head += f'<th rowspan="{len(groups[group])}" class="grp">{_e(L.T3_GROUPS[group])}</th>'
                head += f'<th class="rl">{_e(L.row_label("t3_applications", row))}</th>'
        out.append(f"<tr>{head}")
        out += [(("t3_applications", row, c), "") for c in cols]
        out.append("</tr>")
    out.append("</tbody></table>")
    return out


def _t4_layout() -> list:
    outcomes = list(T4_OUTCOMES)
    table = "t4_review_litigation"
    out: list = ['<table class="form t4"><thead>',
                 f'<tr><th colspan="5">{_e(L.T4_REVIEW)}</th><th colspan="10">{_e(L.T4_LITIGATION)}</th></tr>',
                 "<tr>" + "".join(f'<th rowspan="2" class="v">{_e(L.T4_OUTCOMES[o])}</th>' for o in outcomes)
                 + f'<th colspan="5">{_e(L.T4_BLOCKS["litigation_direct"])}</th>'
                 f'<th colspan="5">{_e(L.T4_BLOCKS["litigation_after_review"])}</th></tr>',
                 "<tr>" + "".join(f'<th class="v">{_e(L.T4_OUTCOMES[o])}</th>' for o in outcomes) * 2 + "</tr>",
                 "</thead><tbody><tr>"]
    out += [((table, b, o), "") for b in T4_BLOCKS for o in outcomes]
    out.append("</tr></tbody></table>")
    return out


@lru_cache(maxsize=64)
def _layout(template: str | None, t3_rows: tuple[str, ...]) -> tuple[tuple[str | _Slot, ...], ...]:
    """The three tables of a report of `template` (its T3 in `t3_rows`): static text, runs joined, and cell
    slots (key, the cell's label as a tooltip line, extra attributes)."""
    def compact(parts: list) -> tuple[str | _Slot, ...]:
        out: list = []
        for part in parts:
            if isinstance(part, str):
                if out and isinstance(out[-1], str):
                    out[-1] += part
                else:
                    out.append(part)
            else:
                key, extra = part
                out.append((key, _label_attr(*key, template), extra))
        return tuple(out)

    return (compact(_t2_layout(template if template in TEMPLATE_TABLES else None)), compact(_t3_layout(t3_rows)),
            compact(_t4_layout()))


def _fill(parts: tuple[str | _Slot, ...], sheet: Sheet, marks: _Marks) -> str:
    return "".join([part if part.__class__ is str else _cell(sheet, marks, *part) for part in parts])


def _t2(sheet: Sheet, marks: _Marks) -> str:
    return _fill(_layout(sheet.template, marks.t3_rows)[0], sheet, marks)


def _t3(sheet: Sheet, marks: _Marks) -> str:
    return _fill(_layout(sheet.template, marks.t3_rows)[1], sheet, marks)


def _t4(sheet: Sheet, marks: _Marks) -> str:
    return _fill(_layout(sheet.template, marks.t3_rows)[2], sheet, marks)


# ---------------------------------------------------------------------------------------------------- page

_STYLE = """
@page{size:A4;margin:12mm 10mm}
*{box-sizing:border-box}
body{font-family:'Noto Serif CJK SC','Source Han Serif SC','SimSun','Songti SC',serif;color:#111;margin:0 auto;
max-width:190mm;padding:8mm 0;font-size:10.5pt;line-height:1.45;-webkit-print-color-adjust:exact;print-color-adjust:exact}
h1{font-size:17pt;text-align:center;margin:0 0 2mm;letter-spacing:.1em}
h2{font-size:12.5pt;margin:6mm 0 2mm;font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif}
.sub{text-align:center;color:#444;margin:0 0 4mm;font-size:10pt}
table{border-collapse:collapse;width:100%;page-break-inside:avoid;break-inside:avoid}
th,td{border:1px solid #333;padding:1.2mm 1.4mm;vertical-align:middle}
th{font-weight:normal;background:#f4f4f4}
table.form td{text-align:center;font-family:'Noto Sans CJK SC',sans-serif;font-variant-numeric:tabular-nums}
table.form th.rl{text-align:left}
table.t3{font-size:9pt;table-layout:fixed}table.t3 th.note{font-size:8.5pt}
table.t3 col.g1{width:7mm}table.t3 col.g2{width:17mm}table.t3 col.g3{width:62mm}
table.t2 col.lab{width:55mm}
table.t4{font-size:9pt;table-layout:fixed}
th.grp.v{writing-mode:vertical-rl;letter-spacing:.2em}
tr.cap th{background:#e8e8e8;font-weight:bold;text-align:left}
table.head th{width:22mm;text-align:left}table.head td{text-align:left}
td.fail{background:#fde2e1}
td.prose{background:#fff1c2}
td.suspect{outline:2.5px solid #b00020;outline-offset:-3px;font-weight:bold;color:#b00020}
td.withheld{background:repeating-linear-gradient(45deg,#eee,#eee 3px,#fff 3px,#fff 6px);color:#555}
td.absent{background:#eee;color:#777}
td.placeholder{color:#666}
td.src{cursor:pointer}td.src:focus{outline:2px solid #1565c0}
.fix{display:block;font-size:8pt;color:#b00020;white-space:nowrap}
.wh{display:block;font-size:8.5pt}.why{display:block;font-size:7pt;line-height:1.1}
.blank{color:#aaa;font-size:8pt}
.verdict-accepted{color:#1b5e20;font-weight:bold}.verdict-quarantined{color:#b00020;font-weight:bold}
table.list{font-size:9.5pt;margin-bottom:2mm}
table.findings col.id{width:15mm}table.findings col.req{width:52mm}table.findings col.n{width:13mm}
td.hard,td.soft{white-space:nowrap}table.list th{text-align:left}table.list td{vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.hard{color:#b00020;font-weight:bold}.soft{color:#8a5a00}
.en{color:#777;font-size:8pt;display:block}
blockquote{margin:1mm 0;padding:1mm 3mm;border-left:3px solid #c9a227;background:#fffbea}
.legend span{display:inline-block;margin-right:4mm;font-size:8.5pt}
.legend i{display:inline-block;width:4mm;height:3mm;border:1px solid #333;margin-right:1mm;vertical-align:middle}
.none{color:#555}
#src{position:fixed;left:0;right:0;bottom:0;background:#fffde7;border-top:2px solid #c9a227;padding:2mm 4mm;
font-size:10pt;display:none}
nav{font-size:9pt;margin-bottom:2mm}
footer{margin-top:6mm;font-size:8pt;color:#666}
table.t2{page-break-inside:auto;break-inside:auto}table.t2 tbody{break-inside:avoid}
@media print{nav,#src,footer{display:none!important}body{padding:0;max-width:none}h2{break-after:avoid}}
"""

_SCRIPT = """//<![CDATA[
(function(){var box=document.getElementById('src');if(!box)return;
var Q=JSON.parse(document.getElementById('quotes').textContent);
function show(e){var t=e.target.closest('td[data-q]');if(!t)return;box.textContent='原文：'+Q[+t.getAttribute('data-q')];
box.style.display='block';}
document.addEventListener('click',show);document.addEventListener('keydown',function(e){if(e.key==='Enter')show(e);});
})();
//]]>"""


def _scope_words(f: Finding, rule: Rule | None, template: str | None) -> str:
    if rule is not None:
        _, words = instance_cells(rule, f.scope, template)
        if words:
            return words
    parts = f.scope.split(".")
    if len(parts) in (2, 3) and parts[0] in L.TABLE_NAMES:
        try:
            return L.cell_label(parts[0], parts[1], parts[2] if len(parts) == 3 else None, template)
        except KeyError:
            pass
    return f.scope


def _reason_zh(sheet: Sheet) -> str:
    if sheet.status is None:
        return "未检查"
    if sheet.doc_type and sheet.doc_type != "annual_report":
        return f"不是政府信息公开工作年度报告（{L.DOC_TYPES.get(sheet.doc_type, sheet.doc_type)}）"
    hard = sorted({f.rule_id for f in sheet.findings if f.status == "FAIL" and f.severity == "hard"})
    if sheet.status == "quarantined" and hard:
        return "未通过硬性规则 " + "、".join(hard)
    return "全部硬性规则通过" if sheet.status == "accepted" else ""


def _findings(sheet: Sheet, rules: dict[str, Rule]) -> str:
    fails = [f for f in sheet.findings if f.status == "FAIL"]
    fails.sort(key=lambda f: (f.severity != "hard", f.rule_id, f.scope))
    if not fails:
        return '<p class="none">没有不符的勾稽关系或核对规则。</p>'
    out = ['<table class="list findings"><colgroup><col class="id"/><col class="req"/><col/><col class="n"/>'
           '<col class="n"/><col class="n"/></colgroup><thead><tr><th>规则</th><th>要求</th><th>位置与关系</th>'
           '<th>填报</th><th>应为</th><th>差额</th></tr></thead><tbody>']
    for f in fails:
        rule = rules.get(f.rule_id)
        zh = rule.zh if rule else f.rule_id
        out.append(f'<tr class="finding" data-rule="{_e(f.rule_id)}"><td class="{_e(f.severity)}">{_e(f.rule_id)}'
                   f'<span class="en">{_e(L.SEVERITIES.get(f.severity, f.severity))}</span></td>'
                   f"<td>{_e(zh)}</td><td>{_e(_scope_words(f, rule, sheet.template))}"
                   f'<span class="en">{_e(f.message)}</span></td>'
                   f'<td class="num">{_e(_n(f.observed))}</td><td class="num">{_e(_n(f.expected))}</td>'
                   f'<td class="num">{_e(_n(f.difference))}</td></tr>')
    out.append("</tbody></table>")
    return "".join(out)


def _suspects(sheet: Sheet) -> str:
    if not sheet.suspects:
        return ""
    out = ['<h2>修改建议（疑误单元格）</h2><table class="list suspects"><thead><tr><th>单元格</th><th>填报</th>'
           '<th>建议值</th><th>可使成立</th><th>判断</th></tr></thead><tbody>']
    for s in sorted(sheet.suspects, key=lambda s: (not s.unique, s.table, s.row, s.col)):
        out.append(f'<tr class="suspect-row"><td>{_e(L.cell_label(s.table, s.row, s.col, sheet.template))}</td>'
                   f'<td class="num">{_e(_n(s.reported))}</td><td class="num"><b>{_e(_n(s.suggested))}</b></td>'
                   f"<td>{_e('、'.join(s.rules_explained))}</td>"
                   f"<td>{'唯一可解释的单元格' if s.unique else '可能之一（几格均可解释）'}</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _prose(sheet: Sheet, rules: dict[str, Rule]) -> str:
    claims = {(c.claim, c.offset or 0): c for c in sheet.claims}
    items = []
    for f in sheet.findings:
        rule = rules.get(f.rule_id)
        if f.status != "FAIL" or rule is None or rule.kind != "claim":
            continue
        claim, _, offset = f.scope.partition("@")
        c = claims.get((claim, int(offset) if offset.isdigit() else 0))
        text = c.text if c else ""
        _, words = instance_cells(rule, f.scope, sheet.template)
        items.append(f'<li class="contradiction"><b>{_e(f.rule_id)}</b> {_e(rule.zh)}<blockquote>{_e(text)}'
                     f"</blockquote>正文称 <b>{_e(_n(f.observed))}</b>；{_e(words or '表中')} 为 "
                     f"<b>{_e(_n(f.expected))}</b>。</li>")
    if not items:
        return ""
    return "<h2>正文与表格不一致</h2><ul>" + "".join(items) + "</ul>"


def _issues(sheet: Sheet) -> str:
    shown = [i for i in sheet.issues if i.severity != "info" or i.code in WITHHELD_CODES]
    if not shown:
        return ""
    out = ['<h2>提取说明</h2><table class="list issues"><thead><tr><th>位置</th><th>问题</th><th>级别</th>'
           "<th>说明</th></tr></thead><tbody>"]
    for i in shown:
        where = i.location or ""
        parts = where.split(".")
        if parts[0] in L.TABLE_NAMES and len(parts) >= 2:
            where = L.cell_label(parts[0], parts[1], parts[2] if len(parts) > 2 else None, sheet.template)
        elif parts[0] == "metadata":
            where = "报告信息"
        out.append(f'<tr class="issue" data-code="{_e(i.code)}"><td>{_e(where)}</td>'
                   f"<td>{_e(L.ISSUES.get(i.code, i.code))}<span class=\"en\">{_e(i.code)}</span></td>"
                   f"<td>{_e(L.ISSUE_SEVERITIES.get(i.severity, i.severity))}</td><td>{_e(i.message)}</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def render_sheet(sheet: Sheet, rules: dict[str, Rule] | None = None, *, index_href: str | None = None,
                 generated: str = "") -> str:
    """The audit sheet of one report as a complete HTML page."""
    rules = rules if rules is not None else _rules()
    marks = _marks(sheet, rules)
    verdict = L.VERDICTS.get(sheet.status or "", "未检查")
    title = f"{sheet.agency or '（机关未识别）'} {sheet.year or ''}年度 政府信息公开工作年度报告 审核单"
    head = [("机关", sheet.agency or "（未识别）"), ("年度", f"{sheet.year}年" if sheet.year else "（未识别）"),
            ("层级", L.LEVELS.get(sheet.admin_level or "", sheet.admin_level or "（未识别）")),
            ("地区", sheet.region or "（未识别）"),
            ("模板", L.TEMPLATES.get(sheet.template or "", sheet.template or "（未识别）")),
            ("发布日期", sheet.publication_date or "（未识别）"), ("来源文件", sheet.source),
            ("报告编号", sheet.report_id[:16])]
    parts = ['<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" lang="zh-CN"><head><meta charset="utf-8"/>',
             '<meta name="viewport" content="width=device-width, initial-scale=1"/>',
             f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"]
    if index_href:
        parts.append(f'<nav><a href="{_e(index_href)}">← 全部报告</a></nav>')
    parts.append(f"<h1>政府信息公开工作年度报告审核单</h1><p class=\"sub\">{_e(title)}</p>")
    parts.append('<table class="head"><tbody>')
    for i in range(0, len(head), 2):
        parts.append("<tr>" + "".join(f"<th>{_e(k)}</th><td>{_e(v)}</td>" for k, v in head[i:i + 2]) + "</tr>")
    parts.append(f'<tr><th>审核结论</th><td colspan="3" class="verdict"><span class="verdict-{_e(sheet.status or "")}">'
                 f"{_e(verdict)}</span> — {_e(_reason_zh(sheet))}"
                 f'<span class="en">{_e(sheet.reason)}</span></td></tr></tbody></table>')
    parts.append("<h2>不符的勾稽关系与核对规则</h2>" + _findings(sheet, rules))
    parts.append(_suspects(sheet))
    parts.append(_prose(sheet, rules))
    for note in sheet.notes:
        parts.append(f'<p class="none note">{_e(_note_zh(note))}<span class="en">{_e(note)}</span></p>')
    parts.append('<p class="legend"><span><i style="background:#fde2e1"></i>不符的勾稽关系所涉单元格</span>'
                 '<span><i style="outline:2px solid #b00020"></i>疑误单元格（下注建议值）</span>'
                 '<span><i style="background:#fff1c2"></i>与正文不一致</span>'
                 '<span><i style="background:repeating-linear-gradient(45deg,#ddd,#ddd 2px,#fff 2px,#fff 4px)"></i>'
                 "未取值（注明原因）</span><span><i style=\"background:#eee\"></i>报告缺此格</span></p>")
    if _has_sources(sheet):
        parts.append('<p class="none">点击单元格可查看其读取自原文的位置。</p>')
    parts.append(f'<section class="tables"><h2>{_e(L.SECTION_TITLES["t2"])}</h2>{_t2(sheet, marks)}')
    parts.append(f'<div class="t3wrap"><h2>{_e(L.SECTION_TITLES["t3"])}</h2>{_t3(sheet, marks)}</div>')
    parts.append(f'<h2>{_e(L.SECTION_TITLES["t4"])}</h2>{_t4(sheet, marks)}</section>')
    parts.append(_issues(sheet))
    parts.append(f"<footer>nianbao 审核单 · 报告编号 {_e(sheet.report_id)}"
                 f"{' · 生成于 ' + _e(generated) if generated else ''}</footer>")
    parts.append('<div id="src"></div>')
    if _has_sources(sheet):
        parts.append(f'<script type="application/json" id="quotes">{_json(list(marks.quotes))}</script>'
                     f"<script>{_SCRIPT}</script>")
    parts.append("</body></html>")
    return "".join(parts)

