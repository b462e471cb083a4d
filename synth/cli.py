"""`nianbao synth`: generate a synthetic corpus with a progress bar and a per-layout summary.

The lead engineer wires the typer command in pipelines/ops/cli.py to `synth_command`.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from synth.corpus import LAYOUTS, generate


def synth_command(count: int, out: Path, layouts: list[str] | None, seed: int, error_rate: float) -> None:
    """Write `count` documents to OUT/docs and their gold to OUT/gold; print counts per layout."""
    console = Console()
    chosen = tuple(layouts) if layouts else LAYOUTS
    unknown = [x for x in chosen if x not in LAYOUTS]
    if unknown:
        raise ValueError(f"unknown layout(s) {', '.join(unknown)}; choose from {', '.join(LAYOUTS)}")
    started = time.perf_counter()
    with Progress(TextColumn("[bold]synth"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.speed} docs/s"),
                  TimeRemainingColumn(), console=console, disable=not console.is_terminal) as bar:
        task = bar.add_task("synth", total=count)
        paths = generate(count, Path(out), chosen, seed, error_rate, progress=lambda: bar.advance(task))
    elapsed = time.perf_counter() - started
    per_layout = Counter(chosen[i % len(chosen)] for i in range(len(paths)))
    rate = len(paths) / max(elapsed, 1e-9)
    table = Table(title=f"{len(paths)} documents in {out} ({elapsed:.1f} s, {rate:.0f} docs/s)")
    table.add_column("layout")
    table.add_column("documents", justify="right")
    for layout in chosen:
        table.add_row(layout, str(per_layout[layout]))
    console.print(table)
    console.print(f"documents: {Path(out) / 'docs'}   gold: {Path(out) / 'gold'}   seed {seed}, "
                  f"error rate {error_rate}")
