"""Label normalisation and the template's row labels as patterns (spec §2, §2.5), derived from the one
definition of the templates (pipelines/contract/templates.yml): nothing here restates a label.

A row is recognised by distinctive substrings of its official label (and of the variants met in the
wild), never by its numeral: numbering, brackets and wrapping differ from report to report. Several
labels are ambiguous alone ("其他" is a column, an outcome and a row): the matcher resolves them by the
template's row order, not here.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

from pipelines import contract as C
from pipelines.contract.grammar import NUMBERINGS

_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "「": '"', "」": '"'})
_ALIASES = [tuple(pair) for pair in C.ALIASES.values()]  # (variant, official wording)


@lru_cache(maxsize=65536)
def norm_label(text: str) -> str:
    """A label ready to match: no white space, unified quotes and brackets, known variants mapped."""
    text = "".join(text.split()).translate(_QUOTES).replace("（", "(").replace("）", ")").replace("：", ":")
    for variant, canonical in _ALIASES:
        text = text.replace(variant, canonical)
    return text


@dataclass(frozen=True)
class RowPattern:
    key: str
    pattern: re.Pattern
    official: str  # the official label, for length plausibility and fuzzy fallback


def _patterns(tables: tuple[str, ...]) -> dict[str, RowPattern]:
    return {row: RowPattern(row, re.compile(entry["match"]), C.ascii_form(C.label_of(entry)))
            for table in tables for row, entry in C.TABLES[table]["rows"].items()}


T2_ROWS = _patterns(C.T2_TABLES)
T3_ROWS = _patterns(("t3_applications",))

# The same rows as literal keys for the stream reader (`stream.py`), which finds them in text with no
# separators at all: the official label and its distinctive parts, most specific first. A key may name
# several rows ("其他" names other_misc only where the order allows it).
STREAM_KEYS = {row: tuple(entry["keys"]) for table in [*C.T2_TABLES, "t3_applications"]
               for row, entry in C.TABLES[table]["rows"].items()}

T2_CAPTION = re.compile(C.PATTERNS["t2_caption"])
T2_ITEMS = {T2_CAPTION.search(C.ascii_form(C.TABLES[t]["caption"])).group(1): t for t in C.T2_TABLES}
T2_ROW_TABLE = {row: table for table in C.T2_TABLES for row in C.TABLES[table]["rows"]}
# The words of a T2 caption around its item number: 第二十条第, 项
_CAPTION = C.ascii_form(C.TABLES[C.T2_TABLES[0]]["caption"])
T2_CAPTION_WORDS = (_CAPTION.partition("(")[0], _CAPTION.rpartition(")")[2])
# The opening words of the T2 tables' first column headers: after the row header, they make a T2 header line
T2_FIRST_COL_WORDS = tuple(C.DEFINITION["first_col_words"])

T3_HEADING = re.compile(C.PATTERNS["t3_heading"])
T3_HEADER = re.compile(C.PATTERNS["t3_header"])
# T3's first header cells: 申请人情况 over the columns, and the first column's 自然人
_T3 = C.TABLES["t3_applications"]
T3_HEADER_CELLS = (_T3["col_group"], C.label_of(next(iter(_T3["cols"].values()))))
# The T3 note's opening words, to its 勾稽关系 (本列数据的勾稽关系), without its bracket
_NOTE = C.ascii_form(_T3["note"]).lstrip("(")
T3_NOTE_OPENING = _NOTE[: T3_HEADER.search(_NOTE).end()]
# Words of T3's numbered row and group labels (一、本年新收…, 三、本年度办理结果, (七)总计 …)
T3_LABEL = re.compile(C.PATTERNS["t3_label"])
T4_HEADING = re.compile(C.PATTERNS["t4_heading"])
T4_LABEL = re.compile(C.PATTERNS["t4_label"])
END_OF_TABLES = re.compile(C.PATTERNS["end_of_tables"])

# T4's two blocks, as headings and prose name them: 行政复议, 行政诉讼.
_T4 = C.TABLES["t4_review_litigation"]
T4_REVIEW = C.label_of(_T4["rows"]["admin_review"])
T4_LITIGATION = _T4["row_groups"]["litigation"]
# The words of T4's section title before its first block's name (政府信息公开): a heading may open with them.
T4_TITLE_LEAD = C.section_title("t4_review_litigation").partition(T4_REVIEW)[0]
# The names of T4's two blocks without the word they share (行政): 复议, 诉讼
_SHARED = os.path.commonprefix([T4_REVIEW, T4_LITIGATION])
T4_BLOCK_WORDS = (T4_REVIEW.removeprefix(_SHARED), T4_LITIGATION.removeprefix(_SHARED))


def _section_heading(number: int, titles: list[str]) -> str:
    alternatives = [re.escape(C.ascii_form(title)) for title in titles]
    if number == _T4["section"]:  # 行政复议、行政诉讼情况, 被申请行政复议、提起行政诉讼情况, 行政复议和行政诉讼情况
        # (its title's opening words before them, optional: an unnumbered heading line opens with them)
        alternatives.append(rf"(?:{re.escape(T4_TITLE_LEAD)})?{re.escape(T4_REVIEW)}.{{0,4}}"
                            rf"{re.escape(T4_LITIGATION)}情况")
    return "|".join(alternatives)


@dataclass(frozen=True)
class Section:
    """A section of the report's outline (spec §1.1), as its headings name it."""

    key: str  # s1_overview … s6_other
    heading: str  # a regex fragment on whitespace-free text: any of its titles (T4's section also by its two
    # blocks' names a few characters apart, however worded) — an outline heading as printed
    word: str  # what a heading numbered like a section names it by, whatever else it says (outline.py): its
    # `word`, else its official title


SECTIONS = tuple(Section(s["key"], _section_heading(n, s["titles"]), s.get("word", s["titles"][0]))
                 for n, s in enumerate(C.DEFINITION["sections"], 1))
SECTION_HEADINGS = tuple(s.heading for s in SECTIONS)  # each section's heading, in the report's order
# Topics of a section that some reports head as sections of their own (五、政府信息管理)
SECTION_TOPICS = tuple(t for s in C.DEFINITION["sections"] for t in s.get("topics", ()))

# Marks of a sentence, which a table label never is: "2024年,我厅共新收政府信息公开申请 231 件".
PROSE = re.compile(r"[。;；:：!！?？]|我(?:局|镇|乡|委|厅|办|单位|机关|县|区|市|省)|共|全年|其中")


def matches(pattern: RowPattern, label: str) -> bool:
    """Whether a normalised label is this row's: the pattern is in it and it is not much longer than the
    official label (a sentence of narrative that happens to name 行政许可 is not a row label)."""
    return (bool(pattern.pattern.search(label)) and len(label) <= len(pattern.official) + 14
            and not PROSE.search(label))


def strip_numbering(label: str) -> str:
    """A normalised label without its leading numbering ("(四)1." …), for fuzzy comparison."""
    return NUMBERINGS.sub("", label)
