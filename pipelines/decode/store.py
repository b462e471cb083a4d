"""The text layer in the lake: decoded documents as Parquet rows, and back.

Per shard: `document_text` (one row per document), `document_blocks` (its paragraphs and table grids)
and `decode_rejections` (documents no decoder could read, with the reason), the three written together
under one file name.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from pipelines.decode.model import Block, Decoded, DecodeError
from pipelines.storage.lake import Lake

TEXT_SCHEMA = {"document_id": pl.String, "decoder": pl.String, "pages": pl.Int32, "n_blocks": pl.Int32,
               "n_tables": pl.Int32, "flags": pl.List(pl.String), "text": pl.String, "original_text": pl.String,
               "decoded_at": pl.Datetime("us", "UTC"), "page_starts": pl.List(pl.Int32)}
BLOCK_SCHEMA = {"document_id": pl.String, "seq": pl.Int32, "kind": pl.String, "page": pl.Int32, "text": pl.String,
                "grid": pl.List(pl.List(pl.String))}
REJECTION_SCHEMA = {"document_id": pl.String, "reason": pl.String, "rejected_at": pl.Datetime("us", "UTC")}


def decoded_frames(outcomes: list[tuple[str, Decoded | DecodeError]], at: datetime) -> dict[str, pl.DataFrame]:
    """The three text-layer tables' rows for a batch of decoding outcomes."""
    decoded = [(doc_id, d) for doc_id, d in outcomes if isinstance(d, Decoded)]
    texts = pl.DataFrame(
        [{"document_id": doc_id, "decoder": d.decoder, "pages": d.pages, "n_blocks": len(d.blocks),
          "n_tables": sum(b.kind == "table" for b in d.blocks), "flags": list(d.flags), "text": d.text,
          "original_text": d.original_text, "decoded_at": at, "page_starts": d.page_starts}
         for doc_id, d in decoded],
        schema=TEXT_SCHEMA)
    blocks = pl.DataFrame(
        [{"document_id": doc_id, "seq": i, "kind": b.kind, "page": b.page, "text": b.text, "grid": b.grid}
         for doc_id, d in decoded for i, b in enumerate(d.blocks)],
        schema=BLOCK_SCHEMA)
    rejections = pl.DataFrame(
        [{"document_id": doc_id, "reason": e.reason, "rejected_at": at}
         for doc_id, e in outcomes if isinstance(e, DecodeError)],
        schema=REJECTION_SCHEMA)
    return {"document_text": texts, "document_blocks": blocks, "decode_rejections": rejections}


def pending_decode(lake: Lake, shard: str) -> list[tuple[str, str, str, str | None]]:
    """Accepted documents of a shard neither decoded nor rejected by a decoder yet:
    (id, store_path, format, encoding)."""
    done = lake.ids("document_text", shard, "document_id") | lake.ids("decode_rejections", shard, "document_id")
    manifest = lake.manifest(shard).filter(pl.col("status") == "accepted")
    return [row for row in manifest.select("id", "store_path", "format", "encoding").iter_rows()
            if row[0] not in done]


def read_decoded(lake: Lake, shard: str, name: str, ids: set[str] | None = None) -> dict[str, Decoded]:
    """The decoded documents of one text file of a shard (only `ids`, when given), as the decoders
    returned them."""
    path = lake.shard_dir("document_text", shard) / name
    texts = pl.read_parquet(path, columns=["document_id", "text", "original_text", "decoder", "pages", "flags"]
                            + (["page_starts"] if "page_starts" in pl.read_parquet_schema(path) else []))
    if "page_starts" not in texts.columns:  # written before page starts were kept
        texts = texts.with_columns(pl.lit(None, dtype=pl.List(pl.Int32)).alias("page_starts"))
    blocks = pl.read_parquet(lake.shard_dir("document_blocks", shard) / name,
                             columns=["document_id", "seq", "kind", "page", "text", "grid"])
    if ids is not None:
        texts = texts.filter(pl.col("document_id").is_in(list(ids)))
        blocks = blocks.filter(pl.col("document_id").is_in(list(ids)))
    out = {doc_id: Decoded(text=text, original_text=original, blocks=[], decoder=decoder, pages=pages,
                           flags=list(flags or []), page_starts=starts)
           for doc_id, text, original, decoder, pages, flags, starts in texts.iter_rows()}
    for doc_id, _seq, kind, page, text, grid in blocks.sort("document_id", "seq").iter_rows():
        out[doc_id].blocks.append(Block(kind=kind, text=text, page=page, grid=grid))
    return out
