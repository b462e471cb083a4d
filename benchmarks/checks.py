"""The checks stage alone (pipelines.quality.stage.run_checks) on a copy of a warehouse, every report checked
(the rules fingerprint is cleared on the copy): the seconds of each step and the reports a second. With
--keep DIR the copy, its outcome tables (Parquet) and GX's statistics per expectation stay in DIR; --compare
OTHER then says whether another kept run's are the same: check_results, report_quality (checked_at aside) and
suspect_cells EXCEPT ALL both ways, and GX's results per expectation apart from the row numbers and the samples
that follow the order of the rows (partial_* lists, unexpected_list when GX kept only its first 200), which
differ between two runs of the same code.

    .venv/bin/python benchmarks/pipeline.py --count 10000 --workdir /tmp/bench   # leaves /tmp/bench/data
    .venv/bin/python benchmarks/checks.py /tmp/bench/data/warehouse.duckdb [--workers 2] [--keep /tmp/c1]
    .venv/bin/python benchmarks/checks.py /tmp/bench/data/warehouse.duckdb --keep /tmp/c2 --compare /tmp/c1

Old code beside new: run it with PYTHONPATH pointing at a `git worktree` of the old revision. The machine may
be shared: alternate old and new, several passes, and compare the best.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb

AT = datetime(2026, 1, 1, tzinfo=timezone.utc)  # one check time for every run: comparable outputs
TABLES = {"check_results": "*", "report_quality": "* exclude (checked_at)", "suspect_cells": "*"}


def gx_statistics(root: Path, ids: list[str]) -> dict:
    """rule id -> per validation: success and GX's result, the order-dependent parts left out."""
    from pipelines.quality import gx

    out: dict = {}
    for result in gx.stored_results(root, ids):
        for r in result.results:
            res = dict(r.result)
            rows = res.pop("unexpected_index_list", None) or []
            for key in ("partial_unexpected_list", "partial_unexpected_index_list", "partial_unexpected_counts",
                        "unexpected_index_query"):
                res.pop(key, None)
            values = sorted(res.pop("unexpected_list", None) or [])
            if len(values) == res.get("unexpected_count", 0):  # else GX kept only the first 200
                res["unexpected_list"] = values
            index = sorted(json.dumps({k: v for k, v in u.items() if k != "row"}, sort_keys=True) for u in rows)
            out.setdefault(r.expectation_config.meta["rule_id"], []).append(
                {"success": bool(r.success), "result": json.loads(json.dumps(res, default=str)), "index": index})
    return out


def compare(a: Path, b: Path) -> bool:
    same = True
    with duckdb.connect() as conn:
        for table in TABLES:
            x, y = (str(d / f"{table}.parquet") for d in (a, b))
            query = "select count(*) from (from read_parquet(?) except all from read_parquet(?))"
            only_a, only_b = (conn.execute(query, pair).fetchone()[0] for pair in ([x, y], [y, x]))
            print(f"{table}: {only_a} rows only in {a}, {only_b} only in {b}")
            same &= only_a == only_b == 0
    ga, gb = (json.loads((d / "gx_statistics.json").read_text()) for d in (a, b))
    differing = sorted(k for k in set(ga) | set(gb) if ga.get(k) != gb.get(k))
    print(f"GX statistics per expectation: {'the same' if not differing else 'differ for ' + ', '.join(differing)}")
    return same and not differing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", type=Path, help="keep the copy and the outputs here")
    parser.add_argument("--compare", type=Path, help="a directory an earlier --keep run left")
    args = parser.parse_args()
    if args.compare and not args.keep:
        parser.error("--compare needs --keep (the outputs of this run)")
    from pipelines.quality.stage import run_checks
    from pipelines.settings import duckdb_config

    work = args.keep or Path(tempfile.mkdtemp(prefix="checks-bench-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    database = work / "warehouse.duckdb"
    shutil.copy(args.warehouse, database)
    with duckdb.connect(str(database)) as conn:
        conn.execute("delete from check_state where key = 'rules_fingerprint'")

    @contextmanager
    def connect():
        conn = duckdb.connect(str(database), config=duckdb_config())
        try:
            yield conn
        finally:
            conn.close()

    started, cpu = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    outcome = run_checks(database, connect, args.workers, AT)
    seconds = time.perf_counter() - started
    used = resource.getrusage(resource.RUSAGE_SELF)
    for step, s in outcome.timings.items():
        print(f"{step:45} {s:7.2f} s")
    print(f"run_checks: {seconds:.2f} s for {outcome.checked} reports ({outcome.checked / seconds:.0f} reports/s), "
          f"{outcome.rows} results; this process's CPU {used.ru_utime - cpu.ru_utime + used.ru_stime - cpu.ru_stime:.2f} s "
          "(the workers' not counted)")
    if args.keep:
        with connect() as conn:
            for table, columns in TABLES.items():
                conn.execute(f"copy (select {columns} from {table}) to '{work / table}.parquet'")
        (work / "gx_statistics.json").write_text(json.dumps(gx_statistics(work, outcome.results), sort_keys=True))
    else:
        shutil.rmtree(work, ignore_errors=True)
    if args.compare:
        raise SystemExit(0 if compare(args.compare, work) else 1)


if __name__ == "__main__":  # worker processes (forkserver) import this module: run only as a script
    main()
