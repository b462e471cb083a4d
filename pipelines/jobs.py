"""Jobs: the whole pipeline as one asset job, and the per-shard job that fans out."""

import os

import dagster as dg

from pipelines.partitions import ALL_SHARDS

EXECUTORS = ("multiprocess", "k8s")


def shard_executor() -> dg.ExecutorDefinition:
    """The shard job's executor: multiprocess on one machine; dagster-k8s' k8s_job_executor (a pod per step)
    when NIANBAO_EXECUTOR=k8s, as in the Kubernetes deployment (deploy/k8s)."""
    kind = os.environ.get("NIANBAO_EXECUTOR") or "multiprocess"
    if kind not in EXECUTORS:
        raise ValueError(f"NIANBAO_EXECUTOR={kind!r}: expected one of {', '.join(EXECUTORS)}")
    if kind == "k8s":
        from dagster_k8s import k8s_job_executor  # the `k8s` extra: installed in the deployment image

        return k8s_job_executor
    return dg.multiprocess_executor


annual_reports_job = dg.define_asset_job(
    "annual_reports_job",
    selection=dg.AssetSelection.all(),
    description="Ingest the inbox and take every document through every layer (every shard in one run).",
    tags=ALL_SHARDS,
)

# One shard through the text and extracted layers; its steps in separate processes. Launched once per
# partition (`nianbao fanout`, or a Dagster backfill), shards run side by side: each writes only its own
# lake directory, and nothing here touches DuckDB.
shard_job = dg.define_asset_job(
    "shard_job",
    selection=dg.AssetSelection.assets(["text", "document_text"], ["extracted", "reports"]),
    description="Decode and extract one shard of the documents (a partition), each step in its own process.",
    executor_def=shard_executor(),
)
