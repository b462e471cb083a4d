"""`nianbao run` as Dagster users know it, through the installed console script and real runs: its runs are
runs of `annual_reports_job` that the UI re-executes; every data directory has its own run and asset history
(its own DAGSTER_HOME), and `nianbao ui --data-dir` shows it; the summary names the snapshot the run wrote;
a run that changed nothing says so in its asset metadata; mart previews show agencies, years and figures."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from conftest import stop

NIANBAO = str(Path(sys.executable).with_name("nianbao"))
SAMPLES = ("003_aab5423710c0abba.txt", "004_cb93c0191c209947.txt")


def _env(tmp: Path) -> dict:
    # no DAGSTER_HOME: the CLI chooses the data directory's own
    return {"PATH": os.environ["PATH"], "HOME": str(tmp), "NIANBAO_DATA_DIR": str(tmp / "default-data")}


def _run(tmp: Path, inbox: Path, data: Path) -> str:
    proc = subprocess.run([NIANBAO, "run", "--inbox", str(inbox), "--warehouse", str(data / "warehouse.duckdb")],
                          capture_output=True, text=True, timeout=900, env=_env(tmp), cwd=tmp)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


class Instance:
    """The DagsterInstance of a DAGSTER_HOME, opened without touching this process's environment for long."""

    def __init__(self, home: Path):
        self.home = home

    def __enter__(self) -> dg.DagsterInstance:
        self.saved = os.environ.get("DAGSTER_HOME")
        os.environ["DAGSTER_HOME"] = str(self.home)
        self.instance = dg.DagsterInstance.get()
        return self.instance

    def __exit__(self, *exc) -> None:
        self.instance.dispose()
        if self.saved is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = self.saved


@pytest.fixture(scope="module")
def worlds(tmp_path_factory, corpus_dir):
    """Two runs of one inbox on data directory A (the second finds nothing new), one on data directory B."""
    tmp = tmp_path_factory.mktemp("worlds")
    inbox = tmp / "inbox"
    inbox.mkdir()
    for name in SAMPLES:
        shutil.copy(corpus_dir / "samples" / name, inbox)
    a, b = tmp / "A", tmp / "B"
    out = {"a": [_run(tmp, inbox, a), _run(tmp, inbox, a)], "b": _run(tmp, inbox, b)}
    # the extractor version is a hash of pipelines/extract/: edited between the two runs (a shared work tree),
    # the second run extracts again, rightly; one more run is then the one that finds nothing new
    for _ in range(3):
        last = _runs(a / ".dagster")[-2:]
        versions = [_materialization(a / ".dagster", ["extracted", "reports"], r.run_id)["status"].split()[-1]
                    for r in last]
        if versions[0] == versions[1]:
            break
        out["a"].append(_run(tmp, inbox, a))
    return tmp, a, b, out


def _runs(home: Path) -> list[dg.DagsterRun]:
    with Instance(home) as instance:
        return list(reversed(instance.get_runs()))  # oldest first


def _materialization(home: Path, key: list[str], run_id: str) -> dict:
    with Instance(home) as instance:
        records = instance.fetch_materializations(dg.AssetKey(key), limit=100).records
    [event] = [r.event_log_entry for r in records if r.run_id == run_id][:1]
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def test_cli_runs_are_runs_of_the_named_job(worlds):
    _, a, _, out = worlds
    runs = _runs(a / ".dagster")
    assert [r.job_name for r in runs] == ["annual_reports_job"] * len(out["a"])
    for run in runs:
        assert run.status == dg.DagsterRunStatus.SUCCESS
        assert run.tags["nianbao/trigger"] == "cli"
        # where the UI finds the job (its "Re-execute" needs it), and how a process rebuilds it
        assert run.remote_job_origin.location_name == "annual_reports"
        assert run.remote_job_origin.repository_origin.repository_name == "__repository__"
        assert run.job_code_origin.job_name == "annual_reports_job"
        # the resources it ran with are in its run config: a re-execution works on the same data directory
        assert run.run_config["resources"]["warehouse"]["config"]["database"] == str(a / "warehouse.duckdb")
        assert run.run_id in "".join(out["a"])


