"""The outline of a report: where the headings of its six sections stand (spec §1.1) and how each is numbered.

The one heading finder: metadata reads it to recognise an untitled report by its outline, and the outline
rules (MD-02 `six_sections`, NT-07 `problems_section`, in expectations/) read it to judge the sections.

A heading is found in one of two ways:

- **on a short line of its own** (at most 40 characters once white space and Markdown marks — `## `,
  `**…**` — are removed): a line numbered like a section (一、 4、 第四部分) whose rest opens with one of the
  section's titles, or — numbered 一、… only — names it by its word (五、存在的主要问题和整改措施); an
  unnumbered line that opens with one of the section's titles and says little more. A line that is only a
  section's word is no heading: T4's header line `行政复议` names section 四's word.
- **in a run of text** (a longer line: a page flattened by a crawler or a converter): one of the section's
  titles right after a section number glued to it (…继续办理0000000四、政府信息公开行政复议…), else right
  after the end of a sentence or of a table's figures. A title in a list or a quotation (本报告共分6个部分：
  总体情况、主动公开…; 由“总体情况”、“…”组成) or after a sub-item's bracket number ((四)主动公开政府信息情况。)
  is no heading.

Each section's heading is its first one found on a line of its own, else its first numbered one in a run,
else its first other one in a run.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from pipelines.contract.grammar import CN_NUMBER, SENTENCE_ENDS
from pipelines.extract.labels import SECTIONS

SHORT = 40  # the longest line (white space and Markdown marks removed) read as a heading line of its own

# A section number as printed: 四、 四. 4、 4. 第四部分 (a bracketed number (四) numbers a sub-item, not a section)
_MARK = rf"(?:(?P<cn>{CN_NUMBER})[、.]|(?P<arabic>[1-9])[、.](?!\d)|第(?P<part>{CN_NUMBER})部分[、.:]?)"
_LINE_NUMBER = re.compile(_MARK)
_GLUED_NUMBER = re.compile(rf"{_MARK}$")  # searched in the few characters before a title in a run of text
_DECORATION = re.compile(r"^[#*>]+|\*+$")  # Markdown's heading and bold marks around a heading line
# Any title of any section (a group per section); each section's regex as the contract gives it
_TITLES = re.compile("|".join(f"(?P<s{k}>{s.heading})" for k, s in enumerate(SECTIONS)))
_SENTENCE = re.compile(f"[{SENTENCE_ENDS}]")
# In a run of text: what ends a sentence or a table's figures before an unnumbered heading, and what goes on
# after a title that is an item of a list or a quotation, never a heading
_BEFORE_RUN_HEADING = re.compile(rf"[{SENTENCE_ENDS}\d\-|]")
_NOT_AFTER_HEADING = frozenset("、,;\"'”’)")


class Heading(NamedTuple):
    start: int  # where the heading begins in the text: its line's start, or its number's in a run of text
    end: int  # where the section's body begins: its line's end, or its title's end in a run of text
    numeral: str | None  # the section number as printed (四, 4; 第四部分 → 四), None when unnumbered


class Outline(NamedTuple):
    headings: dict[int, Heading]  # {section index (0 = 一 … 5 = 六): its heading} of the sections found
    numerals: tuple[str, ...]  # the Chinese section numerals of the numbered heading lines (一 … 八), in order


def _numeral(m: re.Match) -> str:
    return m.group("cn") or m.group("arabic") or m.group("part")


def _section(m: re.Match) -> int:
    return int(m.lastgroup[1:])


def _line_heading(c: str, number: re.Match | None) -> int | None:
    """The section a short whitespace-free line (Markdown marks removed) heads, if any; `number`: its
    section number."""
    rest = c[number.end():] if number else c
    title = _TITLES.match(rest)
    if title and (number or (len(c) <= title.end() + 12 and not _SENTENCE.search(c, title.end()))):
        return _section(title)
    if number and number.group("arabic") is None and not _SENTENCE.search(rest) and not re.search(r"\d", rest):
        for k, section in enumerate(SECTIONS):
            if section.word in rest:
                return k
    return None


def _run_headings(c: str) -> list[tuple[int, int, int, int, str | None]]:
    """The headings in a whitespace-free run of text: (rank, section, start, end, numeral), positions in c;
    rank 1 for a numbered heading, 2 for one after the end of a sentence or of figures."""
    out = []
    for title in _TITLES.finditer(c):
        s, e = title.span()
        if e < len(c) and c[e] in _NOT_AFTER_HEADING:
            continue
        number = _GLUED_NUMBER.search(c, max(0, s - 8), s)
        if number:
            out.append((1, _section(title), number.start(), e, _numeral(number)))
        elif s == 0 or _BEFORE_RUN_HEADING.match(c, s - 1):
            out.append((2, _section(title), s, e, None))
    return out


@lru_cache(maxsize=4)  # metadata and two rules read the outline of the same text
def outline(text: str) -> Outline:
    """The headings of a text's six sections, wherever a heading of each is found (see the module's notes),
    and the Chinese numerals of the numbered heading lines and of the headings found numbered in runs of text
    (a seventh section's 七 among them)."""
    best: dict[int, tuple[int, int, Heading]] = {}  # section: (rank, start, heading), the least rank first
    numerals: list[tuple[int, str]] = []
    offset = 0
    cut = None  # (start, short text, number) of the last line: a numbered short line that heads no section
    for line in text.split("\n"):
        start, offset = offset, offset + len(line) + 1
        c = "".join(line.split())
        if not c:
            continue
        short = _DECORATION.sub("", c) if c[0] in "#*>" or c[-1] == "*" else c
        if cut is not None:
            # a heading line cut by a fixed-width wrap ("三、收到和处理政府信息公开" / "申请情况"): the two lines
            # together open with the section's title, and the heading ends with the second
            joined = cut[1] + short
            title = _TITLES.match(joined, cut[2].end()) if len(joined) <= SHORT else None
            if title is not None and (_section(title) not in best or best[_section(title)][0] > 0
                                      or best[_section(title)][1] == cut[0]):
                best[_section(title)] = (0, cut[0], Heading(cut[0], start + len(line), _numeral(cut[2])))
                cut = None
                continue
            cut = None
        number = _LINE_NUMBER.match(short)
        if number is None and _TITLES.search(c) is None:
            continue  # most lines: no section number and no title, so neither a heading nor one's numeral
        if len(short) <= SHORT:
            if number and not number.group("arabic"):
                numerals.append((start, _numeral(number)))
            k = _line_heading(short, number)
            if number and not _SENTENCE.search(short) and not _TITLES.match(short, number.end()):
                cut = (start, short, number)  # no title whole on the line: the next line may complete it
            if k is not None:
                if k not in best or best[k][0] > 0:
                    best[k] = (0, start, Heading(start, start + len(line), _numeral(number) if number else None))
                continue
        found = _run_headings(c)
        if not found:
            continue
        at = [i for i, ch in enumerate(line) if not ch.isspace()]  # where c's characters stand in the line
        for rank, k, s, e, numeral in found:
            if k not in best or (rank, start + at[s]) < best[k][:2]:
                best[k] = (rank, start + at[s], Heading(start + at[s], start + at[e - 1] + 1, numeral))
    if any(k not in best or best[k][0] == 2 for k in range(len(SECTIONS))):
        # a title, or a title and its number, cut by a line break anywhere (a page flattened onto one line, then
        # wrapped at a fixed width: "…。二、" / "主动公开政府信息情况…"): for the sections no line gave, or gave
        # only unnumbered in a run, the whitespace-free text read as one run
        at = [i for i, ch in enumerate(text) if not ch.isspace()]  # where its characters stand in the text
        for rank, k, s, e, numeral in _run_headings("".join(text.split())):
            if k not in best or (best[k][0] > 0 and (rank, at[s]) < best[k][:2]):
                best[k] = (rank, at[s], Heading(at[s], at[e - 1] + 1, numeral))
    numerals += [(h.start, h.numeral) for rank, _, h in best.values()
                 if rank and h.numeral and not h.numeral.isdigit()]
    return Outline({k: best[k][2] for k in sorted(best)}, tuple(n for _, n in sorted(numerals)))
