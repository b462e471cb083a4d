"""Resilience: feed real `nianbao run` processes hostile input and faults, and print one table.

    .venv/bin/python benchmarks/resilience.py [--synth 300] [--workdir /tmp/nianbao-resilience]

The inbox holds the sample texts and real PDFs, every hostile input of the test suite (zip and PDF
decompression bombs, entity expansion, 100 000-deep HTML, a 5 000-page PDF, a 1 GiB file, symlinks out of
the inbox, FIFOs, hostile names, malformed JSON records…) and `--synth` generated reports. Then: a clean
run (the reference), the same run again (idempotency), SIGKILL at each stage followed by a new run, two
runs at once, a full disk and a read-only data directory. After each, the tables and marts are compared
with the reference and the inbox with `documents`. Uses the same tools as tests/test_faults.py.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(HERE / "tests"), str(HERE / "tests" / "assets")]

import faultkit as fk  # noqa: E402
from test_pipeline import BAD, build_inbox  # noqa: E402

SHARED = HERE.parent / "shared" / "corpus"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--synth", type=int, default=300)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/nianbao-resilience"))
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    inbox = args.workdir / "inbox"
    build_inbox(inbox, SHARED)
    fk.build_inbox(inbox / "synth", SHARED, args.synth)
    files = fk.entries(inbox)
    rows: list[tuple[str, str, float]] = []
    lost = 0

    def scenario(name: str, action) -> None:
        nonlocal lost
        started = time.perf_counter()
        ok, detail, data, source = action()
        if data is not None and (data / "warehouse.duckdb").exists():
            lost += fk.lost(source, data)
        rows.append((name, ("survived: " if ok else "FAILED: ") + detail, time.perf_counter() - started))
        print(f"  {name}: {rows[-1][1]} ({rows[-1][2]:.1f} s)", flush=True)

    reference = args.workdir / "reference" / "data"
    started = time.perf_counter()
    first = fk.run(inbox, reference)
    load_s = time.perf_counter() - started
    if first.returncode != 0:
        raise SystemExit(first.stdout[-3000:])
    tables = fk.canonical(reference)
    rejected = dict(fk.query(reference, "select original_name, split_part(reason, ':', 1) from documents "
                                        "where status = 'rejected'"))
    bad_ok = sum(rejected.get(name) == code for name, code in BAD.items())
    lost += fk.lost(inbox, reference)

    def same(data: Path) -> str:
        if fk.duplicates(data):
            return "duplicate rows"
        return "tables and marts equal the clean run's" if fk.canonical(data) == tables else "tables differ"

    def again():
        done = fk.run(inbox, reference)
        verdict = same(reference)
        return done.returncode == 0 and verdict.startswith("tables and marts equal"), verdict, reference, inbox

    scenario("second run, same inbox (idempotency)", again)

    for point, appeared in fk.KILL_POINTS.items():
        def killed(point=point, appeared=appeared):
            data = args.workdir / f"kill-{point.replace(' ', '-')}" / "data"
            if not fk.kill_when(inbox, data, appeared):
                return False, f"the run ended before {point}", data, inbox
            done = fk.run(inbox, data)
            if done.returncode != 0:
                return False, "next run failed: " + done.stdout.strip().splitlines()[-1][:120], data, inbox
            verdict = same(data)
            return verdict.startswith("tables"), f"next run: {verdict}", data, inbox
        scenario(f"kill -9 {point}", killed)

    def concurrent():
        data = args.workdir / "concurrent" / "data"
        a, b = fk.start(inbox, data), fk.start(inbox, data)
        out = a.communicate()[0] + b.communicate()[0]
        if a.returncode or b.returncode:
            return False, "a run failed: " + out.strip().splitlines()[-1][:120], data, inbox
        verdict = same(data)
        waited = "waiting for it to finish" in out
        return (a.returncode == b.returncode == 0 and waited and verdict.startswith("tables"),
                f"both succeeded, the second waited: {verdict}", data, inbox)

    scenario("two runs at once", concurrent)

    def storage(kind: str, message: str):
        root = args.workdir / kind
        data = root / "data"
        shutil.copytree(reference, data)
        grown = fk.grown_inbox(inbox, root / "grown")
        failed, intact = fk.storage_fault(grown, data, kind)
        clear = failed.returncode != 0 and message in failed.stdout
        recovered = fk.run(grown, data).returncode == 0 and fk.lost(grown, data) == 0
        ok = clear and intact and recovered
        detail = ("clear error, snapshot intact, next run took the new document in" if ok else
                  f"clear={clear} intact={intact} recovered={recovered}")
        return ok, detail, data, grown

    scenario("full disk (file size limit)", lambda: storage("full", "disk is full"))
    scenario("read-only data directory", lambda: storage("read-only", "read-only"))

    survived = sum(r[1].startswith("survived") for r in rows)
    print()
    print(f"{'scenario':<40}{'outcome':<72}{'s':>7}")
    for name, outcome, seconds in rows:
        print(f"{name:<40}{outcome[:70]:<72}{seconds:>7.1f}")
    print()
    print(f"{'load held':<40}{files} inbox entries in {load_s:.1f} s ({files / load_s:.0f}/s), run completed")
    print(f"{'faults survived':<40}{survived} of {len(rows)}")
    print(f"{'bad inputs tried':<40}{len(BAD)} hostile files; {bad_ok} rejected with their specific reason")
    print(f"{'documents lost':<40}{lost}")
    if survived != len(rows) or lost or bad_ok != len(BAD):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
