"""`nianbao`: the command line. `nianbao run` materialises the whole pipeline in-process; `nianbao ui` serves it."""

from __future__ import annotations

import errno
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape  # rich.table: imported by the two commands that draw tables

from pipelines.settings import (DEFAULT_DATA_DIR, REPO_ROOT, current_dagster_home, dagster_home, default_data_dir,
                                default_inbox, point_at, use_dagster_home, use_data_dir, without_telemetry,
                                write_dagster_yaml)

app = typer.Typer(help="nianbao: annual reports on government information disclosure → trustworthy data.",
                  no_args_is_help=True, add_completion=False)
console = Console(soft_wrap=True)

InboxOpt = Annotated[Optional[Path], typer.Option(help="Folder of documents to ingest [env NIANBAO_INBOX; "
                                                       "default: the bundled demo corpus].")]
WarehouseOpt = Annotated[Optional[Path], typer.Option(help="DuckDB warehouse file [env NIANBAO_WAREHOUSE; "
                                                           "default: data/warehouse.duckdb].")]


def _dagster_home(data_dir: str | Path) -> Path:
    """Prepare and select the DAGSTER_HOME of `data_dir` (settings.dagster_home: one history per data directory)."""
    home = dagster_home(data_dir)
    use_dagster_home(home)  # set first: a failure to create it names it
    home.mkdir(parents=True, exist_ok=True)
    write_dagster_yaml(home)
    return home


