"""Extraction benchmark: per layout family, real-derived and synthetic separately, the cells right /
withheld / WRONG and the documents per second of extraction alone (one core, decoding excluded), beside a
lower bound measured in the same run (read the decoded text and scan its digits).

    .venv/bin/python benchmarks/extraction.py [--per-layout 40] [--no-real-derived] [--text-only]

Speed is CPU time of one process (one core), best of --repeat (5), with the extractor's caches of texts, lines and
labels cleared before each repetition: each is a first reading of its documents.

Real-derived: every real gold document of ../shared/corpus re-shaped the ways crawlers and editors do
(tests/test_real_shapes.py: one line, no space, full-width digits, wrapped at 40 and 17 characters, the page
crawled, crawled with a space per tag, one cell per line, copied from a browser; the real PDFs' text by
PyMuPDF, pdfplumber and pdfminer.six) and rendered by real tools (tests/realderived.py: Chromium
print-to-PDF, pymupdf4llm PDF → Markdown, python-docx). Synthetic: `nianbao synth` documents of every layout. A cell
is right when it is the gold's, or withheld where the printed text cannot determine it (a T2 row of
run-together digits that splits several ways); withheld when absent or NULL otherwise; WRONG when it is
another number. A script that prints numbers, not a timed test.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from pipelines.decode.dispatch import decode_document  # noqa: E402
from pipelines.decode.model import Limits  # noqa: E402
from pipelines.extract.files import extract_file  # noqa: E402
from pipelines.extract.record import extract_decoded  # noqa: E402
from pipelines.ingest.sniff import sniff  # noqa: E402
from synth import LAYOUTS, generate  # noqa: E402

SHARED = ROOT.parent / "shared"
# the layouts of plain text reports that the README's performance table names (one cell per line, tab,
# pipe, HTML, pdftotext-style layout text, run-together digits)
TEXT_LAYOUTS = ("one_cell_per_line", "tab_indented", "pipe_table", "html", "pdf_layout_text", "run_together")
_DIGITS = re.compile(r"\d+")


def _score(gold: dict, cells: dict, undeterminable: set) -> tuple[int, int, int]:
    right = withheld = wrong = 0
    for table, rows in gold["cells"].items():
        for row, cols in rows.items():
            for col, want in cols.items():
                have = cells.get(table, {}).get(row, {}).get(col, "ABSENT")
                if have == want or (have is None and (table, row) in undeterminable):
                    right += 1
                elif have in ("ABSENT", None):
                    withheld += 1
                else:
                    wrong += 1
    return right, withheld, wrong


def clear_extractor_caches() -> None:
    """Forget what the extractor remembered of texts, lines and labels it has read (its per-text and
    per-line `lru_cache`s), keeping only its start-up tables (gazetteer, row automata, parsed patterns:
    caches of at most 2 entries or unbounded ones keyed by pattern). A timed repetition is then a first
    reading of its documents: what is cached across documents inside it (the labels every report prints)
    counts, the repetition of the same documents does not."""
    import importlib
    import pkgutil

    import pipelines.extract as package

    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"pipelines.extract.{info.name}")
        for value in vars(module).values():
            info_of = getattr(value, "cache_info", None)
            if callable(info_of) and getattr(value, "__module__", None) == module.__name__:
                size = info_of().maxsize
                if size is not None and size > 2:
                    value.cache_clear()


REPEAT = 5  # passes timed per family: on a shared 2-core VM one pass in three can run 30% slow


def _timed_extraction(paths: list[Path], repeat: int = REPEAT) -> tuple[float, float, float]:
    """(CPU seconds per document of extraction, wall seconds per document of extraction, CPU seconds per
    document of the lower bound), each the best of `repeat`. The documents are decoded once, then
    extracted with the extractor's caches cleared before each repetition; the bound reads each decoded
    text and finds its digits with one regex. CPU time of this process: on a machine shared with other
    work it is what one core spends, which wall time is not."""
    decoded = []
    for p in paths:
        data = p.read_bytes()
        found = sniff(data)
        if found.format == "json_record" or found.reason:
            continue
        decoded.append((p.name, decode_document(data, found.format, found.encoding, Limits()), found.format))
    best, wall, bound = float("inf"), float("inf"), float("inf")
    for _ in range(repeat):
        clear_extractor_caches()
        t0, w0 = time.process_time(), time.perf_counter()
        for name, d, fmt in decoded:
            extract_decoded(name, d, fmt)
        best, wall = min(best, time.process_time() - t0), min(wall, time.perf_counter() - w0)
        t0 = time.process_time()
        for _, d, _ in decoded:
            len(_DIGITS.findall(d.text))
        bound = min(bound, time.process_time() - t0)
    n = max(1, len(decoded))
    return best / n, wall / n, max(bound, 1e-9) / n


def synthetic(per_layout: int, work: Path, layouts=LAYOUTS, repeat: int = REPEAT) -> list[tuple]:
    rows = []
    for i, layout in enumerate(LAYOUTS):
        if layout not in layouts:
            continue
        out = work / "synth" / layout
        paths = generate(per_layout, out, layouts=[layout], seed=500 + i)
        r = w = x = 0
        for p in paths:
            gold = json.loads((out / "gold" / f"{p.stem}.json").read_text(encoding="utf-8"))
            rec = extract_file(p).to_json()
            und = {tuple(k.split(".", 1)) for k in gold.get("undeterminable", ())}
            a, b, c = _score(gold, rec["cells"], und)
            r, w, x = r + a, w + b, x + c
        rows.append(("synthetic", layout, len(paths), r, w, x, *_timed_extraction(paths, repeat)))
    return rows


def real_derived(work: Path, repeat: int = REPEAT) -> list[tuple]:
    import test_real_shapes as shapes

    rows = []
    by_shape: dict[str, list] = defaultdict(list)
    for k, (gold, shape, text) in enumerate(shapes.cases()):
        path = work / "shapes" / f"{k:02d}-{shape}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        by_shape[shape].append((gold, path, text))
    for gold in shapes.PDFS:  # the real PDFs' text as PyMuPDF, pdfplumber and pdfminer.six give it
        for library, text in shapes._pdf_texts(SHARED / "corpus" / gold["source"]).items():
            path = work / "pdf-text" / f"{Path(gold['source']).stem}.{library}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            by_shape[f"pdf-text:{library}"].append((gold, path, text))
    for shape, docs in by_shape.items():
        r = w = x = 0
        for gold, path, text in docs:
            rec = extract_file(path).to_json()
            a, b, c = _score(gold, rec["cells"], shapes.undeterminable(text, gold))
            r, w, x = r + a, w + b, x + c
        rows.append(("real-derived", shape, len(docs), r, w, x, *_timed_extraction([p for _, p, _ in docs], repeat)))
    try:
        import realderived
    except ImportError as e:  # the dev dependencies (pymupdf4llm) are not installed
        print(f"(real-derived rendered families skipped: {e})")
        return rows
    for family in realderived.FAMILIES:
        if family.startswith("chromium") and not realderived.CHROMIUM:
            print(f"({family} skipped: chromium is not installed)")
            continue
        docs = realderived.build_family(family, SHARED / "corpus", work / family)
        total = realderived.family_score([realderived.evaluate(d) for d in docs])
        rows.append(("real-derived", family, len(docs), total.right, total.withheld, total.wrong,
                     *_timed_extraction([d.path for d in docs], repeat)))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-layout", type=int, default=40, help="synthetic documents per layout")
    ap.add_argument("--no-real-derived", action="store_true")
    ap.add_argument("--text-only", action="store_true", help=f"synthetic layouts {', '.join(TEXT_LAYOUTS)} only")
    ap.add_argument("--repeat", type=int, default=REPEAT, help="timed passes per family (the best is printed)")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nianbao-extract-bench-"))
    rows = ([] if a.no_real_derived else real_derived(work, a.repeat)) + synthetic(a.per_layout, work,
                                                                          TEXT_LAYOUTS if a.text_only else LAYOUTS, a.repeat)
    head = (f"{'corpus':<13} {'family':<26} {'docs':>5} {'right':>7} {'withheld':>8} {'WRONG':>6} {'right%':>7} "
            f"{'docs/s':>8} {'wall':>6} {'bound docs/s':>12} {'ratio':>6}")
    print(head)
    print("-" * len(head))
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for corpus, family, n, r, w, x, per_doc, wall, bound in rows:
        cells = r + w + x
        t = totals[corpus]
        t[0], t[1], t[2] = t[0] + r, t[1] + w, t[2] + x
        print(f"{corpus:<13} {family:<26} {n:>5} {r:>7} {w:>8} {x:>6} {r / max(cells, 1):>7.2%} "
              f"{1 / per_doc:>8.0f} {1 / wall:>6.0f} {1 / bound:>12.0f} {per_doc / bound:>6.0f}")
    for corpus, (r, w, x) in totals.items():
        print(f"{corpus:<13} {'ALL':<26} {'':>5} {r:>7} {w:>8} {x:>6} {r / max(r + w + x, 1):>7.2%}")
    text = [(family, 1 / per_doc) for corpus, family, *_, per_doc, _, _ in rows
            if corpus == "synthetic" and family in TEXT_LAYOUTS]
    if text:
        print(f"text reports (the six layouts of `nianbao synth`'s README table): "
              f"{min(v for _, v in text):.0f}–{max(v for _, v in text):.0f} docs/s on one core (CPU time); "
              + ", ".join(f"{f} {v:.0f}" for f, v in text))
    print(f"docs/s: CPU time of this process, best of {a.repeat}, extractor caches cleared before each repetition; "
          "wall: the same runs in wall time (other work on the machine included); bound: read each text and "
          "find its digits with one regex")
    print(f"(documents in {work})")


if __name__ == "__main__":
    main()
