"""Resilience: feed real `nianbao run` processes hostile input and faults, and print one table.

    .venv/bin/python benchmarks/resilience.py [--synth 300] [--workdir /tmp/nianbao-resilience]

The inbox holds the sample texts and real PDFs, every hostile input of the test suite (zip and PDF
decompression bombs, entity expansion, 100 000-deep HTML, a 5 000-page PDF, a 1 GiB file, symlinks out of
the inbox, FIFOs, hostile names, malformed JSON records…) and `--synth` generated reports. Then: a clean
run (the reference), the same run again (idempotency), SIGKILL at each stage followed by a new run, two
runs at once, a full disk (a file-size limit; a real full file system under DAGSTER_HOME when this process
may mount a tmpfs) and a read-only data directory, a write-ahead log a read-write client left beside the
snapshot, a damaged warehouse, a report replaced under its name and saved in other formats, a document
crafted to make the tokenizer backtrack, and every way out of `nianbao sql` of tests/test_sql_readonly.py.
After each, the tables and marts are compared with the reference, the inbox with `documents`, and
`mart_agency_year` is searched for a logical report counted twice. Uses the same tools as
tests/test_faults.py.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(HERE / "tests"), str(HERE / "tests" / "assets")]

import faultkit as fk  # noqa: E402
from test_pipeline import BAD, build_inbox  # noqa: E402
from test_report_versions import MAZHU, as_html  # noqa: E402
from test_sql_readonly import _attempts as sql_escapes  # noqa: E402

STALL_BOUND_S = 300  # a run that takes longer than this (on a handful of documents) has stalled
CRAFTED = "行政许可" + "-1" * 40 + "x"  # issue 12: the number pattern backtracked 2^40 times on it


def twice(data: Path) -> int:
    """Logical reports counted more than once in the published mart_agency_year (0 when there is no snapshot)."""
    import duckdb

    snapshot = data / "published" / "nianbao.duckdb"
    if not snapshot.exists():
        return 0
    with duckdb.connect(str(snapshot), read_only=True) as conn:
        return conn.execute("select coalesce(sum(n - 1), 0) from (select logical_report, count(*) as n "
                            "from mart_agency_year group by 1 having count(*) > 1)").fetchone()[0]


def published(data: Path, sql: str, params=()) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(data / "published" / "nianbao.duckdb"), read_only=True) as conn:
        return conn.execute(sql, params).fetchall()


def last_line(out: str) -> str:
    lines = out.strip().splitlines()
    return " ".join(lines[-1].split())[:120] if lines else "(no output)"

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
    lost = counted_twice = sql_writes = stalled = 0
    inputs = files  # documents fed to a run: the inbox, then every new one a scenario adds
    sql_tried = 0

    def scenario(name: str, action) -> None:
        nonlocal lost, counted_twice
        started = time.perf_counter()
        ok, detail, data, source = action()
        if data is not None and (data / "warehouse.duckdb").exists():
            lost += fk.lost(source, data)
            counted_twice += twice(data)
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
    counted_twice += twice(reference)

    def sql_is_read_only():
        """Each way out of the snapshot through `nianbao sql`: refused, and not a byte written anywhere."""
        nonlocal sql_writes, sql_tried
        root = reference.parent  # the attempts write (if they could) in root and root/data
        watched = [reference / "published" / "nianbao.duckdb", reference / "warehouse.duckdb"]
        before = [fk.file_digest(p) for p in watched]
        listing = sorted(str(p) for p in root.rglob("*"))
        ran = []
        for query in sql_escapes(root):
            sql_tried += 1
            done = subprocess.run([fk.NIANBAO, "sql", query], env=fk.env_for(reference), capture_output=True,
                                  text=True, timeout=120, cwd=fk.REPO)
            if done.returncode == 0 or "nianbao sql is read-only" not in " ".join(done.stdout.split()):
                ran.append(query)
        changed = sum(a != fk.file_digest(p) for a, p in zip(before, watched))
        appeared = sorted(set(str(p) for p in root.rglob("*")) - set(listing))
        sql_writes += len(ran) + changed + len(appeared)
        ok = not ran and not changed and not appeared
        detail = (f"{sql_tried} ways out refused, snapshot and warehouse byte-identical, no file appeared" if ok
                  else f"ran: {ran[:2]} changed: {changed} appeared: {appeared[:2]}")
        return ok, detail, None, None

    scenario("nianbao sql: every way out", sql_is_read_only)

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


    def stale_wal():
        """A read-write client (the DuckDB CLI's default) writes into the snapshot and dies before it
        checkpoints: its WAL must not be replayed onto the next snapshot."""
        data = args.workdir / "stale-wal" / "data"
        shutil.copytree(reference, data)
        snapshot = data / "published" / "nianbao.duckdb"
        client = ("import duckdb, os, sys\nconn = duckdb.connect(sys.argv[1])\n"
                  "conn.execute('create table client_table as select 42 as x')\n"
                  "conn.execute('delete from mart_agency_year where report_id > (select median(report_id) "
                  "from mart_agency_year)')\nos._exit(9)\n")
        subprocess.run([sys.executable, "-c", client, str(snapshot)], check=False)
        wal = snapshot.with_name("nianbao.duckdb.wal")
        if not wal.exists():
            return False, "the client left no WAL", data, inbox
        done = fk.run(inbox, data)
        client_left = published(data, "select count(*) from information_schema.tables "
                                      "where table_name = 'client_table'")[0][0]
        verdict = same(data)
        ok = done.returncode == 0 and not wal.exists() and not client_left and verdict.startswith("tables")
        return ok, f"WAL removed={not wal.exists()}, client's table gone={not client_left}: {verdict}", data, inbox

    scenario("stale WAL beside the snapshot", stale_wal)

    def damaged_warehouse():
        data = args.workdir / "damaged" / "data"
        shutil.copytree(reference, data)
        warehouse = data / "warehouse.duckdb"
        with open(warehouse, "r+b") as f:  # the header overwritten, as by a disk or a copy gone wrong
            f.write(bytes(4096))
        started = time.monotonic()
        failed = fk.run(inbox, data)
        took = time.monotonic() - started
        out = " ".join(failed.stdout.split())
        advised = "is damaged" in out and f"mv {warehouse} {warehouse}.broken" in out and "Traceback" not in out
        if failed.returncode == 0 or not advised:
            return False, f"rc={failed.returncode} advice={advised}: {last_line(failed.stdout)}", None, None
        warehouse.rename(f"{warehouse}.broken")  # doing what it says
        rebuilt = fk.run(inbox, data)
        verdict = same(data) if rebuilt.returncode == 0 else "rebuild failed: " + last_line(rebuilt.stdout)
        return (took < 30 and verdict.startswith("tables"),
                f"stopped in {took:.0f} s with the advice; rebuilt: {verdict}", data, inbox)

    scenario("damaged warehouse", damaged_warehouse)

    # Small inboxes for the rest: the sample reports and the real PDFs, one clean run as their reference.
    small_inbox = args.workdir / "small" / "inbox"
    fk.build_inbox(small_inbox, SHARED, 0)
    small = args.workdir / "small" / "data"
    if fk.run(small_inbox, small).returncode != 0:
        raise SystemExit("the small inbox's clean run failed")
    small_tables = fk.canonical(small)

    def full_dagster_home_file_limit():
        """A file-size limit met first by Dagster's own SQLite storage (a fresh DAGSTER_HOME): SQLite says only
        "disk I/O error"; the run must say the disk is full, there."""
        nonlocal inputs
        data = args.workdir / "full-dagster-home" / "data"
        shutil.copytree(small, data)
        grown = fk.grown_inbox(small_inbox, data.parent / "grown")
        inputs += 1
        before = fk.file_digest(data / "published" / "nianbao.duckdb")
        failed = fk.run(grown, data, preexec=fk.disk_limit(32 * 1024))
        out = " ".join(failed.stdout.split())
        clear = failed.returncode == 1 and f"disk is full (or a file size limit was hit) under " \
                                           f"{fk.dagster_home(data)}" in out and "unchanged" in out
        intact = fk.file_digest(data / "published" / "nianbao.duckdb") == before
        recovered = fk.run(grown, data).returncode == 0 and fk.lost(grown, data) == 0
        return (clear and intact and recovered, f"clear={clear} (DAGSTER_HOME named), snapshot intact={intact}, "
                f"next run took the new document in={recovered}", data, grown)

    scenario("full disk, Dagster's storage first (size limit)", full_dagster_home_file_limit)

    def full_file_system():
        """A real file system filled up (a tmpfs), holding the data directory and DAGSTER_HOME."""
        nonlocal inputs, lost, counted_twice
        root = args.workdir / "full-fs"
        grown = fk.grown_inbox(small_inbox, root / "grown")
        inputs += 1
        with contextlib.ExitStack() as stack:
            try:
                disk = stack.enter_context(fk.tmpfs(root / "disk", "128m"))
            except PermissionError as e:
                return True, f"skipped: {e}"[:70], None, None
            data = disk / "data"
            shutil.copytree(small, data)
            shutil.copytree(fk.dagster_home(small), fk.dagster_home(data))
            before = fk.file_digest(data / "published" / "nianbao.duckdb")
            filler = fk.fill(disk)
            failed = fk.run(grown, data)
            out = " ".join(failed.stdout.split())
            clear = failed.returncode == 1 and "disk is full" in out and "No space left on device" in out \
                and "unchanged" in out
            intact = fk.file_digest(data / "published" / "nianbao.duckdb") == before
            filler.unlink()
            recovered = fk.run(grown, data).returncode == 0
            missing = fk.lost(grown, data)  # counted here: the file system goes away with the block
            lost += missing
            counted_twice += twice(data)
            return (clear and intact and recovered and not missing,
                    f"clear={clear}, snapshot intact={intact}, freed: next run took it in={recovered}", None, None)

    scenario("real full disk (tmpfs): data + DAGSTER_HOME", full_file_system)

    def one_report_in_several_files():
        """马渚镇's report saved again over its file with a line appended (the same cells), then corrected
        (52 → 53 procurement projects), then also saved as a web page and as GB18030 text: one logical report,
        counted once, with the corrected figure."""
        nonlocal inputs
        root = args.workdir / "versions"
        data = root / "data"
        shutil.copytree(small, data)
        shutil.copytree(small_inbox, root / "inbox")
        target = root / "inbox" / MAZHU
        original = target.read_text(encoding="utf-8")
        corrected = original.replace("52项", "53项")
        steps = [("line appended", {MAZHU: (original + "\n（本报告于2021年1月5日重新发布）\n").encode()}),
                 ("corrected", {MAZHU: corrected.encode()}),
                 ("as HTML and GB18030", {"web/马渚镇2020年报.html": as_html(corrected),
                                          "web/马渚镇2020年报.md": corrected.encode("gb18030")})]
        seen = []
        for step, writes in steps:
            for name, body in writes.items():
                (root / "inbox" / name).parent.mkdir(parents=True, exist_ok=True)
                (root / "inbox" / name).write_bytes(body)
                inputs += 1
            done = fk.run(root / "inbox", data)
            if done.returncode != 0:
                return False, f"{step}: run failed: {last_line(done.stdout)}", data, root / "inbox"
            seen.append(published(data, "select procurement_count, sources from mart_agency_year "
                                        "where agency = '马渚镇人民政府'"))
        superseded = published(data, "select count(*) from report_versions v join documents d on d.id = v.report_id "
                                     "where d.original_name = ? and v.status = 'superseded'", [MAZHU])[0][0]
        ok = seen == [[(52, 2)], [(53, 1)], [(53, 3)]] and superseded == 2
        return ok, f"马渚镇 rows after each step: {[len(r) for r in seen]}, figures {[r[0] if r else None for r in seen]}" \
                   f", {superseded} superseded", data, root / "inbox"

    scenario("report replaced under its name, + 2 formats", one_report_in_several_files)

    def crafted_tokenizer_input():
        """The line that made the tokenizer backtrack exponentially, in a report and alone: each run must end
        within the bound, and the second must not try it again forever."""
        nonlocal inputs, stalled
        root = args.workdir / "crafted"
        crafted = root / "inbox"
        crafted.mkdir(parents=True)
        report = (SHARED / "samples" / MAZHU).read_text(encoding="utf-8").splitlines()
        report.insert(len(report) // 2, CRAFTED)
        (crafted / "马渚镇2020年报（含构造行）.txt").write_text("\n".join(report) + "\n", encoding="utf-8")
        (crafted / "行政许可.txt").write_text(f"{CRAFTED}\n行政处罚{'-1' * 40}\n", encoding="utf-8")
        inputs += 2
        data = root / "data"
        took = []
        for _ in range(2):
            started = time.monotonic()
            proc = fk.start(crafted, data)
            try:
                out, _ = proc.communicate(timeout=STALL_BOUND_S)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)  # the run and its workers
                proc.wait()
                stalled += 1
                took.append(None)
                break
            took.append(time.monotonic() - started)
            if proc.returncode != 0:
                return False, f"run failed: {last_line(out)}", data, crafted
        if None in took:
            return False, f"a run did not end within {STALL_BOUND_S} s", None, None
        outcome = fk.query(data, "select d.original_name, coalesce(r.status, d.status), r.n_cells from documents d "
                                 "left join reports r on r.report_id = d.id order by 1")
        told = "; ".join(f"{n[:8]}…: {s} {c if c is not None else ''}".strip() for n, s, c in outcome)
        return True, f"runs ended in {took[0]:.0f} s, {took[1]:.0f} s ({told})", data, crafted

    scenario("crafted line (tokenizer backtracking)", crafted_tokenizer_input)

    survived = sum(r[1].startswith("survived") for r in rows)
    print()
    print(f"{'scenario':<48}{'outcome':<72}{'s':>7}")
    for name, outcome, seconds in rows:
        print(f"{name:<48}{outcome[:70]:<72}{seconds:>7.1f}")
    print()
    print(f"{'load held':<40}{files} inbox entries in {load_s:.1f} s ({files / load_s:.0f}/s), run completed")
    print(f"{'inputs tried':<40}{inputs} documents ({files} inbox entries, {len(BAD)} of them hostile; "
          f"{inputs - files} added by the scenarios) and {sql_tried} ways out of nianbao sql")
    print(f"{'faults survived':<40}{survived} of {len(rows)}")
    print(f"{'bad inputs tried':<40}{len(BAD)} hostile files; {bad_ok} rejected with their specific reason")
    print(f"{'documents lost':<40}{lost}")
    print(f"{'reports counted twice':<40}{counted_twice}")
    print(f"{'writes through nianbao sql':<40}{sql_writes}")
    print(f"{'runs stalled':<40}{stalled}")
    if survived != len(rows) or lost or bad_ok != len(BAD) or counted_twice or sql_writes or stalled:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