@app.command()
def run(inbox: InboxOpt = None, warehouse: WarehouseOpt = None,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show Dagster's debug log.")] = False) -> None:
    """Run every asset of the pipeline in-process on the inbox and print a summary.

    Exits 0 when the run completed (rejected documents are data, not a failure), non-zero when it failed.
    """
    import dagster as dg

    from pipelines.jobs import execute_named_job
    from pipelines.partitions import ALL_SHARDS
    from pipelines.progress import channel as progress_channel
    from pipelines.resources import WarehouseUnavailable, build_resources, open_warehouse
    from pipelines.storage.runlock import LockTimeout, hold

    inbox_dir = str(inbox.resolve()) if inbox else default_inbox()
    if not Path(inbox_dir).is_dir():
        console.print(f"[red]inbox {inbox_dir} is not a folder[/red]")
        raise typer.Exit(2)
    if warehouse and warehouse.is_dir():
        console.print(f"[red]--warehouse {warehouse} is a folder; give the path of a DuckDB file[/red]")
        raise typer.Exit(2)
    resources = build_resources(inbox=inbox_dir, warehouse=str(warehouse) if warehouse else None)
    db_path = resources["warehouse"].database
    snapshot = Path(db_path).parent / "published" / "nianbao.duckdb"
    try:
        home = _dagster_home(Path(db_path).parent)
    except OSError as e:  # a full or read-only disk under DAGSTER_HOME, before anything else was written
        _explain_storage_failure(f"{e.strerror or e}", Path(db_path).parent, snapshot,
                                 current_dagster_home(), dagster=True)
        console.print(f"[red]cannot prepare DAGSTER_HOME: {escape(str(e))}[/red]")
        raise typer.Exit(1) from None
    if problem := _unwritable(Path(db_path).parent):
        console.print(f"[red]cannot write to the data directory {Path(db_path).parent}: it is read-only or not "
                      f"writable ({problem}). Nothing was run; the published snapshot {snapshot} is unchanged.[/red]")
        raise typer.Exit(1)
    point_at(inbox_dir, db_path)
    lock = resources["run_lock"]
    signal.signal(signal.SIGTERM, _as_interrupt)
    try:
        with hold(Path(lock.path), lock.wait_s, on_wait=lambda m: console.print(f"[yellow]{m}[/yellow]")), \
                dg.DagsterInstance.get() as instance:
            open_warehouse(db_path, resources["warehouse"].connection_config).close()  # locked or damaged: say so now
            log_level = "DEBUG" if verbose else "WARNING"
            with progress_channel():  # per-stage progress on a terminal, from inside the steps
                result = execute_named_job("annual_reports_job", instance, resources=resources,
                                           tags={"nianbao/trigger": "cli", **ALL_SHARDS},
                                           run_config={"loggers": {"console": {"config": {"log_level": log_level}}}})
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM before or after Dagster's own handling of them
        _say_interrupted([], snapshot)
        raise typer.Exit(130) from None
    except (LockTimeout, WarehouseUnavailable) as e:
        console.print(f"[red]{escape(str(e))}[/red]")
        raise typer.Exit(1) from None
    except Exception as e:  # Dagster's own storage failing (a full disk), a resource refusing: say why
        chain = _causes(e)
        _explain_storage_failure("\n".join(chain), Path(db_path).parent, snapshot, home)
        console.print(f"[red]the run stopped: {chain[-1][:300]}[/red]")
        raise typer.Exit(1) from None
    failures = [e for e in result.all_events if e.is_step_failure or e.event_type_value == "RUN_FAILURE"]
    if not result.success and any(_INTERRUPTED in _error_text(e) for e in failures):
        _say_interrupted(sorted({str(e.step_key) for e in failures if e.step_key}), snapshot)
        raise typer.Exit(130)
    try:
        _print_summary(db_path, inbox_dir)
    except Exception as e:  # the summary must not hide the run's own outcome
        console.print(f"[red]cannot read the warehouse {db_path}: {e}[/red]")
    if not result.success:
        _explain_storage_failure("\n".join(_error_text(e) for e in failures), Path(db_path).parent, snapshot, home)
        for event in failures:
            error = getattr(event.event_specific_data, "error", None)
            while error is not None and error.cause is not None:  # the root cause says what happened
                error = error.cause
            message = (error.message if error else str(event.message)).strip().splitlines()
            console.print(f"[red]{event.step_key or 'run'}: {message[0][:300] if message else 'failed'}[/red]")
        steps = sorted({str(e.step_key) for e in failures if e.step_key})
        console.print(f"[red]run {result.run_id} failed{' in ' + ', '.join(steps) if steps else ''}[/red]")
        raise typer.Exit(1)
    console.print(f"[green]run {result.run_id} succeeded[/green]")


_INTERRUPTED = "DagsterExecutionInterruptedError"  # what Dagster makes of SIGINT and SIGTERM inside a step


def _as_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM (kill, a service manager) ends a run the way Ctrl-C does, and says so


def _say_interrupted(steps: list[str], snapshot: Path) -> None:
    console.print(f"[yellow]the run was interrupted (Ctrl-C or SIGTERM){' in ' + ', '.join(steps) if steps else ''}. "
                  "Nothing half-written is kept (every write is a transaction or a rename), and the published "
                  f"snapshot {snapshot} is the last complete one. Run `nianbao run` again: it resumes where this "
                  "one stopped (documents already decoded and extracted are not read again).[/yellow]")


_FULL = ("No space left on device", "File too large", "database or disk is full", "Disk quota exceeded")
_READ_ONLY = ("Read-only file system", "Permission denied", "attempt to write a readonly database")
_IO_ERROR = "disk I/O error"  # what SQLite (Dagster's run storage) says when a write fails for want of room
_NO_ROOM = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT}
_DAGSTER_STORAGE = ("sqlite3.", "sqlalche", "dagster.yaml")  # Dagster's own storage, not the pipeline's


def _unwritable(directory: Path) -> str | None:
    """Why nothing can be written in `directory` (None when a file can be created there)."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            return None
    except OSError as e:
        return f"{e.strerror or e}"


def _causes(e: BaseException) -> list[str]:
    """The messages of an exception and of everything that caused it, outermost first."""
    out, seen = [], set()
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        out.append(f"{type(e).__name__}: {e}")
        e = e.__cause__ or e.__context__
    return out


def _error_text(event) -> str:
    error = getattr(event.event_specific_data, "error", None)
    return error.to_string() if error else str(event.message)


def _no_room(directory: Path | None) -> str | None:
    """Why `directory` cannot take one more mebibyte (its disk or a quota is full, or a file size limit
    binds), found by writing one there and removing it; None when it can, or when there is no such folder.
    SQLite reports a full disk as a bare "disk I/O error"; the system's own answer says what it was."""
    if directory is None or not directory.is_dir():
        return None
    try:
        previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG rather than death by signal
    except (ValueError, OSError):  # not the main thread
        previous = None
    try:
        with tempfile.TemporaryFile(dir=directory, prefix=".nianbao-room-") as f:
            for _ in range(16):
                f.write(bytes(64 * 1024))
            f.flush()
            os.fsync(f.fileno())
        return None
    except OSError as e:
        return (e.strerror or str(e)) if e.errno in _NO_ROOM else None
    finally:
        if previous is not None:
            signal.signal(signal.SIGXFSZ, previous)


