"""What a report prints around its figures, defined once (spec §2.5, §9): every reader imports it from here.

Part of the contract because every floor reads it: the decoders (OCR number boxes, page numbers), the
extractor (cells, footers, numbering), the generator (placeholders it prints).

Three grammars, each a set of regular-expression fragments the readers compose (a fragment has no groups
and no anchors, so it drops into any pattern) and, where a whole-string test is wanted, a compiled pattern:

- **cell values**: a printed number (sign, thousands separators, decimals; text is NFKC-normalised, so
  full-width digits and signs are ASCII by now), its unit, the placeholders that stand for "nothing"
  (`-` `/` `—` 无 …), the U+FFFD of a figure OCR could not read. `values.py` gives them meaning.
- **page furniture**: page footers (`- 3 -`, `第3页/共5页`, `3/5`, a browser's print header and footer),
  Markdown separator rows and marks. Readers drop them.
- **numbering**: section and row numbers (`一、` `(二)` `3.` `第一部分`), which belong to the label after
  them and are never a value.

Prose (the narrative reader) counts in more units than a cell does (`宗` `份` `篇` …): they are defined
here too, beside the cell's, so the two lists are read side by side.
"""

from __future__ import annotations

import re

# --- cell values ------------------------------------------------------------------------------------------

# The units a table cell may carry (spec §2.5: 52项, 9件, 114.36万元, 251000元); longest first.
MONEY_UNITS = ("万元", "元")
COUNT_UNITS = ("项", "件")
CELL_UNITS = MONEY_UNITS + COUNT_UNITS
CELL_UNIT = "(?:" + "|".join(CELL_UNITS) + ")"
# The units a column takes, by its type (int, sint: counts; amt: amounts in 万元): an amount in 项 or a
# count in 万元 is no cell of that column (a cell read into the wrong column, a split that cut `52项` into
# `5` and `2项`).
COLUMN_UNITS = {"int": COUNT_UNITS, "sint": COUNT_UNITS, "amt": MONEY_UNITS}
# The characters of the units: none of them starts a cell, so no cut falls before one (`万|元`, `52|项`).
UNIT_CHARS = "".join(dict.fromkeys("".join(CELL_UNITS)))
# A unit cut from its number, or cut in two, by white space on one line (`114.36 万元`, `114.36万 元`,
# `52 项`) is still that number's unit, and a decimal point cut from its integer part (`114 .36`) still
# that number's: the white space goes. Not before a letter (`3 项目` is a label).
FIGURE_GAP = re.compile(r"\d(?:[^\S\n]*(?:" + "|".join("[^\\S\\n]*".join(u) for u in CELL_UNITS)
                        + r")(?![\u4e00-\u9fff])|[^\S\n]+\.(?=\d))")


def close_figure_gaps(line: str) -> str:
    """`114.36万 元` → `114.36万元`, `114 .36` → `114.36`: white space that cannot end a figure goes."""
    return FIGURE_GAP.sub(lambda m: "".join(m.group().split()), line)


# The units a figure in a sentence may carry (claims: 行政许可3宗, 公开文件12份); 起/宗/份… are read as 件.
PROSE_COUNT_UNITS = ("件", "项", "条", "起", "宗", "个", "次", "份", "篇", "部")
PROSE_COUNT_UNIT = "(?:" + "|".join(PROSE_COUNT_UNITS) + ")"
PROSE_MONEY_UNIT = "(?:" + "|".join(MONEY_UNITS) + ")"

# The characters placeholders are made of: dashes (ASCII, em, en, horizontal bar, box drawing) and slashes.
# A placeholder is a run of one to three of the same one, 无, 不适用 or n/a (spec §2.5: sample 000 prints `-`
# for every zero). As a regex character class: `[{PLACEHOLDER_MARKS}]`.
PLACEHOLDER_CHARS = "-—–―─/\\"
PLACEHOLDER_MARKS = re.escape(PLACEHOLDER_CHARS)
PLACEHOLDER_WORDS = ("无", "不适用", "n/a", "N/A")
PLACEHOLDERS = frozenset({m * k for m in PLACEHOLDER_CHARS for k in (1, 2, 3)} | set(PLACEHOLDER_WORDS))
PLACEHOLDER = "(?:" + "|".join([re.escape(m) + "{1,3}" for m in PLACEHOLDER_CHARS] + [re.escape(w) for w in PLACEHOLDER_WORDS]) + ")"

# A figure OCR could not read with confidence (pipelines/decode/ocr.py): its digits are U+FFFD. Its value is
# not known: NULL, never a guess.
UNREADABLE = "\ufffd"