def test_each_data_directory_has_its_own_history_and_the_summary_names_its_snapshot(worlds):
    tmp, a, b, out = worlds
    assert len(_runs(a / ".dagster")) == len(out["a"]) and len(_runs(b / ".dagster")) == 1
    assert not (tmp / "default-data" / ".dagster").exists() and not (tmp / "default-data" / "published").exists()
    assert _runs(b / ".dagster")[0].run_id in out["b"]
    for data, text in ((a, out["a"][0]), (b, out["b"])):
        flat = " ".join(text.split())
        snapshot = data / "published" / "nianbao.duckdb"
        assert f"nianbao sql \"select * from mart_agency_year\" --db {snapshot}" in flat
        assert f"nianbao ui --data-dir {data}" in flat
        assert "data/published" not in flat.replace(str(data / "published"), "")


def test_a_run_that_changed_nothing_says_so_in_its_asset_metadata(worlds):
    _, a, _, _ = worlds
    _, second = _runs(a / ".dagster")[-2:]
    home = a / ".dagster"
    assert _materialization(home, ["extracted", "reports"], _runs(home)[0].run_id)["status"].startswith(
        "extracted 2 documents")
    status = _materialization(home, ["extracted", "reports"], second.run_id)["status"]
    assert re.fullmatch(r"nothing new — 2 reports already extracted by extractor version [0-9a-f]{12}",
                        status), status
    assert _materialization(home, ["text", "document_text"], second.run_id)["status"] == \
        "nothing new — 2 documents already decoded"
    assert _materialization(home, ["raw", "documents"], second.run_id)["status"].startswith("nothing new")
    assert _materialization(home, ["load", "warehouse"], second.run_id)["status"].startswith("nothing new")


def test_mart_previews_show_agency_year_and_key_figures(worlds):
    _, a, _, _ = worlds
    run = _runs(a / ".dagster")[-1]
    preview = _materialization(a / ".dagster", ["marts", "mart_agency_year"], run.run_id)["preview"]
    header = preview.splitlines()[0]
    assert header.startswith("| agency | admin_level | region | year |") and "apps_new" in header
    assert "closure_rate" in header
    assert "马渚镇人民政府" in preview and "| 2020 |" in preview
    assert not re.search(r"[0-9a-f]{64}", preview)
    assert "| 9 |" in preview  # counts as counts, not 9.0
    quality = _materialization(a / ".dagster", ["marts", "mart_quality"], run.run_id)["preview"]
    assert quality.splitlines()[0].startswith("| region | admin_level | year | reports | accepted |")


def test_the_ui_of_a_data_directory_shows_its_runs_and_re_executes_them(worlds):
    from test_ui import _free_port, graphql

    tmp, a, b, _ = worlds
    parent = _runs(a / ".dagster")[-1]
    port = _free_port()
    ui = subprocess.Popen([NIANBAO, "ui", "--data-dir", str(a), "--port", str(port)], env=_env(tmp), cwd=tmp,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.time() + 240
        while True:
            try:
                runs = graphql(port, "{ runsOrError { ... on Runs { results { runId jobName } } } }")
                break
            except (OSError, AssertionError):
                assert ui.poll() is None, ui.stdout.read()[-3000:]
                assert time.time() < deadline, "the UI did not come up"
                time.sleep(2)
        # A's history, and only A's
        assert {r["runId"] for r in runs["runsOrError"]["results"]} == {r.run_id for r in _runs(a / ".dagster")}
        launched = graphql(port, """
            mutation($params: ReexecutionParams!) {
              launchPipelineReexecution(reexecutionParams: $params) {
                __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
              }
            }""", {"params": {"parentRunId": parent.run_id, "strategy": "ALL_STEPS"}})
        result = launched["launchPipelineReexecution"]
        assert result["__typename"] == "LaunchRunSuccess", result
        run_id = result["run"]["runId"]
        deadline, status = time.time() + 400, None
        while time.time() < deadline:
            run = graphql(port, "query($id: ID!) { runOrError(runId: $id) { ... on Run { status jobName "
                                "parentRunId } } }", {"id": run_id})["runOrError"]
            if run["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
                break
            time.sleep(2)
        assert run == {"status": "SUCCESS", "jobName": "annual_reports_job", "parentRunId": parent.run_id}, run
    finally:
        stop(ui, 30)
    # the re-execution worked on A (its warehouse and history), and B's history is untouched
    assert _materialization(a / ".dagster", ["publish", "snapshot"], run_id)["snapshot"] == \
        str(a / "published" / "nianbao.duckdb")
    assert len(_runs(b / ".dagster")) == 1