def _explain_storage_failure(text: str, data_dir: Path, snapshot: Path, home: Path | None = None,
                             dagster: bool | None = None) -> None:
    """A run that failed because a disk is full or read-only gets that said plainly, with what is full (the
    data directory, or Dagster's run storage under DAGSTER_HOME, which is written first), that the published
    snapshot is unchanged, and what to do."""
    if dagster is None:
        dagster = home is not None and any(s in text for s in _DAGSTER_STORAGE)
    full_text, io_error = any(s in text for s in _FULL), _IO_ERROR in text
    if full_text or io_error:
        room = {where: why for where in dict.fromkeys([home, data_dir]) if (why := _no_room(where))}
        if home in room and (dagster or data_dir not in room):
            where = home
        elif data_dir in room:
            where = data_dir
        else:
            where = home if dagster else data_dir
        what = (f"{where} (DAGSTER_HOME: Dagster's run history and event logs)" if where == home else str(where))
        if room or full_text:
            why = f" ({room[where]})" if where in room else ""
            console.print(f"[red]the disk is full (or a file size limit was hit) under {what}{why}: the run stopped "
                          f"and wrote nothing half-way (each write is a transaction or a rename). The published "
                          f"snapshot {snapshot} is unchanged; free space there (df -h {where}) and run again.[/red]")
        else:  # a bare I/O error with room to spare now: a full disk that has since been freed, or a failing one
            console.print(f"[red]a disk I/O error under {what}: the disk is full or failing. The run stopped and "
                          f"wrote nothing half-way; the published snapshot {snapshot} is unchanged. Check its free "
                          f"space (df -h {where}) and the system log (dmesg), then run again.[/red]")
    elif any(s in text for s in _READ_ONLY):
        where = home if dagster else data_dir
        console.print(f"[red]{where} is read-only or not writable: the run stopped. The published snapshot "
                      f"{snapshot} is unchanged.[/red]")


def _print_summary(db_path: str, inbox_dir: str) -> None:
    import duckdb
    from rich.table import Table

    with duckdb.connect(db_path, read_only=True) as conn:
        rows = conn.execute(
            "select format, count(*) filter (where status = 'accepted'), count(*) filter (where status = 'rejected'),"
            " count(*) from documents group by format order by format"
        ).fetchall()
        reasons = conn.execute(
            "select original_name, reason from documents where status = 'rejected' order by original_name limit 20"
        ).fetchall()
    table = Table(title=f"Documents from {inbox_dir}")
    for col in ("format", "accepted", "rejected", "total"):
        table.add_column(col, justify="left" if col == "format" else "right")
    for row in rows:
        table.add_row(*map(str, row))
    table.add_row("[bold]all", *(str(sum(r[i] for r in rows)) for i in (1, 2, 3)))
    console.print(table)
    for name, reason in reasons:
        console.print(f"  rejected {name}: {reason}")
    with duckdb.connect(db_path, read_only=True) as conn:
        has_reports = conn.execute(
            "select count(*) from information_schema.tables where table_name = 'reports'").fetchone()[0]
        extracted = conn.execute(
            "select r.doc_type, r.status, q.status, count(*), sum(r.n_cells) from reports r "
            "left join report_quality q using (report_id) group by all order by all"
        ).fetchall() if has_reports else []
    if extracted:
        reports = Table(title="Reports extracted and checked")
        for col in ("doc_type", "extraction", "quality", "reports", "cells"):
            reports.add_column(col, justify="right" if col in ("reports", "cells") else "left")
        for row in extracted:
            reports.add_row(*("-" if v is None else str(v) for v in row))
        console.print(reports)
        html = Path(db_path).with_name("quality_report.html")
        if html.exists():
            console.print(f"Quality report: [bold]{html}[/bold]")
        snapshot = Path(db_path).with_name("published") / "nianbao.duckdb"
        if snapshot.exists():
            # the snapshot this run wrote (`nianbao sql` without --db reads data/published/nianbao.duckdb, or
            # NIANBAO_DATA_DIR's when that is set in the shell: --db says which, whatever the shell has)
            db = "" if snapshot == DEFAULT_DATA_DIR.resolve() / "published" / "nianbao.duckdb" else f" --db {snapshot}"
            console.print(f"Published marts: [bold]{escape(str(snapshot))}[/bold] "
                          f"(nianbao sql \"select * from mart_agency_year\"{escape(db)}); "
                          f"exports in {escape(str(Path(db_path).with_name('exports')))}")
    console.print(f"DuckDB warehouse: [bold]{escape(db_path)}[/bold] (the pipeline's own; query the published "
                  "snapshot above, which no run ever locks)")
    data = Path(db_path).parent
    if data == DEFAULT_DATA_DIR.resolve():
        console.print("Dagster UI: [bold]make ui[/bold] (or .venv/bin/nianbao ui), then open http://127.0.0.1:3000")
    else:  # this data directory's own run and asset history
        console.print(f"Dagster UI of this data directory: [bold].venv/bin/nianbao ui --data-dir "
                      f"{escape(str(data))}[/bold], then open http://127.0.0.1:3000")


