"""The extraction core that reads a character stream, not lines (spec §9 "run-together cells", §11).

A crawler that drops every cell separator (`…申请数量15130000154二、上年结转…`), a page flattened onto one
line, a text with no white space at all: the table is still there, as characters in the template's fixed
order. This reader does not group by line. It works in three steps:

1. **Stream.** The document becomes its visible characters with, at each boundary, the strength of the
   separator that stood there (none, space, line break, cell edge: pipe, tab or a wide gap) and the offset
   of every character in the source text (provenance).
2. **Anchors.** Every row label of the template (its official text and the variants met in the wild, one
   definition in `labels.py`) is found in the stream with one Aho–Corasick pass. The template's fixed row
   order, inside each table's region, picks among occurrences. An anchor's label is widened over the rest
   of its official text on both sides, numbering included (`2.` before 其他法律…), so a row number glued to
   the previous row's digits (`00000002.其他法律…`) is never read as a value.
3. **Assignment.** The values after one anchor's label, up to the first text that is not a value, belong
   to that row. Separators are forced cuts; where digits run together, the one solver of the project
   (`solver.py`, through `tables.resolve_values`) cuts them so that every identity of the row holds, then
   the T3 column identities settle what rows left open. One consistent split gives the cells; several give
   NULL with `ambiguous_split`; none gives NULL with the reason. A number the text does not uniquely
   support is never stored.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property, lru_cache

import ahocorasick

from pipelines.contract import ROW_HEADER, TABLES
from pipelines.contract.grammar import (
    CELL_UNIT,
    CN_NUMBER,
    FIGURE,
    GLUED_SECTION_NUMBER,
    INLINE_MARKUP,
    ITEM_NUMBER,
    LINE_MARKUP,
    MD_SEPARATOR,
    NO_CUT_BEFORE,
    PLACEHOLDER_MARKS,
    SIGN_CUT_OFF,
    UNREADABLE,
    is_footer,
)
from pipelines.extract import labels as L
from pipelines.extract.solver import is_cell
from pipelines.extract.tables import (
    Expected,
    Hints,
    Tables,
    expected_rows,
    report_missing,
    resolve_values,
    settle_by_columns,
)
from pipelines.extract.tokens import EMPTY, VALUE, Token

NONE, SPACE, LINE, CELL = 0, 1, 2, 3
_LETTER = re.compile(r"[\u4e00-\u9fff]")
_NUMBERING_AHEAD = re.compile(rf"{CN_NUMBER}、")  # a heading's number: the text before it ended

# One character for one: the stream keeps every character's offset, so normalisation may not change lengths.
_CHARMAP = str.maketrans({"（": "(", "）": ")", "：": ":", "“": '"', "”": '"', "‘": "'", "’": "'",
                          "「": '"', "」": '"', "，": ",", "、": "、", "．": "."})
_ARTEFACT = re.compile(rf"{INLINE_MARKUP}|{LINE_MARKUP}", re.MULTILINE)
_RUN = re.compile(r"[^\s|\x00]+")


@dataclass(frozen=True)
class Stream:
    """A document as visible characters. `runs` holds, for each maximal run of characters between two
    separators, (index of its first character in `chars`, offset in the source text, separator strength
    before it)."""

    chars: str
    runs: tuple[tuple[int, int, int], ...]

    def sep_before(self, i: int) -> int:
        """The strength of the separator just before character i (NONE inside a run)."""
        k = bisect_right(self._starts, i) - 1
        return self.runs[k][2] if k >= 0 and self.runs[k][0] == i else NONE

    def source(self, i: int) -> int:
        """Offset in the source text of character i."""
        k = bisect_right(self._starts, i) - 1
        start, offset, _ = self.runs[k]
        return offset + i - start

    @cached_property  # (writes the instance's __dict__ directly: allowed on a frozen dataclass)
    def _starts(self) -> list[int]:
        """Where each run starts in `chars`, for the bisections above."""
        return [r[0] for r in self.runs]


def _strength(gap: str) -> int:
    if not gap.strip("\x00"):
        return NONE
    if "|" in gap or "\t" in gap or "  " in gap:
        return CELL
    if "\n" in gap:
        return LINE
    return SPACE


@lru_cache(maxsize=4)
def build_stream(text: str) -> Stream:
    """The stream of a normalised text: page footers and Markdown separator rows dropped, Markdown marks
    blanked (same length, so offsets stay exact)."""
    if "\n" in text and ("-" in text or "页" in text or "/" in text):
        lines = text.split("\n")
        drop = [is_footer(ln) or ("-" in ln and bool(MD_SEPARATOR.match(ln))) for ln in lines]
        if any(drop):
            text = "\n".join(" " * len(ln) if d else ln for ln, d in zip(lines, drop))
    text = _ARTEFACT.sub(lambda m: "\x00" * len(m.group()), text)
    chars, runs, prev, n = [], [], 0, 0
    for m in _RUN.finditer(text):
        run = m.group()
        runs.append((n, m.start(), _strength(text[prev:m.start()]) if runs else LINE))
        chars.append(run)
        n += len(run)
        prev = m.end()
    return Stream("".join(chars).translate(_CHARMAP), tuple(runs))


# --- anchors ---------------------------------------------------------------------------------------------

_ITEM_NUMBERED = re.compile(rf"^{ITEM_NUMBER}")  # "1." before a label: its number has variants (see _Label)


def _norm(s: str) -> str:
    return "".join(s.split()).translate(_CHARMAP).replace("（", "(").replace("）", ")")


@dataclass(frozen=True)
class _Label:
    row: str
    official: str  # normalised, numbering included
    number: str | None  # the ASCII number of a "1." numbering, for its variants "1、" "(1)" "1)"


@lru_cache(maxsize=2)
def _automaton(template: str) -> tuple[ahocorasick.Automaton, dict[str, _Label]]:
    labels: dict[str, _Label] = {}
    auto = ahocorasick.Automaton()
    for exp in expected_rows(template):
        if exp.pattern is None:
            continue
        official = _norm(exp.pattern.official)
        m = _ITEM_NUMBERED.match(official)
        labels[exp.row] = _Label(exp.row, official, m.group()[:-1] if m else None)
        for key in L.STREAM_KEYS[exp.row]:
            key = _norm(key)
            entry = auto.get(key, None) if key in auto else None
            rows = (entry[1] if entry else ()) + (exp.row,)
            auto.add_word(key, (key, rows))
    auto.make_automaton()
    return auto, labels


@dataclass
class Anchor:
    exp: Expected
    start: int  # first character of the label (numbering included)
    key_start: int
    end: int  # first character after the label


def _widen(chars: str, label: _Label, ks: int, ke: int) -> tuple[int, int]:
    """Widen a key occurrence [ks, ke) over the rest of its row's official label on both sides."""
    official, key = label.official, chars[ks:ke]
    at = official.find(key)
    start, end = ks, ke
    if at >= 0:
        before, after = official[:at], official[at + len(key):]
        k = 0
        while k < len(before) and start > 0 and _same(chars[start - 1], before[len(before) - 1 - k]):
            start -= 1
            k += 1
        if k < len(before) and label.number and before[: len(before) - k] == f"{label.number}.":
            # the official "1." numbering printed as "1、" "(1)" "1)" "1．"
            m = re.search(rf"(?:\(?{label.number}\)|{label.number}[.、])$", chars[max(0, start - 4):start])
            if m:
                start -= len(m.group())
        k = 0
        while k < len(after) and end < len(chars) and _same(chars[end], after[k]):
            end += 1
            k += 1
    return start, end


