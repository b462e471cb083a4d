"""Decoding in bounded worker processes: results, timeouts and memory limits become reasons, not crashes."""

from __future__ import annotations

import os

import badfiles
from pipelines.decode.guard import decode_many
from pipelines.decode.model import Decoded, DecodeError, Limits


def jobs(corpus_dir):
    return [
        ("pdf", str(corpus_dir / "pdf" / "huaian-city-2024.pdf"), "pdf", None),
        ("txt", str(corpus_dir / "samples" / "003_aab5423710c0abba.txt"), "text", "utf-8"),
        ("gone", str(corpus_dir / "no-such-file"), "text", "utf-8"),
    ]


def test_every_job_gets_an_outcome(corpus_dir):
    out = dict(decode_many(jobs(corpus_dir), Limits(), timeout_s=60, memory_mb=1536, workers=2))
    assert isinstance(out["pdf"], Decoded) and out["pdf"].pages == 6
    assert isinstance(out["txt"], Decoded) and "东亭镇" in out["txt"].text
    assert isinstance(out["gone"], DecodeError) and out["gone"].code == "decode_failed"


def test_timeout_rejects_the_document_and_the_pool_goes_on(corpus_dir):
    out = dict(decode_many(jobs(corpus_dir)[:2], Limits(), timeout_s=0.05, memory_mb=1536, workers=1))
    assert out["pdf"].code == "decode_timeout" and "NIANBAO_DECODE_TIMEOUT_S" in out["pdf"].message


def test_memory_limit_rejects_instead_of_exhausting_the_machine(tmp_path):
    # With the zip-bomb guard switched off, inflating 600 MiB must hit the worker's 300 MiB limit.
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(badfiles.zip_bomb_docx(600))
    no_guard = Limits(max_unzipped_bytes=10**12, max_zip_ratio=10**12)
    out = dict(decode_many([("bomb", str(bomb), "docx", None)], no_guard, timeout_s=60, memory_mb=300, workers=1))
    assert isinstance(out["bomb"], DecodeError)
    assert out["bomb"].code in {"decode_memory", "decode_crashed"}, out["bomb"].reason


def test_a_group_of_small_documents_that_hangs_is_decoded_again_one_by_one(tmp_path, corpus_dir):
    sample = str(corpus_dir / "samples" / "003_aab5423710c0abba.txt")
    fifo = tmp_path / "hangs.txt"
    os.mkfifo(fifo)  # small and of a text format, so grouped; reading it blocks for ever
    jobs = [(f"t{i}", sample, "text", "utf-8") for i in range(5)]
    jobs.insert(2, ("hangs", str(fifo), "text", "utf-8"))
    out = dict(decode_many(jobs, Limits(), timeout_s=3, memory_mb=1536, workers=2))
    assert out["hangs"].code == "decode_timeout"
    assert all(isinstance(out[f"t{i}"], Decoded) for i in range(5))
