"""The fan-out demo: one Dagster run per shard with the multiprocess executor, several at once, gives
exactly the tables and marts of a single `nianbao run`."""

from __future__ import annotations

import os
import subprocess

import dagster as dg

import faultkit as fk


def test_shard_runs_overlap_and_give_what_one_run_gives(tmp_path, corpus_dir):
    inbox = tmp_path / "inbox"
    fk.build_inbox(inbox, corpus_dir, synth=0)
    single = fk.run(inbox, tmp_path / "single")
    assert single.returncode == 0, single.stdout[-2000:]

    data = tmp_path / "fanned"
    env = fk.env_for(data)
    out = subprocess.run([fk.NIANBAO, "fanout", "--inbox", str(inbox), "--parallel", "2"], env=env,
                         capture_output=True, text=True, timeout=900, cwd=fk.REPO)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert "shards have work" in out.stdout
    assert fk.canonical(data) == fk.canonical(tmp_path / "single")

    os.environ["DAGSTER_HOME"], saved = env["DAGSTER_HOME"], os.environ.get("DAGSTER_HOME")
    try:
        with dg.DagsterInstance.get() as instance:
            records = instance.get_run_records(filters=dg.RunsFilter(job_name="shard_job"))
    finally:
        if saved is None:
            os.environ.pop("DAGSTER_HOME")
        else:
            os.environ["DAGSTER_HOME"] = saved
    assert len(records) >= 2 and all(r.dagster_run.status == dg.DagsterRunStatus.SUCCESS for r in records)
    assert {r.dagster_run.tags["dagster/partition"] for r in records} <= set("0123456789abcdef")
    spans = sorted((r.start_time, r.end_time) for r in records)
    assert any(later[0] < earlier[1] for earlier, later in zip(spans, spans[1:])), "no two shard runs overlapped"
