"""Faults and concurrency, on real `nianbao run` processes: a run killed with SIGKILL at any stage, a full or
read-only disk, two runs at once. Each time the next run completes with exactly the tables and marts of a
clean run (no duplicate, no half-published mart, no document lost), and published data stays intact."""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
import time

import duckdb
import pytest

import faultkit as fk

SYNTH = 150


@pytest.fixture(scope="module")
def inbox(tmp_path_factory, corpus_dir):
    root = tmp_path_factory.mktemp("faults")
    inbox = root / "inbox"
    fk.build_inbox(inbox, corpus_dir, SYNTH)
    return inbox


@pytest.fixture(scope="module")
def reference(inbox, tmp_path_factory):
    """A clean run's tables and marts, and its data directory."""
    data = tmp_path_factory.mktemp("reference") / "data"
    done = fk.run(inbox, data)
    assert done.returncode == 0, done.stdout[-3000:]
    return fk.canonical(data), data


def test_a_second_run_over_the_same_inbox_changes_nothing(inbox, reference):
    tables, data = reference
    again = fk.run(inbox, data)
    assert again.returncode == 0, again.stdout[-3000:]
    assert fk.canonical(data) == tables
    assert tables["reports"] and tables["report_cells"] and tables["mart_agency_year"]


@pytest.mark.parametrize("point", list(fk.KILL_POINTS))
def test_kill_9_then_the_next_run_completes_as_if_nothing_happened(inbox, reference, tmp_path, point):
    tables, _ = reference
    data = tmp_path / "data"
    assert fk.kill_when(inbox, data, fk.KILL_POINTS[point]), f"the run finished before {point}"
    if (data / "published" / "nianbao.duckdb").exists():  # a snapshot is whole or absent, never half
        with duckdb.connect(str(data / "published" / "nianbao.duckdb"), read_only=True) as conn:
            conn.execute("select count(*) from mart_agency_year").fetchone()
    again = fk.run(inbox, data)
    assert again.returncode == 0, again.stdout[-3000:]
    assert fk.duplicates(data) == 0 and fk.lost(inbox, data) == 0
    assert fk.canonical(data) == tables
    assert not list(data.glob("checks-*")) and not list(data.glob("published/.*.tmp"))


def test_a_full_disk_is_a_clear_error_and_published_data_stays(inbox, reference, tmp_path):
    _, ref_data = reference
    data = tmp_path / "data"
    shutil.copytree(ref_data, data)
    grown = fk.grown_inbox(inbox, tmp_path / "inbox")
    full, intact = fk.storage_fault(grown, data, "full")
    assert full.returncode != 0
    assert "disk is full" in full.stdout and "unchanged" in full.stdout, full.stdout[-2000:]
    assert intact
    with duckdb.connect(str(data / "published" / "nianbao.duckdb"), read_only=True) as conn:
        assert conn.execute("select count(*) from mart_agency_year").fetchone()[0] > 0
    recovered = fk.run(grown, data)  # room again: the next run takes the new document in
    assert recovered.returncode == 0, recovered.stdout[-3000:]
    assert fk.lost(grown, data) == 0 and fk.duplicates(data) == 0


def _says_dagster_storage_is_full(failed: subprocess.CompletedProcess, home) -> None:
    out = " ".join(failed.stdout.split())
    assert failed.returncode == 1, out[-2000:]
    assert f"the disk is full (or a file size limit was hit) under {home} (DAGSTER_HOME" in out, out[-2000:]
    assert "published snapshot" in out and "is unchanged; free space there" in out, out[-2000:]
    assert "Traceback" not in failed.stdout


def test_a_file_size_limit_hit_first_by_dagsters_own_storage_says_the_disk_is_full(small, tmp_path):
    """Dagster's SQLite run storage under DAGSTER_HOME is the first thing a run writes; when it meets the limit
    SQLite says only "disk I/O error" (which was all the run printed)."""
    inbox, ref_data, tables = small
    data = tmp_path / "data"
    shutil.copytree(ref_data, data)
    home = fk.dagster_home(data)
    assert not home.exists()  # a fresh DAGSTER_HOME: its databases are created by this run
    grown = fk.grown_inbox(inbox, tmp_path / "inbox")
    snapshot = data / "published" / "nianbao.duckdb"
    before = fk.file_digest(snapshot)
    failed = fk.run(grown, data, preexec=fk.disk_limit(32 * 1024))
    _says_dagster_storage_is_full(failed, home)
    assert fk.file_digest(snapshot) == before and fk.canonical(data) == tables
    again = fk.run(grown, data)  # no limit: the next run takes everything in
    assert again.returncode == 0, again.stdout[-3000:]
    assert fk.lost(grown, data) == 0 and fk.duplicates(data) == 0


