"""One document → one record of the extraction contract (spec §10): metadata, cells, claims, issues.

Pure: it takes the decoded document (or a canonical JSON record) and returns plain data; the CLI
prints it and the extracted layer loads it into DuckDB.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, fields
from functools import lru_cache
from pathlib import Path

from pipelines.contract import TEMPLATE_TABLES, stated_cells
from pipelines.decode import registry
from pipelines.decode.model import Decoded
from pipelines.decode.ocr import ocr_stats
from pipelines.extract.grid_source import GridPlace, grid_places, grids_text
from pipelines.extract.metadata import extract_metadata
from pipelines.extract.narrative import narrative_claims
from pipelines.extract.ocr_choice import choose_by_identities
from pipelines.extract.stream import read_stream
from pipelines.extract.tables import Tables, detect_template, extract_tables, identities_held
from pipelines.extract.values import EMPTY, NUMERIC, ZERO, Cell

def _source_hash(root: Path = Path(__file__).resolve().parents[2]) -> str:
    """A hash of what decides an extraction: the extractor's code (grammar, solver), the contract (tables,
    rows, columns, their labels: pipelines/contract/templates.yml), the prose claim map it reads from the
    narrative-claims suite and the identities it reads from the report_cells suite. Any change to them is a
    new extractor version, and documents extracted by another version are extracted again; a new check rule
    in the other suites is not."""
    # the extractor's core, not its lake store or its process pool: how records are kept does not change them
    files = sorted(f for f in (root / "pipelines" / "extract").glob("*.py") if f.stem not in ("store", "parallel"))
    files += sorted((root / "pipelines" / "contract").glob("*.*"))
    files += [root / "expectations" / "extracted" / f for f in ("narrative_claims.yml", "report_cells.yml")]
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


EXTRACTOR_VERSION = _source_hash()


@dataclass
class Record:
    report_id: str
    doc_type: str
    agency: str | None
    admin_level: str | None
    region: str | None
    year: int | None
    template: str | None
    publication_date: str | None
    source_format: str
    metadata: dict = field(default_factory=dict)
    cells: dict[str, dict[str, dict[str, Cell]]] = field(default_factory=dict)
    claims: list[dict] = field(default_factory=list)
    issues: list[dict] = field(default_factory=list)
    # "table.row" → (start, end) offsets in the decoded text of the characters its values were read from
    provenance: dict[str, tuple[int, int]] = field(default_factory=dict)
    # "table.row" → (page, table number, first grid row, last grid row) of the rows read from the table grids
    # (grid_source.py), which have no offsets into the decoded text; page None for DOCX and HTML
    grid_provenance: dict[str, GridPlace] = field(default_factory=dict)

    @property
    def status(self) -> str:
        """extracted | partial (an error issue) | no_tables (not a report, or no table found) | failed."""
        if any(i["code"] == "extraction_failed" for i in self.issues):
            return "failed"
        if not self.cells:
            return "no_tables"
        return "partial" if any(i["severity"] == "error" for i in self.issues) else "extracted"

    def to_json(self) -> dict:
        """The record as JSON, `cells[table][row][col]` holding values exactly like the gold files."""
        return {
            "report_id": self.report_id,
            "doc_type": self.doc_type,
            "agency": self.agency,
            "admin_level": self.admin_level,
            "region": self.region,
            "year": self.year,
            "template": self.template,
            "publication_date": self.publication_date,
            "source_format": self.source_format,
            "status": self.status,
            "metadata": self.metadata,
            "cells": {t: {r: {c: cell.value for c, cell in cols.items()} for r, cols in rows.items()}
                      for t, rows in self.cells.items()},
            "narrative_claims": self.claims,
            "issues": self.issues,
            "provenance": {k: list(v) for k, v in self.provenance.items()},
            "grid_provenance": {k: list(v) for k, v in self.grid_provenance.items()},
        }


def _error_count(tables: Tables) -> int:
    return sum(i["severity"] == "error" for i in tables.issues)


def claim_hints(claims: list, template: str | None) -> dict[tuple[str, str, str], float]:
    """Cells whose value the prose states (only unqualified figures of the agency itself), by the claim map
    of the narrative-claims suite."""
    cells = stated_cells(template)
    return {cells[c.claim]: c.value for c in claims
            if c.value is not None and not c.qualifier and c.claim in cells}


def _rank(tables: Tables) -> tuple[int, int]:
    return (_error_count(tables), -tables.n_cells)


def _complete(tables: Tables) -> bool:
    return bool(tables.cells) and _error_count(tables) == 0


def _best_tables(decoded: Decoded, template: str | None, fmt: str,
                 hints: dict) -> tuple[Tables, dict[tuple[str, str], GridPlace]]:
    """Read the tables from the text (and, for PDF/DOCX/HTML, from the table grids) by lines; where that
    reading is incomplete, read the same text as a character stream (`stream.py`: run-together cells, a
    page on one line, no white space) and keep the better, cells on which the two readings disagree
    withheld. With them, the grid coordinates of the rows when the grids' reading is kept."""
    tables = extract_tables(decoded.text, template, hints)
    places: dict[tuple[str, str], GridPlace] = {}
    grid_text = (grids_text(decoded.blocks)
                 if registry.grids(fmt) and any(b.kind == "table" for b in decoded.blocks) else None)
    # the grids' text is often the document's text itself (an HTML page of paragraphs and tables): the
    # same text reads the same, so it is read once
    if grid_text is not None and grid_text != decoded.text:
        from_grids = extract_tables(grid_text, template, hints)
        if _rank(from_grids) < _rank(tables):
            # offsets into the grids' text, not into the document's text: kept as grid coordinates
            places = grid_places(decoded.blocks, from_grids.spans)
            from_grids.spans.clear()
            tables = from_grids
    if _complete(tables):
        return tables, places
    streamed = min((read_stream(decoded.text, t, hints)
                    for t in ([template] if template in ("v2019", "v2021") else ["v2019", "v2021"])), key=_rank)
    if template not in ("v2019", "v2021") and streamed.n_cells:
        streamed.issue("template_uncertain", "info", f"template not detected; read as {streamed.template}")
    if _rank(streamed) < _rank(tables):
        streamed.issue("read_as_stream", "info", "tables read as a character stream (separators lost or unreliable)")
        return _withhold_ambiguous_rows(_withhold_disagreements(streamed, tables, ("as a stream", "by lines")),
                                        tables), {}
    return _withhold_disagreements(tables, streamed, ("by lines", "as a stream")), places


