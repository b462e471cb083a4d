"""The composition root: every asset, check, job, sensor and resource of the annual_reports location."""

import dagster as dg

from assets import checks, extracted, load, marts, raw, text
from pipelines.jobs import annual_reports_job, shard_job
from pipelines.resources import build_resources
from pipelines.schedules import daily_refresh
from pipelines.sensors import inbox_sensor

LAYERS = [raw, text, extracted, load, checks, marts]


def runnable() -> list:
    """Every asset and asset check, as `dg.materialize` takes them (the CLI and the tests run these)."""
    return [*dg.load_assets_from_modules(LAYERS), *dg.load_asset_checks_from_modules(LAYERS)]


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions(
        assets=dg.load_assets_from_modules(LAYERS),
        asset_checks=dg.load_asset_checks_from_modules(LAYERS),
        jobs=[annual_reports_job, shard_job],
        sensors=[inbox_sensor],
        schedules=[daily_refresh],
        resources=build_resources(),
        # In-process: one import of the stack per run (not per step) and DuckDB's single writer
        # stays in one process (stack-notes gotcha 3).
        executor=dg.in_process_executor,
    )