def test_a_real_full_disk_under_dagster_home_and_the_data_says_so(small, tmp_path):
    """A real file system, filled up, holding the data directory and DAGSTER_HOME (one server disk): Dagster's
    SQLite meets it first and says "disk I/O error"; the run says the disk is full."""
    inbox, ref_data, tables = small
    grown = fk.grown_inbox(inbox, tmp_path / "inbox")
    with contextlib.ExitStack() as stack:
        try:
            disk = stack.enter_context(fk.tmpfs(tmp_path / "disk", "64m"))
        except PermissionError as e:  # the file-size-limit test above stands in for it
            pytest.skip(str(e))
        data = disk / "data"
        shutil.copytree(ref_data, data)
        home = fk.dagster_home(data)
        shutil.copytree(fk.dagster_home(ref_data), home)  # the run history of the earlier runs
        snapshot = data / "published" / "nianbao.duckdb"
        before = fk.file_digest(snapshot)
        filler = fk.fill(disk)
        failed = fk.run(grown, data)
        _says_dagster_storage_is_full(failed, home)
        assert "(No space left on device)" in " ".join(failed.stdout.split())
        assert fk.file_digest(snapshot) == before and fk.canonical(data) == tables
        filler.unlink()  # room again: the next run takes the new document in
        again = fk.run(grown, data)
        assert again.returncode == 0, again.stdout[-3000:]
        assert fk.lost(grown, data) == 0 and fk.duplicates(data) == 0


def test_a_read_only_data_directory_is_a_clear_error_and_published_data_stays(inbox, reference, tmp_path):
    _, ref_data = reference
    data = tmp_path / "data"
    shutil.copytree(ref_data, data)
    grown = fk.grown_inbox(inbox, tmp_path / "inbox")
    denied, intact = fk.storage_fault(grown, data, "read-only")
    assert denied.returncode != 0
    assert "read-only" in denied.stdout and "unchanged" in denied.stdout, denied.stdout[-2000:]
    assert intact
    assert fk.canonical(data) == fk.canonical(ref_data)
    assert fk.run(grown, data).returncode == 0 and fk.lost(grown, data) == 0  # writable again: all taken in


def test_two_runs_at_once_the_second_waits_and_both_succeed(inbox, reference, tmp_path):
    tables, _ = reference
    data = tmp_path / "data"
    first, second = fk.start(inbox, data), fk.start(inbox, data)
    out1, _ = first.communicate(timeout=900)
    out2, _ = second.communicate(timeout=900)
    assert first.returncode == 0 and second.returncode == 0, (out1[-2000:], out2[-2000:])
    assert "waiting for it to finish" in out1 + out2
    assert fk.canonical(data) == tables and fk.duplicates(data) == 0


def test_a_second_run_that_may_not_wait_stops_cleanly(inbox, reference, tmp_path):
    tables, _ = reference
    data = tmp_path / "data"
    first = fk.start(inbox, data)
    lock = data / ".nianbao.lock"
    while first.poll() is None and not (lock.exists() and lock.read_text().strip()):
        time.sleep(0.01)
    impatient = fk.run(inbox, data, NIANBAO_LOCK_WAIT_S="0")
    out1, _ = first.communicate(timeout=900)
    assert first.returncode == 0, out1[-2000:]
    assert impatient.returncode != 0 and "another nianbao run" in impatient.stdout, impatient.stdout[-2000:]
    assert fk.canonical(data) == tables


def _published_as_built(data) -> dict[str, int]:
    """The snapshot's tables, each checked row for row against what the run built in the warehouse; their
    row counts. A table the run did not build, or a row it did not write (or lacks), fails."""
    from pipelines.marts.build import PUBLISHED, PUBLISHED_ROWS

    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        conn.execute(f"attach '{data / 'published' / 'nianbao.duckdb'}' as snap (read_only)")
        names = {t for (t,) in conn.execute(
            "select table_name from information_schema.tables where table_catalog = 'snap'").fetchall()}
        assert names == set(PUBLISHED)
        counts = {}
        for table in PUBLISHED:
            built = f"select * from main.{table} {PUBLISHED_ROWS.get(table, '')}"
            for a, b in ((built, f"select * from snap.{table}"), (f"select * from snap.{table}", built)):
                assert conn.execute(f"select count(*) from ({a} except all {b})").fetchone()[0] == 0, table
            counts[table] = conn.execute(f"select count(*) from snap.{table}").fetchone()[0]
    return counts


