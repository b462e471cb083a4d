"""Metadata helpers shared by the asset layers: markdown tables for the Dagster UI."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg


def md_table(headers: Sequence[str], rows: Sequence[Sequence[object]], limit: int = 20) -> dg.MetadataValue:
    """A markdown table (at most `limit` rows) for asset metadata."""
    def cell(v: object) -> str:
        return ("" if v is None else str(v)).replace("|", "\\|").replace("\n", " ")[:120]

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"\n… {len(rows) - limit} more rows")
    return dg.MetadataValue.md("\n".join(lines))


def counts_by_format_status(summary: Sequence[tuple[str, str, int]]) -> dict[str, int]:
    """{"pdf/accepted": 3, …} from (format, status, count) rows."""
    return {f"{fmt}/{status}": n for fmt, status, n in summary}
