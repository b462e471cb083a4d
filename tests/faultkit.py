"""Tools to hurt a real `nianbao run` and to compare what it leaves behind (used by tests/test_faults.py and
benchmarks/resilience.py): build an inbox, run the CLI in its own process group, kill it with SIGKILL
when a stage's files appear, starve it of disk, and dump every table and mart in a canonical form."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
NIANBAO = str(Path(sys.executable).with_name("nianbao"))

# Every table a run writes, without the columns that say when (timestamps differ from run to run).
CANONICAL = {
    "documents": "select id, original_path, original_name, size_bytes, format, encoding, status, reason from documents",
    "document_sources": "select document_id, path from document_sources",
    "document_text": "select document_id, decoder, pages, n_blocks, n_tables, text from document_text",
    "document_blocks": "select document_id, seq, kind, page, text from document_blocks",
    "reports": "select * exclude (extracted_at) from reports",
    "report_cells": "select * from report_cells",
    "extraction_issues": "select * from extraction_issues",
    "narrative_claims": "select * from narrative_claims",
    "check_results": "select * from check_results",
    "suspect_cells": "select * from suspect_cells",
    "report_quality": "select * exclude (checked_at) from report_quality",
}
MARTS = ("mart_agency_year", "mart_region_level_year", "mart_outcome_breakdown", "mart_review_litigation",
         "mart_active_disclosure_v2019", "mart_active_disclosure_v2021", "mart_quality", "mart_agency_yoy")


def build_inbox(inbox: Path, corpus_dir: Path, synth: int, seed: int = 5) -> int:
    """The sample texts, the real PDFs and `synth` generated reports; return the number of files."""
    from synth import generate

    inbox.mkdir(parents=True, exist_ok=True)
    for f in sorted((corpus_dir / "samples").glob("*.txt")) + sorted((corpus_dir / "pdf").glob("*.pdf")):
        shutil.copy(f, inbox / f.name)
    if synth:
        with tempfile.TemporaryDirectory() as scratch:  # the generator's gold files stay out of the inbox
            generate(synth, Path(scratch), ["one_cell_per_line", "tab_indented", "pipe_table", "html",
                                            "run_together"], seed=seed)
            for f in sorted((Path(scratch) / "docs").iterdir()):
                shutil.copy(f, inbox / f.name)
    return sum(1 for p in inbox.rglob("*") if p.is_file())


def env_for(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NIANBAO_")}
    env.update({"NIANBAO_DATA_DIR": str(data), "DAGSTER_HOME": str(dagster_home(data)),
                "NIANBAO_WORKERS": "2"})
    env.update(extra)
    return env


def start(inbox: Path, data: Path, preexec=None, **extra: str) -> subprocess.Popen:
    """`nianbao run` in a process group of its own (so a kill reaches its worker processes too)."""
    return subprocess.Popen([NIANBAO, "run", "--inbox", str(inbox)], env=env_for(data, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            preexec_fn=preexec, cwd=REPO)


def run(inbox: Path, data: Path, timeout: float = 900, preexec=None, **extra: str) -> subprocess.CompletedProcess:
    proc = start(inbox, data, preexec=preexec, **extra)
    out, _ = proc.communicate(timeout=timeout)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, "")


def kill_when(inbox: Path, data: Path, appeared, timeout: float = 600) -> bool:
    """Start a run and SIGKILL its whole process group as soon as `appeared(data)` is true; True if the
    kill happened before the run finished on its own."""
    proc = start(inbox, data)
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if appeared(data):
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return True
            time.sleep(0.02)
        return False
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        try:  # workers re-parented when the group leader died first
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def signal_when(inbox: Path, data: Path, appeared, sig: int, group: bool,
                timeout: float = 600) -> tuple[bool, subprocess.CompletedProcess]:
    """Start a run and send it `sig` (to its whole process group when `group`, as Ctrl-C on a terminal does;
    else to the run's own process, as `kill` does) when `appeared(data)` is true; whether it was sent before
    the run finished, and the run as it ended."""
    proc = start(inbox, data)
    deadline = time.monotonic() + timeout
    sent = False
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if appeared(data):
                (os.killpg if group else os.kill)(proc.pid, sig)
                sent = True
                break
            time.sleep(0.02)
        out, _ = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return sent, subprocess.CompletedProcess(proc.args, proc.returncode, out, "")


def any_file(pattern: str):
    return lambda data: any(data.glob(pattern))


# Points in a run at which a kill lands: ingest done, decoding under way, extraction under way, checks under
# way (their worker files), publishing under way (the snapshot's temporary file).
KILL_POINTS = {
    "during decoding": any_file("lake/document_text/*/*.parquet"),
    "during extraction": any_file("lake/reports/*/*.parquet"),
    "during checks": any_file("checks-*/checked/*.parquet"),  # a batch's residuals written, not yet decided
    "during publishing": any_file("published/.nianbao.duckdb.*.tmp"),
}


def disk_limit(max_bytes: int):
    """A preexec function: no file of the run may grow beyond `max_bytes` (writes fail with EFBIG), as on a
    disk that is full."""
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death by signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))
    return limit


@contextlib.contextmanager
def tmpfs(mountpoint: Path, size: str):
    """A file system of `size` (a tmpfs) mounted at `mountpoint` for the block: a real disk that can fill up.
    PermissionError when this process may not mount (it needs root, or CAP_SYS_ADMIN)."""
    mountpoint.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(mountpoint)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise PermissionError(f"cannot mount a tmpfs on {mountpoint}: {done.stderr.strip()}")
    try:
        yield mountpoint
    finally:
        for _ in range(100):  # a worker of the run may still be closing its files
            if subprocess.run(["umount", str(mountpoint)], capture_output=True).returncode == 0:
                break
            time.sleep(0.1)


def fill(directory: Path) -> Path:
    """Write a file in `directory` until its file system has no room left; the file (remove it to free)."""
    filler = directory / "filler"
    try:
        with open(filler, "wb") as f:
            while True:
                f.write(bytes(64 * 1024))
                f.flush()
    except OSError as e:
        if e.errno != errno.ENOSPC:
            raise
    try:  # the last partial blocks
        with open(filler, "ab", buffering=0) as f:
            while f.write(bytes(512)):
                pass
    except OSError as e:
        if e.errno != errno.ENOSPC:
            raise
    return filler


def dagster_home(data: Path) -> Path:
    """The DAGSTER_HOME a run on `data` uses (see `env_for`)."""
    return data.parent / f"{data.name}-dagster-home"


def canonical(data: Path) -> dict[str, list[tuple]]:
    """Every table of the warehouse and every mart of the published snapshot, rows sorted."""
    out = {}
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        for name, query in CANONICAL.items():
            out[name] = sorted(conn.execute(query).fetchall(), key=repr)
    with duckdb.connect(str(data / "published" / "nianbao.duckdb"), read_only=True) as conn:
        for mart in MARTS:
            out[mart] = sorted(conn.execute(f"select * from {mart}").fetchall(), key=repr)
    return out


def duplicates(data: Path) -> int:
    """Rows stored twice under their natural keys."""
    keys = {"documents": "id", "reports": "report_id", "report_quality": "report_id",
            "document_text": "document_id", "report_cells": "report_id, table_key, row_key, col_key",
            "check_results": "report_id, rule_id, scope"}
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        return sum(conn.execute(f"select count(*) from (select {k} from {t} group by all having count(*) > 1)")
                   .fetchone()[0] for t, k in keys.items())


def lost(inbox: Path, data: Path) -> int:
    """Inbox files with no row in `documents` (by path)."""
    from pipelines.ingest.inbox import printable, scan_inbox

    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        known = {p for (p,) in conn.execute("select path from document_sources").fetchall()}
        known |= {p for (p,) in conn.execute("select original_path from documents").fetchall()}
    return sum(1 for path, _ in scan_inbox(inbox) if printable(path) not in known)


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def entries(inbox: Path) -> int:
    """How many entries (files, links, pipes) the inbox holds."""
    from pipelines.ingest.inbox import scan_inbox

    return sum(1 for _ in scan_inbox(inbox))


def query(data: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        return conn.execute(sql).fetchall()


# Capabilities that let root write where the permission bits say no (capability(7)): a run started without
# them meets a read-only directory the way any other user would.
_CAP_CHOWN, _CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER = 0, 1, 2, 3
_PR_CAPBSET_DROP = 24


def _drop_file_capabilities() -> None:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (_CAP_CHOWN, _CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH, _CAP_FOWNER):
        if libc.prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop a capability")


def read_only(data: Path):
    """Make `data` read-only (directories r-x, files r--); return the preexec function a run needs so
    that the permission bits bind it (as root: without the capabilities that override them)."""
    for p in [data, *data.rglob("*")]:
        p.chmod(0o555 if p.is_dir() else 0o444)
    return _drop_file_capabilities if os.geteuid() == 0 else None


def writable_again(data: Path) -> None:
    for p in [data, *data.rglob("*")]:
        p.chmod(0o755 if p.is_dir() else 0o644)


def _special_files(directory: str, names: list[str]) -> set[str]:
    """FIFOs: copytree cannot copy them (the run that saw them already has their rows)."""
    return {n for n in names if stat.S_ISFIFO(os.lstat(os.path.join(directory, n)).st_mode)}


def grown_inbox(inbox: Path, grown: Path) -> Path:
    """A copy of `inbox` (links kept, FIFOs left out) with one new document."""
    shutil.copytree(inbox, grown, symlinks=True, ignore=_special_files)
    sample = next(iter(sorted(grown.glob("*.txt"))))
    (grown / "late-arrival.txt").write_bytes(sample.read_bytes() + "\n补充说明。\n".encode())
    return grown


def storage_fault(inbox: Path, data: Path, kind: str) -> tuple[subprocess.CompletedProcess, bool]:
    """Run on `data` with its disk full (kind "full") or read-only ("read-only"); return the run and whether
    the published snapshot is byte for byte what it was. The directory is writable again afterwards."""
    snapshot = data / "published" / "nianbao.duckdb"
    before = file_digest(snapshot)
    preexec = disk_limit(256 * 1024) if kind == "full" else read_only(data)
    try:
        failed = run(inbox, data, preexec=preexec)
    finally:
        if kind != "full":
            writable_again(data)
    return failed, file_digest(snapshot) == before