def _same(a: str, b: str) -> bool:
    return a == b or (a in ".、" and b in ".、")


# --- regions --------------------------------------------------------------------------------------------

_CAPTION = L.T2_CAPTION
_T3_HEADER = re.compile("|".join([L.T3_HEADER.pattern, *map(re.escape, L.T3_HEADER_CELLS)]))
_ROW_HEADER = re.compile(re.escape(ROW_HEADER))
_T4_HEADING = re.compile(rf"(?:{re.escape(L.T4_TITLE_LEAD)})?(?:{L.T4_HEADING.pattern})")
_END = re.compile(L.END_OF_TABLES.pattern)
# The words of T4's header, the last of which ends it: each outcome column's keys and the 行政诉讼 blocks'
# (the 行政复议 block's label is also a word of the T4 heading: it marks no end of the header)
_T4_WORDS = re.compile("|".join(
    map(re.escape, [k for e in TABLES["t4_review_litigation"]["cols"].values() for k in e["keys"]]
        + [k for e in TABLES["t4_review_litigation"]["rows"].values() if e.get("group") == "litigation"
           for k in e["keys"]])))


def _search(pattern: re.Pattern, chars: str, pos: int, end: int | None = None) -> int | None:
    """Where `pattern` first occurs in chars[pos:end], widened left over a section number."""
    m = pattern.search(chars, pos, len(chars) if end is None else end)
    return None if m is None else _with_number(chars, m.start(), pos)


