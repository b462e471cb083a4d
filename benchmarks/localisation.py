"""Error localisation on real reports: change each T3/T4 cell of a correct report by +k, check, and count
how often a hard rule fails, how often the changed cell is among the suspects, named first, or unique.

    .venv/bin/python benchmarks/localisation.py [--delta 3]
"""

from __future__ import annotations

import argparse
from copy import deepcopy
from pathlib import Path

from pipelines.decode.dispatch import decode_document
from pipelines.decode.model import Limits
from pipelines.extract.files import extract_file
from pipelines.ingest.sniff import sniff
from pipelines.quality.data import from_record
from pipelines.quality.model import CellV
from pipelines.quality.run import check_reports

SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
CORRECT = ["pdf/huaian-city-2024.pdf", "pdf/hongze-district-2024.pdf", "samples/004_cb93c0191c209947.txt",
           "samples/002_21970fde474fde16.txt"]


def perturbations(report, delta: int):
    for key, cell in report.cells.items():
        if key[0] in ("t3_applications", "t4_review_litigation"):
            changed = deepcopy(report)
            changed.cells[key] = CellV((cell.value or 0) + delta, "NUMERIC", str((cell.value or 0) + delta))
            yield key, changed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--delta", type=int, default=3)
    args = parser.parse_args()
    print(f"{'report':<34}{'table':<22}{'cells':>6}{'hard fail':>10}{'suspect':>9}{'first':>7}{'unique':>8}")
    for name in CORRECT:
        path = SHARED / name
        data = path.read_bytes()
        s = sniff(data)
        report = from_record(extract_file(path), decode_document(data, s.format, s.encoding, Limits()).text)
        assert all(v.status == "accepted" for v in check_reports([report]).verdicts), name
        for table in ("t3_applications", "t4_review_litigation"):
            n = failed = named = first = unique = 0
            for key, changed in perturbations(report, args.delta):
                if key[0] != table:
                    continue
                out = check_reports([changed])
                n += 1
                failed += out.verdicts[0].hard_failures > 0
                keys = [(s.table_key, s.row_key, s.col_key) for s in out.suspects]
                named += key in keys
                first += bool(keys) and keys[0] == key
                unique += any((s.table_key, s.row_key, s.col_key) == key and s.unique for s in out.suspects)
            print(f"{name.split('/')[-1]:<34}{table:<22}{n:>6}{failed:>10}{named:>9}{first:>7}{unique:>8}")


if __name__ == "__main__":
    main()
