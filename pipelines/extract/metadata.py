"""Document-level metadata of an annual report (spec §1 template detection, §6 metadata).

Input is the normalised text the decoders produce (NFKC: full-width punctuation is ASCII, （一） → (一),
： → :, ， → ","). PDF text is column-aligned layout text, so most rules match on whitespace-free
("compact") lines, where "2024   年" reads "2024年".

Rule order for the agency follows the gold convention: the title's prefix before the year; else the line
before the title; else the signature block; else the page chrome (发布单位:); else the body
("…人民政府(0312-…)"). A fuller name of the same agency in a compiler statement ("本报告由淮安市洪泽区人民政府
办公室…编制") or the signature replaces a shorter title name (洪泽区人民政府 → 淮安市洪泽区人民政府).
Anything unknown stays None with an issue saying why.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from pipelines.contract.grammar import CN_NUMBER, NUMBERING, PAGE_NUMBER_ALONE, is_footer
from pipelines.extract.labels import SECTIONS
from pipelines.extract.region import RegionResult, gazetteer, resolve_region
from pipelines.extract.lines import compact, nonempty_compact_lines
from pipelines.extract.outline import outline
from pipelines.extract.literals import Guarded
from pipelines.extract.template import detect_template

_HAN = r"\u4e00-\u9fff"
_WS = re.compile(r"\s+")

# --- titles -------------------------------------------------------------------------------------------------
_ANNUAL_TITLE = re.compile(r"(?:政府信息公开|政务信息公开|政务公开|信息公开)(?:工作)?(?:年度(?:工作)?报告|年报)")
_SELF_TITLE = re.compile(r"自查(?:报告|情况)")
_SUMMARY_TITLE = re.compile(r"工作总结")
_NOTICE_TITLE = re.compile(r"通知$|^关于.*的通知")
_ENDS_WITH_YEAR = re.compile(r"20\d{2}年度?$")
_TITLE_YEAR = re.compile(r"(20\d{2})(?:[-—~至到](20\d{2}))?年")
_BREADCRUMB = re.compile(r">>|>|当前位置|您所在的位置|首页")
_PAGE_SUFFIX = re.compile(r"_?第\d+页$")  # a web page's title over several pages: "…年度报告_第2页"
_LABEL_PREFIX = re.compile(r"^(?:标题|名称|文件名称)[::]")


# --- agencies -----------------------------------------------------------------------------------------------
_AGENCY_SUFFIX = re.compile(
    r"(?:人民政府|政府|办事处|街道|镇|乡|管委会|管理委员会|委员会|办公厅|办公室|局|委|厅|办|中心|署|院|所|部|处|会|站|队|馆)$"
)
_PRONOUN = re.compile(r"(?:我|本)(局|委|厅|办|中心|署|院|镇|乡|街道|区|县|市|州|旗|省)(?![长员级])")
_PRONOUN_KIND = {"局": "department", "委": "department", "厅": "department", "办": "department", "中心": "department",
                 "署": "department", "院": "department", "镇": "township", "乡": "township", "街道": "township",
                 "区": "government", "县": "government", "市": "government", "州": "government", "旗": "government",
                 "省": "government"}
_CHROME_AGENCY = re.compile(r"(?:发布单位|发布机构|发文机关|信息来源|来源)[::]\s*([^\s::|]{2,40})")
_BODY_AGENCY = re.compile(rf"([{_HAN}]{{2,24}}?(?:人民政府|政府|局|委员会|办公室|办事处))\(?0\d{{2,3}}-\d{{7,8}}")
_COMPILER = re.compile(rf"本(?:年度)?(?:报告|年报)由([{_HAN}()]{{2,40}}?)(?:根据|依据|按照|编制|负责|汇总|组织)")
_ANONYMISED = re.compile(r"[xX×*]{2}|某")
_BAD_AGENCY = re.compile(r"关于|印发|转发|年度|报告|本站|本网|网站|^政府信息|^政务公开")

# --- dates --------------------------------------------------------------------------------------------------
_CN_DIGIT = {"〇": 0, "○": 0, "零": 0, "O": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9}
_NUM = rf"\d{{1,2}}|{CN_NUMBER}"
_DATE = rf"(20\d{{2}}|二[〇○零O][一二三四五六七八九〇○零O]{{2}})\s*[年\-/.]\s*({_NUM})\s*[月\-/.]\s*({_NUM})\s*日?"
_DATE_RE = re.compile(_DATE)
_CHROME_DATE = re.compile(rf"(公开日期|发布日期|发布时间|公开时间|发文日期|成文日期|印发日期|生成日期)\s*[::]?\s*{_DATE}")
_CHROME_RANK = {"公开日期": 0, "发布日期": 0, "发布时间": 0, "公开时间": 0, "发文日期": 1, "成文日期": 1, "印发日期": 1,
                "生成日期": 1}
_BOILERPLATE = re.compile(r"分享到|打印本页|关闭本页|关闭窗口|扫一扫|【")

# --- years --------------------------------------------------------------------------------------------------
# 统计期限自2020年1月1日…; tolerates "20201月1日" (year glued to month, §4 E12) and spaced PDF text.
_PERIOD_YEAR = re.compile(r"(20\d{2})年?0?1月0?1日(?:起)?(?:至|到|-|—)")
_STATEMENT_YEAR = re.compile(r"(20\d{2})年度?[,,]?(?:我|本)(?:局|委|厅|办|中心|署|院|镇|乡|街道|区|县|市|单位|部门|机关)(?![^,。;]{0,3}(?:将|要|拟|计划))")
_STATEMENT_YEAR_REV = re.compile(r"(?:我|本)(?:局|委|厅|办|中心|署|院|镇|乡|街道|区|县|市|单位|部门|机关)(20\d{2})年度?(?!将)")

# --- scope, chrome ------------------------------------------------------------------------------------------
_SUMMARY_SCOPE = re.compile(
    r"全(?:省|市|县|区|旗|州|盟)(?:各级(?:行政机关)?|行政机关|各部门)|全(?:省|市|县|区|旗|州|盟)共?(?:受理|收到|新收)"
    r"|汇总(?:编制|形成|而成)|(?:数据|年报)[^。]{0,6}汇总"
)
# `_SUMMARY_SCOPE` in two searches that scan for their first characters (全; 汇总 asked for first)
_SCOPE_WHOLE = re.compile(r"全(?:省|市|县|区|旗|州|盟)(?:各级(?:行政机关)?|行政机关|各部门|共?(?:受理|收到|新收))")
_SCOPE_MERGED = re.compile(r"汇总(?:编制|形成|而成)|(?:数据|年报)[^。]{0,6}汇总")


def _summary_scope(compact_text: str) -> bool:
    """Whether `_SUMMARY_SCOPE` occurs in the text."""
    return bool(_SCOPE_WHOLE.search(compact_text)) or ("汇总" in compact_text
                                                       and bool(_SCOPE_MERGED.search(compact_text)))


_INDEX_NO = re.compile(r"索引号\s*[::]\s*([0-9A-Za-z][\w\-/.]*)")
_DOC_NO = Guarded(re.compile(r"(?:文号|发文字号)\s*[::]\s*([^\s::]+)"))
_FILER = Guarded(re.compile(rf"(?:填报人|联系人)\s*[::]\s*([{_HAN}]{{2,4}})"))
_PHONE = r"(?:\(?0\d{2,3}\)?[-—]?)?\d{7,8}|1[3-9]\d{9}"
_LABELLED_PHONE = Guarded(re.compile(rf"(?:联系电话|联系方式|电话)\s*[::]?\s*({_PHONE})"))
_PORTAL_NAME, _PORTAL_OWNERS, _PORTAL_END = 20, ("人民政府", "政府"), "门户网站"  # longest name, its owner, the ending
_PORTAL = re.compile(rf"([{_HAN}]{{2,{_PORTAL_NAME}}}(?:{'|'.join(_PORTAL_OWNERS)}){_PORTAL_END})")
_PORTAL_REACH = _PORTAL_NAME + max(map(len, _PORTAL_OWNERS)) + len(_PORTAL_END)  # the longest match


def _portals(text: str) -> list[str]:
    """`_PORTAL.findall(text)`, searched only from just before each 门户网站 (a match is at most _PORTAL_REACH
    characters and ends with it): findall tries every character of the text, each up to 20 characters on,
    and a report names its portal a few times in thousands of characters. A match that starts earlier ends
    at an earlier 门户网站, whose search found it."""
    found, last = [], 0
    at = text.find(_PORTAL_END)
    while at >= 0:
        m = _PORTAL.search(text, max(last, at + len(_PORTAL_END) - _PORTAL_REACH))
        if m is None:
            break
        found.append(m.group(1))
        last = m.end()
        at = text.find(_PORTAL_END, last)
    return found
_CONTACT_PAREN = re.compile(rf"联系[{_HAN}]{{0,24}}\(({_PHONE})\)")


@dataclass
class Metadata:
    doc_type: str  # annual_report | self_inspection | work_summary | notice | not_a_report
    title: str | None = None
    agency: str | None = None
    agency_kind: str | None = None  # government | department | township | zone
    admin_level: str | None = None  # central | provincial | prefectural | county | township
    region: str | None = None
    region_code: str | None = None
    region_confidence: float | None = None
    year: int | None = None
    publication_date: str | None = None  # ISO yyyy-mm-dd
    date_source: str | None = None  # chrome | signature | body
    template: str | None = None  # v2019 | v2021 | hybrid | unknown_template | None
    report_scope: str | None = None  # jurisdiction_summary | government_own | agency_own
    index_no: str | None = None
    doc_no: str | None = None
    contact: str | None = None
    issues: list[dict] = field(default_factory=list)


def _issue(code: str, message: str, severity: str = "warning", location: str = "metadata") -> dict:
    return {"code": code, "severity": severity, "message": message, "location": location}


def _compact(s: str) -> str:
    return _WS.sub("", s)


def _nonempty_lines(text: str) -> tuple[str, ...]:
    """Non-empty lines, whitespace-free."""
    return nonempty_compact_lines(text)


# --- title and agency ---------------------------------------------------------------------------------------

@dataclass
class _Title:
    text: str
    kind: str  # annual | self | summary | notice
    line_index: int
    prev_line: str | None


@lru_cache(maxsize=65536)
def _title_kind(s: str) -> str | None:
    if s.endswith(":"):
        # a line that introduces what follows is no title: "开工作总结如下:" is the tail of "现将…政务公开工作总结如
        # 下:" wrapped at a fixed width (a PDF's or an e-mail's text), in a report that has no title line
        return None
    if _NOTICE_TITLE.search(s):
        return "notice"
    if _SELF_TITLE.search(s):
        return "self"
    if _ANNUAL_TITLE.search(s):
        return "annual"
    if _SUMMARY_TITLE.search(s):
        return "summary"
    return None


@lru_cache(maxsize=65536)
def _clean_title_line(c: str) -> str:
    c = c.lstrip("#*> ").rstrip("*")  # Markdown heading / emphasis marks around a converted title
    c = _LABEL_PREFIX.sub("", c)
    c = _PAGE_SUFFIX.sub("", c)
    return c.strip("《》“”\"")


@lru_cache(maxsize=65536)
def _never_title(c: str) -> bool:
    """A browser's print header (it repeats the page title on every page), a long line, a breadcrumb, a
    sentence, a body heading ("六、政府信息公开工作年度报告"): no title."""
    return bool(is_footer(c) or len(c) > 80 or _BREADCRUMB.search(c) or re.search(r"[。;]", c)
                or NUMBERING.match(c))


def find_title(text: str, max_lines: int = 40, chrome_lines: int = 120) -> _Title | None:
    """The first short line (or pair of lines, for a title wrapped in two) that reads as a report title.

    A title without a year ("政府信息公开年报", a site's column name) gives way to a later one with a year,
    which may stand further down a page printed with its site's navigation."""
    first = _find_title(text, max_lines)
    if first is not None and _TITLE_YEAR.search(first.text):
        return first
    # a page copied with its site's navigation one item per line (a browser copy, a crawl that breaks at every
    # tag) can push the title below the first lines, after a breadcrumb whose last item is the column's name
    # ("政府信息公开年报"): from there on only a title with a year is taken
    later = _find_title(text, chrome_lines, start=first.line_index + 1 if first else max_lines)
    while later is not None and not _TITLE_YEAR.search(later.text):
        later = _find_title(text, chrome_lines, start=later.line_index + 1)
    return later if later is not None else first


def _find_title(text: str, max_lines: int, start: int = 0) -> _Title | None:
    lines = [_clean_title_line(c) for c in _nonempty_lines(text)[:max_lines]]
    for i, c in enumerate(lines):
        if i < start or _never_title(c):
            continue
        kind = _title_kind(c)
        title = c
        if kind is None and i + 1 < len(lines) and len(c) + len(lines[i + 1]) <= 80 and not c.endswith(":"):
            pair = c + lines[i + 1]
            if _title_kind(lines[i + 1]) is None and not _never_title(pair) and _title_kind(pair):
                kind, title = _title_kind(pair), pair
        if kind:
            prev = lines[i - 1] if i > 0 else None
            m = _TITLE_YEAR.search(title)
            if prev and (m.start() if m else 0) == 0 and _looks_like_agency(prev):
                title = prev + title  # agency on the line before: "马渚镇人民政府" / "2020年…年度报告"
            elif prev and m is None and _ENDS_WITH_YEAR.search(prev) and not _never_title(prev):
                # a title wrapped after its year, the rest reading as a title alone: "平潭综合实验区2025年度" /
                # "政府信息公开工作年度报告"
                title = prev + title
            return _Title(title, kind, i, prev)
    return None


# A title inside a text with no usable lines (a page flattened onto one line, a crawl): a run of Han
# characters that starts at a boundary (":" of a chrome field, a digit, the start) and reads agency + year
# + the annual-report pattern. A title restated after the chrome's own agency field ("发布单位:永和镇永和镇
# 2020年度…") doubles the name: the repeat is dropped.
_STREAM_TITLE = re.compile(
    rf"(?<![{_HAN}()])(?:标题:)?([{_HAN}()]{{0,30}}?)(20\d{{2}})年度?([{_HAN}()]{{0,30}}?)(?:{_ANNUAL_TITLE.pattern})")
_STREAM_OTHER_TITLE = re.compile(rf"(?<![{_HAN}()])[{_HAN}()]{{0,40}}?(?:{_SELF_TITLE.pattern}|{_SUMMARY_TITLE.pattern})"
                                 rf"(?=[^{_HAN}]|{CN_NUMBER}、|$)")


_CRUMB_TRAIL = re.compile(r"^首页.*(?:年报|年度报告|信息公开|政务公开|专栏|专题)")


def _lineless(text: str) -> bool:
    """Whether the text has no lines to speak of: most of it sits on lines of over 200 characters."""
    lines = _nonempty_lines(text)
    return sum(len(c) > 200 for c in lines) * 2 >= len(lines)


def find_title_in_stream(compact_text: str, within: int = 600) -> _Title | None:
    """A title found in the whitespace-free text when no line holds one (the document has no lines)."""
    head = compact_text[:within]
    m = _STREAM_TITLE.search(head)
    other = _STREAM_OTHER_TITLE.search(head)
    if other and (m is None or other.start() < m.start()):
        return _Title(other.group(), _title_kind(other.group()) or "self", 0, None)
    if m is None:
        return None
    # a breadcrumb run into the title ("当前位置: 首页 > 政务公开 > … > 政府信息公开年报 > 平潭综合实验区2025年度…"
    # with its separators gone): the trail, up to its last column name, is no part of the agency's name
    prefix = _CRUMB_TRAIL.sub("", m.group(1))
    half = len(prefix) // 2
    if len(prefix) % 2 == 0 and half >= 2 and prefix[:half] == prefix[half:]:
        prefix = prefix[:half]
    return _Title(prefix + m.group()[m.start(2) - m.start():], "annual", 0, None)


def _clean_agency(s: str | None) -> str | None:
    if not s:
        return None
    s = s.strip(" ,,:、《》“”\"'-—")
    if (not re.fullmatch(rf"[{_HAN}A-Za-z×()]{{2,}}", s) or not re.search(rf"[{_HAN}]", s)
            or NUMBERING.match(s) or _BAD_AGENCY.search(s)):
        return None
    return s


def _looks_like_agency(s: str) -> bool:
    """A short line of Han characters ending like an agency or a place ("马渚镇人民政府", "定州市东亭镇")."""
    return bool(2 <= len(s) <= 30 and re.fullmatch(rf"[{_HAN}()]+", s)
                and (_AGENCY_SUFFIX.search(s) or re.search(r"(?:省|市|区|县|旗|州|盟)$", s))
                and not _BAD_AGENCY.search(s))


def _agency_from_title(t: _Title) -> str | None:
    """The title's prefix before the year; for "2021年XX局政府信息公开…" the name between year and pattern."""
    pat = _ANNUAL_TITLE.search(t.text) or _SELF_TITLE.search(t.text) or _SUMMARY_TITLE.search(t.text)
    end = pat.start() if pat else len(t.text)
    m = _TITLE_YEAR.search(t.text)
    if m and m.start() > 0:
        return _clean_agency(t.text[: m.start()])
    if m:
        between = re.sub(r"^度", "", t.text[m.end() : end])
        return _clean_agency(between) if between and _AGENCY_SUFFIX.search(between) else None
    return _clean_agency(t.text[:end])


def _parse_date(y: str, mo: str, d: str) -> str | None:
    def num(s: str) -> int:
        if s.isdigit():
            return int(s)
        if all(ch in _CN_DIGIT for ch in s):  # 二〇二一
            return int("".join(str(_CN_DIGIT[ch]) for ch in s))
        # 十, 十二, 二十, 二十一, 三十一
        tens, _, units = s.partition("十")
        if "十" not in s:
            return _CN_DIGIT.get(s, 0)
        return (_CN_DIGIT.get(tens, 1) if tens else 1) * 10 + (_CN_DIGIT.get(units, 0) if units else 0)

    try:
        return dt.date(num(y), num(mo), num(d)).isoformat()
    except ValueError:
        return None


def _signature(text: str) -> tuple[str | None, str | None]:
    """(agency, ISO date) of the signature block: the last lines, agency name then date."""
    lines = []
    for c in reversed(_nonempty_lines(text)):  # the last 12 lines that are not page chrome
        if not (_BOILERPLATE.search(c) or PAGE_NUMBER_ALONE.match(c)):
            lines.append(c)
            if len(lines) == 12:
                break
    lines.reverse()
    for i in range(len(lines) - 1, -1, -1):
        m = _DATE_RE.fullmatch(lines[i]) or re.fullmatch(rf"(.{{2,30}}?){_DATE}", lines[i])
        if not m:
            continue
        if m.re is _DATE_RE:
            date, name = _parse_date(*m.groups()), lines[i - 1] if i > 0 else None
        elif _looks_like_agency(m.group(1)):  # "马渚镇人民政府2020年12月31日" on one line
            date, name = _parse_date(*m.groups()[1:]), m.group(1)
        else:
            continue  # a sentence ending in a date ("…至2020年12月31日") is no signature
        if date:
            return (name if name and _looks_like_agency(name) else None), date
    return None, None


def _fuller_name(agency: str, candidates: list[str]) -> str:
    """A longer name of the same agency (淮安市洪泽区人民政府 for 洪泽区人民政府) among the candidates."""
    for c in candidates:
        if c and c != agency and c.endswith(agency) and gazetteer().mentions(c[: len(c) - len(agency)]):
            return c
    return agency


def _compiler(compact_text: str) -> str | None:
    """The government whose office compiled the report: '本报告由X人民政府办公室…编制' → X人民政府."""
    m = _COMPILER.search(compact_text)
    if not m:
        return None
    office = re.fullmatch(r"(.+?政府)(?:政务公开办公室|办公室|办公厅|政务公开办)", m.group(1))
    name = office.group(1) if office else m.group(1)  # else a department compiling its own report
    if not re.search(rf"[{_HAN}]{{2,}}(?:省|市|县|区|旗|州|盟|镇|乡|街道)", name):
        return None  # "区政府办" names no place
    return name if _looks_like_agency(name) else None


def _agency_kind(agency: str | None, pronoun: str | None) -> str | None:
    if agency:
        if re.search(r"(?:镇|乡|街道|街道办事处|苏木)(?:人民政府|政府|党委)?$", agency):
            return "township"
        if re.search(r"(?:管委会|管理委员会)$", agency):
            return "zone"
        if re.search(r"(?:人民政府|政府)(?:办公厅|办公室)?$", agency):
            return "government"
        if _AGENCY_SUFFIX.search(agency):
            return "department"
        return None
    return _PRONOUN_KIND.get(pronoun) if pronoun else None


def _admin_level(agency: str | None, kind: str | None, region: RegionResult) -> str | None:
    if kind == "township":
        return "township"
    if agency and re.match(r"(?:国务院|国家|中华人民共和国|中央)", agency):
        return "central"
    if region.code and region.level in ("province", "city", "county"):
        level = {"province": "provincial", "city": "prefectural", "county": "county"}[region.level]
        # 济南市章丘区人民政府: a district the gazetteer lacks, below the city it resolved to
        if level == "prefectural" and agency and re.search(r"市[\u4e00-\u9fff]{1,6}?(?:区|县|旗)", agency):
            return "county"
        return level
    if agency:
        m = re.search(r"(省|自治区|州|盟|地区|县|旗|区)", agency)
        if m:
            return {"省": "provincial", "自治区": "provincial", "州": "prefectural", "盟": "prefectural",
                    "地区": "prefectural"}.get(m.group(1), "county")
    return None


# --- years --------------------------------------------------------------------------------------------------

def _year(title: _Title | None, compact_text: str, pub_date: str | None, issues: list[dict]) -> int | None:
    title_year = None
    if title and (m := _TITLE_YEAR.search(title.text)):
        title_year = int(m.group(1))
    period = [int(y) for y in _PERIOD_YEAR.findall(compact_text)]
    period_year = Counter(period).most_common(1)[0][0] if period else None
    if title_year and period_year and title_year != period_year:
        issues.append(_issue("year_mismatch", f"title year {title_year} ≠ statistical period year {period_year}", "error",
                             "metadata.year"))
    if title_year:
        return title_year
    if period_year:
        return period_year
    stated = [int(y) for y in _STATEMENT_YEAR.findall(compact_text) + _STATEMENT_YEAR_REV.findall(compact_text)]
    if stated:
        year = Counter(stated).most_common(1)[0][0]
        issues.append(_issue("year_from_body", f"no title or statistical period; year {year} from statements like "
                                               f"'{year}年我局…'", "info", "metadata.year"))
        return year
    if pub_date:
        year = int(pub_date[:4]) - 1
        issues.append(_issue("year_inferred", f"year {year} inferred as publication year − 1", "warning", "metadata.year"))
        return year
    issues.append(_issue("year_unresolved", "no report year in title, statistical period or body", "warning",
                         "metadata.year"))
    return None


# --- main ---------------------------------------------------------------------------------------------------

def _outline_sections(text: str) -> list[str]:
    """The keys of the sections whose headings the text has (spec §1.1), in the outline's order: an
    untitled text with tables is a report when it has at least three."""
    return [SECTIONS[k].key for k in outline(text).headings]


def _chrome_date(text: str) -> str | None:
    best = None
    for m in _CHROME_DATE.finditer(text):
        date = _parse_date(*m.groups()[1:])
        if date and (best is None or _CHROME_RANK[m.group(1)] < best[0]):
            best = (_CHROME_RANK[m.group(1)], date)
    return best[1] if best else None


def _contact(text: str) -> str | None:
    name = _FILER.search(text)
    compact_text = compact(text)  # PDF text spaces labels out: "电 话 : 0517-…"
    phone = _LABELLED_PHONE.search(compact_text) or _CONTACT_PAREN.search(compact_text)
    parts = [p.group(1) for p in (name, phone) if p]
    return " / ".join(parts) if parts else None


def extract_metadata(text: str, has_tables: bool) -> Metadata:
    """Metadata of one normalised document. `has_tables`: the caller found at least one standard table."""
    issues: list[dict] = []
    compact_text = compact(text)
    title = find_title(text) or (find_title_in_stream(compact_text) if _lineless(text) else None)

    # doc_type
    if title and title.kind == "annual":
        doc_type = "annual_report" if has_tables else "not_a_report"
        if not has_tables:
            issues.append(_issue("tables_not_found", "annual-report title but no standard table found", "warning",
                                 "metadata.doc_type"))
    elif title:
        doc_type = {"self": "self_inspection", "summary": "work_summary", "notice": "notice"}[title.kind]
    else:
        outline = _outline_sections(text)
        doc_type = "annual_report" if has_tables and len(outline) >= 3 else "not_a_report"
        issues.append(_issue("title_missing", f"no title line; outline sections found: {outline}",
                             "warning" if doc_type == "annual_report" else "info", "metadata.title"))

    # agency
    sig_agency, sig_date = _signature(text)
    chrome = _CHROME_AGENCY.search(text)
    chrome_agency = _clean_agency(chrome.group(1)) if chrome else None
    compiler = _compiler(compact_text)
    agency = _agency_from_title(title) if title else None
    for fallback in (sig_agency, chrome_agency, compiler):
        agency = agency or fallback
    if not agency and (m := _BODY_AGENCY.search(compact_text)):
        agency = _clean_agency(re.sub(r"^.*?(?:请联系|联系|请与|咨询)", "", m.group(1)))
    if agency:
        agency = _fuller_name(agency, [compiler, sig_agency, chrome_agency])
    pronouns = Counter(_PRONOUN.findall(compact_text))
    pronoun = pronouns.most_common(1)[0][0] if pronouns else None
    if not agency:
        msg = f"the text names no agency, only '我{pronoun}'" if pronoun else "no agency name in title, signature or chrome"
        issues.append(_issue("agency_unresolved", msg, location="metadata.agency"))
    elif _ANONYMISED.search(agency):
        issues.append(_issue("agency_anonymised", f"agency name '{agency}' is an anonymised placeholder", "info",
                             "metadata.agency"))
    kind = _agency_kind(agency, pronoun)

    # region: agency name first, then title / chrome / portals / compiler, then body
    strong = [t for t in (title.text if title else None, chrome_agency, compiler, sig_agency) if t]
    strong += _portals(compact_text)
    region = resolve_region(agency, strong, compact_text)
    issues.extend(region.issues)

    # dates and year
    pub_date, source = _chrome_date(text), "chrome"
    if not pub_date and sig_date:
        pub_date, source = sig_date, "signature"
    if not pub_date:
        source = None
        issues.append(_issue("publication_date_missing", "no chrome date and no signature date", "info",
                             "metadata.publication_date"))
    year = _year(title, compact_text, pub_date, issues)

    # template
    template, found_labels = detect_template(text)
    labels = list(found_labels)
    if doc_type != "annual_report":
        if template:
            issues.append(_issue("template_labels_in_non_report", f"template labels {labels} in a {doc_type}", "info",
                                 "metadata.template"))
        template = None
    elif template is None:
        template = "unknown_template"
        issues.append(_issue("template_unknown", "annual report without any template label", location="metadata.template"))
    elif template == "hybrid":
        issues.append(_issue("template_hybrid", f"labels of both templates: {labels}", location="metadata.template"))

    if _summary_scope(compact_text):
        scope = "jurisdiction_summary"
    else:
        scope = {"government": "government_own", "township": "government_own", "department": "agency_own",
                 "zone": "agency_own"}.get(kind or "")

    doc_no = _DOC_NO.search(text)
    doc_no_value = doc_no.group(1) if doc_no and not re.search(r"[::]$|日期|时间", doc_no.group(1)) else None
    index_no = _INDEX_NO.search(text)
    return Metadata(
        doc_type=doc_type,
        title=title.text if title else None,
        agency=agency,
        agency_kind=kind,
        admin_level=_admin_level(agency, kind, region),
        region=region.region,
        region_code=region.code,
        region_confidence=region.confidence,
        year=year,
        publication_date=pub_date,
        date_source=source,
        template=template,
        report_scope=scope,
        index_no=index_no.group(1) if index_no else None,
        doc_no=doc_no_value,
        contact=_contact(text),
        issues=issues,
    )
