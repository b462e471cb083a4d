"""Schedules: the whole pipeline once a day (the inbox sensor covers new files as they arrive)."""

import dagster as dg

from pipelines.jobs import annual_reports_job

daily_refresh = dg.ScheduleDefinition(
    name="daily_refresh", job=annual_reports_job, cron_schedule="0 6 * * *", execution_timezone="Asia/Shanghai",
    description="Every morning at 06:00 Beijing time: ingest, decode, extract, check and publish.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
