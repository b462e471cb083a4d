"""Automation: a sensor that launches a run when files arrive in (or change in) the inbox."""

from __future__ import annotations

import hashlib
import os

import dagster as dg

from pipelines.ingest.inbox import scan_inbox
from pipelines.jobs import annual_reports_job
from pipelines.resources import IngestSettings


def inbox_fingerprint(inbox: str, data_dir: str | None = None) -> tuple[str, int]:
    """A digest of every inbox entry's path, size and modification time, and the entry count (the data
    directory left out: a run changes it, and must not start the next)."""
    digest, count = hashlib.sha256(), 0
    for path, _problem in scan_inbox(inbox, exclude=[data_dir] if data_dir else []):
        try:
            st = os.lstat(path)
            digest.update(os.fsencode(path) + f"\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        except OSError:
            digest.update(os.fsencode(path) + b"\0gone\n")
        count += 1
    return digest.hexdigest(), count


@dg.sensor(job=annual_reports_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
def inbox_sensor(context: dg.SensorEvaluationContext, settings: IngestSettings):
    """Launches the pipeline when files are added to or changed in the inbox (path, size, mtime)."""
    if not os.path.isdir(settings.inbox):
        return dg.SkipReason(f"inbox {settings.inbox} does not exist")
    fingerprint, count = inbox_fingerprint(settings.inbox, settings.data_dir)
    if fingerprint == context.cursor:
        return dg.SkipReason(f"no change in {count} inbox files")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=fingerprint, tags={"nianbao/trigger": "inbox", "nianbao/files": str(count)})
