"""HTML pages → paragraph blocks and table grids, with the site's chrome (menus, footers, share bars) left out.

Tables: a table that holds another table, has a single cell, or has a cell of more than 500 characters
is page layout, not data; its cells are read like `<div>`s, and the tables nested in it become blocks
of their own. Every other table becomes one table block whose grid honours rowspan and colspan (a
merged cell repeats its text in every position it covers); a cell's lines are joined by a space.

Page chrome is dropped by element (script, nav, footer …; a form, or a div/ul/section/span whose id or
class names a menu, breadcrumb, share bar …, unless it holds a table, an h1, a metadata label or over
200 characters of non-link text) and by line (当前位置…, 分享到…, 【打印本页】 …). Lines carrying
metadata (发布日期, 来源, 索引号 …) are always kept: the extractor reads them.

Hostile input is bounded: `<!ENTITY` declarations are refused, nesting deeper than
`Limits.max_html_depth` is refused (libxml2 stops building the tree at depth 2048 and says so in its
error log; that counts as too deep as well), spans are capped and a table grid is at most 1,000,000 cells.
"""

from __future__ import annotations

import re

import lxml
from lxml import etree

from pipelines.decode.model import Block, Decoded, DecodeError, Limits, grid_text
from pipelines.decode.normalise import finish
from pipelines.ingest.encoding import ENCODINGS, decode_as, decode_text

MAX_COLSPAN = 100
MAX_ROWSPAN = 1000
MAX_TABLE_CELLS = 1_000_000
_LAYOUT_CELL_CHARS = 500
_CHROME_KEEP_CHARS = 200

