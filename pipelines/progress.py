"""Progress of long work (documents ingested, decoded, extracted, checked), on the user's terminal.

The stages run inside Dagster steps, whose stderr Dagster's compute-log capture takes (and in other processes:
a shard run, a step of the multiprocess executor, a worker pool). So they do not draw: they append small
events (JSON lines: stage, total, done) to a progress channel, a file named by NIANBAO_PROGRESS, which
`nianbao run` and `nianbao fanout` create when their stderr is a terminal and render with rich from a thread
on that terminal (a copy of the descriptor taken before any capture). Without the channel (not a terminal,
the UI, the sensor) stages write nothing, and `progress` draws its own bar only when stderr is a terminal.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, ProgressColumn, TextColumn, TimeElapsedColumn)
from rich.text import Text

T = TypeVar("T")

ENV = "NIANBAO_PROGRESS"
EVERY_S = 0.2  # at most this often a source reports its count (and always at its end)

# stage → (Chinese label, what is counted)
STAGES = {"ingest": ("收取", "files ingested"), "decode": ("解码", "documents decoded"),
          "extract": ("抽取", "documents extracted"), "check": ("校验", "report batches checked")}


def _emit(event: dict) -> None:
    """Append one event to the channel (one write of one line: lines of several processes never mix)."""
    path = os.environ.get(ENV)
    if not path:
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    except OSError:  # the channel is gone (the CLI ended): progress is not worth failing a run
        return
    try:
        os.write(fd, (json.dumps(event, ensure_ascii=False) + "\n").encode())
    except OSError:
        pass
    finally:
        os.close(fd)


def tick(stage: str, n: int = 1) -> None:
    """`n` more units of `stage` done, from wherever the work happens (a worker process): live counts between
    the coordinating process's own reports."""
    if os.environ.get(ENV):
        _emit({"stage": stage, "tick": n})


def progress(items: Iterable[T], label: str, total: int | None = None,
             weight: Callable[[T], int] | None = None) -> Iterator[T]:
    """Iterate `items`, reporting `label`'s progress: to the progress channel when there is one (each item
    counts `weight(item)` units, 1 by default), else as a bar on stderr when it is a terminal."""
    if os.environ.get(ENV):
        yield from _reported(items, label, total, weight)
        return
    if not sys.stderr.isatty():
        yield from items
        return
    columns = [TextColumn(f"[bold]{label}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        for item in items:
            yield item
            bar.advance(task, weight(item) if weight else 1)


def _reported(items: Iterable[T], label: str, total: int | None, weight: Callable[[T], int] | None) -> Iterator[T]:
    source = f"{os.getpid()}:{id(items)}:{time.monotonic()}"
    _emit({"stage": label, "src": source, "total": total, "done": 0})
    done, last = 0, time.monotonic()
    try:
        for item in items:
            yield item
            done += weight(item) if weight else 1
            if time.monotonic() - last >= EVERY_S:
                _emit({"stage": label, "src": source, "done": done})
                last = time.monotonic()
    finally:
        _emit({"stage": label, "src": source, "done": done, "end": True})


@dataclass
class _Stage:
    totals: dict = field(default_factory=dict)   # source → its total
    done: dict = field(default_factory=dict)     # source → units it reported done
    ended: set = field(default_factory=set)
    ticks: int = 0                               # units the workers reported one by one
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    def total(self) -> int | None:
        return sum(self.totals.values()) if all(t is not None for t in self.totals.values()) else None

    def completed(self) -> int:
        reported = sum(self.done.values())
        if len(self.ended) == len(self.totals):  # every source said it ended: its own counts are exact
            return reported
        total = self.total()
        live = max(reported, self.ticks)
        return min(live, total) if total is not None else live


class _Rate(ProgressColumn):
    """Units per second since the stage started (steadier than a window over a few coarse reports)."""

    def render(self, task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        return Text(f"{task.completed / elapsed:,.1f}/s" if elapsed else "", style="progress.data.speed")


class Channel:
    """The CLI's end of the channel: a thread that reads the events and draws one bar per stage."""

    def __init__(self, path: str, terminal: Console):
        self.path, self.console = path, terminal
        self.stages: dict[str, _Stage] = {}
        self.tasks: dict[str, int] = {}
        self.bars = Progress(TextColumn("[bold]{task.fields[zh]}"), TextColumn("{task.fields[what]}"), BarColumn(),
                             MofNCompleteColumn(), _Rate(), TimeElapsedColumn(), console=terminal, transient=True)
        self.stop = threading.Event()
        self.offset, self.rest = 0, b""
        self.thread = threading.Thread(target=self._loop, name="nianbao-progress", daemon=True)

    def print(self, *args, **kwargs) -> None:
        """Print above the bars (a line of the CLI's own while they are drawn)."""
        self.bars.console.print(*args, **kwargs)

    def _read(self) -> None:
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        *lines, self.rest = (self.rest + data).split(b"\n")
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            stage = self.stages.setdefault(event["stage"], _Stage())
            if "tick" in event:
                stage.ticks += event["tick"]
                continue
            src = event["src"]
            if "total" in event:
                stage.totals[src] = event["total"]
            stage.done[src] = event.get("done", 0)
            if event.get("end"):
                stage.ended.add(src)
                if len(stage.ended) == len(stage.totals):
                    stage.finished = time.monotonic()
                else:
                    stage.finished = None
            else:
                stage.finished = None

    def _draw(self) -> None:
        for name, stage in self.stages.items():
            if not stage.totals:
                continue
            if name not in self.tasks:
                zh, what = STAGES.get(name, (name, "done"))
                self.tasks[name] = self.bars.add_task(name, total=stage.total(), zh=zh, what=what)
            self.bars.update(self.tasks[name], total=stage.total(), completed=stage.completed())

    def _loop(self) -> None:
        while not self.stop.wait(0.1):
            try:
                self._read()
                self._draw()
            except Exception:  # noqa: BLE001 - drawing must never end a run
                pass

    def __enter__(self) -> "Channel":
        self.bars.start()
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(5)
        try:
            self._read()
            self._draw()
        except Exception:  # noqa: BLE001
            pass
        self.bars.stop()
        for name, stage in self.stages.items():  # what each stage did, kept on the screen
            if not stage.totals:
                continue
            zh, what = STAGES.get(name, (name, "done"))
            seconds = (stage.finished or time.monotonic()) - stage.started
            done = stage.completed()
            rate = f" ({done / seconds:,.1f}/s)" if seconds >= 0.05 else ""
            self.console.print(f"{zh} {done:,} {what} in {seconds:.1f} s{rate}")


@contextmanager
def channel() -> Iterator[Channel | None]:
    """While the CLI runs the pipeline: a progress channel drawn on its terminal (stderr), or None when stderr
    is not a terminal (or a channel is already open: an enclosing command draws it)."""
    if os.environ.get(ENV) or not os.isatty(2):
        yield None
        return
    fd, path = tempfile.mkstemp(prefix="nianbao-progress-", suffix=".jsonl")
    os.close(fd)
    # the terminal itself, not fd 2: Dagster's capture of a step's output in this process redirects fd 2
    terminal = Console(file=os.fdopen(os.dup(2), "w", encoding="utf-8", errors="replace"), force_terminal=True)
    os.environ[ENV] = path
    try:
        with Channel(path, terminal) as ch:
            yield ch
    finally:
        os.environ.pop(ENV, None)
        try:
            os.unlink(path)
        except OSError:
            pass
        terminal.file.close()