def _with_number(chars: str, at: int, floor: int) -> int:
    # "四、" "4、" "(四)" before a heading: in "…00000004、政府信息公开行政复议" the values end where "4、" begins
    number = GLUED_SECTION_NUMBER.search(chars, max(floor, at - 3), at)
    return number.start() if number else at


# --- values ---------------------------------------------------------------------------------------------

# A value region: numbers (sign, digits, separators of thousands, decimals, a unit) and placeholders. 无
# is a placeholder only where no label goes on after it (无法提供, 无正当理由 are labels).
_VALUE = re.compile(rf"(?:{FIGURE}{CELL_UNIT}?|[{PLACEHOLDER_MARKS}\ue000{UNREADABLE}])++")  # possessive: linear time
_NOT_VALUE_AFTER = re.compile(r"[年月日号%个人次]")
_PROSE = re.compile(r"[。;!?:]")  # a sentence or a "field:" line between a label and figures: not a row
MAX_LABEL_TAIL = 60  # characters of label text after an anchor's key (variants, notes) before its values


def _values(stream: Stream, start: int, end: int) -> tuple[list[Token], tuple[int, int] | None]:
    """The value tokens of a row whose label ends at `start` and whose segment ends at `end`: the first
    value region after the label's tail, cut at its separators. Returns the tokens and their span."""
    seg = _placeholders_marked(stream, start, end)
    pos = 0
    while pos < len(seg):
        m = _VALUE.search(seg, pos)
        if m is None or m.start() > MAX_LABEL_TAIL or _PROSE.search(seg, 0, m.start()):
            return [], None
        nxt = m.end()
        if nxt < len(seg) and _NOT_VALUE_AFTER.match(seg, nxt) and stream.sep_before(start + nxt) == NONE:
            pos = nxt  # a date or a count in a note ("2021年"), not a cell
            continue
        return _cut_at_separators(stream, start + m.start(), start + m.end()), (start + m.start(), start + m.end())
    return [], None


def _placeholders_marked(stream: Stream, start: int, end: int) -> str:
    """chars[start:end] with each 无 that stands as a placeholder marked U+E000: one at the end of the
    segment, before a separator, a digit, a sign or another placeholder. 无法提供 and 无正当理由 are labels."""
    seg = stream.chars[start:end]
    if "无" not in seg:
        return seg
    out = list(seg)
    for i in range(len(seg) - 1, -1, -1):
        if seg[i] == "无" and (i + 1 == len(seg) or out[i + 1] == "\ue000" or not _LETTER.match(seg[i + 1])
                              or stream.sep_before(start + i + 1) != NONE or _NUMBERING_AHEAD.match(seg, i + 1)):
            out[i] = "\ue000"
    return "".join(out)


def _cut_at_separators(stream: Stream, a: int, b: int) -> list[Token]:
    # never before a unit's character or a decimal point (`114.36万 元`, `52 项`, `114 .36`): no cell starts so;
    # nor between a sign glued to a figure and digits (`5- 23`): the sign may be theirs
    tokens, piece_start, chars = [], a, stream.chars
    for i in range(a + 1, b):
        if stream.sep_before(i) != NONE and chars[i] not in NO_CUT_BEFORE \
                and not (chars[i].isdigit() and i - 2 >= piece_start and SIGN_CUT_OFF.match(chars, i - 2, i)):
            tokens.append(Token(VALUE, stream.chars[piece_start:i], piece_start))
            piece_start = i
    tokens.append(Token(VALUE, stream.chars[piece_start:b], piece_start))
    return tokens


# --- the reader -----------------------------------------------------------------------------------------

