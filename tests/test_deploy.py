"""The deployment files in deploy/ are loaded and checked against the code they deploy: the Helm values,
the storage manifests, the k8s executor's run config (validated by Dagster against the shard job built
with dagster-k8s' executor) and the Dockerfile."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
DEPLOY = REPO / "deploy"


def _docs(name: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((DEPLOY / "k8s" / name).read_text(encoding="utf-8")) if d]


def test_helm_values_deploy_this_code_location_with_its_settings():
    values = _docs("values.yaml")[0]
    [location] = values["dagster-user-deployments"]["deployments"]
    workspace = yaml.safe_load((REPO / "workspace.yaml").read_text())
    module = workspace["load_from"][0]["python_module"]["module_name"]
    assert location["dagsterApiGrpcArgs"] == ["--module-name", module]
    env = {e["name"]: e["value"] for e in location["env"]}
    settings_source = (REPO / "pipelines" / "settings.py").read_text() + (REPO / "pipelines" / "jobs.py").read_text()
    for name in env:
        if name.startswith("NIANBAO_"):
            assert f'"{name}"' in settings_source, f"{name} is read nowhere"
    assert env["NIANBAO_EXECUTOR"] == "k8s"
    [mount] = location["volumeMounts"]
    assert env["NIANBAO_DATA_DIR"] == mount["mountPath"]
    launcher = values["runLauncher"]
    assert launcher["type"] == "K8sRunLauncher"
    assert "NIANBAO_EXECUTOR=k8s" in launcher["config"]["k8sRunLauncher"]["envVars"]
    limits = values["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]["tagConcurrencyLimits"]
    assert {"key": "dagster/job_name", "value": "annual_reports_job", "limit": 1} in limits


def test_storage_is_one_shared_read_write_many_claim_used_everywhere():
    docs = {d["kind"]: d for d in _docs("storage.yaml")}
    claim = docs["PersistentVolumeClaim"]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"]
    assert claim["spec"]["storageClassName"] == docs["StorageClass"]["metadata"]["name"]
    secret = docs["Secret"]["metadata"]["name"]
    assert set(docs["StorageClass"]["parameters"].values()) >= {secret, docs["Secret"]["metadata"]["namespace"]}
    values = _docs("values.yaml")[0]
    run_config = _docs("shard_run_config.yaml")[0]
    claims = {values["dagster-user-deployments"]["deployments"][0]["volumes"][0]["persistentVolumeClaim"]["claimName"],
              values["runLauncher"]["config"]["k8sRunLauncher"]["volumes"][0]["persistentVolumeClaim"]["claimName"],
              run_config["execution"]["config"]["volumes"][0]["persistentVolumeClaim"]["claimName"]}
    assert claims == {claim["metadata"]["name"]}


def _validate(run_config: dict) -> subprocess.CompletedProcess:
    code = (
        "import json, sys, dagster as dg\n"
        "from pipelines.definitions import defs\n"
        "job = defs().resolve_job_def('shard_job')\n"
        "assert job.executor_def.name == 'k8s', job.executor_def.name\n"
        "dg.validate_run_config(job, json.loads(sys.stdin.read()))\n"
    )
    return subprocess.run([sys.executable, "-c", code], input=json.dumps(run_config), text=True, capture_output=True,
                          cwd=REPO, env={"NIANBAO_EXECUTOR": "k8s", "PATH": "/usr/bin:/bin", "HOME": str(REPO)},
                          timeout=300)


def test_shard_run_config_is_valid_for_the_k8s_executor():
    run_config = _docs("shard_run_config.yaml")[0]
    ok = _validate(run_config)
    assert ok.returncode == 0, ok.stderr[-2000:]
    # and the validation can fail: a key the k8s executor does not know
    run_config["execution"]["config"]["no_such_option"] = 1
    bad = _validate(run_config)
    assert bad.returncode != 0 and "no_such_option" in bad.stderr


def test_dockerfile_ships_the_code_and_serves_the_code_location():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    copied = set(re.findall(r"^COPY (\S+) \1$", dockerfile, re.M))
    assert {"pipelines", "assets", "expectations"} <= copied
    assert '"--module-name", "pipelines.definitions"' in dockerfile
    assert "--extra k8s" in dockerfile and "uv.lock" in dockerfile
    assert re.search(r"^USER \d+", dockerfile, re.M)
