"""Text layer: each accepted document decoded to normalised text and structure (paragraphs, table grids)."""

from collections import Counter
from datetime import datetime, timezone

import dagster as dg

from assets.metadata import md_table
from pipelines.decode.guard import decode_many
from pipelines.decode.model import DecodeError
from pipelines.storage.lake import Lake, shard_of
from pipelines.partitions import ONE_RUN, SHARD_PARTITIONS
from pipelines.progress import progress
from pipelines.resources import IngestSettings
from pipelines.decode.store import decoded_frames, pending_decode

BATCH = 500  # documents per lake file


@dg.asset(key=["text", "document_text"], group_name="text", deps=[["raw", "documents"]], kinds={"parquet"},
          partitions_def=SHARD_PARTITIONS, backfill_policy=ONE_RUN)
def document_text(context: dg.AssetExecutionContext, settings: IngestSettings):
    """Decoded text of every accepted document of the shard(s) (normalised and original), with its blocks
    (paragraphs, table grids), as Parquet in the lake (`lake/document_text/shard=<s>/`).

    Only documents not decoded before are decoded, in worker processes (one per core) bounded in time and
    memory; a document that cannot be decoded is written to `decode_rejections` with the decoder's reason
    and becomes `rejected` in `documents` when loaded.
    """
    lake = Lake(settings.lake_dir)
    shards = context.partition_keys
    pending = [job for shard in shards for job in pending_decode(lake, shard)]
    at = datetime.now(timezone.utc)
    buffers: dict[str, list] = {shard: [] for shard in shards}
    rejected, files = [], 0

    def flush(shard: str) -> None:
        nonlocal files
        if buffers[shard]:
            lake.write(decoded_frames(buffers[shard], at), shard)
            buffers[shard] = []
            files += 1

    outcomes = decode_many(pending, settings.limits, settings.decode_timeout_s, settings.decode_memory_mb,
                           min(settings.worker_count, max(1, len(pending))), rows=True)
    for doc_id, outcome in progress(outcomes, "decode", total=len(pending)):
        shard = shard_of(doc_id)
        buffers[shard].append((doc_id, outcome))
        if isinstance(outcome, DecodeError):
            rejected.append((doc_id, outcome.reason))
        if len(buffers[shard]) >= BATCH:
            flush(shard)
    for shard in shards:
        flush(shard)
    for doc_id, reason in rejected:
        context.log.warning(f"rejected {doc_id[:12]}: {reason}")
    reasons = Counter(reason.split(":")[0] for _, reason in rejected)
    if pending:
        status = f"decoded {len(pending) - len(rejected)} documents, {len(rejected)} rejected by a decoder"
    else:  # a run that changed nothing says so, rather than showing blank metadata
        done = sum(len(lake.ids("document_text", shard, "document_id")) for shard in shards)
        status = f"nothing new — {done} documents already decoded"
    return dg.MaterializeResult(
        metadata={
            "status": status,
            "shards": ", ".join(shards),
            "decoded_this_run": len(pending) - len(rejected),
            "rejected_this_run": len(rejected),
            "rejection_reasons": dict(reasons),
            "rejections": md_table(["id", "reason"], [(d[:12], r) for d, r in rejected]),
            "lake_files_written": files,
        }
    )
