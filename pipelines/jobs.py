"""Jobs: the whole pipeline as one asset job."""

import dagster as dg

from pipelines.partitions import ALL_SHARDS

annual_reports_job = dg.define_asset_job(
    "annual_reports_job",
    selection=dg.AssetSelection.all(),
    description="Ingest the inbox and take every document through every layer (every shard in one run).",
    tags=ALL_SHARDS,
)