@app.command()
def fanout(inbox: InboxOpt = None,
           shards: Annotated[Optional[str], typer.Option(help="Comma-separated shards (0-f) [default: all 16].")] = None,
           parallel: Annotated[int, typer.Option(help="Shard runs at the same time [default: cores].")] = 0) -> None:
    """Run the pipeline fanned out: ingest, then one Dagster run per shard (multiprocess executor), several at
    once, then load, checks and marts. The local picture of the Kubernetes deployment in deploy/."""
    import dagster as dg

    from pipelines.definitions import defs
    from pipelines.ops.fanout import run_shards
    from pipelines.jobs import execute_named_job, resources_run_config
    from pipelines.storage.lake import SHARDS, Lake
    from pipelines.progress import channel as progress_channel
    from pipelines.extract.store import pending_extraction
    from pipelines.resources import build_resources
    from pipelines.storage.runlock import hold
    from pipelines.decode.store import pending_decode

    inbox_dir = str(inbox.resolve()) if inbox else default_inbox()
    wanted = [s.strip() for s in shards.split(",")] if shards else SHARDS
    if not Path(inbox_dir).is_dir() or not set(wanted) <= set(SHARDS):
        console.print(f"[red]need an inbox folder and shards among {','.join(SHARDS)}[/red]")
        raise typer.Exit(2)
    resources = build_resources(inbox=inbox_dir)
    home = _dagster_home(Path(resources["warehouse"].database).parent)
    point_at(inbox_dir)  # the shard runs build their resources from the environment
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    lock = resources["run_lock"]
    graph = defs().resolve_asset_graph()
    with hold(Path(lock.path), lock.wait_s, on_wait=lambda m: console.print(f"[yellow]{m}[/yellow]")), \
            dg.DagsterInstance.get() as instance, progress_channel() as live:
        say = live.print if live else console.print  # above the progress bars while they are drawn
        # runs of annual_reports_job (ingest, then load to marts), around shard_job runs: each re-executable
        ingest = execute_named_job("annual_reports_job", instance, resources=resources, run_config=quiet,
                                   tags={"nianbao/trigger": "fanout"}, asset_selection=[["raw", "documents"]])
        if not ingest.success:
            console.print(f"[red]ingest run {ingest.run_id} failed[/red]")
            raise typer.Exit(1)
        lake = Lake(resources["settings"].lake_dir)
        busy = [s for s in wanted if pending_decode(lake, s) or pending_extraction(lake, s)]
        say(f"ingest run {ingest.run_id} succeeded; {len(busy)} of {len(wanted)} shards have work: "
            f"{len(busy)} shard runs, {parallel or os.cpu_count()} at a time")
        done = run_shards(busy, parallel or os.cpu_count() or 1, str(home),
                          on_done=lambda r: say(f"  shard {r.shard}: run {r.run_id} "
                                                f"{'succeeded' if r.success else '[red]failed[/red]'}"),
                          run_config={**quiet, **resources_run_config({"settings": resources["settings"]})})
        failed = [r.shard for r in done if not r.success]
        if failed:
            console.print(f"[red]shards {', '.join(failed)} failed; load, checks and marts not run[/red]")
            raise typer.Exit(1)
        rest = execute_named_job("annual_reports_job", instance, resources=resources, run_config=quiet,
                                 tags={"nianbao/trigger": "fanout"},
                                 asset_selection=sorted(dg.AssetSelection.assets(["load", "warehouse"])
                                                        .downstream().resolve(graph)))
    _print_summary(resources["warehouse"].database, inbox_dir)
    if not rest.success:
        console.print(f"[red]run {rest.run_id} (load, checks, marts) failed[/red]")
        raise typer.Exit(1)
    console.print(f"[green]load, checks and marts: run {rest.run_id} succeeded[/green]")


