"""Canonical JSON records (already-structured reports from data-entry systems) checked against the contract.

A record has the shape of ../shared/corpus/gold/*.json: `cells[table][row][col]` holding numbers or null.
Only `cells` (and `template`, which narrows the allowed keys) is interpreted here; every other top-level
field (source, notes, metadata, …) is kept as it is.
"""

from __future__ import annotations

import math

from pipelines.contract import TABLE_KEYS, TEMPLATES, allowed_cols, allowed_rows

# A count this large is not a reporting figure but a data-entry error or an attack on the sums.
MAX_ABS_VALUE = 10**12


def validate_record(record: object) -> list[str]:
    """Return the schema errors of a canonical record (empty when it fits the contract)."""
    if not isinstance(record, dict):
        return [f"a record must be a JSON object, not {type(record).__name__}"]
    errors: list[str] = []
    template = record.get("template")
    if template is not None and template not in TEMPLATES:
        errors.append(f"unknown template {template!r} (expected one of {', '.join(TEMPLATES)} or null)")
        template = None
    cells = record.get("cells")
    if not isinstance(cells, dict):
        return errors + ["'cells' must be an object cells[table][row][col]"]
    for table, rows in cells.items():
        if table not in TABLE_KEYS:
            errors.append(f"unknown table key {table!r}")
            continue
        if not isinstance(rows, dict):
            errors.append(f"cells.{table} must be an object of rows")
            continue
        row_keys, col_keys = allowed_rows(table, template), allowed_cols(table, template)
        if not row_keys:
            errors.append(f"table {table!r} is not part of template {template}")
            continue
        for row, cols in rows.items():
            if row not in row_keys:
                errors.append(f"unknown row key {table}.{row!r}" + (f" for template {template}" if template else ""))
                continue
            if not isinstance(cols, dict):
                errors.append(f"cells.{table}.{row} must be an object of columns")
                continue
            for col, value in cols.items():
                where = f"{table}.{row}.{col}"
                if col not in col_keys:
                    errors.append(f"unknown column key {where!r}" + (f" for template {template}" if template else ""))
                elif value is not None and (
                    isinstance(value, bool) or not isinstance(value, (int, float))
                ):
                    errors.append(f"cell {where} must be a number or null, not {type(value).__name__} {value!r:.40}")
                elif isinstance(value, float) and not math.isfinite(value):
                    errors.append(f"cell {where} must be a finite number, not {value!r}")
                elif value is not None and abs(value) > MAX_ABS_VALUE:
                    errors.append(f"cell {where} = {value!r} is beyond any plausible figure (|v| > 1e12)")
    return errors
