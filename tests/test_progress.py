"""Progress on a terminal: `nianbao run` and `nianbao fanout`, run under a pseudo-terminal as a user runs them,
show per-stage progress (documents decoded, extracted, checked, with rates) although the stages run inside
Dagster steps (whose stderr Dagster captures), in shard runs and in worker processes."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

NIANBAO = str(Path(sys.executable).with_name("nianbao"))
SAMPLES = ("000_2f7257501bd8445e.txt", "003_aab5423710c0abba.txt", "004_cb93c0191c209947.txt")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-LN-Za-z]|\r")  # cursor moves and erasures: a line break
STYLE = re.compile(r"\x1b\[[0-9;]*m")


def under_a_terminal(args: list[str], env: dict, timeout: float = 900) -> tuple[int, str]:
    """Run a command with a pseudo-terminal as its stdin, stdout and stderr; everything it wrote there."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    out, deadline = bytearray(), time.time() + timeout
    try:
        while time.time() < deadline:
            ready, _, _ = select.select([master], [], [], 1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: every writer closed the terminal
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None:
                break
        proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return proc.returncode, ANSI.sub("\n", STYLE.sub("", out.decode("utf-8", "replace")))


def _env(tmp: Path, data: Path) -> dict:
    return {"PATH": os.environ["PATH"], "HOME": str(tmp), "TERM": "xterm-256color", "COLUMNS": "160",
            "NIANBAO_DATA_DIR": str(data), "DAGSTER_HOME": str(data / ".dagster")}


def test_run_and_fanout_show_per_stage_progress_on_a_terminal(tmp_path, corpus_dir):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in SAMPLES:
        shutil.copy(corpus_dir / "samples" / name, inbox)
    (inbox / "empty.txt").write_bytes(b"")

    code, out = under_a_terminal([NIANBAO, "run", "--inbox", str(inbox)], _env(tmp_path, tmp_path / "run"))
    assert code == 0, out[-3000:]
    # the bars while the steps run (counts and a rate), then what each stage did
    assert re.search(r"解码 +documents decoded .*\d+/3", out), out[-3000:]
    assert re.search(r"抽取 +documents extracted .*\d+/3", out), out[-3000:]
    for line in ("收取 4 files ingested in", "解码 3 documents decoded in", "抽取 3 documents extracted in",
                 "校验 1 report batches checked in"):
        assert line in out, out[-3000:]
    assert re.search(r"解码 3 documents decoded in \d+\.\d s \(\d[\d,]*\.\d/s\)", out)
    assert "run " in out and "succeeded" in out  # the summary as before

    code, out = under_a_terminal([NIANBAO, "fanout", "--inbox", str(inbox), "--parallel", "2"],
                                 _env(tmp_path, tmp_path / "fanout"))
    assert code == 0, out[-3000:]
    # decoding and extraction happen in shard runs, each step in a process of its own: all of it is counted
    for line in ("收取 4 files ingested in", "解码 3 documents decoded in", "抽取 3 documents extracted in"):
        assert line in out, out[-3000:]
    assert "shards have work" in out and "load, checks and marts: run" in out


def test_no_progress_without_a_terminal(tmp_path, corpus_dir):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(corpus_dir / "samples" / SAMPLES[0], inbox)
    proc = subprocess.run([NIANBAO, "run", "--inbox", str(inbox)], capture_output=True, text=True, timeout=900,
                          env=_env(tmp_path, tmp_path / "data"))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "解码" not in proc.stdout + proc.stderr and "documents decoded" not in proc.stdout + proc.stderr