_INVISIBLE_TAGS = frozenset("head script style noscript template iframe object embed svg".split())
_CHROME_TAGS = frozenset("nav header footer aside".split())
_CHROME_CONTAINERS = frozenset("div ul ol section span".split())
_BLOCK_TAGS = frozenset(
    "html body p div h1 h2 h3 h4 h5 h6 li ul ol dl dt dd section article main blockquote pre address "
    "center table caption tr td th thead tbody tfoot figure figcaption hr fieldset legend details summary".split()
)
_CHROME_NAME = re.compile(
    r"nav|menu|footer|header|breadcrumb|crumb|share|sidebar|toolbar|login|(?<!re)search|print|copyright"
    r"|friendlink",
    re.IGNORECASE,
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

_METADATA = re.compile(r"发布日期|发布时间|公开日期|成文日期|生成日期|来源|发布机构|发布单位|索引号|文号|主题分类|公开方式")
_BREADCRUMB = re.compile(r"^(?:当前位置|您现在的位置|您当前的位置|您的位置|当前的位置|所在位置)")
_FONT_SIZE = r"字[体号]\s*[:：]?\s*[【\[]?\s*大\s*[】\]]?\s*[【\[]?\s*中\s*[】\]]?\s*[【\[]?\s*小\s*[】\]]?"
_CHROME_WORDS = (
    r"打印本页|打印此页|打印文章|打印|关闭窗口|关闭本页|关闭|返回顶部|返回|收藏本页|加入收藏|收藏"
    r"|扫一扫在手机(?:上)?打开当前页|扫一扫在手机打开|分享到|分享"
)
# Bracketed chrome is cut out of any line (a metadata line often ends with 【字体：大 中 小】【打印本页】).
_BRACKETED_CHROME = re.compile(rf"[【\[]\s*(?:{_FONT_SIZE}|{_CHROME_WORDS})\s*[】\]]|{_FONT_SIZE}")
_BARE_CHROME = re.compile(rf"{_FONT_SIZE}|{_CHROME_WORDS}")
_SEPARATORS = re.compile(r"[\s|｜:：>》»/\\\-—·•【】\[\]()（）]+")
_SHARE_LINE_CHARS = 40

_DECLARED_CHARSET = re.compile(
    rb"""<(?:meta|\?xml)[^>]*?(?:charset|encoding)\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_CHARSET_LABELS = {
    **dict.fromkeys(
        "gb2312 gbk gb18030 cp936 ms936 windows-936 x-gbk gb_2312-80 csgb2312 euc-cn x-euc-cn chinese".split(),
        "gb18030",
    ),
    **dict.fromkeys("big5 big5-hkscs cp950 ms950 windows-950 x-x-big5 csbig5".split(), "big5"),
    "utf-8": "utf-8",
    "utf8": "utf-8",
}
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def _is_unicode(data: bytes) -> bool:
    if data.startswith(_BOMS):
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decode(data: bytes, encoding: str | None) -> str:
    """Bytes → text. A page's own charset declaration beats a statistical guess (gb18030 vs big5),
    but not a BOM or valid UTF-8: crawlers often re-save pages as UTF-8 and keep the old <meta>."""
    if encoding not in ("utf-8", "utf-8-sig", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        match = _DECLARED_CHARSET.search(data[:8192])
        declared = _CHARSET_LABELS.get(match.group(1).decode("ascii").lower()) if match else None
        if declared and not _is_unicode(data):
            try:
                return decode_as(data, declared)
            except UnicodeDecodeError:
                pass
    if encoding in ENCODINGS:
        try:
            return decode_as(data, encoding)
        except UnicodeDecodeError:
            pass
    try:
        return decode_text(data)[0]
    except ValueError as e:
        raise DecodeError("html_undecodable", str(e)) from e


def _parse(text: str, limits: Limits) -> etree._Element:
    if re.search(r"<!\s*ENTITY", text, re.IGNORECASE):
        raise DecodeError("html_entity_declaration", "the page declares XML entities (<!ENTITY); refused")
    # huge_tree lifts libxml2's default depth cap of 256 (to 2048) so Limits.max_html_depth decides.
    # lxml.etree's parser, not lxml.html's: the same tree, without a Python element-class lookup and proxy
    # object for every element the walk touches (7% of the instructions of decoding a report's page)
    parser = etree.HTMLParser(
        encoding="utf-8", no_network=True, remove_comments=True, remove_pis=True, huge_tree=True
    )
    try:
        root = etree.fromstring(text.encode("utf-8", "replace"), parser=parser)
        if root is None:  # as lxml.html.document_fromstring says it
            raise etree.ParserError("Document is empty")
    except etree.ParserError as e:
        if "empty" in str(e).lower():
            raise DecodeError("html_no_text", "the page is empty") from e
        raise DecodeError("html_unparseable", f"lxml cannot parse the page ({e})") from e
    except (etree.LxmlError, ValueError) as e:
        raise DecodeError("html_unparseable", f"lxml cannot parse the page ({e})") from e
    if any("Excessive depth" in entry.message for entry in parser.error_log):
        raise DecodeError("html_too_deep", "elements nest deeper than the HTML parser allows")
    depth = 0
    for event, _ in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > limits.max_html_depth:
            raise DecodeError("html_too_deep", f"elements nest deeper than {limits.max_html_depth} levels")
    return root


_text_content = etree.XPath("string()", smart_strings=False)  # lxml.html's HtmlElement.text_content()


def _looks_like_chrome(el: etree._Element) -> bool:
    """A box named or tagged like chrome is dropped only if it holds no table, no title, no metadata
    and little text besides links: `<div id="printContent">` often wraps the whole article, and
    ASP.NET sites wrap the whole page in one `<form>`."""
    if el.find(".//table") is not None or el.find(".//h1") is not None:
        return False
    text = _text_content(el)
    if _METADATA.search(text):
        return False
    links = sum(len(_text_content(a)) for a in el.iter("a"))
    return len(text) - links <= _CHROME_KEEP_CHARS


def _dropped(el: etree._Element, tag: str) -> bool:
    if el.get("hidden") is not None or _HIDDEN_STYLE.search(el.get("style") or ""):
        return True
    if tag in _INVISIBLE_TAGS:
        return True
    if tag in _CHROME_TAGS:
        # An <article>'s own header and footer carry its title and dates.
        return not (tag in ("header", "footer") and any(True for _ in el.iterancestors("article", "main")))
    if tag == "form" or (
        tag in _CHROME_CONTAINERS and _CHROME_NAME.search(f"{el.get('id', '')} {el.get('class', '')}")
    ):
        return _looks_like_chrome(el)
    return False


def _is_chrome_line(line: str) -> bool:
    if _BREADCRUMB.match(line):
        return True
    if line.startswith("分享到") and len(line) <= _SHARE_LINE_CHARS:
        return True
    return not _SEPARATORS.sub("", _BARE_CHROME.sub("", line))


class _Lines:
    """Collects the text of a walk as lines, and the blocks (paragraphs and tables) in order."""

    def __init__(self, page_lines: bool):
        self.page_lines = page_lines  # filter chrome lines (not inside table cells)
        self.blocks: list[Block] = []
        self._parts: list[str] = []

    def add(self, text: str | None, pre: bool) -> None:
        if not text:
            return
        if not pre:
            self._parts.append(text)
            return
        first, *rest = text.split("\n")
        self._parts.append(first)
        for part in rest:
            self.end_line()
            self._parts.append(part)

    def end_line(self) -> None:
        line = " ".join("".join(self._parts).split())
        self._parts.clear()
        if self.page_lines:
            if _METADATA.search(line):
                line = " ".join(_BRACKETED_CHROME.sub(" ", line).split())
            elif _is_chrome_line(line):
                return
        if line:
            self.blocks.append(Block(kind="paragraph", text=line))

    def table(self, grid: tuple[list[list[str]], list[list[bool]]]) -> None:
        self.end_line()
        cells, continued = grid
        self.blocks.append(Block(kind="table", text=grid_text(cells, continued), grid=cells))


def _walk(root: etree._Element, out: _Lines) -> None:
    """Depth-first over `root`, without recursion: text to lines, data tables to grids."""
    stack: list[tuple[etree._Element, bool, bool]] = [(root, False, False)]  # (element, closing, in <pre>)
    while stack:
        el, closing, pre = stack.pop()
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if closing:
            if tag in _BLOCK_TAGS:
                out.end_line()
            if el is not root:
                out.add(el.tail, pre)
            continue
        if not tag or _dropped(el, tag):
            if el is not root:
                out.add(el.tail, pre)
            continue
        if tag == "table":
            grid = _data_grid(el)
            if grid is not None:
                caption = el.find("caption")
                if caption is not None:
                    out.end_line()
                    _walk(caption, out)
                out.table(grid)
                if el is not root:
                    out.add(el.tail, pre)
                continue
        if tag == "br" or tag in _BLOCK_TAGS:
            out.end_line()
        inner_pre = pre or tag == "pre"
        out.add(el.text, inner_pre)
        stack.append((el, True, pre))
        stack.extend((child, False, inner_pre) for child in reversed(el))
    out.end_line()


# inline elements that `_walk` only passes through (no line break, never dropped unless hidden or named
# like page chrome)
_PLAIN_INLINE = frozenset("span font b strong i em u a sup sub small big abbr".split())


def _visible(el: etree._Element) -> bool:
    return el.get("hidden") is None and not _HIDDEN_STYLE.search(el.get("style") or "")


def _plain_cell(cell: etree._Element) -> bool:
    """A cell whose text `_walk` would take as it stands: nothing in it hidden, dropped or breaking a line."""
    if not _visible(cell):
        return False
    for el in cell.iterdescendants():
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag not in _PLAIN_INLINE or not _visible(el) or (
                (el.get("id") or el.get("class")) and _CHROME_NAME.search(f"{el.get('id', '')} {el.get('class', '')}")):
            return False
    return True


def _cell_text(cell: etree._Element) -> str:
    if _plain_cell(cell):  # most cells: the walk below, without its cost
        return " ".join("".join(cell.itertext()).split())
    lines = _Lines(page_lines=False)
    _walk(cell, lines)
    return " ".join(b.text for b in lines.blocks)


_SPAN = re.compile(r"\s*0*(\d{1,9})")


def _span(value: str | None, cap: int) -> int:
    if value is None:
        return 1
    match = _SPAN.match(value)
    return min(max(int(match.group(1)), 1), cap) if match else 1


def _data_grid(table: etree._Element) -> tuple[list[list[str]], list[list[bool]]] | None:
    """The table's grid and, per position, whether a cell to its left covers it (colspan); None when the
    table is page layout (see the module docstring)."""
    if table.find(".//table") is not None:
        return None
    rows = list(table.iter("tr"))
    grid: list[list[str | None]] = [[] for _ in rows]
    continued: list[list[bool]] = [[] for _ in rows]
    filled = 0
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr:
            if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
                continue
            text = _cell_text(cell)
            if len(text) > _LAYOUT_CELL_CHARS:
                return None
            while c < len(grid[r]) and grid[r][c] is not None:
                c += 1
            colspan = _span(cell.get("colspan"), MAX_COLSPAN)
            rowspan = min(_span(cell.get("rowspan"), MAX_ROWSPAN), len(rows) - r)
            filled += colspan * rowspan
            if filled > MAX_TABLE_CELLS:
                raise DecodeError("html_table_too_large", f"a table spans more than {MAX_TABLE_CELLS} cells")
            for covered, cont in zip(grid[r : r + rowspan], continued[r : r + rowspan]):
                covered.extend([None] * (c + colspan - len(covered)))
                cont.extend([False] * (c + colspan - len(cont)))
                for i in range(c, c + colspan):
                    if covered[i] is None:  # overlapping spans: the first cell keeps the position
                        covered[i] = text
                        cont[i] = i > c
            c += colspan
    continued = [cont for cont, row in zip(continued, grid) if row]
    grid = [row for row in grid if row]
    width = max((len(row) for row in grid), default=0)
    if len(grid) * width > MAX_TABLE_CELLS:
        raise DecodeError("html_table_too_large", f"a table spans more than {MAX_TABLE_CELLS} cells")
    if len(grid) * width <= 1:
        return None
    return ([[cell or "" for cell in row] + [""] * (width - len(row)) for row in grid],
            [cont + [False] * (width - len(cont)) for cont in continued])


def _has_text(block: Block) -> bool:
    if block.grid is not None:
        return any(cell.strip() for row in block.grid for cell in row)
    return bool(block.text.strip())


def decode_html(data: bytes, encoding: str | None, limits: Limits) -> Decoded:
    """Decode an HTML page into paragraph and table blocks (see the module docstring)."""
    root = _parse(_decode(data, encoding), limits)
    lines = _Lines(page_lines=True)
    _walk(root, lines)
    if not any(_has_text(block) for block in lines.blocks):
        raise DecodeError("html_no_text", "the page has no visible text")
    original_text = "\n".join(block.text for block in lines.blocks)
    return finish(original_text, lines.blocks, decoder=f"lxml-{lxml.__version__}")
