"""Run-together cells: the report's portal page as a naive crawler saves it (spec §9).

The page of the `html` layout goes through `crawl.crawl_page`, the function that turns the real
`corpus/crawl/pingtan-2025.html` into the crawler's own `pingtan-2025.txt`: header fields, then the whole
article on one line with every cell separator dropped (`一、本年新收政府信息公开申请数量230000023二、…`, a
signed change `2648-18538`, labels split over two <p>s glued back together).

A T2 row has no identity inside it: printed without separators, its digits often split several ways.
Such rows are listed in the gold (`undeterminable`): the text cannot say which split is meant, so a
reader that withholds them is right and one that guesses is not (the real gold does the same).
"""

from __future__ import annotations

from pipelines.contract import TEMPLATE_TABLES
from pipelines.extract.solver import solve
from pipelines.extract.values import PLACEHOLDERS
from synth.model import Report
from synth.render import web
from synth.render.common import finish_text
from synth.render.crawl import crawl_page


def run_together(report: Report) -> bytes:
    return finish_text(report, crawl_page(web.page(report)))


def undeterminable(report: Report) -> list[str]:
    """T2 rows (`table.row`) whose cells, printed without separators, split more than one way."""
    out = []
    for key, table in report.tables.items():
        if not key.startswith("t2_"):
            continue
        for row in table.rows:
            if row.key is None or len(row.cells) < 2:
                continue
            signed = [t == "sint" for t in TEMPLATE_TABLES[report.template][key].cols.values()]

            def signs_ok(split: list[str], signed=signed) -> bool:
                return all(s or x in PLACEHOLDERS or not x.startswith(("+", "-")) for s, x in zip(signed, split))

            if len(solve(["".join(row.cells)], len(row.cells), signs_ok, limit=2)) > 1:
                out.append(f"{key}.{row.key}")
    return out


def notes(report: Report) -> list[str]:
    """Gold notes: the layout, and the rows whose split the text cannot determine."""
    rows = undeterminable(report)
    return ["Run-together layout: the portal page as a crawler saves it (header fields, then the article on one "
            "line with every cell separator dropped)."] + (
        [f"T2 rows whose digits split several ways (withholding them is right): {', '.join(rows)}."] if rows else [])