@app.command()
def ui(port: Annotated[int, typer.Option(help="Port for the web UI.")] = 3000,
       host: Annotated[str, typer.Option(help="Address to bind; loopback by default.")] = "127.0.0.1",
       data_dir: Annotated[Optional[Path], typer.Option(
           "--data-dir", help="The data directory to show and run on (its runs, asset history and warehouse) "
                              "[env NIANBAO_DATA_DIR; default: data/].")] = None) -> None:
    """Start the Dagster UI (webserver and daemon) for this workspace on one data directory: its DAGSTER_HOME
    (.dagster_home/ for data/, <data dir>/.dagster/ for another) holds the history of the runs made on it."""
    from pipelines.settings import default_warehouse

    data = data_dir.expanduser().resolve() if data_dir else Path(default_warehouse()).parent
    if data_dir and data_dir.exists() and not data_dir.is_dir():
        console.print(f"[red]--data-dir {data_dir} is a file; give the data directory (the folder of "
                      "warehouse.duckdb)[/red]")
        raise typer.Exit(2)
    home = _dagster_home(data)
    if data_dir:  # the code location (runs launched from the UI, the sensor) works on that directory too
        use_data_dir(data)
    without_telemetry()
    console.print(f"data directory {data}; DAGSTER_HOME={home}; open http://{host}:{port}")
    cmd = [str(Path(sys.executable).with_name("dagster")), "dev", "-w", str(REPO_ROOT / "workspace.yaml"),
           "-h", host, "-p", str(port)]
    os.chdir(REPO_ROOT)
    # An ignored SIGINT survives exec (a script's `cmd &` starts with it ignored), and dagster dev maps
    # SIGTERM onto SIGINT: restore it so the UI can always be stopped (stack-notes gotcha 4).
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execv(cmd[0], cmd)  # replace this process: Ctrl-C and SIGTERM reach dagster dev directly


@app.command()
def extract(files: Annotated[list[Path], typer.Argument(help="Documents to extract (any supported format).")],
            as_json: Annotated[bool, typer.Option("--json", help="Print the records as JSON (one object for one "
                                                                 "file, an array for several).")] = False) -> None:
    """Extract each file's record (doc_type, metadata, cells[table][row][col], issues) and print it.

    A library call: no Dagster, no warehouse. Exits 1 when a file could not be read as a document.
    """
    import json

    from pipelines.extract.files import Rejected, extract_file
    from pipelines.extract.render import print_record

    out, failed = [], 0
    for path in files:
        try:
            record = extract_file(path).to_json()
        except (Rejected, OSError) as e:
            failed += 1
            record = {"file": str(path), "error": str(e)}
            if not as_json:
                console.print(f"[red]{path}: rejected — {e}[/red]")
        else:
            record = {"file": str(path), **record}
            if not as_json:
                print_record(console, record)
        out.append(record)
    if as_json:
        print(json.dumps(out[0] if len(out) == 1 else out, ensure_ascii=False, indent=1))
    if failed:
        raise typer.Exit(1)