def read_stream(text: str, template: str, hints: Hints | None = None) -> Tables:
    """The tables of `template` read from a normalised text as a character stream."""
    stream = build_stream(text)
    chars = stream.chars
    auto, labels = _automaton(template)
    occurrences: dict[str, list[tuple[int, int]]] = {}
    for end, (key, rows) in auto.iter(chars):
        for row in rows:
            occurrences.setdefault(row, []).append((end - len(key) + 1, end + 1))
    result = Tables(template=template)
    todo = expected_rows(template)

    t2 = _search(_CAPTION, chars, 0)
    t2 = t2 if t2 is not None else (_search(_ROW_HEADER, chars, 0) or 0)
    t3 = _search(_T3_HEADER, chars, t2)
    if t3 is None:
        t3 = t2
    else:
        heading = max((m.start() for m in L.T3_HEADING.finditer(chars, t2, t3)), default=-1)
        t3_t2_end = _with_number(chars, heading, t2) if heading >= 0 else t3
    t2_end = t3_t2_end if t3 != t2 else len(chars)
    t4 = _search(_T4_HEADING, chars, t3)
    t3_end = len(chars) if t4 is None else t4
    anchors: list[Anchor] = []
    pointer = t2
    # v2021: (六)其他处理 is a group header when its three rows are printed (a wrapped label may even put
    # it in the middle of the first one's label), a row of its own only when they are not
    subs = [ks for r in ("other_no_correction", "other_fee_unpaid") for ks, _ in occurrences.get(r, ()) if t3 <= ks < t3_end]
    for exp in todo:
        if exp.pattern is None or (exp.row == "other_handling" and template == "v2021" and subs):
            continue
        lo, hi = (t2, t2_end) if exp.gate == "t2" else (t3, t3_end)
        lo = max(lo, pointer)
        best = None
        for ks, ke in occurrences.get(exp.row, ()):
            if lo <= ks < hi and (best is None or ks < best[0] or (ks == best[0] and ke > best[1])):
                best = (ks, ke)
        if best is None:
            continue
        start, end = _widen(chars, labels[exp.row], *best)
        if anchors and start < anchors[-1].end:
            start = anchors[-1].end
        anchors.append(Anchor(exp, start, best[0], end))
        pointer = end
    last_t3 = max((a.end for a in anchors if a.exp.gate == "t3"), default=t3)
    end_of_tables = _search(_END, chars, t4 if t4 is not None else last_t3)
    end_of_tables = len(chars) if end_of_tables is None else end_of_tables

    found: dict[int, list[Token]] = {}
    spans: dict[int, tuple[int, int]] = {}
    index = {(e.table, e.row): j for j, e in enumerate(todo)}
    for k, anchor in enumerate(anchors):
        stop = anchors[k + 1].start if k + 1 < len(anchors) else (t4 if t4 is not None else end_of_tables)
        if anchor.exp.gate == "t2" and stop > t2_end:
            stop = t2_end
        caption = _search(_CAPTION, chars, anchor.end, stop)
        stop = caption if caption is not None else stop
        values, span = _values(stream, anchor.end, stop)
        if not values and anchor.exp.gate == "t2" and anchor.end == stop:
            # a T2 row printed with blank cells (003's fee, Shanghai 2019): EMPTY, as the document shows it
            values, span = [Token(EMPTY, "", stop)] * len(anchor.exp.cols), (stop, stop)
        if values:
            j = index[(anchor.exp.table, anchor.exp.row)]
            found[j] = values
            spans[j] = span
    if t4 is not None:
        words = list(_T4_WORDS.finditer(chars, t4, end_of_tables))
        after = words[-1].end() if words else t4
        values, span = _values(stream, after, end_of_tables)
        if values:
            j = index[("t4_review_litigation", "*")]
            found[j] = values
            spans[j] = span

    single_other = _single_other(todo, found, index)
    for j, values in found.items():
        if j in single_other:
            continue
        exp = todo[j]
        if sum(t.kind == VALUE for t in values) > len(exp.cols):
            result.issue("extra_values", "error", f"{len(values)} values where the template has {len(exp.cols)}: "
                         "which belong to the row is not known; cells left out", f"{exp.table}.{exp.row}")
            continue
        texts = [t.text for t in values if t.kind == VALUE]
        if len(texts) == len(exp.cols) and not all(map(is_cell, texts)):
            result.issue("unreadable_cell", "error", f"{' '.join(texts)!r}: a token that is not one cell "
                         "(a leading zero, a unit inside); cells left out", f"{exp.table}.{exp.row}")
            continue
        resolve_values(result, exp, values, hints or {})
        a, b = spans[j]
        result.spans[(todo[j].table, todo[j].row)] = (stream.source(a), stream.source(b - 1) + 1) if b > a else \
            (stream.source(a), stream.source(a)) if a < len(stream.chars) else (len(text), len(text))
    settle_by_columns(result)
    report_missing(result, todo, {j: v for j, v in found.items() if j not in single_other})
    return result


def _single_other(todo: list[Expected], found: dict[int, list[Token]], index: dict) -> set[int]:
    """v2021: (六)其他处理 is either a group header over three rows or one row of its own, never both."""
    j = index.get(("t3_applications", "other_handling"))
    subs = [index.get(("t3_applications", r)) for r in ("other_no_correction", "other_fee_unpaid", "other_misc")]
    if j is None or None in subs or todo[j].table != "t3_applications":
        return set()
    if any(s in found for s in subs):
        return {j}
    return set()

