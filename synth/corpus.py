"""Write a synthetic corpus: documents to `out/docs/` (usable as an inbox) and one gold JSON per document
to `out/gold/<same stem>.json`. Streams: one document is built, written and dropped at a time."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from synth.model import build_report
from synth.render import RENDERERS

LAYOUTS = ("one_cell_per_line", "tab_indented", "pipe_table", "pdf", "pdf_layout_text", "pdf_reading_order",
           "html", "docx", "run_together", "pdf_markdown", "ocr_markdown")
assert set(LAYOUTS) == set(RENDERERS)


def document(index: int, layout: str, seed: int = 0, error_rate: float = 0.0) -> tuple[str, bytes, dict]:
    """One document: (file name, bytes, gold record). Pure: the same arguments give the same bytes."""
    spec = RENDERERS[layout]
    report = build_report(f"{seed}:{index}", layout, error_rate)
    name = f"s{seed}_{index:06d}_{layout}{spec.ext}"
    data = spec.render(report)
    gold = {"source": f"docs/{name}", **report.gold}
    if spec.notes:
        gold["notes"] = gold["notes"] + spec.notes(report)
    if spec.undeterminable and report.tables:
        gold["undeterminable"] = spec.undeterminable(report)
    return name, data, gold


def generate(count: int, out_dir: Path, layouts: Sequence[str] = LAYOUTS, seed: int = 0,
             error_rate: float = 0.0, progress: Callable[[], None] | None = None) -> list[Path]:
    """Generate `count` documents, layouts taken in turn; return the document paths.

    Deterministic for a given seed: document i is drawn from the seed string "<seed>:<i>".
    """
    unknown = [x for x in layouts if x not in RENDERERS]
    if unknown or not layouts:
        raise ValueError(f"unknown layouts {unknown} (known: {', '.join(LAYOUTS)})" if unknown else "no layouts")
    if not 0.0 <= error_rate <= 1.0:
        raise ValueError(f"error_rate must lie in [0, 1], not {error_rate}")
    docs, gold_dir = Path(out_dir) / "docs", Path(out_dir) / "gold"
    docs.mkdir(parents=True, exist_ok=True)
    gold_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        name, data, gold = document(i, layouts[i % len(layouts)], seed, error_rate)
        path = docs / name
        path.write_bytes(data)
        (gold_dir / f"{path.stem}.json").write_text(json.dumps(gold, ensure_ascii=False, indent=1), "utf-8")
        paths.append(path)
        if progress:
            progress()
    return paths
