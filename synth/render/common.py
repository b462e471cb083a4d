"""Helpers shared by the renderers: the document's flow (title, chrome, sections, tables, signature)
and the final touches of text output (ASCII punctuation, document-site scraping, encoding)."""

from __future__ import annotations

import random
from collections.abc import Iterator

from synth import nonreport
from synth.model import Report

_HALFWIDTH = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "；": ";"})


def rng_for(report: Report, purpose: str) -> random.Random:
    """The renderer's own random stream: a function of the report's seed, so rendering is pure."""
    return random.Random(f"{report.seed}:{purpose}")


def flow(report: Report) -> Iterator[tuple[str, object]]:
    """The document in reading order: ("chrome"|"title"|"heading"|"para"|"signature", text) and
    ("tables", [table keys]) items."""
    if report.chrome:  # crawled page chrome around the text (000)
        yield "chrome", "当前位置：首页 > 政务公开 > 政府信息公开年报"
    for line in report.chrome:
        yield "chrome", line
    for line in report.title:
        yield "title", line
    for s in report.sections:
        yield "heading", s.heading
        for p in s.before:
            yield "para", p
        if s.tables:
            yield "tables", s.tables
        for p in s.after:
            yield "para", p
    for line in report.signature:
        yield "signature", line
    if report.chrome:
        yield "chrome", "分享到："
        yield "chrome", "【打印本页】 【关闭本页】"


def finish_text(report: Report, text: str) -> bytes:
    """Apply the report's text-level quirks and encode as UTF-8."""
    if report.halfwidth:
        text = text.translate(_HALFWIDTH)
    if report.scraped:
        text = nonreport.scrape_style(text, rng_for(report, "scrape"), "".join(report.title))
    return text.encode("utf-8")


def flat(label: str, sep: str = "") -> str:
    """A label with its printed line breaks joined (by nothing, or a space as pipe tables do)."""
    return label.replace("\n", sep)
