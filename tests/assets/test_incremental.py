"""Incremental runs through real materialisations: only new documents are decoded, extracted and
checked, with the cross-year neighbours their arrival changes; nothing else is touched."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.definitions import runnable
from pipelines.partitions import ALL_SHARDS
from pipelines.resources import build_resources


def _run(inbox: Path, warehouse: Path) -> dg.ExecuteInProcessResult:
    result = dg.materialize(runnable(), resources=build_resources(inbox=str(inbox), warehouse=str(warehouse)),
                            tags=ALL_SHARDS)
    assert result.success
    return result


def _metadata(result: dg.ExecuteInProcessResult, key: list[str]) -> dict:
    # a partitioned asset has one event per shard, all with the run's metadata
    event = next(e for e in result.get_asset_materialization_events() if e.asset_key.path == key)
    return {k: v.value for k, v in event.materialization.metadata.items()}


def _checked(warehouse: Path) -> dict[str, object]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return dict(conn.execute("""select d.original_name, q.checked_at from report_quality q
                                    join documents d on d.id = q.report_id""").fetchall())


def test_only_new_documents_and_their_neighbours_are_processed(tmp_path, corpus_dir):
    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    inbox.mkdir()
    for name in ("000_2f7257501bd8445e.txt", "003_aab5423710c0abba.txt"):
        shutil.copy(corpus_dir / "samples" / name, inbox / name)
    shutil.copy(corpus_dir / "pdf" / "hongze-district-2024.pdf", inbox)
    first = _run(inbox, warehouse)
    assert _metadata(first, ["checks", "check_results"])["reports_checked_this_run"] == 3
    before = _checked(warehouse)

    # nothing new: nothing decoded, extracted, loaded or checked
    idle = _run(inbox, warehouse)
    assert _metadata(idle, ["text", "document_text"])["decoded_this_run"] == 0
    assert _metadata(idle, ["extracted", "reports"])["extracted_this_run"] == 0
    assert _metadata(idle, ["load", "warehouse"])["lake_files_loaded"] == 0
    assert _metadata(idle, ["checks", "check_results"])["reports_checked_this_run"] == 0
    assert _checked(warehouse) == before

    # the same district's 2023 report arrives: it is checked, and so is 2024 (its previous year changed)
    shutil.copy(corpus_dir / "pdf" / "hongze-district-2023.pdf", inbox)
    second = _run(inbox, warehouse)
    assert _metadata(second, ["text", "document_text"])["decoded_this_run"] == 1
    assert _metadata(second, ["extracted", "reports"])["extracted_this_run"] == 1
    assert _metadata(second, ["checks", "check_results"])["reports_checked_this_run"] == 2
    after = _checked(warehouse)
    assert after["000_2f7257501bd8445e.txt"] == before["000_2f7257501bd8445e.txt"]
    assert after["003_aab5423710c0abba.txt"] == before["003_aab5423710c0abba.txt"]
    assert after["hongze-district-2024.pdf"] > before["hongze-district-2024.pdf"]
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        # the cross-year rule now has its previous year: XY-01 is assessed (it holds for these two PDFs)
        xy = conn.execute("""select c.status from check_results c join documents d on d.id = c.report_id
                             where d.original_name = 'hongze-district-2024.pdf' and c.rule_id = 'XY-01'""").fetchall()
        assert xy and all(s == "PASS" for (s,) in xy)
        assert conn.execute("select count(*) from (select report_id, rule_id, scope, count(*) from check_results "
                            "group by all having count(*) > 1)").fetchone()[0] == 0

    # a changed rule set (here: its recorded fingerprint lost) re-checks everything
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("delete from check_state")
    third = _run(inbox, warehouse)
    assert _metadata(third, ["checks", "check_results"])["reports_checked_this_run"] == 4


def test_a_new_extractor_version_extracts_every_document_again(tmp_path, corpus_dir, monkeypatch):
    """EXTRACTOR_VERSION is a hash of the extractor's code and definitions: a fix (a new hash) re-extracts the
    documents already in the warehouse, and the same code does not."""
    import pipelines.extract.store as store
    from pipelines.extract import record

    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    inbox.mkdir()
    for name in ("000_2f7257501bd8445e.txt", "003_aab5423710c0abba.txt"):
        shutil.copy(corpus_dir / "samples" / name, inbox / name)
    _run(inbox, warehouse)
    assert _metadata(_run(inbox, warehouse), ["extracted", "reports"])["extracted_this_run"] == 0
    assert record._source_hash() == record.EXTRACTOR_VERSION  # derived from the files, not typed in
    monkeypatch.setattr(store, "EXTRACTOR_VERSION", "a-fixed-extractor")
    assert _metadata(_run(inbox, warehouse), ["extracted", "reports"])["extracted_this_run"] == 2
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert conn.execute("select distinct extractor_version from reports").fetchall() == [("a-fixed-extractor",)]


def test_the_extractor_version_changes_with_its_code_and_definitions(tmp_path):
    from pipelines.extract import record

    root = Path(record.__file__).resolve().parents[2]
    copy = tmp_path / "copy"
    for rel in ("pipelines/extract", "pipelines/contract", "expectations/extracted"):
        shutil.copytree(root / rel, copy / rel, ignore=shutil.ignore_patterns("__pycache__"))

    def version() -> str:
        return record._source_hash(copy)

    before = version()
    assert before == record.EXTRACTOR_VERSION
    labels = copy / "pipelines" / "extract" / "labels.py"
    labels.write_text(labels.read_text(encoding="utf-8") + "\n# a new alias\n", encoding="utf-8")
    assert version() != before

