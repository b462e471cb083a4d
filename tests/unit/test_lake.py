"""The lake and its loader: per-shard Parquet files, loaded once, newest file wins, never duplicated."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from pipelines.decode.model import Block, Decoded, DecodeError
from pipelines.extract.record import extract_decoded
from pipelines.storage.lake import Lake, shard_of
from pipelines.storage.load import load_lake
from pipelines.extract.store import frames, pending_extraction
from pipelines.decode.store import decoded_frames, pending_decode, read_decoded
from pipelines.storage.warehouse import ensure_schema

AT = datetime(2026, 1, 1, tzinfo=timezone.utc)
TEXT = "某县人民政府2023年政府信息公开工作年度报告\n一、总体情况\n本年新收政府信息公开申请3件。\n"


def _decoded(text: str = TEXT) -> Decoded:
    return Decoded(text=text, original_text=text, decoder="plain", pages=None,
                   blocks=[Block(kind="paragraph", text=text, page=None, grid=None)])


@pytest.fixture
def lake(tmp_path: Path) -> Lake:
    return Lake(tmp_path / "lake")


@pytest.fixture
def conn(tmp_path: Path):
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(c)
    yield c
    c.close()


def _documents(conn, lake: Lake, ids: list[str]) -> None:
    for i in ids:
        conn.execute("insert into documents (id, status, format, store_path) values (?, 'accepted', 'text', ?)",
                     [i, f"/store/{i}"])
    lake.write_manifest([(i, f"/store/{i}", "text", "utf-8", "accepted") for i in ids])


def test_pending_work_is_per_shard_and_shrinks_as_files_are_written(lake, conn):
    ids = ["a" + "0" * 63, "a" + "1" * 63, "b" + "0" * 63]
    _documents(conn, lake, ids)
    assert [j[0] for j in pending_decode(lake, "a")] == ids[:2]
    assert [j[0] for j in pending_decode(lake, "b")] == ids[2:]
    lake.write(decoded_frames([(ids[0], _decoded()), (ids[1], DecodeError("pdf_encrypted", "password"))], AT), "a")
    assert pending_decode(lake, "a") == []  # decoded or rejected: neither is tried again
    [(name, pending)] = pending_extraction(lake, "a")
    assert pending == {ids[0]: "text"}
    decoded = read_decoded(lake, "a", name, set(pending))
    assert decoded[ids[0]].text == TEXT and decoded[ids[0]].blocks[0].kind == "paragraph"
    lake.write(frames([extract_decoded(ids[0], decoded[ids[0]], "text")], AT), "a")
    assert pending_extraction(lake, "a") == []


def test_load_copies_each_file_once_and_marks_decoder_rejections(lake, conn):
    ids = ["c" + "0" * 63, "c" + "1" * 63]
    _documents(conn, lake, ids)
    lake.write(decoded_frames([(ids[0], _decoded()), (ids[1], DecodeError("pdf_encrypted", "password"))], AT), "c")
    lake.write(frames([extract_decoded(ids[0], _decoded(), "text")], AT), "c")
    first = load_lake(conn, lake)
    assert (first.documents_decoded, first.documents_rejected, first.reports) == (1, 1, 1)
    snapshot = conn.execute("select count(*) from report_cells").fetchone()[0]
    again = load_lake(conn, lake)
    assert again.files == 0
    assert conn.execute("select count(*) from report_cells").fetchone()[0] == snapshot
    assert conn.execute("select status, reason from documents where id = ?", [ids[1]]).fetchone() == (
        "rejected", "pdf_encrypted: password")


def test_newest_file_wins_and_a_reload_after_a_crash_duplicates_nothing(lake, conn):
    doc = "d" + "0" * 63
    _documents(conn, lake, [doc])
    lake.write(decoded_frames([(doc, _decoded())], AT), "d")
    old = extract_decoded(doc, _decoded(), "text")
    old.agency = "旧名称"
    lake.write(frames([old], AT), "d")
    new = extract_decoded(doc, _decoded(), "text")
    new.agency = "新名称"
    lake.write(frames([new], AT + timedelta(days=1)), "d")
    load_lake(conn, lake)
    assert conn.execute("select agency from reports").fetchall() == [("新名称",)]
    cells = conn.execute("select count(*) from report_cells").fetchone()[0]
    # a crash after the rows went in but before the files were recorded: the next load replaces, not appends
    conn.execute("delete from lake_loaded")
    load_lake(conn, lake)
    assert conn.execute("select count(*) from reports").fetchone()[0] == 1
    assert conn.execute("select count(*) from report_cells").fetchone()[0] == cells
    assert conn.execute("select count(*) from document_text").fetchone()[0] == 1


def test_a_half_written_file_is_never_read(lake, conn):
    doc = "e" + "0" * 63
    _documents(conn, lake, [doc])
    directory = lake.shard_dir("document_text", shard_of(doc))
    directory.mkdir(parents=True)
    (directory / ".20260101T000000000000-deadbeef.parquet.tmp").write_bytes(b"PAR1 half")
    assert lake.parts("document_text") == []
    assert load_lake(conn, lake).files == 0


def test_a_batch_killed_between_its_files_is_never_half_read(lake, conn, monkeypatch):
    import pipelines.storage.lake as lake_module

    doc = "f" + "0" * 63
    _documents(conn, lake, [doc])
    lake.write(decoded_frames([(doc, _decoded())], AT), "f")
    written = []
    real = lake_module._write_atomically

    def dies_after_two(frame, target):
        if len(written) == 2:
            raise KeyboardInterrupt("killed")  # the process dies between two files of one batch
        written.append(target)
        real(frame, target)

    monkeypatch.setattr(lake_module, "_write_atomically", dies_after_two)
    with pytest.raises(KeyboardInterrupt):
        lake.write(frames([extract_decoded(doc, _decoded(), "text")], AT), "f")
    monkeypatch.setattr(lake_module, "_write_atomically", real)
    assert lake.parts("reports", "f") == []  # the file readers go by was not written: the batch is pending
    assert [name for name, _ in pending_extraction(lake, "f")]
    assert load_lake(conn, lake).reports == 0  # and the loader never meets a report without its cells
    lake.write(frames([extract_decoded(doc, _decoded(), "text")], AT), "f")
    assert load_lake(conn, lake).reports == 1
