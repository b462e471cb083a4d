"""End-to-end benchmark: generate N mixed text/HTML reports, run the whole pipeline, then add 1% new
documents and run again. Prints per stage the wall time and docs/s, peak RSS, warehouse and audit-sheet
sizes, and how long each README cookbook query takes on the published snapshot; and, measured in the same
run, the lower bound — read every file of the corpus and scan its digits — with each figure's ratio to it
(for the +1% run: read the added files and scan their digits). The load average before and after each run
is printed too: the machine may be shared.

    .venv/bin/python benchmarks/pipeline.py --count 10000 [--workdir /tmp/nianbao-bench]
    .venv/bin/python benchmarks/pipeline.py --count 2000 --count 10000 [--count 100000]   # several sizes, a summary

100 000 reports take minutes (opt in with --count 100000). A script that prints numbers, not a timed test.
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

from synth import generate

LAYOUTS = ["one_cell_per_line", "tab_indented", "pipe_table", "html", "pdf_layout_text", "run_together"]
STEP = re.compile(r'Finished execution of step "([a-z_]+)" in (?:(\d+)m\s?)?([\d.]+)(ms|s)\.')
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


DIGITS = re.compile(rb"[0-9]+")


def lower_bound(paths: list[Path]) -> tuple[float, int, int]:
    """(seconds, files, digit runs): read every file and scan its digits — what no pipeline can beat."""
    started = time.perf_counter()
    files = runs = 0
    for path in paths:
        runs += sum(1 for _ in DIGITS.finditer(path.read_bytes()))
        files += 1
    return time.perf_counter() - started, files, runs


def _load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def _tree_bytes(root: Path) -> tuple[int, int]:
    files = size = 0
    for entry in os.scandir(root):
        if entry.is_file():
            files += 1
            size += entry.stat().st_size
    return files, size


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


def run(inbox: Path, data: Path, log_path: Path) -> tuple[dict[str, float], float, tuple[float, str]]:
    """(seconds per step, wall seconds, (peak MiB of the run's whole process tree, sampled every 0.2 s, and the
    step that had last started then)); the run's
    log is kept in `log_path`. A step whose end the log does not show (a line broken by other output) is read
    from the run's Dagster event log."""
    env = {**os.environ, "NIANBAO_DATA_DIR": str(data), "DAGSTER_HOME": str(data / "dagster_home")}
    started = time.perf_counter()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w+") as err:
        proc = subprocess.Popen([NIANBAO, "run", "--inbox", str(inbox), "--verbose"], env=env,
                                stdout=subprocess.DEVNULL, stderr=err, text=True)
        peak, peak_step, step, seen = 0.0, "", "start-up", 0
        while proc.poll() is None:
            err.seek(seen)  # the step running now: the last one the log says started
            fresh = err.read()
            cut = fresh.rfind("\n") + 1
            seen += len(fresh[:cut].encode())
            step = (STARTED.findall(fresh[:cut]) or [step])[-1]
            rss = _tree_rss_mib(proc.pid)
            if rss > peak:
                peak, peak_step = rss, step
            time.sleep(0.2)
        wall = time.perf_counter() - started
        err.seek(0)
        log = err.read()
    if proc.returncode != 0:
        raise SystemExit(log[-3000:])
    steps = {name: 60 * int(m or 0) + float(v) / (1000 if unit == "ms" else 1)
             for name, m, v, unit in STEP.findall(log)}
    for name in STARTED.findall(log):
        if name not in steps:
            steps[name] = _step_seconds(data / "dagster_home", name)
    return steps, wall, (peak, peak_step)


STARTED = re.compile(r'Started execution of step "([a-z_]+)"')


def _step_seconds(home: Path, step: str) -> float:
    """A step's seconds in the latest run's event log (SQLite, under DAGSTER_HOME)."""
    import json
    import sqlite3

    latest = max((home / "history" / "runs").glob("*-*.db"), key=lambda p: p.stat().st_mtime)
    with sqlite3.connect(latest) as db:
        for (event,) in db.execute("select event from event_logs where step_key = ? and "
                                   "dagster_event_type = 'STEP_SUCCESS'", [step]):
            match = STEP.search(json.loads(event).get("user_message", ""))
            if match:
                _, m, v, unit = match.groups()
                return 60 * int(m or 0) + float(v) / (1000 if unit == "ms" else 1)
    return float("nan")


