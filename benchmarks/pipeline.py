"""End-to-end benchmark: generate N mixed text/HTML reports, run the whole pipeline, then add 1% new
documents and run again. Prints per stage the wall time and docs/s, peak RSS, warehouse size, and how
long each README cookbook query takes on the published snapshot.

    .venv/bin/python benchmarks/pipeline.py --count 10000 [--workdir /tmp/nianbao-bench]

A script that prints numbers, not a timed test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from pipelines.synth import generate

LAYOUTS = ["one_cell_per_line", "tab_indented", "pipe_table", "html", "pdf_layout_text", "run_together"]
STEP = re.compile(r'Finished execution of step "([a-z_]+)" in ([\d.]+)(ms|s)\.')
NIANBAO = str(Path(sys.executable).with_name("nianbao"))
README = Path(__file__).resolve().parents[1] / "README.md"


def cookbook_timings(snapshot: Path, repeat: int = 5) -> list[tuple[str, int, float]]:
    """(query title, rows, median ms) of every README cookbook query, all rows fetched, on a warm snapshot."""
    out = []
    with duckdb.connect(str(snapshot), read_only=True) as conn:
        for query in re.findall(r"```sql\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL):
            times, rows = [], 0
            for _ in range(repeat):
                started = time.perf_counter()
                rows = len(conn.execute(query).fetchall())
                times.append((time.perf_counter() - started) * 1000)
            out.append((query.splitlines()[0].removeprefix("-- ")[:60], rows, statistics.median(times)))
    return out


def _tree_rss_mib(root: int) -> float:
    """Resident memory of a process and all its descendants (from /proc), in MiB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total / 2**20


def run(inbox: Path, data: Path) -> tuple[dict[str, float], float, float]:
    """(seconds per step, wall seconds, peak MiB of the run's whole process tree, sampled every 0.2 s)."""
    env = {**os.environ, "NIANBAO_DATA_DIR": str(data), "DAGSTER_HOME": str(data / "dagster_home")}
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([NIANBAO, "run", "--inbox", str(inbox), "--verbose"], env=env,
                                stdout=subprocess.DEVNULL, stderr=err, text=True)
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, _tree_rss_mib(proc.pid))
            time.sleep(0.2)
        wall = time.perf_counter() - started
        err.seek(0)
        log = err.read()
    if proc.returncode != 0:
        raise SystemExit(log[-3000:])
    steps = {name: float(v) / (1000 if unit == "ms" else 1) for name, v, unit in STEP.findall(log)}
    return steps, wall, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/nianbao-bench"))
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    corpus, extra, data = args.workdir / "corpus", args.workdir / "extra", args.workdir / "data"
    t = time.perf_counter()
    generate(args.count, corpus, LAYOUTS, seed=1)
    print(f"machine: {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB;"
          f" generated {args.count} reports in {time.perf_counter() - t:.1f} s")
    first, wall, tree = run(corpus / "docs", data)
    generate(max(1, args.count // 100), extra, LAYOUTS, seed=2)
    for p in (extra / "docs").iterdir():
        shutil.copy(p, corpus / "docs" / f"new_{p.name}")
    second, wall2, tree2 = run(corpus / "docs", data)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{'stage':<50}{'full s':>9}{'docs/s':>9}{'+1% s':>9}")
    for step, seconds in first.items():
        print(f"{step:<50}{seconds:>9.2f}{args.count / seconds if seconds else 0:>9.0f}{second.get(step, 0):>9.2f}")
    size = (data / "warehouse.duckdb").stat().st_size / 2**20
    print(f"{'whole run (wall, incl. start-up)':<50}{wall:>9.1f}{args.count / wall:>9.0f}{wall2:>9.1f}")
    print(f"peak RSS: largest process {rss:.0f} MiB; whole process tree {max(tree, tree2):.0f} MiB "
          f"(sampled every 0.2 s); warehouse {size:.0f} MiB")
    print(f"{'cookbook query (published snapshot)':<64}{'rows':>8}{'ms':>8}")
    for title, rows, ms in cookbook_timings(data / "published" / "nianbao.duckdb"):
        print(f"{title:<64}{rows:>8}{ms:>8.0f}")


if __name__ == "__main__":
    main()