def _withhold_ambiguous_rows(kept: Tables, lines: Tables) -> Tables:
    """The rows the line reading left out because the layout does not say which values are theirs
    (`ambiguous_row`: a label between two value runs, labels stacked before values…) are left out of the
    stream's reading too: the stream reads the same characters without the lines that made them ambiguous."""
    for issue in lines.issues:
        if issue["code"] != "ambiguous_row" or not issue["location"]:
            continue
        table, row = issue["location"].split(".", 1)
        rows = kept.cells.get(table, {})
        for key in (list(rows) if row == "*" else [row]):  # T4 is read as one row ("*") and kept as its blocks
            cells = rows.get(key)
            if not cells or all(c.value is None for c in cells.values()):
                continue
            rows[key] = {col: Cell(None, c.raw, c.semantic, c.unit, "ambiguous row") for col, c in cells.items()}
            kept.issue("ambiguous_row", "error", f"read as a stream, but by lines {issue['message']}",
                       f"{table}.{key}")
    return kept


def _withhold_disagreements(kept: Tables, other: Tables, how: tuple[str, str]) -> Tables:
    """Where two readings of the same text give a cell different numbers, the identities decide: a table
    whose identities hold in one reading and fail in the other is taken from the first (a reading that
    gave each row the values of the row above breaks T3's column sums); otherwise the cell is not known
    and is withheld (NULL, with the issue)."""
    if other.template != kept.template:
        return kept
    for table, rows in kept.cells.items():
        theirs_rows = other.cells.get(table, {})
        disagree = [(row, col) for row, cols in rows.items() for col, cell in cols.items()
                    if cell.value is not None and (t := theirs_rows.get(row, {}).get(col)) is not None
                    and t.value is not None and abs(cell.value - t.value) > 1e-9]
        if not disagree:
            continue
        ours, theirs = identities_held(kept, table), identities_held(other, table)
        for row, col in disagree:
            cell, their = rows[row][col], theirs_rows[row][col]
            if theirs > ours:
                rows[row][col] = their
                kept.issue("readings_disagree", "info", f"read as {cell.value:g} {how[0]} and as {their.value:g} "
                           f"{how[1]}; the second reading satisfies more of the table's identities "
                           f"({theirs} against {ours})", f"{table}.{row}.{col}")
            elif ours > theirs:
                kept.issue("readings_disagree", "info", f"read as {cell.value:g} {how[0]} and as {their.value:g} "
                           f"{how[1]}; the first reading satisfies more of the table's identities "
                           f"({ours} against {theirs})", f"{table}.{row}.{col}")
            else:
                rows[row][col] = Cell(None, cell.raw, cell.semantic, cell.unit, "readings disagree")
                kept.issue("readings_disagree", "error", f"read as {cell.value:g} {how[0]} and as "
                           f"{their.value:g} {how[1]}; withheld", f"{table}.{row}.{col}")
    return kept


