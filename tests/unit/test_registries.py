"""Adding a mart, a decoder or a rule touches one place each (ARCHITECTURE.md): a throwaway one of each, added
in that one place only, goes through the real code — the mart is built, published and exported from a real
DuckDB warehouse, the decoder's documents are ingested, decoded and extracted, the rule is evaluated and
decided by Great Expectations on real extracted reports."""

from __future__ import annotations

import shutil
import zlib
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pytest

from conftest import load_records
from pipelines.extract.files import extract_file

AT = datetime(2026, 1, 1, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def records(corpus_dir: Path):
    """Real extracted reports: the corpus samples."""
    return [extract_file(p) for p in sorted((corpus_dir / "samples").glob("*.txt"))]


# --- a mart: one SQL file ---------------------------------------------------------------------------------------

THROWAWAY_MART = """\
-- mart: mart_cells_per_table
-- grain: one row per table of the templates
-- description: How many cells the accepted and quarantined reports hold per table, and how many of them are
--   numbers (a throwaway mart of the registry test).
-- 说明: 各表单元格数及其中数字的个数
--   （注册表测试用的临时数据集市）。
-- preview: table_key, cells, numbers
--
-- Any comment may follow the header.
create or replace table mart_cells_per_table as
select table_key, count(*) as cells, count(value) as numbers from report_cells group by table_key;
"""
# named to sort before the mart it reads: it is built after it all the same
READER_MART = """\
-- mart: mart_cells_share
-- grain: one row per table of the templates
-- description: Each table's share of all cells.
-- 说明: 各表单元格占比。
--
create or replace table mart_cells_share as
select table_key, cells / sum(cells) over () as share from mart_cells_per_table;
"""


@pytest.fixture()
def marts_dir(tmp_path, monkeypatch):
    """The real marts' folder, copied, in place of the real one."""
    import pipelines.marts.build as build

    sql = tmp_path / "sql"
    shutil.copytree(build.MARTS_SQL, sql)
    monkeypatch.setattr(build, "MARTS_SQL", sql)
    return sql


def test_a_mart_is_one_sql_file_built_published_and_exported(tmp_path, marts_dir, records):
    import pipelines.marts.build as build
    from assets.marts import mart_spec
    from pipelines.storage.warehouse import ensure_schema

    (marts_dir / "zz_cells_per_table.sql").write_text(THROWAWAY_MART, encoding="utf-8")
    (marts_dir / "aa_cells_share.sql").write_text(READER_MART, encoding="utf-8")
    order = [m.name for m in build.registry()]
    assert order.index("mart_cells_per_table") < order.index("mart_cells_share")
    assert order.index("mart_agency_year") < order.index("mart_region_level_year")
    assert set(build.MARTS) < set(order)  # the real ones are all still there

    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as conn:
        ensure_schema(conn)
        load_records(conn, records, AT)
        expected = sorted(conn.execute("select table_key, count(*), count(value) from report_cells "
                                       "group by table_key").fetchall())
        counts = build.build_marts(conn)
        assert counts["mart_cells_per_table"] == len(expected) > 3
        assert counts["mart_cells_share"] == len(expected)
        snapshot = build.publish(conn, tmp_path / "published")
    with duckdb.connect(str(snapshot), read_only=True) as snap:
        assert sorted(snap.execute("select * from mart_cells_per_table").fetchall()) == expected
        assert snap.execute("select round(sum(share), 9) from mart_cells_share").fetchone() == (1.0,)
    files = {f.name for f in build.export(snapshot, tmp_path / "exports")}
    assert {"mart_cells_per_table.parquet", "mart_cells_per_table.csv", "mart_cells_share.csv"} <= files

    [entry] = [m for m in build.registry() if m.name == "mart_cells_per_table"]
    assert entry.preview == ("table_key", "cells", "numbers")
    assert entry.description.endswith("how many of them are numbers (a throwaway mart of the registry test).")
    assert entry.description_zh == "各表单元格数及其中数字的个数（注册表测试用的临时数据集市）。"
    spec = mart_spec(entry)
    assert spec.key.path == ["marts", "mart_cells_per_table"] and "各表单元格数" in spec.description


def test_a_mart_file_without_its_header_is_refused_by_name(marts_dir):
    import pipelines.marts.build as build

    (marts_dir / "broken.sql").write_text(THROWAWAY_MART.replace("-- 说明: 各表单元格数及其中数字的个数\n"
                                                                 "--   （注册表测试用的临时数据集市）。\n", ""),
                                          encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.sql: the header lacks description_zh"):
        build.registry()
    (marts_dir / "broken.sql").write_text(THROWAWAY_MART.replace("create or replace table mart_cells_per_table",
                                                                 "create or replace table mart_other"),
                                          encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.sql: creates no table mart_cells_per_table"):
        build.registry()


# --- a decoder: one registration ----------------------------------------------------------------------------------

MAGIC = b"\x00NBZ\x01"  # a made-up binary format: these bytes, then a text compressed with zlib


@pytest.fixture()
def throwaway_decoder():
    from pipelines.decode import registry
    from pipelines.decode.normalise import finish
    from pipelines.decode.plain import text_blocks

    @registry.decoder("nbz", extensions=(".nbz",), magic=(MAGIC,))
    def decode_nbz(data: bytes) -> object:
        return finish(zlib.decompress(data[len(MAGIC):]).decode("utf-8"), text_blocks, "nbz")

    yield decode_nbz
    registry.unregister("nbz")


def test_a_decoder_is_one_registration(tmp_path, corpus_dir, throwaway_decoder):
    from pipelines.decode.dispatch import decode_document
    from pipelines.decode.model import Limits
    from pipelines.extract.record import extract_decoded
    from pipelines.ingest.inbox import ingest_inbox

    sample = sorted((corpus_dir / "samples").glob("*.txt"))[0]
    packed = tmp_path / "inbox" / "report.nbz"
    packed.parent.mkdir()
    packed.write_bytes(MAGIC + zlib.compress(sample.read_bytes()))

    [row] = ingest_inbox(packed.parent, str(tmp_path / "store"), 50 << 20)  # ingest: stored, format sniffed
    assert (row.format, row.status, row.reason) == ("nbz", "accepted", None)
    stored = Path(row.store_path).read_bytes()
    decoded = decode_document(stored, row.format, row.encoding, Limits())
    assert decoded.decoder == "nbz"
    record = extract_decoded(row.id, decoded, row.format)
    plain = extract_file(sample)  # the same report as the plain text it is
    assert record.doc_type == "annual_report" and record.cells == plain.cells and record.agency == plain.agency
    assert record.source_format == plain.source_format  # no layout registered: told from the text


def test_without_its_registration_the_format_is_refused(tmp_path):
    from pipelines.decode.dispatch import decode_document
    from pipelines.decode.model import DecodeError, Limits
    from pipelines.ingest.sniff import sniff

    data = MAGIC + zlib.compress("政府信息公开工作年度报告".encode())
    assert sniff(data).format == "unknown" and sniff(data).reason.startswith("binary_data")
    with pytest.raises(DecodeError, match="unsupported_format"):
        decode_document(data, "nbz", None, Limits())


def test_the_built_in_decoders_are_registered():
    from pipelines.decode import registry

    found = registry.formats()
    assert set(found) == {"pdf", "docx", "html", "text", "markdown", "json_record", "image"}
    assert {n for n, f in found.items() if f.grids} == {"pdf", "docx", "html"}
    assert {n: f.layout for n, f in found.items() if f.layout} == {"pdf": "pdf", "docx": "docx", "html": "html_table"}
    with pytest.raises(ValueError, match="has a decoder already"):
        registry.decoder("pdf")(lambda data: None)


# --- a rule: one YAML entry -----------------------------------------------------------------------------------------

THROWAWAY_SUITE = """\
suite: throwaway
target: [extracted, reports]
rules:
  - id: ZZ-01
    severity: soft
    zh: 自然人一列：新收申请数等于上年结转数（注册表测试用的临时规则，多半不成立）
    en: natural persons' new applications equal those carried over (a throwaway rule; it mostly fails)
    tolerance: 0
    kind: sum
    table: t3_applications
    lhs: [new_received.natural_person]
    rhs: [carried_over_in.natural_person]
"""


def test_a_rule_is_one_yaml_entry(tmp_path, monkeypatch, records):
    from pipelines.quality import suites
    from pipelines.quality.data import from_record
    from pipelines.quality.run import check_reports

    expectations = tmp_path / "expectations"
    shutil.copytree(suites.EXPECTATIONS_DIR / "extracted", expectations / "extracted")
    (expectations / "extracted" / "throwaway.yml").write_text(THROWAWAY_SUITE, encoding="utf-8")
    monkeypatch.setattr(suites, "EXPECTATIONS_DIR", expectations)
    suites.suites.cache_clear()
    try:
        assert "ZZ-01" in {r.id for r in suites.rules()}
        reports = [from_record(r) for r in records if r.doc_type == "annual_report"]
        outcome = check_reports(reports)
    finally:
        suites.suites.cache_clear()
    mine = {r.report_id: r for r in outcome.results if r.rule_id == "ZZ-01"}
    assert set(mine) == {r.report_id for r in reports}
    failing = set()
    for record in records:
        if record.doc_type != "annual_report":
            continue
        t3 = record.cells["t3_applications"]
        new, carried = t3["new_received"]["natural_person"].value, t3["carried_over_in"]["natural_person"].value
        result = mine[record.report_id]
        assert result.status == ("PASS" if (new or 0) == (carried or 0) else "FAIL"), (record.report_id, result)
        if result.status == "FAIL":
            failing.add(record.report_id)
    assert failing, "the throwaway rule should fail on some real report"
    verdicts = {v.report_id: v for v in outcome.verdicts}
    for report_id in failing:  # a soft warning of the verdict (a soft rule: it quarantines nothing)
        soft = {r.rule_id for r in outcome.results
                if r.report_id == report_id and r.status == "FAIL" and r.severity == "soft"}
        assert "ZZ-01" in soft and verdicts[report_id].soft_warnings == len(soft)