@app.command()
def check(files: Annotated[list[Path], typer.Argument(help="Reports to check (any supported format).")],
          html: Annotated[Optional[Path], typer.Option(
              "--html", help="Also write the audit sheet (审核单): a file for one report, a folder (with an "
                             "index.html) for several.")] = None,
          with_gx: Annotated[bool, typer.Option(
              "--gx", help="Let Great Expectations decide each rule instance, as a pipeline run does (the same "
                           "verdicts; adds GX's start-up, 3-6 s here).")] = False) -> None:
    """Extract each report and check it against every rule of expectations/ (the same agency's reports of
    consecutive years, given together, are also checked against each other). Each rule instance is decided
    by the bounds its GX expectation carries (with --gx, by Great Expectations itself, as in a pipeline run:
    the same verdicts). Prints a verdict per report:
    each failing rule with its numbers and the suspect cell. Exit 0 when every report is accepted; 1 when a
    report is quarantined (a hard rule fails, or it is not an annual report) or a file is rejected — for an
    auditor checking a report before it is published. With --html, the audit sheet of each report: its tables
    in the official layout, failing identities, suspect cells with the value that would make them hold."""
    from pipelines.decode.model import DecodeError
    from pipelines.extract.files import Rejected, extract_file_and_text
    from pipelines.quality.data import from_record, link_versions, link_years
    from pipelines.quality.run import check_reports

    reports, names, bad, checked = [], {}, 0, []
    for path in files:
        try:
            record, text = extract_file_and_text(path)  # the text the cells were read from: decoded once
        except (Rejected, DecodeError, OSError) as e:
            console.print(f"[red]{path}: rejected — {e}[/red]")
            bad += 1
            continue
        reports.append(from_record(record, text))
        names[record.report_id] = str(path)
        checked.append((record, str(path), text))
    link_versions(reports)  # the same agency, year and scope with different cells: VR-01 names the other file
    for r in reports:
        r.rivals = tuple(names.get(rival, rival) for rival in r.rivals)
    link_years(reports)
    outcome = check_reports(reports, with_gx=with_gx) if reports else None
    for verdict in outcome.verdicts if outcome else []:
        colour = "green" if verdict.status == "accepted" else "red"
        console.print(f"[bold]{names[verdict.report_id]}[/bold]: [{colour}]{verdict.status}[/{colour}] — "
                      f"{verdict.reason}; {verdict.soft_warnings} soft warnings")
        for r in outcome.results:
            if r.report_id == verdict.report_id and r.status == "FAIL":
                style = "red" if r.severity == "hard" else "yellow"
                console.print(f"  [{style}]{r.rule_id} ({r.severity})[/{style}] {r.scope}: {r.message}")
        for s in outcome.suspects:
            if s.report_id == verdict.report_id:
                console.print(f"  suspect cell{'' if s.unique else ' (one of several)'}: "
                              f"{s.table_key}.{s.row_key}.{s.col_key} printed {s.reported:g}, "
                              f"{s.suggested:g} would make {', '.join(s.rules_explained)} hold")
        for note in verdict.notes:
            console.print(f"  [dim]{note}[/dim]")
    if html is not None and checked:
        from datetime import datetime

        from pipelines.audit.build import sheets_from_check, write_check_sheets

        written = write_check_sheets(sheets_from_check(checked, outcome), html,
                                     datetime.now().isoformat(timespec="seconds"))
        console.print(f"audit sheet: {escape(str(written[0]))}" if len(written) == 1 else
                      f"audit sheets: {escape(str(html))}/ ({len(checked)} sheets and index.html)")
    if bad or (outcome and any(v.status != "accepted" for v in outcome.verdicts)):
        raise typer.Exit(1)