_NUMERIC_LINE = re.compile(r"[\s\d.,+\-/—]+")
# lines (between "\\n"s) holding two pipes; lines that start with a tab and are blank
_TWO_PIPES = re.compile(r"^[^\n|]*\|[^\n|]*\|", re.MULTILINE)
_BLANK_TAB_LINES = re.compile(r"^\t[^\S\n]*$", re.MULTILINE)
# every line (between "\\n"s) that is not blank and is all `_NUMERIC_LINE` characters
_NUMERIC_LINES = re.compile(r"^[^\S\n]*[\d.,+\-/—](?:[^\S\n]|[\d.,+\-/—])*$", re.MULTILINE)


def _flat(obj) -> dict:
    """A dataclass of plain values as a dict (`asdict` deep-copies every value: slow for many small ones)."""
    return {name: getattr(obj, name) for name in _field_names(type(obj))}


@lru_cache(maxsize=None)
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


def source_format(decoded: Decoded, fmt: str, tables: Tables) -> str:
    """The layout family the tables were read from (spec §6 source_format)."""
    if "pdf_ocr" in decoded.flags or "image_ocr" in decoded.flags:
        return "pdf_ocr" if "pdf_ocr" in decoded.flags else "image_ocr"
    if layout := registry.layout(fmt):  # pdf, docx, html_table: the format says it
        return layout
    if any(i["code"] in ("run_together_split", "read_as_stream") for i in tables.issues):
        return "run_together"
    text = decoded.text
    # lines holding two pipes, or starting with a tab, are counted only when there can be enough of them
    pipes = len(_TWO_PIPES.findall(text)) if text.count("|") > 21 else 0
    if pipes > 10:
        return "markdown_table" if fmt == "markdown" else "pipe_table"
    tabs = text.startswith("\t") + text.count("\n\t")  # lines that start with a tab, less the blank ones
    tabs = tabs - len(_BLANK_TAB_LINES.findall(text)) if tabs > 20 else tabs
    if tabs > 20:
        return "tab_indented_cells"
    numeric_lines = _NUMERIC_LINES.findall(text)
    multi = sum(len(ln.split()) > 1 for ln in numeric_lines)
    if numeric_lines and multi < len(numeric_lines) / 4:
        return "one_cell_per_line"
    return "column_aligned" if re.search(r"\S {3,}\d", text) else "plain_text"


