"""Property-based tests (hypothesis): whatever bytes or text come in, no exception escapes a decoder or the
extractor; a document that cannot be read is a `DecodeError` with a stable code (→ `rejected` with that
reason); every record the extractor returns fits the contract's schema.

Binary formats (PDF, DOCX) are fuzzed by mutating real documents and decoding them through the same
guarded worker pool the pipeline uses (a parser stuck or crashing on a mutation is one rejected document).
"""

from __future__ import annotations

import io
import math
import zipfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import badfiles
from pipelines.contract import TEMPLATE_TABLES
from pipelines.decode.dispatch import decode_document
from pipelines.decode.guard import decode_many
from pipelines.decode.model import Decoded, DecodeError, Limits
from pipelines.extract.record import extract_decoded
from pipelines.ingest.records import validate_record
from pipelines.ingest.sniff import sniff

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CODE = r"^[a-z][a-z0-9_]+$"

# Text made of what reports are made of: template labels, figures, placeholders, layout characters.
LABELS = sorted({label for spec in TEMPLATE_TABLES.values() for t in spec.values() for label in (*t.rows, *t.cols)})
WORDS = ["政府信息公开工作年度报告", "人民政府", "本年新收政府信息公开申请", "件", "万元", "总计", "第二十条第(一)项",
         "信息内容", "本年制发件数", "本年新制作数量", "行政复议", "行政诉讼", "予以公开", "2023年", "2020年12月31日",
         "一、", "(七)", "——", "/", "无", "0", "12", "3.5", "-4", "1,234", "。", ",", "|", "\t", "\n", "  ", "    "]
pieces = st.one_of(st.sampled_from(WORDS), st.sampled_from(LABELS), st.integers(-10**13, 10**13).map(str),
                   st.text(max_size=6))
report_like_text = st.lists(pieces, max_size=400).map("".join)


def _assert_outcome(outcome: object) -> None:
    if isinstance(outcome, DecodeError):
        assert outcome.code and outcome.message
        assert __import__("re").match(CODE, outcome.code), outcome.code
    else:
        assert isinstance(outcome, Decoded) and isinstance(outcome.text, str)


def _decode(data: bytes, fmt: str, encoding: str | None = None) -> object:
    try:
        return decode_document(data, fmt, encoding, Limits())
    except DecodeError as e:
        return e


@FUZZ
@given(st.binary(max_size=4096))
def test_sniffing_any_bytes_never_raises(data):
    found = sniff(data)
    assert found.format in ("pdf", "docx", "html", "text", "markdown", "json_record", "image", "unknown")
    assert found.reason is None or found.reason.strip()


@FUZZ
@given(st.one_of(st.binary(max_size=4096), report_like_text.map(lambda t: t.encode("utf-8"))),
       st.sampled_from(["text", "markdown", "html", "json_record"]),
       st.sampled_from([None, "utf-8", "gb18030", "big5", "utf-16-le"]))
def test_text_decoders_take_any_bytes(data, fmt, encoding):
    _assert_outcome(_decode(data, fmt, encoding))


@FUZZ
@given(st.recursive(st.sampled_from(["", "表", "12", "<br>", "&amp;", "&#x4e00;", "&bogus;"]),
                    lambda inner: st.tuples(st.sampled_from(["div", "table", "tr", "td", "p", "span", "b", "x:y"]),
                                            st.lists(inner, max_size=4)).map(
                        lambda t: f"<{t[0]}>{''.join(t[1])}</{t[0]}>"), max_leaves=60),
       st.integers(0, 2000))
def test_html_of_any_shape_and_depth_decodes_or_is_rejected(body, depth):
    html = "<html><body>" + "<div>" * depth + body + "</div>" * depth + "</body></html>"
    outcome = _decode(html.encode(), "html")
    _assert_outcome(outcome)
    if depth > Limits().max_html_depth:
        assert isinstance(outcome, DecodeError) and outcome.code == "html_too_deep"


def _mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    out = bytearray(data)
    for position, cut, insert in edits:
        at = position % (len(out) + 1)
        out[at:at + cut] = insert
    return bytes(out)


