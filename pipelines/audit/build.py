"""Audit sheets from the published snapshot (every run) or from `nianbao check` (records at hand), written
as files: one page per report (`<report_id[:16]>.html`) and the index pages.

Every cell shows the source text it was read from: the snapshot's `report_cells` keep the offsets of the
characters the cell's row was read from (`source_start`, `source_end`) into the document's decoded text,
which the warehouse keeps (`document_text`, not published: `texts` reads it for the sheets being written);
a cell read from a table grid shows the grid's place instead (`source_table`, `source_grid_row`: 表2 第5行).
A run re-writes only the sheets of reports checked again since their sheet was written
(report_quality.checked_at, the source name and RENDER_VERSION in a manifest), and every index page.
Many sheets to write (PARALLEL_FROM and more) are written by worker processes (forkserver: clean workers,
not forks of a threaded Dagster run), each reading its share of reports from the snapshot read-only; the
parent lists the reports, reads the decoded texts (`texts`, from the warehouse it alone may open) and
writes the index.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path

import duckdb

from pipelines.audit.index import Entry, render_index
from pipelines.audit.sheet import (RENDER_VERSION, Cell, Claim, Finding, Issue, Sheet, Suspect, render_sheet,
                                   sheet_name)
from pipelines.quality.suites import rules as all_rules

BATCH = 1000  # reports read from the snapshot at a time (in-process)
CHUNK = 250  # reports a worker reads, renders and writes at a time
PARALLEL_FROM = 600  # sheets to write from which workers are worth starting (≈ 0.4 s of start-up)
MANIFEST = ".manifest.json"


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


Texts = Callable[[list[str]], dict[str, str]]  # report ids → their decoded texts


def warehouse_texts(conn: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, str]:
    """The decoded texts of some documents, from the warehouse (what the cells' offsets point into)."""
    return dict(conn.execute("select document_id, text from document_text "
                             "where document_id in (select unnest(?::varchar[]))", [ids]).fetchall())


def load_sheets(conn: duckdb.DuckDBPyConnection, ids: list[str], texts: Texts | None = None) -> list[Sheet]:
    """The sheets of some reports, read from a snapshot (or the warehouse); with `texts`, each cell's source
    text too."""
    if not ids:
        return []
    head = conn.execute(
        """select r.report_id, coalesce(d.original_name, r.report_id), r.agency, r.year, r.admin_level, r.region,
                  r.template, r.doc_type, q.status, q.reason, cast(r.publication_date as varchar), q.notes
           from reports r left join documents d on d.id = r.report_id
           left join report_quality q on q.report_id = r.report_id
           where r.report_id in (select unnest(?::varchar[])) order by r.report_id""", [ids]).fetchall()
    sheets = {row[0]: Sheet(*row[:11], notes=list(row[11] or [])) for row in head}
    # columns through NumPy: a fourth of the time of fetchall() for the same Python values (NULL → None)
    cells = conn.execute(
        """select report_id, table_key, row_key, col_key, value, value_raw, semantic, unit, source_start, source_end,
                  source_page, source_table, source_grid_row, source_grid_row_end
           from report_cells where report_id in (select unnest(?::varchar[]))""", [ids]).fetchnumpy()
    for rid, t, r, c, value, raw, semantic, unit, start, end, page, number, first, last in zip(
            *(column.tolist() for column in cells.values())):
        sheet = sheets[rid]
        sheet.cells[(t, r, c)] = Cell(value, raw, semantic, unit)
        if start is not None and end is not None:
            sheet.provenance[f"{t}.{r}"] = (start, end)
        elif number is not None and first is not None and last is not None:  # read from a table grid
            sheet.grid_rows[f"{t}.{r}"] = (number, first, last)
        else:
            continue
        if page is not None:
            sheet.pages[f"{t}.{r}"] = page
    if texts is not None:
        with_spans = [rid for rid in ids if rid in sheets and sheets[rid].provenance]
        for rid, text in (texts(with_spans) if with_spans else {}).items():
            sheets[rid].text = text
    for rid, *f in conn.execute(
            """select report_id, rule_id, severity, status, scope, expected, observed, difference, message
               from check_results where status <> 'PASS' and report_id in (select unnest(?::varchar[]))
               order by rule_id, scope""", [ids]).fetchall():
        sheets[rid].findings.append(Finding(*f))
    for rid, t, r, c, reported, suggested, explained, unique in conn.execute(
            """select report_id, table_key, row_key, col_key, reported, suggested, rules_explained, is_unique
               from suspect_cells where report_id in (select unnest(?::varchar[]))""", [ids]).fetchall():
        sheets[rid].suspects.append(Suspect(t, r, c, reported, suggested, list(explained or []), bool(unique)))
    for rid, claim, value, text, offset, unit in conn.execute(
            """select report_id, claim, value, text, "offset", unit from narrative_claims
               where report_id in (select unnest(?::varchar[]))""", [ids]).fetchall():
        sheets[rid].claims.append(Claim(claim, value, text or "", offset, unit))
    for rid, code, severity, message, location in conn.execute(
            """select report_id, code, severity, message, location from extraction_issues
               where report_id in (select unnest(?::varchar[]))""", [ids]).fetchall():
        sheets[rid].issues.append(Issue(code, severity, message or "", location))
    return [sheets[i] for i in ids if i in sheets]


@cache
def _rules() -> dict:
    return {r.id: r for r in all_rules()}


@cache
def _snapshot(path: str) -> duckdb.DuckDBPyConnection:
    """A worker's read-only connection to the snapshot (one per process; several processes may read it)."""
    return duckdb.connect(path, read_only=True, config={"memory_limit": "256MB", "threads": 1})


def _write_sheets(conn: duckdb.DuckDBPyConnection, out_dir: Path, ids: list[str], texts: Texts | None,
                  generated: str) -> int:
    written = 0
    for sheet in load_sheets(conn, ids, texts):
        _write(out_dir / sheet_name(sheet.report_id),
               render_sheet(sheet, _rules(), index_href="index.html", generated=generated))
        written += 1
    return written


def _write_chunk(snapshot: str, out_dir: str, ids: list[str], texts: dict[str, str] | None, generated: str) -> int:
    """In a worker: read, render and write the sheets of some reports (`texts`: their decoded texts)."""
    given = None if texts is None else (lambda wanted: {i: texts[i] for i in wanted if i in texts})
    return _write_sheets(_snapshot(snapshot), Path(out_dir), ids, given, generated)


def _write_parallel(snapshot: Path, out_dir: Path, stale: list[str], texts: Texts | None, generated: str,
                    workers: int, done: Callable[[list[str]], None]) -> int:
    """Sheets of `stale` written by `workers` processes, CHUNK reports a task; the parent reads the texts of
    BATCH reports at a time (one query, not one a chunk) while the workers render, and keeps a few chunks a
    worker in flight (memory stays flat)."""
    written = 0
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque = deque()
        for start in range(0, len(stale), BATCH):
            batch = stale[start:start + BATCH]
            read = texts(batch) if texts is not None else None
            for at in range(0, len(batch), CHUNK):
                ids = batch[at:at + CHUNK]
                mine = None if read is None else {i: read[i] for i in ids if i in read}
                pending.append((pool.submit(_write_chunk, str(snapshot), str(out_dir), ids, mine, generated), ids))
            while len(pending) > 2 * workers:
                future, finished = pending.popleft()
                written += future.result()
                done(finished)
        for future, finished in pending:
            written += future.result()
            done(finished)
    return written


def write_audit(snapshot: Path, out_dir: Path, *, generated: str = "",
                quality_href: str | None = "../quality_report.html", texts: Texts | None = None,
                workers: int | None = None) -> dict:
    """Write the sheets of reports that changed since their sheet was written, and every index page
    (`texts`: where the documents' decoded texts are read, for each cell's source text; `workers`: processes
    writing sheets when there are many, by default one per core; a run passes its settings' count). Returns counts and the
    index path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.glob(".*.tmp"):
        stale.unlink(missing_ok=True)
    manifest_path = out_dir / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    if manifest.get("version") != RENDER_VERSION:
        manifest = {"version": RENDER_VERSION, "sheets": {}}
    done: dict[str, str] = manifest["sheets"]
    written = 0
    entries: list[Entry] = []
    present = {p.name for p in os.scandir(out_dir)} if done else set()  # one listing, not a stat per sheet
    with duckdb.connect(str(snapshot), read_only=True) as conn:
        listing = conn.execute(
            """select r.report_id, coalesce(d.original_name, r.report_id), r.agency, r.year, r.admin_level, r.region,
                      r.template, q.status, cast(q.checked_at as varchar),
                      (select list(distinct c.rule_id order by c.rule_id) from check_results c
                       where c.report_id = r.report_id and c.status = 'FAIL')
               from reports r left join documents d on d.id = r.report_id
               left join report_quality q on q.report_id = r.report_id order by r.report_id""").fetchall()
        stale: dict[str, str] = {}
        for rid, source, agency, year, level, region, template, status, checked_at, failing in listing:
            name = sheet_name(rid)
            entries.append(Entry(rid, name, agency, year, level, region, template, status, source,
                                 list(failing or [])))
            stamp = f"{checked_at}|{source}"
            if done.get(rid) != stamp or name not in present:
                stale[rid] = stamp

        def finished(ids: list[str]) -> None:
            done.update((rid, stale[rid]) for rid in ids)

        workers = workers if workers is not None else (os.cpu_count() or 1)
        if workers > 1 and len(stale) >= PARALLEL_FROM:
            written = _write_parallel(snapshot, out_dir, list(stale), texts, generated, workers, finished)
        else:
            ids = list(stale)
            for start in range(0, len(ids), BATCH):
                batch = ids[start:start + BATCH]
                written += _write_sheets(conn, out_dir, batch, texts, generated)
                finished(batch)
    pages = render_index(entries, generated=generated, quality_href=quality_href)
    for name, html in pages:
        _write(out_dir / name, html)
    for old in [*out_dir.glob("index-*.html"), *out_dir.glob("index-data-*.js")]:  # of a larger index before
        if old.name not in {n for n, _ in pages}:
            old.unlink()
    _write(manifest_path, json.dumps(manifest, ensure_ascii=False))
    return {"index": out_dir / "index.html", "reports": len(entries), "sheets_written": written,
            "index_pages": len(pages)}


def sheets_from_check(reports: list[tuple], outcome) -> list[Sheet]:
    """Sheets of `nianbao check`: [(record, source name, decoded text)] and the check outcome."""
    findings, suspects = defaultdict(list), defaultdict(list)
    verdicts = {v.report_id: v for v in (outcome.verdicts if outcome else [])}
    for r in outcome.results if outcome else []:
        if r.status != "PASS":
            findings[r.report_id].append(Finding(r.rule_id, r.severity, r.status, r.scope, r.expected, r.observed,
                                                 r.difference, r.message))
    for s in outcome.suspects if outcome else []:
        suspects[s.report_id].append(Suspect(s.table_key, s.row_key, s.col_key, s.reported, s.suggested,
                                             list(s.rules_explained), s.unique))
    out = []
    for record, source, text in reports:
        v = verdicts.get(record.report_id)
        sheet = Sheet(record.report_id, source, record.agency, record.year, record.admin_level, record.region,
                      record.template, record.doc_type, v.status if v else None, v.reason if v else "",
                      record.publication_date, list(v.notes) if v else [],
                      findings=findings[record.report_id], suspects=suspects[record.report_id],
                      provenance={k: tuple(span) for k, span in record.provenance.items()}, text=text,
                      grid_rows={k: tuple(place[1:]) for k, place in record.grid_provenance.items()},
                      pages={k: place[0] for k, place in record.grid_provenance.items() if place[0] is not None})
        for t, rows in record.cells.items():
            for row, cols in rows.items():
                for c, cell in cols.items():
                    sheet.cells[(t, row, c)] = Cell(cell.value, cell.raw, cell.semantic, cell.unit)
        sheet.claims = [Claim(c["claim"], c.get("value"), c.get("text") or "", c.get("offset"), c.get("unit"))
                        for c in record.claims]
        sheet.issues = [Issue(i["code"], i["severity"], i.get("message") or "", i.get("location"))
                        for i in record.issues]
        out.append(sheet)
    return out


def write_check_sheets(sheets: list[Sheet], out: Path, generated: str = "") -> list[Path]:
    """`nianbao check --html OUT`: one report → OUT is the page (or a folder to put it in); several → OUT
    is a folder with a page each and an index."""
    rules = {r.id: r for r in all_rules()}
    if len(sheets) == 1 and not out.is_dir():
        out.parent.mkdir(parents=True, exist_ok=True)
        _write(out, render_sheet(sheets[0], rules, generated=generated))
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for sheet in sheets:
        path = out / sheet_name(sheet.report_id)
        _write(path, render_sheet(sheet, rules, index_href="index.html" if len(sheets) > 1 else None,
                                  generated=generated))
        paths.append(path)
    if len(sheets) > 1:
        entries = [Entry(s.report_id, sheet_name(s.report_id), s.agency, s.year, s.admin_level, s.region, s.template,
                         s.status, s.source, s.failing_rules) for s in sheets]
        for name, html in render_index(entries, generated=generated):
            _write(out / name, html)
            paths.append(out / name)
    return paths
