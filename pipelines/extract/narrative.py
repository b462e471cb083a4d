"""Figures stated in the prose of an annual report, for the narrative-vs-table checks (spec §3 NT-01…NT-05).

Only prose is read. Table regions are skipped: lines that are cells (numbers, placeholders, pipe rows, a
label followed by a column of numbers) and whole table blocks (from a T2 caption 第二十条第(…)项, the T3 note
勾稽关系 / 申请人情况 or a T4 header 行政复议 to the next section heading or sentence). Prose lines are joined
into one whitespace-free stream (PDF text wraps every ~30 characters) with a map back to the original
offsets; paragraphs break at sentence ends, headings and table regions.

Claim keys — applications and reviews (unit 件):
  apps_received, apps_closed, apps_carried_over_in, apps_carried_forward
  granted, partially_granted, denied, unable, not_processed, other_handling
  admin_review_total, admin_review_{upheld,corrected,other_outcome,pending}
  litigation_total, litigation_{upheld,corrected,other_outcome,pending}
  review_and_litigation_total   行政复议和行政诉讼共N件: one figure for both
  all_upheld                    value 1 (unit None) for 均获维持 / 全部胜诉 / 无被纠错
Active disclosure (T2, NT-04):
  regulations_count, normative_documents_count   made/published this year (件); *_repealed (废止…) and
                                                 *_in_force (现行有效…) variants when the prose says so
  licensing_count, penalty_count, coercion_count, procurement_count, fee_item_count (收费项目 N项)
  fee_amount (T2 (八) 行政事业性收费 amount), procurement_amount            万元
  info_processing_fee (信息处理费, §六 / NT-06 — not the T2 fee amount)      万元
  active_disclosure_total                                               条/件
  active_disclosure_part   one per item of an explicit 其中… list; text = the item ("人事信息1条")
  active_disclosure_parts_sum   Σ of those items, for NT-05 against the total
Counts in 起/宗/个/次/份/篇/部 are reported as 件; amounts in 元 are divided by 10 000 and reported as 万元.

Qualifiers ("+"-joined when several apply):
  includes_carried_over  the figure is followed by (含上年结转…): it counts last year's carry-over too;
  sub_unit               the clause's subject is a part of the agency (区政府办代表区政府受理…, …办公室…): the
                         figure covers that unit only, so a table mismatch is expected;
  approximate            5500余条;
  overlapping_channels   parts counted per channel (分别…; 不同渠道…相同信息计1条): their sum may exceed the total;
  zero_in_words          the zero was written in words (没有收到…申请, 未发生行政复议…).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import ahocorasick

from pipelines.contract import ROW_HEADER
from pipelines.contract.grammar import (
    CELL_UNIT,
    FIGURE,
    HEADING_NUMBER,
    NUMERALS,
    NUMBERING,
    PLACEHOLDER,
    PROSE_COUNT_UNIT,
    PROSE_MONEY_UNIT,
    SENTENCE_ENDS,
    is_footer,
)
from pipelines.extract.labels import (
    SECTION_HEADINGS,
    SECTION_TOPICS,
    T2_CAPTION_WORDS,
    T2_FIRST_COL_WORDS,
    T3_HEADER_CELLS,
    T3_LABEL,
    T3_NOTE_OPENING,
    T4_BLOCK_WORDS,
    T4_LITIGATION,
    T4_REVIEW,
)
from pipelines.extract.lines import compact_lines
from pipelines.extract.literals import required_text as _required_text

# A figure starts where its digits (or numerals) start: a search would otherwise try every position inside
# a long run of digits, each time reading to its end (quadratic; a 5 000-digit run took seconds). A match
# starting inside a run reads the same tail as one starting at its head, so none is lost.
_WORD_DIGITS = f"零〇两{NUMERALS}百千"  # a figure written in words: 三十, 两百
_NUM = rf"(?P<n>\d{{1,3}}(?:,\d{{3}})+(?!\d)|(?<!\d)\d+(?:\.\d+)?|(?<![{_WORD_DIGITS}])[{_WORD_DIGITS}]+)"
_COUNT_UNIT = rf"(?P<u>{PROSE_COUNT_UNIT})"
_MONEY_UNIT = rf"(?P<u>{PROSE_MONEY_UNIT})"
_GAP = r"[^。;,\d]"  # a stretch inside one clause, without figures
_RV, _LT = re.escape(T4_REVIEW), re.escape(T4_LITIGATION)  # 行政复议, 行政诉讼


@dataclass
class Claim:
    claim: str
    value: float | None
    unit: str | None  # 件 | 项 | 条 | 万元 | 元 | None
    text: str  # the sentence the figure came from (≤ 120 characters)
    offset: int  # character offset in the text
    qualifier: str | None = None


# --- prose stream -------------------------------------------------------------------------------------------

_CELL = re.compile(rf"{FIGURE}\s*(?:{CELL_UNIT}|%)?|{PLACEHOLDER}")
_ROW_OF_NUMBERS = re.compile(r"\d\s+[-+]?\d[\d.]*\s+[-+]?\d")
# a short label, a column gap, one figure: a one-value T2 row ("行政许可        447228")
_LABEL_THEN_NUMBER = re.compile(rf"^\s*(?P<label>\S.{{0,24}}?)\s{{2,}}{FIGURE}\s*{CELL_UNIT}?$")
# a line that goes on with a figure's unit (or 余/多 of "5余件") is the sentence of the line before
_UNIT_START = re.compile(rf"^(?:{PROSE_MONEY_UNIT}|{PROSE_COUNT_UNIT}|余|多)")
_SENTENCE_PUNCT = re.compile(r"[。,;:、]")
# first line of a table: a T2 caption (第二十条第(…)项), T2 header (信息内容, alone or before its first column's
# header), the T3 note (本列数据的勾稽关系…) / header (申请人情况), the T4 header (行政复议, 行政复议行政诉讼)
_CAPTION_BEFORE, _CAPTION_AFTER = map(re.escape, T2_CAPTION_WORDS)
_BLOCK_START = re.compile(rf"^(?:{_CAPTION_BEFORE}\(?.{{1,3}}\)?{_CAPTION_AFTER}"
                          rf"|{re.escape(ROW_HEADER)}(?:$|{'|'.join(map(re.escape, T2_FIRST_COL_WORDS))})"
                          rf"|\(?{re.escape(T3_NOTE_OPENING)}|{re.escape(T3_HEADER_CELLS[0])}$|{_RV}(?:{_LT})?$)")
_TOP_HEADING = re.compile(rf"^{HEADING_NUMBER}")
_OUTLINE_PHRASE = re.compile("|".join([*SECTION_HEADINGS, *map(re.escape, SECTION_TOPICS)]))


def _is_table_line(line: str, compact: str, next_compact: str) -> bool:
    """A line that is (part of) a table row: cells, numbers in columns, pipes. A line whose figure's unit
    opens the next line ("…行政复议      351" / "件,其中…") is wrapped prose, not a row."""
    if _UNIT_START.match(next_compact):
        return False
    if line.count("|") >= 2 or _CELL.fullmatch(compact):
        return True
    if _ROW_OF_NUMBERS.search(line):
        return True
    m = _LABEL_THEN_NUMBER.match(line)
    return bool(m and len("".join(m.group("label").split())) <= 12 and not _SENTENCE_PUNCT.search(compact))


def _is_section_heading(compact: str) -> bool:
    """A heading of the report outline (numbered or not, or any 一、-style heading that is not a T3 row
    label) — ends a table block."""
    if len(compact) > 30 or "。" in compact:
        return False
    if _OUTLINE_PHRASE.search(compact) and not re.search(r"\d{2,}", compact):
        return True
    m = _TOP_HEADING.match(compact)
    rest = compact[m.end() :] if m else ""
    # "三、" alone is a T3 group label wrapped in a PDF ("三、/本/年/度/办理结果"), not a heading
    return bool(m and len(rest) >= 2 and not re.search(r"\d", rest) and not T3_LABEL.search(compact))


_WS = re.compile(r"\s")


def _ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


@lru_cache(maxsize=65536)
def _line_role(compact: str) -> tuple[bool, bool, bool, bool, bool]:
    """What a non-empty whitespace-free line is to the prose reader, worked out once per distinct line:
    (a page footer to skip, ends a table block, starts a table block, opens with a numbering, ends a
    paragraph)."""
    numbered = bool(NUMBERING.match(compact))
    heading = _is_section_heading(compact)
    return (is_footer(compact),
            heading or "。" in compact or len(compact) > 60,
            bool(_BLOCK_START.match(compact)) and len(compact) <= 60 and "。" not in compact,
            numbered,
            compact[-1] in "。;!?:" or heading or (numbered and len(compact) <= 30 and not re.search(r"[。,;]", compact)))


@lru_cache(maxsize=65536)
def _table_line_alone(line: str) -> bool:
    """`_is_table_line` without the look at the next line."""
    return _is_table_line(line, "".join(line.split()), "")


_VISIBLE = re.compile(r"\S+")


class _Offsets:
    """The source offset of every stream character, kept per piece (a run of characters copied together
    has consecutive offsets): `offsets[i]` as a list would give it, without a number per character."""

    __slots__ = ("starts", "sources", "length")

    def __init__(self, starts: list[int], sources: list[int], length: int):
        self.starts, self.sources, self.length = starts, sources, length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, i: int) -> int:
        if not 0 <= i < self.length:
            raise IndexError(i)
        k = bisect_right(self.starts, i) - 1
        return self.sources[k] + i - self.starts[k]


def _prose_stream(text: str) -> tuple[str, _Offsets]:
    """The prose of the text as one whitespace-free stream, '\\n' at paragraph and table breaks, and the
    original offset of every stream character."""
    pieces: list[str] = []  # the stream, as the pieces copied
    starts: list[int] = []  # stream position of each piece
    sources: list[int] = []  # source offset of each piece's first character
    length = 0
    last = "\n"  # the stream's last character ("\n" while empty: no break opens it)
    in_block = False
    pos = 0
    lines = text.splitlines(keepends=True)
    compacts = compact_lines(text)
    n_lines = len(lines)
    for idx, line in enumerate(lines):
        start, pos = pos, pos + len(line)
        compact = compacts[idx]
        if not compact:
            continue
        footer, ends_block, starts_block, numbered, ends_paragraph = _line_role(compact)
        if footer:
            continue  # a page footer interrupts a sentence: skip it without a break
        if in_block and ends_block:
            in_block = False
        if not in_block and starts_block:
            in_block = True
        if not in_block and _table_line_alone(line):
            # a line whose figure's unit opens the next non-empty line ("…行政复议      351" / "件,其中…") is
            # wrapped prose, not a row
            k = idx + 1
            while k < n_lines and not compacts[k]:
                k += 1
            table_line = not (k < n_lines and _UNIT_START.match(compacts[k]))
        else:
            table_line = False
        if in_block or table_line:
            if last != "\n":
                pieces.append("\n")
                starts.append(length)
                sources.append(start)
                length += 1
                last = "\n"
            continue
        if numbered and last != "\n":  # a numbered heading or item starts a paragraph
            pieces.append("\n")
            starts.append(length)
            sources.append(start)
            length += 1
            last = "\n"
        # keep one space only between two ASCII letters/digits ("hzzwgk @126" stays apart; "72 64" too),
        # including across a line start's indentation
        # most lines are one visible run (indentation aside): the compact line is that run, and it starts at
        # its first character (only white space comes before it)
        words = ((line.find(compact[0]), compact),) if len(line.strip()) == len(compact) else \
            [(m.start(), m.group()) for m in _VISIBLE.finditer(line)]
        for a, word in words:
            if a and length and _ascii_alnum(last) and _ascii_alnum(word[0]):
                pieces.append(" ")
                starts.append(length)
                sources.append(start + a - 1)
                length += 1
            pieces.append(word)
            starts.append(length)
            sources.append(start + a)
            length += len(word)
            last = word[-1]
        if ends_paragraph and last != "\n":  # a finished sentence, or a heading line
            pieces.append("\n")
            starts.append(length)
            sources.append(pos)
            length += 1
            last = "\n"
    return "".join(pieces), _Offsets(starts, sources, length)


# --- numbers ------------------------------------------------------------------------------------------------

_CN = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def _number(s: str) -> float | None:
    if re.fullmatch(r"[\d,]+(?:\.\d+)?", s):
        return float(s.replace(",", ""))
    total, digit = 0, 0
    for ch in s:
        if ch in _CN:
            digit = _CN[ch]
        elif ch in _CN_UNIT:
            total += (digit or 1) * _CN_UNIT[ch]
            digit = 0
        else:
            return None
    return float(total + digit)


def _unit_value(n: float, unit: str) -> tuple[float, str]:
    if unit == "元":
        return round(n / 10000, 6), "万元"
    if unit == "万元":
        return n, "万元"
    return n, unit if unit in ("件", "项", "条") else "件"


# --- patterns -----------------------------------------------------------------------------------------------

def _expand(pattern: str) -> str:
    return pattern.replace("NUM", _NUM).replace("CU", _COUNT_UNIT).replace("MU", _MONEY_UNIT).replace("GAP", _GAP)


class _AfterFigure(NamedTuple):
    """A pattern that opens on a figure (`NUM` + rest). Every match holds, right after its figure, a match of
    the rest — which opens on a literal, so the regex engine skips ahead to it. Table text runs many digits
    together and the whole pattern tries each of them; the rest is looked for first, and a text without it is
    not searched (the same matches: 3 µs instead of 28 on a run-together page's table sentence)."""

    regex: re.Pattern
    rest: re.Pattern

    def finditer(self, text: str, *args):
        return self.regex.finditer(text, *args) if self.rest.search(text, *args) else iter(())


def _p(pattern: str) -> re.Pattern | _AfterFigure:
    if pattern.startswith("NUM"):
        # a figure starts with a digit or a numeral: one character test per position before NUM's three
        # alternatives and their lookbehinds (the same matches; a third less time on long sentences)
        return _AfterFigure(re.compile(rf"(?=[\d{_WORD_DIGITS}])" + _expand(pattern)),
                            re.compile(_expand(pattern.removeprefix("NUM"))))
    return re.compile(_expand(pattern))


_RULES: list[tuple[str, re.Pattern | _AfterFigure]] = [
    ("apps_received", _p(r"(?:新收|收到|受理|接收|接到)(?P<g>GAP{0,20}?)申请(?P<g2>GAP{0,6}?)(?:共|共计|合计)?NUM(?P<u>件|个|宗|条|起)")),
    ("apps_received", _p(r"依申请公开(?:政府信息)?(?:申请)?(?:共|共计)?NUM(?P<u>件|个|宗|条)")),
    ("apps_closed", _p(r"(?:办结|答复|办理完毕|作出答复|处(?<!不予处)(?<!其他处)理)(?:各类|政府信息公开)?(?:申请)?(?:共|共计)?NUM(?P<u>件|个|宗)")),
    ("apps_carried_over_in", _p(r"(?:上年度?|上一年度?)(?:结转|转结)(?:的)?(?:申请)?(?:件)?NUM(?P<u>件|个)")),
    ("apps_carried_forward", _p(r"(?:结转|转结|顺延|转入)(?:到|至)?下一?年度?(?:继续)?(?:办理|答复)?(?:的)?(?:申请)?NUM(?P<u>件|个)")),
    ("apps_carried_forward", _p(r"NUM(?P<u>件|个)(?:申请)?(?:需)?(?:结转|转结|顺延|转入)(?:到|至)?下一?年")),
    ("granted", _p(r"(?:予(?<!不予)以公开|同意公开|全部公开)(?:的)?(?:申请)?(?:共)?NUM(?P<u>件|个)")),
    ("partially_granted", _p(r"部分公开(?:的)?(?:申请)?(?:共)?NUM(?P<u>件|个)")),
    ("denied", _p(r"不予(?:以)?公开(?:的)?(?:申请)?(?:共)?NUM(?P<u>件|个)")),
    ("unable", _p(r"无法提供(?:的)?(?:申请)?(?:共)?NUM(?P<u>件|个)")),
    ("not_processed", _p(r"不予处理(?:的)?(?:申请)?(?:共)?NUM(?P<u>件|个)")),
    ("other_handling", _p(r"其他处理(?:的)?(?:申请)?(?:共)?NUM(?P<u>件|个)")),
    ("regulations_count", _p(r"规(?<!行政规)(?<!法规规)章(?:共)?NUM(?P<u>件|部|个|项|条)")),
    ("normative_documents_count", _p(r"规范性文件(?:共)?NUM(?P<u>件|个|份|项|部|条)")),
    # "制发行政规范性文件5件,废止3件,现行有效14件": the list goes on without naming the documents again
    ("normative_documents_repealed", _p(r"规范性文件\d+件[,，、]?废止(?:了)?NUM(?P<u>件)")),
    ("normative_documents_in_force", _p(r"规范性文件\d+件[,，、]?废止(?:了)?\d+件[,，、]?现行有效NUM(?P<u>件)")),
    ("licensing_count", _p(r"行政许可(?:事项|决定|处理决定|办件)?(?:共)?NUM(?P<u>件|项|个|条)")),
    ("penalty_count", _p(r"行政处罚(?:事项|决定|处理决定|案件)?(?:共)?NUM(?P<u>件|项|个|条)")),
    ("coercion_count", _p(r"行政强制(?:事项|决定|处理决定|措施)?(?:共)?NUM(?P<u>件|项|个|条)")),
    ("fee_item_count", _p(r"行政事业性收费(?:项目)?NUM(?P<u>项|个)")),
    ("fee_amount", _p(r"(?:行政事业性收费|收费)(?:金额|总额|总金额)(?:为|共|共计)?NUMMU")),
    ("info_processing_fee", _p(r"处理费(?:共|共计|合计)?(?:收费)?(?:金额|总额)?(?:为|共|共计)?NUMMU")),
    ("procurement_count", _p(r"集中采购(?:项目)?(?:共)?NUM(?P<u>项|个|件)")),
    ("procurement_amount", _p(r"采购(?:总)?(?:金额|总额)(?:为|共|共计)?NUMMU")),
]

# The unit may be missing only after a zero ("行政复议、行政诉讼均为0").
_REVIEW = _p(rf"(?P<kind>{_RV}|{_LT})(?:案件|申请)?(?:数量?)?(?:共|共计|为|均为)?(?:NUMCU|(?P<z>0|零)(?![\d.]))")
_REVIEW_BOTH = _p(rf"{_RV}(?:和|与|及|、|或)(?:提起)?{_LT}(?:案件)?(?:数量?)?(?P<q>均为|均|各|都|共|合计|为)?(?:NUMCU|(?P<z>0|零)(?![\d.]))")
# (an optional word before the outcome is written as alternatives that each open on a literal, (?:结果)?维持 as
# (?:结果维持|维持): the regex engine then skips to the characters that can start a match; the same matches)
_OUTCOMES = [
    ("upheld", _p(r"(?:结果(?:维持|胜诉)|维持|胜诉)NUM(?P<u>件|起|个)")),
    ("corrected", _p(r"(?:结果(?:纠正|纠错|败诉)|纠正|纠错|败诉)NUM(?P<u>件|起|个)")),
    ("other_outcome", _p(r"其他(?:结果)?NUM(?P<u>件|起|个)")),
    ("pending", _p(r"(?:尚未审结|未审结)NUM(?P<u>件|起|个)")),
]
# (each alternative opens with its own literal, so the regex engine skips ahead to the characters that can
# start one instead of trying every position: (?:均|全部|都)… written out, the same matches)
_ALL_UPHELD = re.compile("|".join([f"{w}(?:获|被|予以|得到)?(?:维持|胜诉)" for w in ("均", "全部", "都")]
                                  + [f"{w}(?:被)?纠错" for w in ("无", "没有", "未")] + ["零纠错"]))

_ZERO_RULES: list[tuple[tuple[str, ...], re.Pattern]] = [
    (("apps_received",), re.compile(r"(?:没有|未|无)(?:收到|受理|接到|接收|发生)(?P<g>[^。;,]{0,15}?)申请")),
    (("apps_received",), re.compile(r"(?:没有|无)(?:政府信息公开|信息公开)申请")),
    (("apps_received",), re.compile(r"(?:没有|未|无)(?:发生|有)?(?:任何)?依申请公开")),
    (("admin_review_total",), re.compile(rf"(?:没有|未|无)(?:发生|出现|收到|接到|产生|有)?(?:被申请)?[^。;,\d]{{0,25}}?{_RV}")),
    (("litigation_total",), re.compile(rf"(?:没有|未|无)(?:发生|出现|收到|接到|产生|有)?[^。;,\d]{{0,30}}?{_LT}")),
    (("info_processing_fee",), re.compile(r"(?:没有|未|无|不)(?:收取|产生|发生)[^。;,\d]{0,15}?处理费")),
]
# A negation only counts when it governs the event: 没有/未/无 + 发生/收到… or directly before it.
_ZERO_NEGATION = re.compile(r"^(?:没有|未|无)(?:发生|出现|收到|受理|接到|接收|产生|有|被申请|因|任何|行政|依申请|收取|政府信息|信息公开)")
# "没有发生…行政复议被纠错的情况": reviews happened, none corrected — not a zero.
_NOT_ZERO_AFTER = re.compile(r"^[^,。;]{0,8}?(?:被)?(?:纠错|败诉|撤销|纠正)")

_CARRIED_OVER_NOTE = re.compile(r"^[(,]?(?:其中|含|包括|包含)+(?:上年|上一年)度?(?:结转|转结)")
_SUB_UNIT_SUBJECT = re.compile(r"政府办|办公室|办公厅|代表|[^全我本]{1,6}(?:科|股|处|中心)(?:共|累计)?$")
_ACTIVE_TOTAL = _p(r"(?:主动(?:公开|发布)|公开|发布)(?:各类|各项)?(?:政府|政务)?信息(?:数量)?(?P<tot>共计|共|总计|合计|累计)?NUM(?P<approx>余|多)?(?P<u>条|件|篇|个)")
_PART = _p(r"NUM(?P<u>条|件|篇|个)")


def _snippet(sentence: str, start: int, end: int) -> str:
    if len(sentence) <= 120:
        return sentence
    lo = max(0, min(start - 40, len(sentence) - 120))
    return sentence[lo : lo + 120]


def _subject(sentence: str, at: int) -> str:
    """The clause before position `at` (after the last comma), i.e. who received/handled."""
    head = sentence[:at]
    return re.split(r"[,,;]", head)[-1]


_SENTENCES = re.compile(f"[^\n{SENTENCE_ENDS}]+[{SENTENCE_ENDS}]?")  # a sentence of the prose stream, with its end


def narrative_claims(text: str) -> list[Claim]:
    """Figures stated in the prose of `text` (normalised document text), in text order."""
    stream, offsets = _prose_stream(text)
    claims: list[Claim] = []
    seen: set[tuple[str, int]] = set()

    def add(key: str, value: float | None, unit: str | None, sentence: str, s0: int, a: int, b: int,
            qualifiers: list[str] | tuple[str, ...] = (), snippet: str | None = None) -> None:
        """Record a claim found at sentence[a:b]; the sentence starts at stream position s0."""
        off = offsets[s0 + a] if s0 + a < len(offsets) else len(text)
        if (key, off) in seen:
            return
        seen.add((key, off))
        claims.append(Claim(key, value, unit, (snippet or _snippet(sentence, a, b))[:120], off,
                            "+".join(qualifiers) or None))

    for m in _SENTENCES.finditer(stream):
        sentence, s0 = m.group(0), m.start()
        _sentence_claims(sentence, s0, add)
    claims.sort(key=lambda c: c.offset)
    return claims


def _num_claim(m: re.Match, key: str, sentence: str, s0: int, add, extra: list[str] | None = None) -> None:
    if m.groupdict().get("z"):
        n, u = 0.0, "件"
    else:
        n, u = _number(m.group("n")), m.group("u")
    if n is None:
        return
    value, unit = _unit_value(n, u)
    qualifiers = list(extra or [])
    if key.startswith("apps_") and key != "apps_carried_over_in":
        if _CARRIED_OVER_NOTE.match(sentence[m.end() : m.end() + 25]):
            qualifiers.append("includes_carried_over")
        if _SUB_UNIT_SUBJECT.search(_subject(sentence, m.start())):
            qualifiers.append("sub_unit")
    add(key, value, unit, sentence, s0, m.start(), m.end(), qualifiers)


def _document_count_key(key: str, before: str) -> str:
    """废止规范性文件12件 / 现行有效规范性文件45件 are the v2021 repealed / in-force columns, not new ones."""
    stem = key.removesuffix("_count")
    if re.search(r"废止|失效|清理", before):
        return f"{stem}_repealed"
    if re.search(r"现行有效|有效", before):
        return f"{stem}_in_force"
    return key


# every pattern of _RULES has a figure directly followed by its unit: a sentence without one has no claim
_FIGURE_WITH_UNIT = re.compile(rf"[\d{_WORD_DIGITS}](?:{PROSE_COUNT_UNIT}|{PROSE_MONEY_UNIT})")


_RULES_NEEDING = [(key, pat, _required_text(getattr(pat, "rest", pat))) for key, pat in _RULES]
_ZERO_RULES_NEEDING = [(keys, pat, _required_text(pat)) for keys, pat in _ZERO_RULES]
_ZERO_NEEDING = ("没有", "未", "无", "不")  # every _ZERO_RULES pattern starts with one of them
_REVIEW_NEEDING = (T4_REVIEW, T4_LITIGATION)  # each review pattern names one of them
_UPHELD_NEEDING = T4_BLOCK_WORDS  # a sentence that all were upheld is on reviews or suits: 复议, 诉讼
_ACTIVE_NEEDING = ("信息",)  # _ACTIVE_TOTAL names 信息


def _needed_automaton() -> ahocorasick.Automaton:
    auto = ahocorasick.Automaton()
    words = {w for _, _, needed in _RULES_NEEDING + _ZERO_RULES_NEEDING for w in needed or ()}
    for w in words | {*_ZERO_NEEDING, *_REVIEW_NEEDING, *_UPHELD_NEEDING, *_ACTIVE_NEEDING}:
        auto.add_word(w, w)
    auto.make_automaton()
    return auto


_NEEDED = _needed_automaton()  # every string some search of a sentence needs: found in one pass


class _Plan(NamedTuple):
    rules: tuple  # (key, pattern) of _RULES a sentence with a figure and unit is searched for
    review: bool
    upheld: bool
    zero: tuple  # (keys, pattern) of _ZERO_RULES
    active: bool


@lru_cache(maxsize=4096)
def _plan(present: frozenset[str]) -> _Plan:
    """Which searches a sentence holding exactly the needed strings `present` can succeed in."""
    def may(needed: tuple[str, ...] | None) -> bool:
        return needed is None or not present.isdisjoint(needed)

    return _Plan(tuple((key, pat) for key, pat, needed in _RULES_NEEDING if may(needed)),
                 may(_REVIEW_NEEDING), may(_UPHELD_NEEDING),
                 tuple((keys, pat) for keys, pat, needed in _ZERO_RULES_NEEDING if may(needed))
                 if may(_ZERO_NEEDING) else (),
                 may(_ACTIVE_NEEDING))


@lru_cache(maxsize=65536)
def _sentence_plan(sentence: str) -> tuple[_Plan, bool]:
    """The searches a sentence can succeed in, and whether it has a figure followed by its unit (which
    every `_RULES` pattern needs): worked out once per distinct sentence (boilerplate recurs)."""
    return _plan(frozenset([w for _, w in _NEEDED.iter(sentence)])), _FIGURE_WITH_UNIT.search(sentence) is not None


def _sentence_claims(sentence: str, s0: int, add) -> None:
    plan, figures = _sentence_plan(sentence)
    for rule_key, pat in plan.rules if figures else ():
        for m in pat.finditer(sentence):
            key = rule_key
            if key == "apps_received" and re.search(r"复议|诉讼|投诉|咨询|举报", (m.groupdict().get("g") or "")
                                                    + (m.groupdict().get("g2") or "")):
                continue  # 收到行政复议申请 / 收到申请人投诉 are no information requests
            if key == "fee_amount" and "处理费" in sentence[max(0, m.start() - 10) : m.start()]:
                continue  # 信息处理费收费金额 is the info-processing fee, not the T2 (八) amount
            if key in ("regulations_count", "normative_documents_count"):
                key = _document_count_key(key, _subject(sentence, m.start())[-6:])
            _num_claim(m, key, sentence, s0, add)

    if plan.review:
        _review_claims(sentence, s0, add)
    if plan.upheld:
        for m in _ALL_UPHELD.finditer(sentence):
            add("all_upheld", 1.0, None, sentence, s0, m.start(), m.end())

    # zeros written in words
    for keys, pat in plan.zero:
        for m in pat.finditer(sentence):
            if not _ZERO_NEGATION.match(m.group(0)):
                continue
            if keys == ("apps_received",) and re.search(r"复议|诉讼", sentence[m.start() : m.end() + 8]):
                continue  # "没有发生因…申请行政复议" is about reviews, not applications
            if keys != ("apps_received",) and _NOT_ZERO_AFTER.match(sentence[m.end() :]):
                continue
            for key in keys:
                add(key, 0.0, "万元" if key == "info_processing_fee" else "件", sentence, s0, m.start(), m.end(),
                    ["zero_in_words"])

    if plan.active:
        _active_disclosure(sentence, s0, add)


def _review_claims(sentence: str, s0: int, add) -> None:
    """Review / litigation: totals, then the outcomes listed after each total up to the next total."""
    both = list(_REVIEW_BOTH.finditer(sentence))
    for m in both:
        n = 0.0 if m.group("z") else _number(m.group("n"))
        if m.group("q") in ("共", "合计") and n:
            _num_claim(m, "review_and_litigation_total", sentence, s0, add)
        else:
            _num_claim(m, "admin_review_total", sentence, s0, add)
            _num_claim(m, "litigation_total", sentence, s0, add)
    totals = [m for m in _REVIEW.finditer(sentence) if not any(b.start() <= m.start() < b.end() for b in both)]
    for i, m in enumerate(totals):
        prefix = "admin_review" if m.group("kind") == T4_REVIEW else "litigation"
        _num_claim(m, f"{prefix}_total", sentence, s0, add)
        end = totals[i + 1].start() if i + 1 < len(totals) else len(sentence)
        for outcome, pat in _OUTCOMES:
            for o in pat.finditer(sentence, m.end(), end):
                _num_claim(o, f"{prefix}_{outcome}", sentence, s0, add)


def _active_disclosure(sentence: str, s0: int, add) -> None:
    for m in _ACTIVE_TOTAL.finditer(sentence):
        before = sentence[max(0, m.start() - 8) : m.start()]
        said_total = m.group(0).startswith("主动") or m.group("tot") or re.search(r"全年|本年|共计?$|累计$", before)
        if not said_total or "分别" in before:
            continue
        n = _number(m.group("n"))
        if n is None:
            continue
        value, unit = _unit_value(n, m.group("u"))
        add("active_disclosure_total", value, unit, sentence, s0, m.start(), m.end(),
            ["approximate"] if m.group("approx") else [])
        rest = sentence[m.end() :]
        note = re.match(r"\(([^)]*)\)", rest)
        overlapping = bool(note and re.search(r"渠道|重复|相同信息", note.group(1)))
        k = rest.find("其中")
        if k < 0 or k > 40:
            continue
        items = [p for p in _PART.finditer(rest, k) if not _inside_parens(rest, p.start())]
        if len(items) < 2:
            continue
        overlapping = overlapping or "分别" in rest[k:]
        base = m.end()
        total = 0.0
        prev_end = k + 2  # after 其中
        for p in items:
            v, u = _unit_value(_number(p.group("n")) or 0.0, p.group("u"))
            total += v
            # the item's label: back to the previous comma or the previous item ("年度工作计划、工作总结1条")
            label = rest[max(prev_end, rest.rfind(",", k, p.start()) + 1) : p.end()].lstrip("、和及与")
            prev_end = p.end()
            add("active_disclosure_part", v, u, sentence, s0, base + p.start(), base + p.end(), snippet=label)
        add("active_disclosure_parts_sum", total, unit, sentence, s0, base + k, base + items[-1].end(),
            ["overlapping_channels"] if overlapping else [], snippet=rest[k : items[-1].end() + 1])


def _inside_parens(s: str, i: int) -> bool:
    return s.rfind("(", 0, i) > s.rfind(")", 0, i)
