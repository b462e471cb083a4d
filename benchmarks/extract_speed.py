"""Extraction speed and accuracy per layout on a generated corpus: prints a table (not a timed test).

    .venv/bin/python benchmarks/extract_speed.py [--per-layout 50] [--seed 1]

For each layout of spec §9: decode time and extraction time per document (docs/s on one core), and
the share of gold cells extracted right (nulls included). Extraction is timed in CPU time of this process
(what one core spends, whatever else the machine runs), with the extractor's caches of texts, lines and
labels cleared before each layout: a first reading of its documents.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from pipelines.decode.dispatch import decode_document
from pipelines.decode.model import Limits
from pipelines.extract.record import extract_decoded
from pipelines.ingest.sniff import sniff
from synth import LAYOUTS, generate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction import clear_extractor_caches  # noqa: E402


def cell_accuracy(gold: dict, got: dict) -> tuple[int, int]:
    total = right = 0
    for table, rows in gold["cells"].items():
        for row, cols in rows.items():
            for col, value in cols.items():
                total += 1
                right += got.get(table, {}).get(row, {}).get(col, "ABSENT") == value
    return right, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--per-layout", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print(f"{'layout':<20}{'docs':>6}{'decode docs/s':>15}{'extract docs/s':>16}{'cells right':>14}{'accuracy':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for layout in LAYOUTS:
            out = Path(tmp) / layout
            paths = generate(args.per_layout, out, layouts=[layout], seed=args.seed)
            decoded, t0 = [], time.perf_counter()
            for path in paths:
                data = path.read_bytes()
                s = sniff(data)
                decoded.append((path, s.format, decode_document(data, s.format, s.encoding, Limits())))
            t1 = time.perf_counter()
            clear_extractor_caches()
            c1 = time.process_time()
            records = [(path, extract_decoded(path.stem, d, fmt)) for path, fmt, d in decoded]
            c2 = time.process_time()
            right = total = 0
            for path, record in records:
                gold = json.loads((out / "gold" / f"{path.stem}.json").read_text(encoding="utf-8"))
                r, t = cell_accuracy(gold, record.to_json()["cells"])
                right, total = right + r, total + t
            n = len(paths)
            print(f"{layout:<20}{n:>6}{n / (t1 - t0):>15.1f}{n / max(c2 - c1, 1e-9):>16.1f}{right:>8}/{total:<6}"
                  f"{100 * right / max(total, 1):>9.2f}%")


if __name__ == "__main__":
    main()
