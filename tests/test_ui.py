"""The UI end to end: the webserver on loopback lists every asset, check, schedule and sensor over GraphQL,
runs the job launched through GraphQL to success, and a headless Chromium screenshot of the asset graph is
kept as a test artifact (test-artifacts/asset-graph.png)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, stop
from pipelines.marts.build import MARTS
from pipelines.settings import EVENT_LOG_STORAGE

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str, variables: dict | None = None) -> dict:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        answer = json.loads(response.read())
    assert "errors" not in answer, answer
    return answer["data"]


@pytest.fixture(scope="module")
def webserver(tmp_path_factory, corpus_dir):
    root = tmp_path_factory.mktemp("ui")
    home = root / "dagster_home"
    (home / ".nux").mkdir(parents=True)
    (home / ".nux" / "nux.yaml").write_text("seen: 1\n")  # no "join the community" modal over the graph
    # nianbao's event log storage (the UI reads the run history through it), and, without the daemon, runs that
    # start at once rather than wait in the queue
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n" + EVENT_LOG_STORAGE + "run_coordinator:\n"
                                       "  module: dagster.core.run_coordinator\n  class: DefaultRunCoordinator\n")
    inbox = root / "inbox"
    inbox.mkdir()
    for name in ("003_aab5423710c0abba.txt", "004_cb93c0191c209947.txt"):
        shutil.copy(corpus_dir / "samples" / name, inbox)
    port = _free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "NIANBAO_INBOX": str(inbox), "NIANBAO_DATA_DIR": str(root / "data")}
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster-webserver")), "-w", "workspace.yaml", "-h", "127.0.0.1",
         "-p", str(port)], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        deadline = time.time() + 180
        while True:
            try:
                if graphql(port, "{ assetNodes { id } }")["assetNodes"]:
                    break
            except (OSError, AssertionError):
                pass
            assert time.time() < deadline, "the webserver did not come up"
            assert server.poll() is None, "the webserver exited"
            time.sleep(1)
        yield port, root
    finally:
        stop(server)


REPO_SELECTOR = {"repositoryLocationName": "annual_reports", "repositoryName": "__repository__"}


def test_every_asset_check_schedule_and_sensor_is_there(webserver):
    port, _ = webserver
    data = graphql(port, """
        query($repo: RepositorySelector!) {
          assetNodes { assetKey { path } assetChecksOrError { ... on AssetChecks { checks { name } } } }
          schedulesOrError(repositorySelector: $repo) { ... on Schedules { results { name } } }
          sensorsOrError(repositorySelector: $repo) { ... on Sensors { results { name } } }
        }""", {"repo": REPO_SELECTOR})
    assets = {"/".join(n["assetKey"]["path"]) for n in data["assetNodes"]}
    assert assets == {"raw/documents", "text/document_text", "extracted/reports", "load/warehouse", "checks/check_results",
                      "publish/snapshot"} | {f"marts/{m}" for m in MARTS}
    checks = {c["name"] for n in data["assetNodes"] for c in (n["assetChecksOrError"].get("checks") or [])}
    assert {"no_file_lost", "every_accepted_document_decoded", "accepted_reports_pass_hard_rules", "T3_01",
            "NT_01", "only_accepted_reports_and_rates_in_range"} <= checks
    assert [s["name"] for s in data["schedulesOrError"]["results"]] == ["daily_refresh"]
    assert [s["name"] for s in data["sensorsOrError"]["results"]] == ["inbox_sensor"]


def test_a_run_launched_over_graphql_succeeds(webserver):
    port, root = webserver
    launched = graphql(port, """
        mutation($params: ExecutionParams!) {
          launchRun(executionParams: $params) {
            __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message }
          }
        }""", {"params": {"selector": {**REPO_SELECTOR, "jobName": "annual_reports_job"}, "runConfigData": {}}})
    assert launched["launchRun"]["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["launchRun"]["run"]["runId"]
    deadline = time.time() + 400
    status = None
    while time.time() < deadline:
        status = graphql(port, "query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }",
                         {"id": run_id})["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(2)
    assert status == "SUCCESS", status
    assert (root / "data" / "published" / "nianbao.duckdb").exists()


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="Debian's chromium is not installed")
def test_screenshot_of_the_asset_graph(webserver):
    assert CHROMIUM, "chromium must be installed (make test installs it)"
    port, _ = webserver
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "asset-graph.png"
    shot.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={profile}", "--virtual-time-budget=20000", "--window-size=1400,900",
                        f"--screenshot={shot}", f"http://127.0.0.1:{port}/asset-groups"],
                       capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 30_000  # a drawn graph, not a blank page
