"""Text layer: each accepted document decoded to normalised text and structure (paragraphs, table grids)."""

from datetime import datetime, timezone

import dagster as dg
from dagster_duckdb import DuckDBResource

from assets.metadata import counts_by_format_status, md_table
from pipelines.decode.guard import decode_many
from pipelines.decode.model import DecodeError
from pipelines.progress import progress
from pipelines.settings import IngestSettings
from pipelines.warehouse import documents_summary, ensure_schema, pending_decode, reject, write_decoded

BATCH = 200


@dg.asset(key=["text", "document_text"], group_name="text", deps=[["raw", "documents"]], kinds={"duckdb"},
          pool="duckdb")
def document_text(context: dg.AssetExecutionContext, warehouse: DuckDBResource, settings: IngestSettings):
    """Decoded text of every accepted document (normalised and original), with its blocks in `document_blocks`.

    Only documents not decoded before are decoded, in worker processes bounded in time and memory;
    a document that cannot be decoded becomes `rejected` in `documents` with the decoder's reason.
    """
    with warehouse.get_connection() as conn:
        ensure_schema(conn)
        pending = pending_decode(conn)
    decoded, rejected = [], []
    at = datetime.now(timezone.utc)
    outcomes = decode_many(pending, settings.limits, settings.decode_timeout_s, settings.decode_memory_mb,
                           min(settings.worker_count, max(1, len(pending))))
    with warehouse.get_connection() as conn:
        for doc_id, outcome in progress(outcomes, "decode", total=len(pending)):
            if isinstance(outcome, DecodeError):
                rejected.append((doc_id, outcome.reason))
            else:
                decoded.append((doc_id, outcome))
            if len(decoded) >= BATCH:
                write_decoded(conn, decoded, at)
                decoded.clear()
        write_decoded(conn, decoded, at)
        reject(conn, rejected)
        summary = documents_summary(conn)
        preview = conn.execute(
            "select d.original_name, d.format, t.decoder, t.pages, t.n_tables, left(t.text, 80) "
            "from document_text t join documents d on d.id = t.document_id order by t.decoded_at desc limit 20"
        ).fetchall()
        total = conn.execute("select count(*) from document_text").fetchone()[0]
    for doc_id, reason in rejected:
        context.log.warning(f"rejected {doc_id[:12]}: {reason}")
    return dg.MaterializeResult(
        metadata={
            "decoded_this_run": len(pending) - len(rejected),
            "rejected_this_run": len(rejected),
            "rejections": md_table(["id", "reason"], [(d[:12], r) for d, r in rejected]),
            "documents_by_format_status": counts_by_format_status(summary),
            "preview": md_table(["name", "format", "decoder", "pages", "tables", "text"], preview),
            "dagster/row_count": total,
        }
    )


@dg.asset_check(asset=["text", "document_text"], blocking=True)
def every_accepted_document_decoded(warehouse: DuckDBResource) -> dg.AssetCheckResult:
    """No accepted document is left without its text: each is decoded or rejected with a reason."""
    with warehouse.get_connection() as conn:
        missing = conn.execute(
            "select original_name from documents d where status = 'accepted' "
            "and not exists (select 1 from document_text t where t.document_id = d.id)").fetchall()
    return dg.AssetCheckResult(passed=not missing, metadata={"undecoded": len(missing),
                                                             "examples": md_table(["name"], missing)})
