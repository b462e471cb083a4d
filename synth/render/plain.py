"""Plain-text layouts of real crawled reports: one cell per line (sample 000), tab-indented cells
(003/004) and pipe rows (002). All three walk the same merged-cell grids as the HTML page would."""

from __future__ import annotations

from synth.grid import Grid, grids, with_continuations
from synth.model import Report
from synth.render.common import finish_text, flat, flow, rng_for

_PADS = ("\xa0", "\u3000", "\xa0\u3000", "\u3000\u3000", "\u3000\u3000       ")


def one_cell_per_line(report: Report) -> bytes:
    """Every cell on its own line; split labels over two lines; blank lines between all lines (000)
    or between rows only."""
    rng = rng_for(report, "ocpl")
    airy = rng.random() < 0.6
    out: list[str] = []

    def put(line: str) -> None:
        out.append(line)
        if airy:
            out.append("")

    for kind, item in flow(report):
        if kind != "tables":
            put(("    " if kind == "heading" and rng.random() < 0.2 else "") + str(item))
            if not airy and kind in ("heading", "para", "title"):
                out.append("")
            continue
        for g in grids(report.tables, item):
            for row in g.rows:
                for cell in row:
                    for part in cell.text.split("\n"):
                        put(part)
                if not airy:
                    out.append("")
    return finish_text(report, "\n".join(out) + "\n")


def tab_indented(report: Report) -> bytes:
    """Cells as tab-prefixed lines padded with NBSP/U+3000; some values pushed to the next, untabbed,
    line (after a blank line now and then, like 003's 总计); covered merge positions as bare tabs."""
    rng = rng_for(report, "tab")
    pad_values = rng.random() < 0.6
    push_rate = rng.choice((0.0, 0.1, 0.4))
    out: list[str] = []
    for kind, item in flow(report):
        if kind != "tables":
            out += [str(item), ""] if kind in ("heading", "para") else [str(item)]
            continue
        for g in grids(report.tables, item):
            for row in with_continuations(g):
                for cell in row:
                    text = "" if cell is None else cell.text
                    if cell is not None and cell.kind != "value":
                        first, *rest = text.split("\n")
                        out += ["\t" + first, *rest]
                    elif text and rng.random() < push_rate:  # the value sits on the next line
                        out += ["\t" + rng.choice(_PADS)] + ([""] if rng.random() < 0.2 else []) + [text]
                    elif cell is None:
                        out.append("\t")
                    elif text and pad_values:
                        out.append("\t" + (text + "\xa0" if rng.random() < 0.5 else "\xa0" + text))
                    else:
                        out.append("\t" + text)
                out.append("")
            out.append("")
    return finish_text(report, "\n".join(out) + "\n")


def _pipe_row(cells: list[str], ncols: int) -> str:
    pad = ncols - len(cells)
    return " | ".join(cells) + " |" + (" " + "|" * pad if pad > 0 else "")


def pipe_grid(g: Grid) -> list[str]:
    """A grid as 002's pipe rows: the row's own cells, then empty padding cells up to the width."""
    return [_pipe_row([flat(c.text, " ") for c in row], g.ncols) for row in g.rows]


def pipe_table(report: Report) -> bytes:
    """Pipe rows with empty padding cells and split headers ("商业 企业"); the 勾稽 note in the first
    header cell (002)."""
    out: list[str] = []
    for kind, item in flow(report):
        if kind == "tables":
            for g in grids(report.tables, item):
                out += pipe_grid(g)
        else:
            out.append(str(item))
    return finish_text(report, "\n".join(out) + "\n")