edits = st.lists(st.tuples(st.integers(0, 10**7), st.integers(0, 64), st.binary(max_size=16)), min_size=1, max_size=6)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                        HealthCheck.function_scoped_fixture])
@given(st.lists(edits, min_size=8, max_size=8))
def test_mutated_pdfs_through_the_guarded_pool_are_decoded_or_rejected(tmp_path_factory, shared_dir, mutations):
    base = (shared_dir / "corpus" / "pdf" / "huaian-city-2024.pdf").read_bytes()
    folder = tmp_path_factory.mktemp("pdf")
    jobs = []
    for i, m in enumerate(mutations):
        path = folder / f"{i}.pdf"
        path.write_bytes(_mutate(base, m))
        jobs.append((str(i), str(path), "pdf", None))
    outcomes = dict(decode_many(jobs, Limits(), timeout_s=60, memory_mb=1536, workers=2))
    assert set(outcomes) == {str(i) for i in range(len(jobs))}  # every document comes back, none lost
    for outcome in outcomes.values():
        _assert_outcome(outcome)


def _docx(paragraphs: list[str], table: list[list[str]]) -> bytes:
    import docx

    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    if table and table[0]:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row[:len(table[0])]):
                grid.cell(r, c).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


safe_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=30)


@settings(max_examples=40, deadline=None)
@given(st.lists(safe_text, max_size=5), st.lists(st.lists(safe_text, min_size=3, max_size=3), max_size=4))
def test_generated_docx_decodes(paragraphs, table):
    outcome = _decode(_docx(paragraphs, table), "docx")
    _assert_outcome(outcome)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edits, min_size=8, max_size=8), st.sampled_from(["word/document.xml", "[Content_Types].xml"]))
def test_mutated_docx_parts_are_decoded_or_rejected(tmp_path_factory, mutations, member):
    base = _docx(["某县2023年政府信息公开工作年度报告", "一、总体情况"], [["信息内容", "本年制发件数"], ["规章", "3"]])
    folder = tmp_path_factory.mktemp("docx")
    jobs = []
    for i, m in enumerate(mutations):
        source = zipfile.ZipFile(io.BytesIO(base))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for info in source.infolist():
                data = source.read(info)
                z.writestr(info, _mutate(data, m) if info.filename == member else data)
        path = folder / f"{i}.docx"
        path.write_bytes(_mutate(out.getvalue(), m[:1]) if i % 2 else out.getvalue())
        jobs.append((str(i), str(path), "docx", None))
    outcomes = dict(decode_many(jobs, Limits(), timeout_s=60, memory_mb=1536, workers=2))
    assert set(outcomes) == {str(i) for i in range(len(jobs))}
    for outcome in outcomes.values():
        _assert_outcome(outcome)


def _assert_contract(record) -> None:
    data = record.to_json()
    assert validate_record({"template": data["template"], "cells": data["cells"]}) == []
    for rows in data["cells"].values():
        for cols in rows.values():
            for value in cols.values():
                assert value is None or (isinstance(value, (int, float)) and math.isfinite(value))
    assert record.status in ("extracted", "partial", "no_tables", "failed")
    assert data["doc_type"] in ("annual_report", "self_inspection", "work_summary", "notice", "not_a_report")
    assert data["year"] is None or 1990 <= data["year"] <= 2100
    for issue in record.issues:
        assert issue["severity"] in ("error", "warning", "info") and issue["code"] and issue["message"]


@FUZZ
@given(report_like_text)
def test_extracting_any_text_gives_a_record_of_the_contract(text):
    decoded = Decoded(text=text, original_text=text, blocks=[], decoder="plain")
    record = extract_decoded("f" * 64, decoded, "text")
    _assert_contract(record)


@FUZZ
@given(st.lists(st.lists(st.one_of(st.sampled_from(LABELS), st.integers(-5, 10**9).map(str), st.sampled_from(
    ["", "-", "/", "无", "1.5万元", "12件"])), min_size=1, max_size=9), max_size=40))
def test_extracting_any_table_grid_gives_a_record_of_the_contract(grid):
    text = "某区人民政府2023年政府信息公开工作年度报告\n" + "\n".join("\t".join(row) for row in grid)
    decoded = Decoded(text=text, original_text=text, blocks=[], decoder="plain")
    record = extract_decoded("e" * 64, decoded, "text")  # an exception fails the test, it is not a status
    _assert_contract(record)
    assert record.status != "failed"


def test_the_fuzzers_reach_real_decoding(shared_dir):
    # guard against a fuzzer that only ever exercises the rejection path
    pdf = (shared_dir / "corpus" / "pdf" / "huaian-city-2024.pdf").read_bytes()
    assert isinstance(_decode(pdf, "pdf"), Decoded)
    assert isinstance(_decode(_docx(["年度报告"], [["a", "b", "c"]]), "docx"), Decoded)
    assert isinstance(_decode(badfiles.truncated(pdf), "pdf"), DecodeError)
