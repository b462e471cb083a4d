"""Human-readable rendering of an extracted record for the terminal."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from pipelines.contract import TEMPLATE_TABLES


def _fmt(value) -> str:
    if value is None:
        return "·"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def print_record(console: Console, record: dict) -> None:
    """A record as a few lines of metadata, one grid per table and its issues."""
    console.print(f"[bold]{record['file']}[/bold]  {record['doc_type']} · {record.get('agency') or '?'} · "
                  f"{record.get('year') or '?'} · {record.get('template') or 'no template'} · "
                  f"{record['source_format']} · {record['status']}")
    meta = {k: record.get(k) for k in ("admin_level", "region", "publication_date")}
    console.print("  " + "  ".join(f"{k}={v}" for k, v in meta.items() if v))
    spec = TEMPLATE_TABLES.get(record.get("template") or "", {})
    for table_key, rows in record["cells"].items():
        cols = list(next(iter(rows.values())).keys()) if rows else []
        grid = Table(title=table_key, title_justify="left", show_edge=False, pad_edge=False)
        grid.add_column("row")
        for col in cols:
            grid.add_column(col, justify="right")
        order = list(spec[table_key].rows) if table_key in spec else list(rows)
        for row in sorted(rows, key=lambda r: order.index(r) if r in order else len(order)):
            grid.add_row(row, *(_fmt(rows[row].get(c)) for c in cols))
        console.print(grid)
    for issue in record["issues"]:
        colour = {"error": "red", "warning": "yellow"}.get(issue["severity"], "dim")
        where = f" [{issue['location']}]" if issue.get("location") else ""
        console.print(f"  [{colour}]{issue['severity']}: {issue['code']}{where}: {issue['message']}[/{colour}]")
