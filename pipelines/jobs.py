"""Jobs: the whole pipeline as one asset job."""

import dagster as dg

annual_reports_job = dg.define_asset_job(
    "annual_reports_job",
    selection=dg.AssetSelection.all(),
    description="Ingest the inbox and take every document through every layer.",
)