def bench(count: int, workdir: Path, keep_corpus: bool) -> dict:
    """Generate, run, add 1%, run again; print the figures; return the summary line's."""
    corpus, extra, data = workdir / "corpus", workdir / "extra", workdir / "data"
    marker = workdir / f"corpus-{count}.done"
    if not (keep_corpus and marker.exists()):
        shutil.rmtree(workdir, ignore_errors=True)
    for leftover in (data, extra, workdir / "dagster_home"):
        shutil.rmtree(leftover, ignore_errors=True)
    for added in (corpus / "docs").glob("new_*"):
        added.unlink()
    t = time.perf_counter()
    if not marker.exists():
        generate(count, corpus, LAYOUTS, seed=1)
        marker.touch()
    print(f"\n== {count} reports ==\nmachine: {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB;"
          f" generated {count} reports in {time.perf_counter() - t:.1f} s")
    load_before = _load()
    first, wall, tree = run(corpus / "docs", data, workdir / "run-full.log")
    load_first = _load()
    generate(max(1, count // 100), extra, LAYOUTS, seed=2)
    added = []
    for p in (extra / "docs").iterdir():
        added.append(corpus / "docs" / f"new_{p.name}")
        shutil.copy(p, added[-1])
    second, wall2, tree2 = run(corpus / "docs", data, workdir / "run-plus-1-percent.log")
    load_second = _load()
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    docs = sorted((corpus / "docs").iterdir())
    bound = min(lower_bound(docs)[0] for _ in range(3))  # warm cache, as the runs read it
    bound2 = min(lower_bound(sorted(added))[0] for _ in range(3))
    print(f"load average (1 / 5 / 15 min): before {load_before}; after the run {load_first}; "
          f"after the +1% run {load_second}")
    print(f"{'stage':<50}{'full s':>9}{'docs/s':>9}{'× bound':>9}{'+1% s':>9}{'× bound':>9}")
    for step, seconds in first.items():
        print(f"{step:<50}{seconds:>9.2f}{count / seconds if seconds else 0:>9.0f}{seconds / bound:>9.0f}"
              f"{second.get(step, 0):>9.2f}{second.get(step, 0) / bound2:>9.0f}")
    size = (data / "warehouse.duckdb").stat().st_size / 2**20
    print(f"{'whole run (wall, incl. start-up)':<50}{wall:>9.1f}{count / wall:>9.0f}{wall / bound:>9.0f}"
          f"{wall2:>9.1f}{wall2 / bound2:>9.0f}")
    print(f"{'lower bound: read every file + scan its digits':<50}{bound:>9.2f}{len(docs) / bound:>9.0f}{1:>9}"
          f"{bound2:>9.3f}{1:>9}")
    sheets, sheet_bytes = _tree_bytes(data / "audit")
    print(f"peak RSS: largest process {rss:.0f} MiB (of the runs so far); whole process tree {max(tree, tree2)[0]:.0f} MiB "
          f"(sampled every 0.2 s; in {max(tree, tree2)[1]}); warehouse {size:.0f} MiB; audit sheets {sheets} files, {sheet_bytes / 2**20:.0f} MiB")
    print(f"{'cookbook query (published snapshot)':<64}{'rows':>8}{'ms':>8}")
    for title, rows, ms in cookbook_timings(data / "published" / "nianbao.duckdb"):
        print(f"{title:<64}{rows:>8}{ms:>8.0f}")
    return {"count": count, "wall": wall, "bound": bound, "wall2": wall2, "bound2": bound2,
            "tree": max(tree, tree2)[0], "load": f"{load_before} → {load_second}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, action="append",
                        help="reports to generate (repeat for several sizes: 2000, 10000, 100000); default 1000")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/nianbao-bench"))
    parser.add_argument("--keep-corpus", action="store_true", help="reuse a corpus generated by an earlier run")
    args = parser.parse_args()
    counts = args.count or [1000]
    summary = [bench(n, args.workdir if len(counts) == 1 else args.workdir / str(n), args.keep_corpus)
               for n in counts]
    if len(summary) > 1:
        print(f"\n{'reports':>9}{'whole s':>9}{'docs/s':>9}{'bound s':>9}{'× bound':>9}{'+1% s':>9}{'bound s':>9}"
              f"{'× bound':>9}{'peak MiB':>10}  load average")
        for r in summary:
            print(f"{r['count']:>9}{r['wall']:>9.1f}{r['count'] / r['wall']:>9.0f}{r['bound']:>9.2f}"
                  f"{r['wall'] / r['bound']:>9.0f}{r['wall2']:>9.1f}{r['bound2']:>9.3f}{r['wall2'] / r['bound2']:>9.0f}"
                  f"{r['tree']:>10.0f}  {r['load']}")


if __name__ == "__main__":
    main()
