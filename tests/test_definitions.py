"""The code location loads, validates with the dagster CLI, and agrees with pyproject's dg settings."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

from pipelines.definitions import defs
from pipelines.marts.build import MARTS

REPO = Path(__file__).resolve().parents[1]


def test_assets_jobs_sensors_and_executor():
    d = defs()
    keys = {k.to_user_string() for a in d.assets for k in a.keys}
    assert keys == {"raw/documents", "text/document_text", "extracted/reports", "load/warehouse", "checks/check_results",
                    "publish/snapshot"} | {f"marts/{m}" for m in MARTS}
    assert d.resolve_job_def("annual_reports_job") is not None
    assert d.resolve_sensor_def("inbox_sensor").job_name == "annual_reports_job"
    assert d.executor.name == "in_process"
    for asset in d.assets:
        assert asset.descriptions_by_key and all(asset.descriptions_by_key.values())


def test_workspace_yaml_matches_pyproject():
    workspace = yaml.safe_load((REPO / "workspace.yaml").read_text())
    module = workspace["load_from"][0]["python_module"]
    dg_project = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["dg"]["project"]
    assert module["module_name"] == dg_project["code_location_target_module"] == "pipelines.definitions"
    assert module["location_name"] == dg_project["code_location_name"] == "annual_reports"


def test_dagster_definitions_validate(tmp_path):
    dagster = Path(sys.executable).with_name("dagster")
    proc = subprocess.run([str(dagster), "definitions", "validate", "-w", "workspace.yaml"], cwd=REPO,
                          capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "DAGSTER_HOME": str(tmp_path), "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Validation successful" in proc.stdout + proc.stderr


def test_schedule_and_sensor_run_the_whole_job():
    d = defs()
    schedule = d.resolve_schedule_def("daily_refresh")
    assert schedule.cron_schedule == "0 6 * * *" and schedule.job_name == "annual_reports_job"
    job = d.resolve_job_def("annual_reports_job")
    assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys} >= {"publish/snapshot", "raw/documents"}