@app.command()
def withdraw(paths: Annotated[list[Path], typer.Argument(help="Files removed from the inbox (or a removed folder).")],
             reason: Annotated[str, typer.Option(help="Why, kept with the withdrawal.")] = "withdrawn by the operator",
             warehouse: WarehouseOpt = None) -> None:
    """Withdraw the documents of files removed from the inbox: from the next run on they are no version of
    their reports, so a conflict they were part of is resolved and the marts count the report's other version
    (or none). Removing a file alone withdraws nothing (a deleted source loses nothing); a withdrawn document
    whose file comes back is taken in again by the next run. Exit 1 when nothing could be withdrawn."""
    from datetime import datetime, timezone

    from pipelines.ingest.inbox import printable
    from pipelines.resources import WarehouseUnavailable, build_resources
    from pipelines.storage.runlock import LockTimeout, hold
    from pipelines.storage.warehouse import documents_seen_at, ensure_schema, withdraw_documents

    resources = build_resources(warehouse=str(warehouse.resolve()) if warehouse else None)
    db_path = resources["warehouse"].database
    if not Path(db_path).exists():
        console.print(f"[red]no warehouse at {escape(db_path)}: nothing to withdraw[/red]")
        raise typer.Exit(1)
    lock = resources["run_lock"]
    withdrawn: list[tuple[str, str]] = []
    try:
        with hold(Path(lock.path), lock.wait_s, on_wait=lambda m: console.print(f"[yellow]{m}[/yellow]")), \
                resources["warehouse"].get_connection() as conn:
            ensure_schema(conn)
            for given in paths:
                path = printable(os.path.realpath(given))
                seen = documents_seen_at(conn, path)
                if not seen:
                    console.print(f"[red]{escape(str(given))}: no document was ever seen there[/red]")
                for doc, doc_paths in seen.items():
                    present = [p for p in doc_paths if os.path.lexists(p)]
                    if present:
                        console.print(f"[yellow]{escape(str(given))}: document {doc[:12]} is still in the inbox at "
                                      f"{escape(present[0])}; remove it there too to withdraw it[/yellow]")
                    else:
                        withdrawn += [(doc, p) for p in doc_paths]
            withdraw_documents(conn, withdrawn, reason, datetime.now(timezone.utc))
            rows = conn.execute(
                """select d.original_path, r.agency, r.year, v.status from documents d
                   left join reports r on r.report_id = d.id left join report_versions v on v.report_id = d.id
                   where d.id in (select unnest(?::varchar[])) order by d.original_path""",
                [sorted({doc for doc, _ in withdrawn})]).fetchall()
    except (LockTimeout, WarehouseUnavailable) as e:
        console.print(f"[red]{escape(str(e))}[/red]")
        raise typer.Exit(1) from None
    for original, agency, year, status in rows:
        console.print(f"withdrawn: {escape(original)} ({escape(agency or 'agency unknown')}, {year or 'year unknown'}; "
                      f"was {status or 'not yet versioned'})")
    if not rows:
        raise typer.Exit(1)
    console.print("The next run (nianbao run) takes it into account: the checks place the report's other versions "
                  "again (VR-01), the marts and the snapshot are rebuilt.")


# `nianbao sql` reaches only the snapshot: no files, no other databases, no extensions, no settings. The
# configuration does most of it; the allow-list refuses what it lets through (temporary macros, tables
# and views, PIVOT's temporary types, LOAD of a built-in extension, CHECKPOINT) before anything runs.
SQL_READ_ONLY_CONFIG = {"enable_external_access": False, "allow_community_extensions": False,
                        "autoload_known_extensions": False, "autoinstall_known_extensions": False,
                        "lock_configuration": True}
SQL_READ_ONLY = ("nianbao sql is read-only: it runs only SELECT queries (and EXPLAIN of one) on the "
                 "published snapshot")


def _refused_statement(conn, query: str) -> str | None:
    """The first statement of `query` that is not a query, named (None when every one is a query)."""
    import re

    import duckdb

    for statement in conn.extract_statements(query):
        kinds = [statement.type]
        if statement.type == duckdb.StatementType.EXPLAIN:  # EXPLAIN ANALYZE runs what it explains
            inner = re.sub(r"(?is)^\s*explain\s+(\([^)]*\)\s*)?(analy[sz]e\s+)?", "", statement.query)
            kinds = [s.type for s in conn.extract_statements(inner)] if inner != statement.query else []
        if kinds != [duckdb.StatementType.SELECT]:
            words = (statement.query or query).split()  # PIVOT's generated CREATE has no text of its own
            kind = "/".join(k.name for k in kinds) or "EXPLAIN"
            return f"{words[0].upper() if words else '?'} (statement type {kind})"
    return None


def _exact(value):
    """A value as JSON shows it: numbers stay numbers, printed exactly (DECIMAL too, when a float holds it)."""
    from decimal import Decimal

    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        return float(value) if Decimal(repr(float(value))) == value else str(value)
    return value


def _cell(value) -> str:
    """A value as the table shows it: every digit that is stored (114.36, 123456.7), NULL for NULL."""
    if value is None:
        return "NULL"
    return repr(value) if isinstance(value, float) else str(value)