# A printed number as a reader meets it: an optional sign, digits, then any run of digits, decimal points
# and thousands commas. What it means (one number? several glued?) is for the reader to decide.
SIGNS = "+-"  # the signs of a number
FIGURE = rf"[{re.escape(SIGNS)}]?\d[\d.,]*"
# One number as printed in a cell: digits grouped by thousands or not, an optional decimal part.
NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
# One number with no leading zero ("04" is never a cell: it is a cell glued to the next one, or to a
# section number); `CUT_NUMBER` is a piece a run of glued digits may be cut into (no thousands separators,
# at most two decimals: a count or an amount in 万元).
WHOLE_NUMBER = r"(?:0|[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*)(?:\.\d+)?"
CUT_NUMBER = r"(?:0|[1-9]\d*)(?:\.\d{1,2})?"
# Characters that never start a cell glued after a number: a cut before them would split the number or its unit.
NO_CUT_BEFORE = "." + UNIT_CHARS
# A sign glued after a figure, then cut from the digits after it (`5-` `23`: 5, -2, 3 or 5, -, 23?), may be
# their sign or a placeholder: that cut decides nothing, the solver does.
SIGN_CUT_OFF = re.compile(rf"[\d{UNIT_CHARS}][{re.escape(SIGNS)}]$")

# --- page furniture ---------------------------------------------------------------------------------------

# A page number printed as a footer or header, on a line of its own: `- 3 -`, `第3页`, `第3页共5页`, `3/5`,
# `page 3 of 5`. A bare `3` is not one: in a table it is a cell.
PAGE_MARK = (r"[-—–]\s*\d{1,3}\s*[-—–]|第\s*\d{1,3}\s*页(?:\s*/?\s*共\s*\d{1,3}\s*页)?|\d{1,3}\s*/\s*\d{1,3}"
             r"|page\s*\d+(?:\s*of\s*\d+)?")
FOOTER = re.compile(
    rf"^\s*(?:{PAGE_MARK})\s*$"
    # a browser's print header and footer: "12/1/26, 4:12 AM   <page title>", "file:///…/x.html   4/14"
    r"|^\s*\d{1,4}/\d{1,2}/\d{1,4}(?:,\s*|\s+)(?:上午|下午)?\d{1,2}:\d{2}(?:\s*[AP]M)?(?![\d:]).*$"
    r"|^\s*(?:file|https?)://\S+\s+\d{1,3}\s*/\s*\d{1,3}\s*$",
    re.IGNORECASE,
)
# A page number alone where only a page number can stand (the last lines of a document, the top or bottom
# line of an OCR page): a bare `3`, `-3`, `·3·`, `3/5`, `第3页/共5页`, and the marks of `PAGE_MARK`.
PAGE_NUMBER_ALONE = re.compile(
    rf"^\s*(?:[-—–―_~·.]*\s*(?:第\s*)?\d{{1,3}}\s*页?\s*(?:/\s*(?:共\s*)?\d{{1,3}}\s*页?)?\s*[-—–―_~·.]*|{PAGE_MARK})\s*$",
    re.IGNORECASE,
)


def is_footer(line: str) -> bool:
    """Whether a line (with or without its white space) is a page footer or a print header/footer."""
    return FOOTER.match(line) is not None


# A Markdown table's separator row: | --- | :-: |
MD_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
# Marks a converter leaves in the text (pymupdf4llm: bold, bookmarks; a heading's #, a quote's >): inline
# ones anywhere, line ones at a line's start before white space.
INLINE_MARKUP = r"\[bookmark:[^\]]*\]|\*\*|__"
LINE_MARKUP = r"^(?:#{1,6}|>)(?=\s)"

# --- numbering --------------------------------------------------------------------------------------------

NUMERALS = "一二三四五六七八九十"
# What ends a sentence in normalised (NFKC) text: ； ！ ？ are ASCII there. As a class: `[{SENTENCE_ENDS}]`.
SENTENCE_ENDS = "。;!?"
CN_NUMBER = rf"[{NUMERALS}]{{1,3}}"  # 一 … 二十九
HEADING_NUMBER = rf"{CN_NUMBER}[、.]"  # 一、 二.
BRACKET_NUMBER = rf"\(\s*(?:{CN_NUMBER}|\d{{1,2}})\s*\)"  # (二) (3): brackets are ASCII after NFKC
ITEM_NUMBER = r"\d{1,2}[、.](?!\d)"  # 3. 3、 — never 3.5
PART_NUMBER = rf"第{CN_NUMBER}部分"
# One level of numbering, as a fragment.
NUMBER_MARK = rf"(?:{HEADING_NUMBER}|{BRACKET_NUMBER}|{ITEM_NUMBER}|{PART_NUMBER})"
# A line or label that opens with a numbering.
NUMBERING = re.compile(rf"^{NUMBER_MARK}")
# A label's whole leading numbering, however many levels it stacks: "(四)1." "三、(二)".
NUMBERINGS = re.compile(rf"^{NUMBER_MARK}+")
# A section number glued to the end of the digits before it (`…00000004、政府信息公开行政复议`): one digit,
# never a zero, or a Chinese numeral, with its mark; matched at the end of a searched window.
GLUED_SECTION_NUMBER = re.compile(rf"(?:[1-9]|[{NUMERALS}]{{1,2}})[、.]$|\([{NUMERALS}]{{1,2}}\)$")
