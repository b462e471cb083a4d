"""Extracted layer: every decoded document turned into the record of the extraction contract."""

from collections import Counter
from datetime import datetime, timezone

import dagster as dg
import polars as pl

from assets.metadata import md_table
from pipelines.extract.record import EXTRACTOR_VERSION
from pipelines.extract.parallel import extract_parts
from pipelines.storage.lake import Lake
from pipelines.partitions import ONE_RUN, SHARD_PARTITIONS
from pipelines.progress import progress
from pipelines.extract.store import pending_extraction
from pipelines.resources import IngestSettings


@dg.asset(key=["extracted", "reports"], group_name="extracted", deps=[["text", "document_text"]],
          kinds={"parquet", "polars"}, partitions_def=SHARD_PARTITIONS, backfill_policy=ONE_RUN)
def reports(context: dg.AssetExecutionContext, settings: IngestSettings):
    """One row per document (report_id = its sha256): doc_type, agency, level, region, year, template, status,
    as Parquet in the lake (`lake/reports/shard=<s>/`).

    Its cells go to `report_cells` (one row per table/row/column, value NULL for placeholders; where each was
    read from: offsets into the decoded text, or for a row read from a table grid the grid's page, table
    number and grid rows), with `extraction_issues` and the figures the prose states in `narrative_claims`.
    Only documents not yet extracted by this extractor version are read; each text file of the lake is
    extracted by a worker process (one per core), which writes its shard's files; the load asset puts them
    in DuckDB.

    Each document is bounded in time (NIANBAO_EXTRACT_TIMEOUT_S) and memory (NIANBAO_EXTRACT_MEMORY_MB): one
    over its limit is recorded as `failed` with the issue `extract_timeout`, `extract_memory` or
    `extract_crashed` (listed under `extraction_failures`), and is not tried again until the extractor
    changes.
    """
    lake = Lake(settings.lake_dir)
    at = datetime.now(timezone.utc)
    parts = [(shard, name, pending) for shard in context.partition_keys
             for name, pending in pending_extraction(lake, shard)]
    total = sum(len(p) for _, _, p in parts)
    # small runs get one worker (more would cost more to start than they save), never none: the limits hold
    workers = settings.worker_count if total >= 200 else 1
    by_type: Counter = Counter()
    issues: Counter = Counter()
    failed: list[tuple[str, str]] = []
    summaries = extract_parts(parts, settings.lake_dir, at, workers, settings.extract_timeout_s,
                              settings.extract_memory_mb)
    for summary in progress(summaries, "extract", total=total, weight=lambda s: s.documents):
        by_type.update(summary.by_type_status)
        issues.update(summary.issues)
        failed += summary.failed
    for doc_id, reason in failed:
        context.log.warning(f"extraction failed for {doc_id[:12]}: {reason}")
    context.log.info(f"extracted {total} documents")
    if total:
        status = f"extracted {total} documents ({len(failed)} failed) with extractor version {EXTRACTOR_VERSION[:12]}"
    else:  # a run that changed nothing says so (and what is there), rather than showing blank metadata
        done = sum(len(lake.ids("reports", shard, "report_id", pl.col("extractor_version") == EXTRACTOR_VERSION))
                   for shard in context.partition_keys)
        status = f"nothing new — {done} reports already extracted by extractor version {EXTRACTOR_VERSION[:12]}"
    return dg.MaterializeResult(
        metadata={
            "status": status,
            "shards": ", ".join(context.partition_keys),
            "extracted_this_run": total,
            "reports_by_type_status": dict(by_type),
            "most_common_issues": md_table(["code", "reports"], issues.most_common(10)),
            "extraction_failures": md_table(["id", "reason"], [(d[:12], r) for d, r in failed]),
            "lake_files_written": len(parts),
        }
    )
