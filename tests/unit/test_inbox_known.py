"""Re-runs read only what changed: a file with the path, size and mtime of an earlier read is not read."""

from __future__ import annotations

import os

from pipelines.ingest import inbox as inbox_module
from pipelines.ingest.inbox import ingest_inbox


def test_unchanged_files_are_not_read_again_changed_ones_are(tmp_path, monkeypatch):
    inbox, store = tmp_path / "inbox", tmp_path / "store"
    inbox.mkdir()
    (inbox / "a.txt").write_text("某县2023年政府信息公开工作年度报告 甲", encoding="utf-8")
    (inbox / "b.txt").write_text("某县2023年政府信息公开工作年度报告 乙", encoding="utf-8")
    first = list(ingest_inbox(inbox, str(store), 10**6))
    assert all(r.mtime_ns for r in first)
    known = {r.original_path: (r.size_bytes, r.mtime_ns, r) for r in first}

    read = []
    real = inbox_module.put_file
    monkeypatch.setattr(inbox_module, "put_file", lambda store_dir, path: read.append(path) or real(store_dir, path))
    assert [r.id for r in ingest_inbox(inbox, str(store), 10**6, known)] == [r.id for r in first]
    assert read == []

    b = inbox / "b.txt"
    b.write_text("某县2023年政府信息公开工作年度报告 丙", encoding="utf-8")  # same size, new bytes and mtime
    os.utime(b, ns=(b.stat().st_atime_ns, known[str(b)][1] + 1_000_000))
    again = list(ingest_inbox(inbox, str(store), 10**6, known))
    assert read == [str(b)]
    assert again[0].id == first[0].id and again[1].id != first[1].id


def test_reading_in_worker_processes_gives_the_same_rows_in_the_same_order(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(inbox_module.PARALLEL_FROM + 20):
        (inbox / f"{i:04d}.txt").write_text(f"某县{i}号政府信息公开工作年度报告", encoding="utf-8")
    (inbox / "empty.txt").write_bytes(b"")
    serial = list(ingest_inbox(inbox, str(tmp_path / "s1"), 10**6, workers=1))
    parallel = list(ingest_inbox(inbox, str(tmp_path / "s2"), 10**6, workers=2))
    strip = lambda rows: [(r.id, r.original_path, r.format, r.status, r.reason) for r in rows]  # noqa: E731
    assert strip(parallel) == strip(serial)
    assert len(serial) == inbox_module.PARALLEL_FROM + 21 and serial[-1].status == "rejected"
