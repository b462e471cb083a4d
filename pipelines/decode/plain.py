"""Plain text, Markdown and canonical JSON records: decoded as they are.

Runs of lines carrying pipe-separated cells (`a | b | c |`, with or without a Markdown separator row)
also become table blocks, so a pipe table reaches the extractor as a grid like an HTML one does.
"""

from __future__ import annotations

from pipelines.contract.grammar import MD_SEPARATOR
from pipelines.decode.model import Block, Decoded, grid_text
from pipelines.decode.normalise import finish
from pipelines.decode.registry import decoder
from pipelines.ingest.encoding import decode_as, decode_text


def _is_pipe_row(line: str) -> bool:
    return line.count("|") >= 2


def _cells(line: str) -> list[str]:
    parts = [p.strip() for p in line.strip().split("|")]
    if parts and parts[0] == "" and line.strip().startswith("|"):
        parts = parts[1:]
    if parts and parts[-1] == "":
        parts = parts[:-1]
    return parts


def text_blocks(text: str) -> list[Block]:
    """Paragraph blocks (one per non-blank line) and table blocks (runs of pipe rows)."""
    if "|" not in text:  # no pipe row: every non-blank line is a paragraph
        return [Block("paragraph", line) for line in text.splitlines() if line and not line.isspace()]
    blocks: list[Block] = []
    rows: list[list[str]] = []

    def flush() -> None:
        if rows:
            width = max(len(r) for r in rows)
            grid = [r + [""] * (width - len(r)) for r in rows]
            blocks.append(Block(kind="table", text=grid_text(grid), grid=grid))
            rows.clear()

    for line in text.splitlines():
        if _is_pipe_row(line):
            if not MD_SEPARATOR.match(line):
                rows.append(_cells(line))
            continue
        flush()
        if line.strip():
            blocks.append(Block(kind="paragraph", text=line))
    flush()
    return blocks


@decoder("text", extensions=(".txt",), text=True)
@decoder("markdown", extensions=(".md", ".markdown"), text=True)
@decoder("json_record", extensions=(".json",), text=True, empty_ok=True)
def decode_plain(data: bytes, encoding: str | None, fmt: str) -> Decoded:
    """Decode text, Markdown or a JSON record with its detected encoding."""
    text = decode_as(data, encoding) if encoding else decode_text(data)[0]
    # the blocks are the normalised text's lines: cut from it, not normalised a second time
    return finish(text, [] if fmt == "json_record" else text_blocks, decoder=fmt)
