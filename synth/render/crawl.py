"""What a naive crawler keeps of a report page (spec §9 "run-together cells").

A site crawler saves a page as a few header fields (from the CMS's <meta> tags) and the article's text
with every tag dropped and nothing put in its place: a table's cells, a label split over two <p>s, a
heading and its first sentence all run together, and the whole article lands on one line
(`…一、本年新收政府信息公开申请数量15130000154二、上年结转…`). `crawl_page` does exactly that; applied to the
real page `corpus/crawl/pingtan-2025.html` it gives the crawler's own `pingtan-2025.txt` (tests check it),
and the generator's run-together layout is this function applied to its portal pages.
"""

from __future__ import annotations

import re

import lxml.html

# Where the article sits in the CMS pages met so far: TRS's editor div, a generic content div, <article>.
_ARTICLE = ('//div[contains(concat(" ", normalize-space(@class), " "), " TRS_Editor ")]',
            '//div[contains(concat(" ", normalize-space(@class), " "), " article_content ")]',
            '//div[contains(concat(" ", normalize-space(@class), " "), " content ")]',
            "//article", "//body")
_HEADER = (("标题", ("ArticleTitle",)), ("发布时间", ("PubDate", "firstpublishedtime")), ("文号", ("FileNum",)),
           ("发布机构", ("ContentSource",)), ("栏目", ("ColumnName",)), ("原文链接", ("Url",)))
SEPARATOR = "==================== 正文 ===================="


def _text(element) -> str:
    for bad in element.xpath(".//script|.//style|.//noscript"):
        bad.drop_tree()
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def crawl_page(page: str) -> str:
    """The crawler's text of a page: header fields, a separator line, then the article on one line."""
    root = lxml.html.fromstring(page)
    meta = {m.get("name"): m.get("content") or "" for m in root.xpath("//meta[@name]")}
    title = meta.get("ArticleTitle") or _first_text(root, "//h1") or _first_text(root, "//title")
    header = []
    for label, names in _HEADER:
        value = title if label == "标题" else next((meta[n] for n in names if n in meta), "")
        header.append(f"{label}: {value}")
    article = next((found[0] for xpath in _ARTICLE if (found := root.xpath(xpath))), root)
    return "\n".join(header) + "\n" + SEPARATOR + "\n" + _text(article) + "\n"


def _first_text(root, xpath: str) -> str:
    found = root.xpath(xpath)
    return _text(found[0]) if found else ""