# A query may start with a comment ("-- 6. …"): it is the argument, not an unknown option
@app.command("sql", context_settings={"ignore_unknown_options": True})
def sql_command(
    query: Annotated[str, typer.Argument(help="The SQL to run, e.g. \"select * from mart_agency_year\"; "
                                              "- (or nothing) reads it from standard input.")] = "-",
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
    db: Annotated[Optional[Path], typer.Option(help="DuckDB file [default: the published snapshot, "
                                                    "data/published/nianbao.duckdb].")] = None,
) -> None:
    """Query the published snapshot, read-only (marts, reports, their cells and quality verdicts).

    Only SELECT queries (several, separated by `;`, print the last) and EXPLAIN of a SELECT run: statements
    that write, ATTACH, COPY, EXPORT, INSTALL/LOAD, SET/PRAGMA/RESET and temporary objects are refused, and
    so are file readers (read_csv, read_parquet, read_text, …) — the query sees the snapshot and nothing else.
    """
    import csv
    import io
    import json

    import duckdb
    from rich.table import Table
    from rich.text import Text

    path = db or Path(default_data_dir()) / "published" / "nianbao.duckdb"
    if not path.exists():
        console.print(f"[red]{path} does not exist: run `nianbao run` first[/red]")
        raise typer.Exit(2)
    if query == "-":
        if sys.stdin.isatty():
            console.print("[red]no query: give it as the argument, or pipe it in (nianbao sql < query.sql)[/red]")
            raise typer.Exit(2)
        query = sys.stdin.read()
    if fmt not in ("table", "csv", "json"):
        raise typer.BadParameter("choose table, csv or json", param_hint="--format")
    try:
        with duckdb.connect(str(path), read_only=True, config=SQL_READ_ONLY_CONFIG) as conn:
            if refused := _refused_statement(conn, query):
                console.print(f"[red]{SQL_READ_ONLY}; refused: {escape(refused)}. Nothing was run.[/red]")
                raise typer.Exit(1)
            cursor = conn.execute(query)
            columns = [d[0] for d in cursor.description or []]
            rows = cursor.fetchall() if columns else []
    except duckdb.PermissionException as e:
        console.print(f"[red]{SQL_READ_ONLY}; files, other databases and extensions are out of its reach "
                      f"({escape(str(e).splitlines()[0])})[/red]")
        raise typer.Exit(1) from e
    except duckdb.Error as e:
        console.print(f"[red]{type(e).__name__}: {escape(str(e))}[/red]")
        raise typer.Exit(1) from e
    if fmt == "json":
        print(json.dumps([{c: _exact(v) for c, v in zip(columns, r)} for r in rows], ensure_ascii=False,
                         default=str, indent=1))
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows(rows)
        print(out.getvalue(), end="")
    else:
        table = Table(show_lines=False)
        for c in columns:
            table.add_column(c)
        for r in rows:
            table.add_row(*(Text(_cell(v)) for v in r))  # Text: a value with [brackets] is not markup
        console.print(table)
        console.print(f"[dim]{len(rows)} rows[/dim]")


@app.command()
def report(out: Annotated[Optional[Path], typer.Option(help="Where to write the page [default: data/report.html].")]
           = None,
           db: Annotated[Optional[Path], typer.Option(help="Published snapshot [default: "
                                                           "data/published/nianbao.duckdb].")] = None) -> None:
    """Write a static HTML page with charts of the key indicators and of data quality (by year, level, region)."""
    from pipelines.marts.charts import write_report

    data = Path(default_data_dir())
    snapshot = db or data / "published" / "nianbao.duckdb"
    if not snapshot.exists():
        console.print(f"[red]{snapshot} does not exist: run `nianbao run` first[/red]")
        raise typer.Exit(2)
    path = write_report(snapshot, out or data / "report.html")
    console.print(f"report: [bold]{path}[/bold]")


@app.command()
def synth(count: Annotated[int, typer.Option("--count", "-n", min=1, help="How many documents.")] = 100,
          out: Annotated[Path, typer.Option(help="Output folder: documents in OUT/docs, gold records in OUT/gold.")]
          = Path("synth"),
          layouts: Annotated[Optional[list[str]], typer.Option("--layouts", help="Layouts to render (repeat the "
                             "option); default: every layout of spec §9.")] = None,
          seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same corpus.")] = 0,
          error_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help="Share of reports with an injected "
                                                        "error (recorded in the gold).")] = 0.0) -> None:
    """Generate synthetic reports of both templates in every layout, with gold records (the test corpus)."""
    from synth.cli import synth_command

    try:
        synth_command(count, out, layouts, seed, error_rate)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--layouts") from e


def main() -> None:  # pragma: no cover - console entry point
    app()
