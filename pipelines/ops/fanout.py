"""Fan-out: the shards of the text and extracted layers as separate Dagster runs, at the same time.

`nianbao fanout` is the local picture of a distributed deployment: one run ingests the inbox, then one
run per shard decodes and extracts it with the multiprocess executor (each step in its own process),
several shards at once, then one run loads the lake into DuckDB, checks and publishes. On Kubernetes the
same shard runs are launched by the daemon with the k8s executor (deploy/k8s/).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import dagster as dg

from pipelines.settings import use_dagster_home

SHARD_JOB = "shard_job"


def shard_job() -> dg.JobDefinition:
    """The per-shard job, rebuilt in each process that executes it (`dg.reconstructable`)."""
    from pipelines.definitions import defs

    return defs().resolve_job_def(SHARD_JOB)


@dataclass
class ShardRun:
    shard: str
    run_id: str
    success: bool
    pid: int


def run_shard(shard: str, dagster_home: str, run_config: dict | None = None) -> ShardRun:
    """Execute the shard job on one partition with the multiprocess executor (a worker process each), as a run
    of `shard_job` the UI can re-execute."""
    from pipelines.jobs import execute_named_job

    use_dagster_home(dagster_home)
    with dg.DagsterInstance.get() as instance:
        result = execute_named_job(
            SHARD_JOB, instance, tags={"dagster/partition": shard, "nianbao/trigger": "fanout"},
            run_config=run_config or {"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
        return ShardRun(shard, result.run_id, result.success, os.getpid())


def run_shards(shards: list[str], parallel: int, dagster_home: str,
               on_done: Callable[[ShardRun], None] | None = None, run_config: dict | None = None) -> list[ShardRun]:
    """Run the shards, `parallel` at a time, each in a process of its own; return them in shard order."""
    out = []
    with ProcessPoolExecutor(max_workers=parallel) as pool:
        futures = [pool.submit(run_shard, shard, dagster_home, run_config) for shard in shards]
        for future in as_completed(futures):
            done = future.result()
            out.append(done)
            if on_done:
                on_done(done)
    return sorted(out, key=lambda r: r.shard)
