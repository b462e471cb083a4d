"""One pipeline run at a time per data directory.

Every run that writes the warehouse holds an exclusive `flock` on `<data dir>/.nianbao.lock` from start to
end. A second run started meanwhile (a CLI run while the sensor's run is going, two terminals, a cron job)
waits for it, saying so in its log, and fails cleanly with that reason after NIANBAO_LOCK_WAIT_S. The
kernel drops the lock when the holder dies, even by `kill -9`, so a crash never leaves a stale lock.
`nianbao run` takes it before it opens Dagster's instance (two processes creating a new instance's
storage at once would race), and the run's resource then finds it already held by its own process.
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

import dagster as dg


class LockTimeout(Exception):
    pass


_HELD: set[str] = set()  # locks this process holds: taking one again (CLI, then the run's resource) nests


@contextmanager
def hold(path: Path, wait_s: float, on_wait=None, poll_s: float = 0.5):
    """Hold the exclusive lock on `path` for the block; wait for it up to `wait_s` seconds."""
    key = str(Path(path).resolve())
    if key in _HELD:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait_s
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
                if time.monotonic() >= deadline:
                    raise LockTimeout(f"another nianbao run (pid {holder}) has held {path} for more than "
                                      f"{wait_s:g} s (NIANBAO_LOCK_WAIT_S); this run did nothing") from None
                if on_wait and not told:
                    on_wait(f"another nianbao run (pid {holder}) holds {path}; waiting for it to finish")
                    told = True
                time.sleep(poll_s)
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        _HELD.add(key)
        try:
            yield
        finally:
            _HELD.discard(key)
    finally:
        os.close(fd)  # releases the lock


class RunLock(dg.ConfigurableResource):
    """The data directory's run lock, held for the whole run by every run that writes the warehouse."""

    path: str
    wait_s: float = 3600.0

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        log = context.log.warning if context.log else None
        try:
            with hold(Path(self.path), self.wait_s, on_wait=log):
                yield self
        except LockTimeout as e:
            raise dg.Failure(str(e)) from e
