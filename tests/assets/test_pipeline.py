"""End to end through real Dagster materialisations into a temporary DuckDB warehouse.

The inbox holds the five sample texts, the three real PDFs, a canonical JSON record, files with odd
names, and every kind of bad input of the foundation issue. Each bad input must be rejected with its
specific reason while everything else goes through, and nothing may be lost.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

import badfiles
from pipelines.definitions import runnable
from pipelines.partitions import ALL_SHARDS
from pipelines.resources import build_resources

BAD = {  # file name -> expected reason code
    "empty.txt": "empty_file",
    "junk.bin": "binary_data",
    "truncated.pdf": "pdf_truncated",
    "encrypted.pdf": "pdf_encrypted",
    "scan.pdf": "ocr_no_text",
    "bomb.docx": "docx_zip_bomb",
    "entities.docx": "docx_xml_entities",
    "malformed.docx": "docx_malformed_xml",
    "blank.html": "html_no_text",
    "entities.html": "html_entity_declaration",
    "bad-record.json": "json_schema",
    "huge.txt": "too_large",
    "bomb.pdf": "pdf_decompression_bomb",
    "pages.pdf": "pdf_too_many_pages",
    "deep.html": "html_too_deep",
    "absurd.json": "json_schema",
    "dangling.pdf": "unreadable",
    "pipe.txt": "not_a_regular_file",
    "outside.txt": "symlink_outside_inbox",
}
ODD_NAMES = ["报告 2021（定稿）.txt", "-starts-with-dash.txt", "new\nline.txt", "tab\there.txt", "报告..\\..\\etc passwd.txt",
             "'; drop table documents; --.txt", "$(touch pwned).txt",
             "ctl\x07bell.txt", os.fsdecode(b"latin1-\xe9\xff.txt"), "x" * 200 + ".txt"]


def build_inbox(inbox: Path, corpus: Path) -> None:
    inbox.mkdir()
    for f in sorted((corpus / "samples").glob("*.txt")):
        shutil.copy(f, inbox / f.name)
    pdfs = inbox / "pdf"
    pdfs.mkdir()
    for f in sorted((corpus / "pdf").glob("*.pdf")):
        shutil.copy(f, pdfs / f.name)
    shutil.copy(corpus / "gold" / "002_21970fde474fde16.json", inbox / "record.json")
    sample = (corpus / "samples" / "003_aab5423710c0abba.txt").read_bytes()
    for i, name in enumerate(ODD_NAMES):
        (inbox / os.fsencode(name).decode("utf-8", "surrogateescape")).write_bytes(sample + b"\n%d\n" % i)
    real_pdf = (corpus / "pdf" / "huaian-city-2024.pdf").read_bytes()
    bad = inbox / "bad"
    bad.mkdir()
    (bad / "empty.txt").write_bytes(b"")
    (bad / "junk.bin").write_bytes(badfiles.junk())
    (bad / "truncated.pdf").write_bytes(badfiles.truncated(real_pdf))
    (bad / "encrypted.pdf").write_bytes(badfiles.encrypted_pdf())
    (bad / "scan.pdf").write_bytes(badfiles.image_only_pdf())
    (bad / "bomb.docx").write_bytes(badfiles.zip_bomb_docx())
    (bad / "entities.docx").write_bytes(badfiles.entity_bomb_docx())
    (bad / "malformed.docx").write_bytes(badfiles.malformed_docx())
    (bad / "blank.html").write_bytes(badfiles.empty_html())
    (bad / "entities.html").write_bytes(badfiles.entity_bomb_html())
    (bad / "bad-record.json").write_bytes(badfiles.bad_json_record())
    badfiles.sparse_file(bad / "huge.txt", 1024 * 1024 * 1024)  # 1 GiB: hashed, never copied or decoded
    (bad / "bomb.pdf").write_bytes(badfiles.pdf_bomb())
    (bad / "pages.pdf").write_bytes(badfiles.many_pages_pdf())
    (bad / "deep.html").write_bytes(badfiles.deep_html())
    (bad / "absurd.json").write_bytes(badfiles.absurd_json_record())
    os.symlink(bad / "does-not-exist.pdf", bad / "dangling.pdf")
    os.mkfifo(bad / "pipe.txt")
    os.symlink("/etc/hostname", bad / "outside.txt")


def materialise(inbox: Path, warehouse: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize(runnable(), resources=build_resources(inbox=str(inbox), warehouse=str(warehouse)),
                          tags=ALL_SHARDS)


@pytest.fixture(scope="module")
def run_once(tmp_path_factory, corpus_dir):
    root = tmp_path_factory.mktemp("pipeline")
    inbox, warehouse = root / "inbox", root / "data" / "warehouse.duckdb"
    build_inbox(inbox, corpus_dir)
    result = materialise(inbox, warehouse)
    return inbox, warehouse, result


def query(warehouse: Path, sql: str, params=()):
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(sql, params).fetchall()


def test_run_succeeds_and_every_bad_input_is_rejected_with_its_reason(run_once):
    _, warehouse, result = run_once
    assert result.success
    rows = dict(query(warehouse, "select original_name, reason from documents where status = 'rejected'"))
    for name, code in BAD.items():
        assert name in rows, f"{name} missing from documents"
        assert rows[name].startswith(code + ":"), (name, rows[name])
    assert set(rows) == set(BAD), set(rows) ^ set(BAD)


def test_good_documents_are_accepted_with_format_from_the_bytes(run_once):
    _, warehouse, _ = run_once
    got = dict(query(warehouse, "select original_name, format || '/' || coalesce(encoding, '-') || '/' || status "
                                "from documents where status = 'accepted'"))
    for name in ["000_2f7257501bd8445e.txt", "001_2f212ad4ee3ae2a4.txt", "003_aab5423710c0abba.txt"]:
        assert got[name] == "text/utf-8/accepted"
    for name in ["hongze-district-2023.pdf", "hongze-district-2024.pdf", "huaian-city-2024.pdf"]:
        assert got[name] == "pdf/-/accepted"
    assert got["record.json"].startswith("json_record/utf-8")
    assert len(got) == 5 + 3 + 1 + len(ODD_NAMES)


def test_names_are_data_never_sql_or_commands(run_once):
    inbox, warehouse, _ = run_once
    names = {n for (n,) in query(warehouse, "select original_name from documents")}
    assert {"'; drop table documents; --.txt", "$(touch pwned).txt", "报告..\\..\\etc passwd.txt"} <= names
    assert not any(Path(".").glob("pwned")) and not any(inbox.rglob("pwned"))
    assert query(warehouse, "select count(*) from documents")[0][0] >= len(names)


def test_odd_file_names_are_kept_printable(run_once):
    _, warehouse, _ = run_once
    names = {n for (n,) in query(warehouse, "select original_name from documents")}
    assert "报告 2021（定稿）.txt" in names and "-starts-with-dash.txt" in names
    assert "new\\x0aline.txt" in names and "ctl\\x07bell.txt" in names
    assert "latin1-\\xe9\\xff.txt" in names


def test_every_stored_document_keeps_its_bytes(run_once):
    inbox, warehouse, _ = run_once
    rows = query(warehouse, "select id, store_path, size_bytes from documents where store_path is not null")
    # no bytes behind dangling, pipe and outside; the file over the size limit is hashed, not copied
    assert len(rows) == len(ODD_NAMES) + 9 + len(BAD) - 4
    import hashlib

    for doc_id, path, size in rows:
        assert os.path.getsize(path) == size
        if size < 10**7:
            assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == doc_id
        assert oct(os.stat(path).st_mode & 0o777) == "0o444"


def test_pdfs_decode_to_text_with_readable_tables(run_once):
    _, warehouse, _ = run_once
    rows = query(warehouse, """
        select d.original_name, t.text, t.pages, t.n_tables from document_text t join documents d on d.id = t.document_id
        where d.format = 'pdf'""")
    assert len(rows) == 3
    for name, text, pages, n_tables in rows:
        flat = "".join(text.split())
        # layout text keeps the columns: 结果/维持 stand on two lines, so test the single-line labels
        assert "政府信息公开" in flat and "行政复议" in flat and "本年新收" in flat, name
        assert pages >= 3 and n_tables >= 4, (name, pages, n_tables)
        t4 = query(warehouse, """
            select b.grid from document_blocks b join documents d on d.id = b.document_id
            where d.original_name = ? and b.kind = 'table' and list_contains(flatten(b.grid), '行政复议')""", [name])
        assert t4 and any("".join(c.split()) == "结果维持" for (g,) in t4 for row in g for c in row), name
    grids = query(warehouse, """
        select b.grid from document_blocks b join documents d on d.id = b.document_id
        where d.original_name = 'huaian-city-2024.pdf' and b.kind = 'table'""")
    cells = {c for (grid,) in grids for row in grid for c in row}
    assert "3119" in cells or any("3119" in c for c in cells)


def test_texts_keep_original_and_normalised(run_once):
    _, warehouse, _ = run_once
    ((text, original, flags),) = query(warehouse, """
        select t.text, t.original_text, t.flags from document_text t join documents d on d.id = t.document_id
        where d.original_name = '001_2f212ad4ee3ae2a4.txt'""")
    assert "鎮(zhèn)" in original and "XX镇2021年度政务公开工作自查报告" in text
    assert flags == ["pinyin_ruby", "traditional_script"]


def test_extracted_layer_has_a_report_per_accepted_document(run_once):
    _, warehouse, _ = run_once
    accepted = query(warehouse, "select count(*) from documents where status = 'accepted'")[0][0]
    assert query(warehouse, "select count(*) from reports") == [(accepted,)]
    by_name = dict(query(warehouse, """
        select d.original_name, r.doc_type || '/' || coalesce(r.template, '-') || '/' || coalesce(r.year::varchar, '-')
        from reports r join documents d on d.id = r.report_id"""))
    assert by_name["000_2f7257501bd8445e.txt"] == "annual_report/v2019/2020"
    assert by_name["001_2f212ad4ee3ae2a4.txt"] == "self_inspection/-/2021"
    assert by_name["huaian-city-2024.pdf"] == "annual_report/v2021/2024"
    assert by_name["record.json"] == "annual_report/v2021/2022"


def test_cells_match_gold_in_the_warehouse(run_once, corpus_dir):
    import json

    _, warehouse, _ = run_once
    for name, gold_name in [("hongze-district-2023.pdf", "hongze-district-2023"),
                            ("004_cb93c0191c209947.txt", "004_cb93c0191c209947")]:
        gold = json.loads((corpus_dir / "gold" / f"{gold_name}.json").read_text(encoding="utf-8"))
        rows = query(warehouse, """
            select c.table_key, c.row_key, c.col_key, c.value, c.semantic from report_cells c
            join documents d on d.id = c.report_id where d.original_name = ?""", [name])
        got = {(t, r, c): v for t, r, c, v, _ in rows}
        want = {(t, r, c): v for t, rs in gold["cells"].items() for r, cs in rs.items() for c, v in cs.items()}
        assert got == want, name
    # a placeholder is NULL with its semantic, never 0
    assert query(warehouse, """
        select c.value, c.value_raw, c.semantic from report_cells c join documents d on d.id = c.report_id
        where d.original_name = '000_2f7257501bd8445e.txt' and c.table_key = 't3_applications'
          and c.row_key = 'granted' and c.col_key = 'total'""") == [(None, "-", "NA")]


def test_narrative_claims_and_issues_are_loaded(run_once):
    _, warehouse, _ = run_once
    claims = query(warehouse, """
        select n.claim, n.value from narrative_claims n join documents d on d.id = n.report_id
        where d.original_name = '000_2f7257501bd8445e.txt' and n.claim = 'apps_received'""")
    assert claims == [("apps_received", 0.0)]
    assert query(warehouse, "select count(*) from extraction_issues")[0][0] > 0


# Last: it changes the inbox that the module's run shares.
def test_rerun_adds_nothing_changed_file_is_new_deleted_loses_nothing(run_once, tmp_path, corpus_dir):
    inbox, warehouse, _ = run_once
    snapshot = query(warehouse, "select id, status, reason from documents order by id")
    counts = """select (select count(*) from document_text), (select count(*) from document_blocks),
                       (select count(*) from reports), (select count(*) from report_cells),
                       (select count(*) from extraction_issues), (select count(*) from narrative_claims)"""
    before = query(warehouse, counts)
    assert materialise(inbox, warehouse).success
    assert query(warehouse, "select id, status, reason from documents order by id") == snapshot
    assert query(warehouse, counts) == before

    target = inbox / "000_2f7257501bd8445e.txt"
    (old_id,) = query(warehouse, "select id from documents where original_name = ?", [target.name])[0]
    target.write_bytes(target.read_bytes() + b"\n")
    os.unlink(inbox / "004_cb93c0191c209947.txt")
    assert materialise(inbox, warehouse).success
    after = query(warehouse, "select id, status, reason from documents order by id")
    assert len(after) == len(snapshot) + 1
    assert set(snapshot) <= set(after)
    names = [n for (n,) in query(warehouse, "select original_name from documents where original_name like '00%'")]
    assert names.count("000_2f7257501bd8445e.txt") == 2 and "004_cb93c0191c209947.txt" in names
    assert query(warehouse, "select count(*) from document_text where document_id = ?", [old_id]) == [(1,)]


def test_checks_layer_quarantines_and_localises(run_once):
    _, warehouse, _ = run_once
    quality = dict(query(warehouse, """select d.original_name, q.status from report_quality q
                                        join documents d on d.id = q.report_id"""))
    assert quality["hongze-district-2023.pdf"] == "quarantined"
    assert quality["001_2f212ad4ee3ae2a4.txt"] == "quarantined"
    assert quality["huaian-city-2024.pdf"] == "accepted" and quality["000_2f7257501bd8445e.txt"] == "accepted"
    failing = {(n, r) for n, r in query(warehouse, """select d.original_name, c.rule_id from check_results c
        join documents d on d.id = c.report_id where c.status = 'FAIL'""")}
    assert {("hongze-district-2023.pdf", "T4-01"), ("hongze-district-2023.pdf", "T4-03"),
            ("000_2f7257501bd8445e.txt", "NT-01")} <= failing
    assert query(warehouse, """select s.row_key, s.col_key, s.reported, s.suggested, s.is_unique from suspect_cells s
        join documents d on d.id = s.report_id where d.original_name = 'hongze-district-2023.pdf'
        and s.row_key = 'admin_review'""") == [("admin_review", "total", 0.0, 11.0, True)]
    assert (warehouse.parent / "quality_report.html").read_text(encoding="utf-8").count("T4-01") >= 2
