"""Decoding speed per format on one core, beside a lower bound measured in the same run: prints a table.

    .venv/bin/python benchmarks/decode.py [--count 1200] [--seed 5] [--repeat 3]

Generates a corpus (`nianbao synth`, every layout: text, Markdown, HTML, DOCX, PDF), sniffs and decodes
every document in this process, and prints per format: documents, ms of CPU per document, documents per
second on one core, and the lower bound — reading the file and scanning its digits with one regex — with
the ratio. CPU time (`process_time`), best of `--repeat` passes: other work on the machine then changes
the figures little. Target (issue 15): text and HTML ≥ 2 000 documents/s per core.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from pipelines.decode.dispatch import decode_document
from pipelines.decode.model import Limits
from pipelines.ingest.sniff import sniff
from synth import generate

_DIGITS = re.compile(rb"\d+")


def _best(work, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        work()
        best = min(best, time.process_time() - t)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1200)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}; "
          f"CPU time of one process, best of {args.repeat}")
    with tempfile.TemporaryDirectory() as tmp:
        paths = generate(args.count, Path(tmp), seed=args.seed)
        by_format: dict[str, list[tuple[Path, str, str | None]]] = defaultdict(list)
        for path in paths:
            s = sniff(path.read_bytes())
            by_format[s.format].append((path, s.format, s.encoding))
        limits = Limits()
        print(f"{'format':<10}{'docs':>6}{'ms/doc':>9}{'docs/s':>9}{'bound ms':>10}{'bound docs/s':>14}{'ratio':>8}")
        for fmt in sorted(by_format):
            docs = by_format[fmt]

            def decode(docs=docs):
                for path, f, encoding in docs:
                    decode_document(path.read_bytes(), f, encoding, limits, ocr=False)

            def bound(docs=docs):
                for path, _, _ in docs:
                    sum(1 for _ in _DIGITS.finditer(path.read_bytes()))

            decode()  # warm: imports, OpenCC's dictionary
            spent, floor = _best(decode, args.repeat), _best(bound, args.repeat)
            n = len(docs)
            print(f"{fmt:<10}{n:>6}{spent / n * 1e3:>9.2f}{n / spent:>9.0f}{floor / n * 1e3:>10.3f}"
                  f"{n / floor:>14.0f}{spent / floor:>7.0f}×")


if __name__ == "__main__":
    main()
