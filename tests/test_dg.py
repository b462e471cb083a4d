"""The `dg` CLI (dagster-dg-cli, a dev dependency) that pyproject's [tool.dg] configures works in the project
root as the README shows it: `dg list defs` lists our assets, checks and jobs; `dg check defs` passes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import REPO
from pipelines.marts.build import MARTS

DG = str(Path(sys.executable).with_name("dg"))


def _dg(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(home), "DAGSTER_HOME": str(home)}
    return subprocess.run([DG, *args], cwd=REPO, capture_output=True, text=True, timeout=300, env=env)


def test_dg_list_defs_lists_our_assets_checks_and_jobs(tmp_path):
    proc = _dg("list", "defs", "--json", home=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    defs = json.loads(proc.stdout)
    assert {a["asset_key"] for a in defs["assets"]} == {
        "raw/documents", "text/document_text", "extracted/reports", "load/warehouse", "checks/check_results",
        "publish/snapshot"} | {f"marts/{m}" for m in MARTS}
    assert {j["name"] for j in defs["jobs"]} == {"annual_reports_job", "shard_job"}
    checks = {c["key"] for c in defs["asset_checks"]}
    assert "raw/documents:no_file_lost" in checks
    assert {s["name"] for s in defs["sensors"]} == {"inbox_sensor"}
    assert {s["name"] for s in defs["schedules"]} == {"daily_refresh"}
    assert "mismatch" not in proc.stderr  # [tool.dg.cli] silences the venv warning for .venv/bin/dg


def test_dg_check_defs_passes(tmp_path):
    proc = _dg("check", "defs", home=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "All definitions loaded successfully" in proc.stdout + proc.stderr
