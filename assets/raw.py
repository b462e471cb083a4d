"""Raw layer: documents as files, taken from the inbox into the content-addressed store."""

from datetime import datetime, timezone

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.metadata import counts_by_format_status, md_table
from pipelines.ingest.inbox import ingest_inbox, printable, scan_inbox
from pipelines.progress import progress
from pipelines.storage.runlock import RunLock
from pipelines.resources import IngestSettings
from pipelines.storage.lake import Lake
from pipelines.storage.warehouse import (documents_summary, ensure_schema, known_files, manifest_rows, record_scan,
                                 upsert_documents)


@dg.asset(key=["raw", "documents"], group_name="raw", kinds={"duckdb"}, pool="duckdb")
def documents(context: dg.AssetExecutionContext, warehouse: DuckDBResource, settings: IngestSettings,
              run_lock: RunLock):
    """Every file found in the inbox, one row per distinct content (id = sha256 of its bytes).

    The bytes are copied into the immutable store; the format is detected from the bytes; JSON records
    are checked against the extraction contract. Rejected documents stay here with their reason. The data
    directory (NIANBAO_DATA_DIR) is never scanned, even when it sits inside the inbox.
    """
    seen = datetime.now(timezone.utc)
    with warehouse.get_connection() as conn:
        ensure_schema(conn)
        known = known_files(conn)
    # one scan: what is taken in is exactly what `no_file_lost` compares with what was stored
    scanned = list(scan_inbox(settings.inbox, exclude=[settings.data_dir]))
    rows = list(progress(ingest_inbox(settings.inbox, settings.store_dir, settings.max_document_bytes, known,
                                      settings.worker_count, entries=scanned), "ingest", total=len(scanned)))
    with warehouse.get_connection() as conn:
        new = upsert_documents(conn, rows, seen)
        record_scan(conn, [printable(path) for path, _ in scanned], seen)
        summary = documents_summary(conn)
        Lake(settings.lake_dir).write_manifest(manifest_rows(conn))  # what the text partitions decode
    rejected = [r for r in rows if r.status == "rejected"]
    context.log.info(f"{len(rows)} files in {settings.inbox}: {new} new documents, {len(rejected)} rejected")
    stored = sum(n for _, _, n in summary)
    status = (f"{new} new documents of {len(rows)} files" if new else
              f"nothing new — all {len(rows)} files of the inbox were taken in before ({stored} documents known)")
    return dg.MaterializeResult(
        metadata={
            "status": status,
            "inbox": settings.inbox,
            "files_seen": len(rows),
            "new_documents": new,
            "rejected_this_run": len(rejected),
            "documents_by_format_status": counts_by_format_status(summary),
            "preview": md_table(
                ["id", "name", "format", "encoding", "status", "reason"],
                [(r.id[:12], r.original_name, r.format, r.encoding, r.status, r.reason) for r in rows],
            ),
            "dagster/row_count": sum(n for _, _, n in summary),
        }
    )


@dg.asset_check(asset=["raw", "documents"], blocking=True)
def no_file_lost(warehouse: DuckDBResource, settings: IngestSettings) -> dg.AssetCheckResult:
    """Every entry this run's ingest found in the inbox (a file, a link, a pipe) has its row in `documents`,
    accepted or rejected. Files that arrived after the scan are not lost but pending (listed in the
    metadata): the next run takes them in (the inbox sensor starts it)."""
    with warehouse.get_connection() as conn:
        scanned = {p for (p,) in conn.execute("select path from inbox_scan").fetchall()}
        known = {p for (p,) in conn.execute("select path from document_sources").fetchall()}
        known |= {p for (p,) in conn.execute("select original_path from documents").fetchall()}
    lost = sorted(scanned - known)
    now = {printable(path) for path, _ in scan_inbox(settings.inbox, exclude=[settings.data_dir])}
    pending = sorted(now - scanned)
    return dg.AssetCheckResult(passed=not lost, metadata={
        "inbox_entries": len(scanned), "lost": len(lost), "examples": md_table(["path"], [(p,) for p in lost]),
        "pending": len(pending), "pending_examples": md_table(["path (arrived during the run)"],
                                                              [(p,) for p in pending])})