def extract_decoded(report_id: str, decoded: Decoded, fmt: str) -> Record:
    """The record of a decoded document (text, HTML, DOCX, PDF)."""
    template = detect_template(decoded.text)
    claims = narrative_claims(decoded.text)
    tables, places = _best_tables(decoded, template if template in ("v2019", "v2021") else None, fmt,
                          claim_hints(claims, template))
    choose_by_identities(tables, decoded.text, decoded.flags)  # OCR: an unsure figure the identities settle
    meta = extract_metadata(decoded.text, has_tables=bool(tables.cells))
    issues = list(meta.issues)
    if meta.doc_type == "annual_report":
        issues += tables.issues
        cells = tables.cells
    else:
        cells = {}  # not a report: its numbers are no facts (spec §7, 001)
    record = Record(
        report_id=report_id,
        doc_type=meta.doc_type,
        agency=meta.agency,
        admin_level=meta.admin_level,
        region=meta.region,
        year=meta.year,
        template=tables.template if cells else None,
        publication_date=meta.publication_date,
        source_format=source_format(decoded, fmt, tables),
        metadata={k: v for k, v in _flat(meta).items() if k not in ("issues",) and v is not None}
        | ({"ocr": ocr_stats(decoded.flags)} if ocr_stats(decoded.flags) else {}),
        cells=cells,
        claims=[_flat(c) for c in claims] if meta.doc_type == "annual_report" else [],
        issues=issues,
        provenance={f"{t}.{r}": span for (t, r), span in tables.spans.items() if t in cells},
        grid_provenance={f"{t}.{r}": place for (t, r), place in places.items() if t in cells},
    )
    return record


def extract_json_record(report_id: str, text: str) -> Record:
    """A canonical JSON record (validated at ingestion): its cells are taken as they are."""
    data = json.loads(text)
    meta = data.get("metadata") or {}
    cells: dict[str, dict[str, dict[str, Cell]]] = {}
    for table, rows in (data.get("cells") or {}).items():
        for row, cols in rows.items():
            for col, value in cols.items():
                semantic = EMPTY if value is None else ZERO if value == 0 else NUMERIC
                raw = "" if value is None else json.dumps(value)
                cells.setdefault(table, {}).setdefault(row, {})[col] = Cell(value, raw, semantic)
    issues = []
    template = data.get("template")
    if template in TEMPLATE_TABLES:
        for table in TEMPLATE_TABLES[template]:
            if cells and table not in cells:
                issues.append({"code": "missing_table", "severity": "error", "message": f"table {table} not in the record",
                               "location": table})
    return Record(
        report_id=report_id,
        doc_type=data.get("doc_type") or ("annual_report" if cells else "not_a_report"),
        agency=data.get("agency"),
        admin_level=meta.get("admin_level") or data.get("admin_level"),
        region=meta.get("region") or data.get("region"),
        year=data.get("year"),
        template=template,
        publication_date=meta.get("publication_date") or data.get("publication_date"),
        source_format="json_record",
        metadata={k: v for k, v in data.items() if k not in ("cells",)},
        cells=cells,
        issues=issues,
    )


def extract_safely(report_id: str, decoded: Decoded, fmt: str) -> Record:
    """`extract_decoded`, or, when the extractor itself fails on a document, an empty record saying why:
    one document's surprise is an issue on that document, not the end of the run."""
    try:
        if fmt == "json_record":
            return extract_json_record(report_id, decoded.text)
        return extract_decoded(report_id, decoded, fmt)
    except Exception as e:  # noqa: BLE001 - recorded on the report, with the exception's text
        return Record(report_id=report_id, doc_type="unknown", agency=None, admin_level=None, region=None,
                      year=None, template=None, publication_date=None, source_format=fmt,
                      issues=[{"code": "extraction_failed", "severity": "error",
                               "message": f"{type(e).__name__}: {str(e)[:300]}", "location": None}])
