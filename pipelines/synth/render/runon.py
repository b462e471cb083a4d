"""Run-together cells: a naive HTML-to-text crawl that drops cell separators (spec §9).

Each table row becomes one line: its cells concatenated, the separator between two cells kept (one
space) or dropped at a per-report rate. The digits are exactly the printed cells, in order: a T3 row
`一、本年新收政府信息公开申请数量230 000023`, a signed change `2648-18538`. Which rows lost a separator is
listed in the gold notes (`notes`), since some splits are ambiguous.
"""

from __future__ import annotations

from pipelines.synth.grid import grids
from pipelines.synth.model import Report
from pipelines.synth.render.common import finish_text, flat, flow, rng_for

def _lines(report: Report) -> tuple[list[str], list[str]]:
    """The text lines and the names of the table rows printed with a separator missing."""
    rng = rng_for(report, "runon")
    keep = rng.choice((0.0, 0.2, 0.5))
    out: list[str] = []
    joined: list[str] = []
    for kind, item in flow(report):
        if kind != "tables":
            out.append(str(item))
            continue
        for g in grids(report.tables, item):
            for r, row in enumerate(g.rows):
                text, dropped = "", False
                for i, cell in enumerate(row):
                    piece = flat(cell.text)
                    if i and cell.kind == "value" and row[i - 1].kind == "value":
                        if rng.random() < keep:
                            piece = " " + piece
                        else:
                            dropped = True
                    text += piece
                out.append(text)
                if dropped:
                    if g.key == "t2":
                        joined.append(_t2_name(report, row[0].text))
                    elif g.key == "t4_review_litigation":
                        joined.append("t4_review_litigation (the 15-cell row)")
                    else:
                        joined.append(f"t3_applications.{report.tables[g.key].rows[r - g.header_rows].key}")
    return out, joined


def _t2_name(report: Report, label: str) -> str:
    for key, table in report.tables.items():
        for row in table.rows:
            if key.startswith("t2_") and row.label == label:
                return f"{key}.{row.key}"
    return label


def run_together(report: Report) -> bytes:
    return finish_text(report, "\n".join(_lines(report)[0]) + "\n")


def notes(report: Report) -> list[str]:
    """Gold notes: which rows are run together (their splits rely on the identities, some are ambiguous)."""
    joined = _lines(report)[1]
    if not joined:
        return ["Run-together layout, but every cell separator was kept."]
    return ["Run-together rows (cell separators dropped, gold = the printed cells; a split may be ambiguous): "
            + ", ".join(joined) + "."]
