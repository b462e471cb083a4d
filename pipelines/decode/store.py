"""The text layer in the lake: decoded documents as Parquet rows, and back.

Per shard: `document_text` (one row per document), `document_blocks` (its paragraphs and table grids)
and `decode_rejections` (documents no decoder could read, with the reason), the three written together
under one file name.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from pipelines.decode.guard import DecodedRows, as_rows
from pipelines.decode.model import Block, Decoded, DecodeError
from pipelines.storage.lake import Lake

TEXT_SCHEMA = {"document_id": pl.String, "decoder": pl.String, "pages": pl.Int32, "n_blocks": pl.Int32,
               "n_tables": pl.Int32, "flags": pl.List(pl.String), "text": pl.String, "original_text": pl.String,
               "decoded_at": pl.Datetime("us", "UTC"), "page_starts": pl.List(pl.Int32)}
BLOCK_SCHEMA = {"document_id": pl.String, "seq": pl.Int32, "kind": pl.String, "page": pl.Int32, "text": pl.String,
                "grid": pl.List(pl.List(pl.String))}
REJECTION_SCHEMA = {"document_id": pl.String, "reason": pl.String, "rejected_at": pl.Datetime("us", "UTC")}


def decoded_frames(outcomes: list[tuple[str, Decoded | DecodedRows | DecodeError]],
                   at: datetime) -> dict[str, pl.DataFrame]:
    """The three text-layer tables' rows for a batch of decoding outcomes."""
    # built as columns, not a dict per row: a text document has ~140 blocks, and a dict per block cost more
    # than the rest of writing the batch
    decoded = [(doc_id, d if isinstance(d, DecodedRows) else as_rows(d)) for doc_id, d in outcomes
               if isinstance(d, (Decoded, DecodedRows))]
    texts = pl.DataFrame({
        "document_id": [doc_id for doc_id, _ in decoded], "decoder": [d.decoder for _, d in decoded],
        "pages": [d.pages for _, d in decoded], "n_blocks": [len(d.blocks[0]) for _, d in decoded],
        "n_tables": [d.blocks[0].count("table") for _, d in decoded],
        "flags": [list(d.flags) for _, d in decoded], "text": [d.text for _, d in decoded],
        "original_text": [d.original_text for _, d in decoded], "decoded_at": [at] * len(decoded),
        "page_starts": [d.page_starts for _, d in decoded]}, schema=TEXT_SCHEMA)
    ids, seqs, kinds, block_texts, pages, grids = [], [], [], [], [], []
    for doc_id, d in decoded:  # each document's block columns appended whole
        doc_kinds, doc_texts, doc_pages, doc_grids = d.blocks
        n = len(doc_kinds)
        ids += [doc_id] * n
        seqs += range(n)
        kinds += doc_kinds
        block_texts += doc_texts
        pages += doc_pages
        grids += doc_grids
    blocks = pl.DataFrame({"document_id": ids, "seq": seqs, "kind": kinds, "page": pages, "text": block_texts,
                           "grid": grids}, schema=BLOCK_SCHEMA)
    errors = [(doc_id, e) for doc_id, e in outcomes if isinstance(e, DecodeError)]
    rejections = pl.DataFrame({"document_id": [doc_id for doc_id, _ in errors], "reason": [e.reason for _, e in errors],
                               "rejected_at": [at] * len(errors)}, schema=REJECTION_SCHEMA)
    return {"document_text": texts, "document_blocks": blocks, "decode_rejections": rejections}


def pending_decode(lake: Lake, shard: str) -> list[tuple[str, str, str, str | None]]:
    """Accepted documents of a shard neither decoded nor rejected by a decoder yet:
    (id, store_path, format, encoding)."""
    done = lake.ids("document_text", shard, "document_id") | lake.ids("decode_rejections", shard, "document_id")
    manifest = lake.manifest(shard).filter(pl.col("status") == "accepted")
    return [row for row in manifest.select("id", "store_path", "format", "encoding").iter_rows()
            if row[0] not in done]


def read_decoded(lake: Lake, shard: str, name: str, ids: set[str] | None = None,
                 blocks_of: set[str] | None = None) -> dict[str, Decoded]:
    """The decoded documents of one text file of a shard (only `ids`, when given), as the decoders
    returned them; with `blocks_of`, only those documents' blocks are read (the others' are left empty)."""
    path = lake.shard_dir("document_text", shard) / name
    texts = pl.read_parquet(path, columns=["document_id", "text", "original_text", "decoder", "pages", "flags"]
                            + (["page_starts"] if "page_starts" in pl.read_parquet_schema(path) else []))
    if "page_starts" not in texts.columns:  # written before page starts were kept
        texts = texts.with_columns(pl.lit(None, dtype=pl.List(pl.Int32)).alias("page_starts"))
    blocks = pl.scan_parquet(lake.shard_dir("document_blocks", shard) / name).select(
        "document_id", "seq", "kind", "page", "text", "grid")
    if ids is not None:
        texts = texts.filter(pl.col("document_id").is_in(list(ids)))
        blocks = blocks.filter(pl.col("document_id").is_in(list(ids)))
    if blocks_of is not None:
        blocks = blocks.filter(pl.col("document_id").is_in(list(blocks_of)))
    blocks = blocks.clear().collect() if blocks_of == set() else blocks.collect()  # none wanted: no read
    out = {doc_id: Decoded(text=text, original_text=original, blocks=[], decoder=decoder, pages=pages,
                           flags=list(flags or []), page_starts=starts)
           for doc_id, text, original, decoder, pages, flags, starts in texts.iter_rows()}
    # column by column, each document's blocks appended as one slice (the runs of its id, counted by Polars):
    # a text document has ~140 blocks, and a lookup and append per block row cost more than reading the file
    blocks = blocks.sort("document_id", "seq")
    made = list(map(Block, blocks["kind"].to_list(), blocks["text"].to_list(), blocks["page"].to_list(),
                    blocks["grid"].to_list()))
    start = 0
    for doc_id, n in blocks["document_id"].rle().struct.unnest().select("value", "len").iter_rows():
        out[doc_id].blocks += made[start:start + n]
        start += n
    return out