def test_a_write_ahead_log_left_beside_the_snapshot_is_not_replayed_onto_the_next(corpus_dir, tmp_path):
    inbox, data = tmp_path / "inbox", tmp_path / "data"
    fk.build_inbox(inbox, corpus_dir, 0)
    first = fk.run(inbox, data)
    assert first.returncode == 0, first.stdout[-3000:]
    snapshot = data / "published" / "nianbao.duckdb"
    counts = _published_as_built(data)
    assert counts["mart_agency_year"] >= 4
    # a read-write client (the DuckDB CLI's default) writes into the snapshot and dies before it checkpoints
    client = ("import duckdb, os, sys\n"
              "conn = duckdb.connect(sys.argv[1])\n"
              "conn.execute('create table client_table as select 42 as x')\n"
              "conn.execute('delete from mart_agency_year where report_id > (select median(report_id) "
              "from mart_agency_year)')\n"
              "os._exit(9)\n")
    died = subprocess.run([sys.executable, "-c", client, str(snapshot)], capture_output=True, text=True)
    assert died.returncode == 9, died.stderr
    wal = data / "published" / "nianbao.duckdb.wal"
    assert wal.exists() and wal.stat().st_size > 0
    with duckdb.connect(str(snapshot), read_only=True) as conn:  # readers now see the client's writes
        assert conn.execute("select count(*) from client_table").fetchone()[0] == 1
        assert conn.execute("select count(*) from mart_agency_year").fetchone()[0] < counts["mart_agency_year"]
    again = fk.run(inbox, data)
    assert again.returncode == 0, again.stdout[-3000:]
    assert _published_as_built(data) == counts  # exactly the run's tables and rows, nothing of the client's
    assert not wal.exists()


@pytest.fixture(scope="module")
def small(tmp_path_factory, corpus_dir):
    """The sample texts and the real PDFs, run once: the inbox, the data directory and its tables."""
    root = tmp_path_factory.mktemp("small")
    inbox, data = root / "inbox", root / "data"
    fk.build_inbox(inbox, corpus_dir, 0)
    done = fk.run(inbox, data)
    assert done.returncode == 0, done.stdout[-3000:]
    return inbox, data, fk.canonical(data)


def test_a_damaged_warehouse_fails_fast_and_says_how_to_rebuild_it(small, tmp_path):
    inbox, ref_data, tables = small
    data = tmp_path / "data"
    shutil.copytree(ref_data, data)
    warehouse = data / "warehouse.duckdb"
    with open(warehouse, "r+b") as f:  # the header overwritten, as by a disk or a copy gone wrong
        f.write(bytes(4096))
    started = time.monotonic()
    failed = fk.run(inbox, data)
    took = time.monotonic() - started
    out = " ".join(failed.stdout.split())
    assert failed.returncode != 0 and took < 30, (took, out[-2000:])  # dagster-duckdb retried for 106 s
    assert f"the warehouse {warehouse} is damaged" in out and f"mv {warehouse} {warehouse}.broken" in out, out
    assert "Traceback" not in failed.stdout
    warehouse.rename(f"{warehouse}.broken")  # doing what it says rebuilds everything from the lake
    again = fk.run(inbox, data)
    assert again.returncode == 0, again.stdout[-3000:]
    assert fk.canonical(data) == tables


def test_a_locked_warehouse_fails_fast_and_names_the_holder(small, tmp_path):
    inbox, ref_data, tables = small
    data = tmp_path / "data"
    shutil.copytree(ref_data, data)
    # a DuckDB client holding the warehouse open for writing (the CLI's default), as an operator might
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time\n"
                               "conn = duckdb.connect(sys.argv[1])\nprint('open', flush=True)\ntime.sleep(600)\n",
                               str(data / "warehouse.duckdb")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        started = time.monotonic()
        failed = fk.run(inbox, data)
        took = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    out = " ".join(failed.stdout.split())
    assert failed.returncode != 0 and took < 30, (took, out[-2000:])
    assert f"locked by another process (PID {holder.pid})" in out and "published snapshot" in out, out
    again = fk.run(inbox, data)  # closed: the next run goes through
    assert again.returncode == 0, again.stdout[-3000:]
    assert fk.canonical(data) == tables


@pytest.mark.parametrize("how", ["SIGTERM to the run", "Ctrl-C (SIGINT to its process group)"])
def test_an_interrupted_run_says_so_and_the_next_resumes(inbox, reference, tmp_path, how):
    tables, _ = reference
    data = tmp_path / "data"
    sig, group = (signal.SIGTERM, False) if how.startswith("SIGTERM") else (signal.SIGINT, True)
    sent, stopped = fk.signal_when(inbox, data, fk.KILL_POINTS["during extraction"], sig, group)
    assert sent, "the run finished before extraction"
    out = " ".join(stopped.stdout.split())
    assert stopped.returncode == 130, out[-2000:]
    assert "the run was interrupted" in out and "it resumes where this one stopped" in out, out[-2000:]
    assert "different configuration" not in out and "cannot read the warehouse" not in out
    again = fk.run(inbox, data)
    assert again.returncode == 0, again.stdout[-3000:]
    assert fk.duplicates(data) == 0 and fk.lost(inbox, data) == 0
    assert fk.canonical(data) == tables
