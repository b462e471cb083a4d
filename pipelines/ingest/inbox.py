"""Scan an inbox folder and take each file in: store its bytes, detect its format, accept or reject it.

Pure of Dagster: `ingest_inbox` yields one `DocumentRow` per file found; the raw asset loads them.
Nothing found in the inbox is lost: a file that cannot be read, a symlink leading out of the inbox or
a special file is still a row, `rejected` with its reason.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import re
import stat
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from pipelines.ingest.encoding import decode_as
from pipelines.ingest.records import validate_record
from pipelines.ingest.sniff import sniff
from pipelines.ingest.store import StoreError, UnreadableSource, hash_file, prepare, put_file, read_head

ACCEPTED, REJECTED = "accepted", "rejected"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass
class DocumentRow:
    """One row of the `documents` table, without its first/last-seen timestamps."""

    id: str
    original_path: str
    original_name: str
    size_bytes: int | None
    format: str
    encoding: str | None
    status: str
    reason: str | None
    store_path: str | None
    mtime_ns: int | None = None  # of the inbox file when it was read: unchanged files are not read again


# printable path -> (size, mtime_ns, the document row it gave): what earlier runs read, by path
Known = dict[str, tuple[int, int, DocumentRow]]


def printable(name: str) -> str:
    """A file name as safe text: undecodable bytes and control characters escaped (\\xNN)."""
    raw = name.encode("utf-8", "surrogateescape")
    text = raw.decode("utf-8", "backslashreplace")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _skipped(name: str) -> bool:
    # Hidden files (.DS_Store, rsync's .part files) and Word's lock files (~$x.docx) are not documents.
    return name.startswith(".") or name.startswith("~$")


def _path_id(path: str) -> str:
    """Id of an entry whose bytes cannot be read: the hash of its path (there are no bytes to hash)."""
    return hashlib.sha256(b"unreadable\0" + os.fsencode(path)).hexdigest()


def _row(path: str, doc_id: str, size: int | None = None, stored: Path | None = None,
         status: str = ACCEPTED, reason: str | None = None) -> DocumentRow:
    return DocumentRow(id=doc_id, original_path=printable(path), original_name=printable(os.path.basename(path)),
                       size_bytes=size, format="unknown", encoding=None, status=status, reason=reason,
                       store_path=str(stored) if stored else None)


def _rejected_entry(path: str, reason: str) -> DocumentRow:
    return _row(path, _path_id(path), status=REJECTED, reason=reason)


def scan_inbox(inbox: str | Path, exclude: Iterable[str | Path] = ()) -> Iterator[tuple[str, str | None]]:
    """Yield (path, problem) for every entry of the inbox, sorted; problem is None for a regular file.

    The folders in `exclude` (the pipeline's data directory) are never entered, wherever they sit in the
    inbox: the pipeline's own files are no documents, and they change with every run."""
    root = os.path.realpath(inbox)
    excluded = {os.path.realpath(e) for e in exclude}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for d in list(dirnames):
            full = os.path.join(dirpath, d)
            if _skipped(d) or full in excluded:
                dirnames.remove(d)
            elif os.path.islink(full):
                target = os.path.realpath(full)
                if os.path.commonpath([root, target]) != root:
                    yield full, f"symlink_outside_inbox: links to a folder outside the inbox ({printable(target)})"
        for name in sorted(filenames):
            if _skipped(name):
                continue
            full = os.path.join(dirpath, name)
            try:
                if os.path.islink(full):
                    target = os.path.realpath(full)
                    if os.path.commonpath([root, target]) != root:
                        yield full, f"symlink_outside_inbox: links to a file outside the inbox ({printable(target)})"
                        continue
                mode = os.stat(full).st_mode
            except OSError as e:
                yield full, f"unreadable: {e.strerror or e} ({type(e).__name__})"
                continue
            if not stat.S_ISREG(mode):
                yield full, "not_a_regular_file: a device, socket or pipe, not a document"
                continue
            yield full, None


def _too_large(path: str, max_bytes: int, mtime_ns: int | None) -> DocumentRow:
    """A file over the size limit is hashed (its identity) and sniffed, but not copied into the store:
    its row says why, in constant memory and without filling the disk (a 1 GB file costs a read)."""
    sha, size = hash_file(path)
    row = _row(path, sha, size, status=REJECTED, reason=(
        f"too_large: {size / 2**20:.1f} MiB exceeds the {max_bytes / 2**20:.0f} MiB limit "
        "(NIANBAO_MAX_DOCUMENT_MB); not copied into the store"))
    head = sniff(read_head(path, 64 * 1024))
    row.format = head.format if head.reason is None else "unknown"
    row.mtime_ns = mtime_ns
    return row


def ingest_file(path: str, store_dir: str, max_bytes: int, mtime_ns: int | None = None) -> DocumentRow:
    """Store one file's bytes and decide, from the bytes alone, its format and whether it is accepted."""
    try:
        if os.path.getsize(path) > max_bytes:
            return _too_large(path, max_bytes, mtime_ns)
        sha, size, stored = put_file(store_dir, path)
    except UnreadableSource as e:
        return _rejected_entry(path, f"unreadable: {e}")
    except OSError as e:
        return _rejected_entry(path, f"unreadable: {e.strerror or e} ({type(e).__name__})")
    row = _row(path, sha, size, stored)
    row.mtime_ns = mtime_ns
    data = read_head(stored, size)
    found = sniff(data)
    row.format, row.encoding = found.format, found.encoding
    if found.reason:
        row.status, row.reason = REJECTED, found.reason
    elif found.format == "json_record":
        try:
            errors = validate_record(json.loads(decode_as(data, found.encoding or "utf-8")))
        except ValueError as e:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            errors = [f"not valid JSON text: {str(e)[:200]}"]
        if errors:
            more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
            row.status, row.reason = REJECTED, "json_schema: " + "; ".join(errors[:5]) + more
    return row


PARALLEL_FROM = 500  # files to read before the reading goes to worker processes
CHUNK_FILES = 100


def _ingest_one(path: str, store_dir: str, max_bytes: int, mtime_ns: int) -> DocumentRow:
    try:
        return ingest_file(path, store_dir, max_bytes, mtime_ns)
    except StoreError:
        raise
    except Exception as e:  # one file's surprise must not end the run: it is recorded and rejected
        return _rejected_entry(path, f"ingest_failed: {type(e).__name__}: {str(e)[:200]}")


def _ingest_chunk(items: list[tuple[str, int]], store_dir: str, max_bytes: int) -> list[DocumentRow]:
    return [_ingest_one(path, store_dir, max_bytes, mtime_ns) for path, mtime_ns in items]


def ingest_inbox(inbox: str | Path, store_dir: str, max_bytes: int, known: Known | None = None,
                 workers: int = 1, entries: list[tuple[str, str | None]] | None = None) -> Iterator[DocumentRow]:
    """Take in every file of the inbox; one `DocumentRow` per entry, problems included, in path order.
    `entries` is a scan already made (`scan_inbox`), by default the inbox is scanned now.

    A file whose path, size and modification time (nanoseconds) are those an earlier run read is not read
    again: its row is the one that run made (a changed file has a new mtime and is read, and becomes a new
    document if its bytes changed). Many new files are read by `workers` processes (hashing, copying and
    sniffing are CPU work; the store takes concurrent writers: every file lands by rename). A store that
    cannot be written raises `StoreError`: that is not a document's fault, and the run fails.
    """
    prepare(store_dir)
    known = known or {}
    found: list[tuple[str, DocumentRow | None, int]] = []  # (path, row if already known/rejected, mtime)
    for path, problem in scan_inbox(inbox) if entries is None else entries:
        if problem:
            found.append((path, _rejected_entry(path, problem), 0))
            continue
        try:
            st = os.stat(path)
        except OSError as e:
            found.append((path, _rejected_entry(path, f"unreadable: {e.strerror or e} ({type(e).__name__})"), 0))
            continue
        seen = known.get(printable(path))
        found.append((path, seen[2] if seen and seen[:2] == (st.st_size, st.st_mtime_ns) else None,
                      st.st_mtime_ns))
    todo = [(path, mtime) for path, row, mtime in found if row is None]
    if workers > 1 and len(todo) >= PARALLEL_FROM:
        chunks = [todo[i:i + CHUNK_FILES] for i in range(0, len(todo), CHUNK_FILES)]
        context = multiprocessing.get_context("forkserver")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            fresh = iter(row for rows in pool.map(_ingest_chunk, chunks, [store_dir] * len(chunks),
                                                   [max_bytes] * len(chunks)) for row in rows)
            yield from (row if row is not None else next(fresh) for _, row, _ in found)
        return
    for path, row, mtime in found:
        yield row if row is not None else _ingest_one(path, store_dir, max_bytes, mtime)
