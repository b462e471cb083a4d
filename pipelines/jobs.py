"""Jobs: the whole pipeline as one asset job, and the per-shard job that fans out."""

import dagster as dg

from pipelines.partitions import ALL_SHARDS

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
    executor_def=dg.multiprocess_executor,
)
