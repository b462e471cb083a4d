"""Great Expectations in a process of its own, started when the run starts.

Importing GX (with pandas, SciPy and every core expectation) and opening its file context takes about 3 s. A
run imported it when its checks began, so a run of a few new documents spent half its checks waiting for an
import. This process imports it on the machine's other core while the run ingests, decodes, extracts and
loads; the checks then ask it to validate, prune the stored results and build the Data Docs, and the guard to
read the stored results — the functions of `gx.py`, called by name, their arguments and results pickled (the
residual tables as Parquet files DuckDB wrote, the results as plain data: the run's process never imports GX).

`GxProcess.api()` answers like the `gx` module itself: the stage takes either (`run_checks(..., gx_api=...)`).
A process that died or could not start is replaced by GX in the calling process, with a warning: the checks
are never skipped.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from pathlib import Path
from typing import Any

from pipelines.quality import gx

log = logging.getLogger(__name__)

# the gx functions the process serves (the others need no GX, or are not asked of a run)
SERVED = ("open_context", "validate_tables", "prune", "build_docs", "stored_outcomes")


def _serve(root: str, conn) -> None:
    try:
        gx.open_context(root)  # the import and the context, while the run's first steps go on
    except Exception as e:  # noqa: BLE001 - said to the caller at its first request
        failure: Exception | None = e
    else:
        failure = None
    while True:
        try:
            request = conn.recv()
        except EOFError:  # the run's process is gone
            return
        if request is None:
            return
        name, args, kwargs = request
        try:
            if failure is not None:
                raise failure
            conn.send((True, getattr(gx, name)(*args, **kwargs)))
        except Exception as e:  # noqa: BLE001 - raised again in the caller
            conn.send((False, e))


class GxProcess:
    """A process that imports GX and opens the file context under `root` as soon as it starts."""

    def __init__(self, root: str | Path):
        self.root = str(Path(root).resolve())
        # forkserver: a clean process, not a fork of a threaded Dagster run (as the checks workers)
        context = multiprocessing.get_context("forkserver")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(self.root, child), daemon=True,
                                        name="nianbao-great-expectations")
        self._process.start()
        child.close()
        self._lock = threading.Lock()  # one request at a time on the pipe

    def call(self, name: str, *args, **kwargs) -> Any:
        """gx.<name>(*args, **kwargs) in the process: its result, or its exception raised here."""
        if name not in SERVED:
            raise ValueError(f"gx.{name} is not served by the GX process")
        with self._lock:
            self._conn.send((name, args, kwargs))
            ok, value = self._conn.recv()
        if not ok:
            raise value
        return value

    def api(self) -> "_Api":
        return _Api(self)

    def alive(self) -> bool:
        return self._process.is_alive()

    def close(self) -> None:
        if self._process.is_alive():
            try:
                self._conn.send(None)
            except (BrokenPipeError, OSError):
                pass
            self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._conn.close()


class _Api:
    """The `gx` module's functions, the served ones run in the GX process: what `run_checks` and
    `hard_rule_guard` call. A process that is gone (killed, out of memory) leaves the work to GX in this
    process."""

    def __init__(self, process: GxProcess):
        self._process = process

    def __getattr__(self, name: str):
        local = getattr(gx, name)
        if name not in SERVED:
            return local

        def served(*args, **kwargs):
            if self._process.alive():
                try:
                    return self._process.call(name, *args, **kwargs)
                except (EOFError, BrokenPipeError, ConnectionResetError) as e:
                    log.warning("the Great Expectations process is gone (%s); GX runs in this process", e)
            else:
                log.warning("the Great Expectations process is gone; GX runs in this process")
            return local(*args, **kwargs)

        return served
