"""One report is one report, through real materialisations of every asset on real sample reports.

Documents are versions of a logical report (agency × year × scope). The same cells in several files are one
version with several sources; a file replaced under the same name supersedes the version it held (which
stays queryable as superseded); two files claiming the same agency and year with different numbers and no
replacement between them are flagged by VR-01 and both kept out of the marts until one is withdrawn
(`nianbao withdraw`, after removing its file). The marts count each logical report once.
"""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from typer.testing import CliRunner

from pipelines.ops import cli
from pipelines.definitions import runnable
from pipelines.partitions import ALL_SHARDS
from pipelines.resources import build_resources

MAZHU = "004_cb93c0191c209947.txt"  # 马渚镇人民政府 2020: 9 new applications, 52 procurement projects
DONGTING = "003_aab5423710c0abba.txt"  # 定州市东亭镇 2021: one administrative penalty
YONGHE = "000_2f7257501bd8445e.txt"  # 永和镇 2020


def materialise(inbox: Path, warehouse: Path) -> dict[str, bool]:
    result = dg.materialize(runnable(), resources=build_resources(inbox=str(inbox), warehouse=str(warehouse)),
                            tags=ALL_SHARDS)
    assert result.success
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


def published(warehouse: Path, sql: str, params=()):
    with duckdb.connect(str(warehouse.parent / "published" / "nianbao.duckdb"), read_only=True) as conn:
        return conn.execute(sql, params).fetchall()


def as_html(text: str) -> bytes:
    """The report as a web page: every line a paragraph (what a portal's article page holds)."""
    body = "".join(f"<p>{html.escape(line)}</p>\n" for line in text.split("\n"))
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>年度报告</title></head>"
            f"<body><div class=\"article\">{body}</div></body></html>").encode("utf-8")


def versions_by_name(warehouse: Path) -> dict[str, tuple]:
    """original name -> (status, primary's name, superseded_by's name, rivals' names, sources), from the snapshot."""
    names = dict(published(warehouse, "select id, original_name from documents"))
    rows = published(warehouse, "select report_id, status, primary_id, superseded_by, rivals, sources "
                                "from report_versions")
    return {names[rid]: (status, names[primary], names.get(by), sorted(names[r] for r in rivals), sources)
            for rid, status, primary, by, rivals, sources in rows}


# --- (a) a report replaced under the same name -------------------------------------------------------------------


@pytest.fixture(scope="module")
def replaced(tmp_path_factory, corpus_dir):
    """马渚镇's report saved again over the same file: first with a line appended (the same cells), then
    corrected (52 → 53 procurement projects). The marts after each run."""
    root = tmp_path_factory.mktemp("replaced")
    inbox, warehouse = root / "inbox", root / "data" / "warehouse.duckdb"
    inbox.mkdir()
    for name in (MAZHU, YONGHE):
        shutil.copy(corpus_dir / "samples" / name, inbox / name)
    original = (corpus_dir / "samples" / MAZHU).read_text(encoding="utf-8")
    states = {}
    for state, text in (("original", original),
                        ("line appended", original + "\n（本报告于2021年1月5日重新发布）\n"),
                        ("corrected", original.replace("52项", "53项"))):
        (inbox / MAZHU).write_text(text, encoding="utf-8")
        checks = materialise(inbox, warehouse)
        states[state] = {
            "checks": checks,
            "agency_year": published(warehouse, """select report_id, apps_new, procurement_count, sources
                                                   from mart_agency_year where agency = '马渚镇人民政府'"""),
            "group": published(warehouse, """select g.reports, g.agencies, g.apps_new from mart_region_level_year g
                join mart_agency_year a using (region, admin_level, year) where a.agency = '马渚镇人民政府'"""),
            "quality": published(warehouse, """select q.reports, q.accepted, q.superseded_versions,
                       q.duplicate_sources, q.conflicting_versions from mart_quality q
                join mart_agency_year a using (region, admin_level, year) where a.agency = '马渚镇人民政府'"""),
            "versions": published(warehouse, """select d.id, v.status, v.superseded_by from report_versions v
                join documents d on d.id = v.report_id where d.original_name = ? order by d.first_seen""", [MAZHU]),
        }
    return states


def test_a_copy_saved_again_with_the_same_cells_is_counted_once(replaced):
    state = replaced["line appended"]
    ((report_id, apps_new, procurement, sources),) = state["agency_year"]
    assert (apps_new, procurement, sources) == (9, 52, 2)
    assert state["group"] == [(1, 1, 9)]  # today: 2 reports, 18 applications
    (old, _, _), (new, status, _) = state["versions"]
    assert report_id == new and status == "current"  # read from the file that is there now
    assert state["quality"] == [(1, 1, 0, 1, 0)]


def test_a_corrected_report_supersedes_the_old_version_which_stays_queryable(replaced):
    state = replaced["corrected"]
    ((report_id, apps_new, procurement, sources),) = state["agency_year"]
    assert (apps_new, procurement, sources) == (9, 53, 1)  # the corrected figure, once
    assert state["group"] == [(1, 1, 9)]
    first, appended, corrected = state["versions"]
    assert corrected == (report_id, "current", None)
    assert first[1:] == appended[1:] == ("superseded", report_id)
    # one superseded version (the old cells, in two files), nothing in conflict
    assert state["quality"] == [(1, 1, 1, 1, 0)]
    assert state["checks"]["only_accepted_reports_and_rates_in_range"] is True and state["checks"]["VR_01"] is True


# --- (b) one report in several formats, (c) two reports claiming the same agency and year --------------------


@pytest.fixture(scope="module")
def inbox_with_copies(tmp_path_factory, corpus_dir):
    root = tmp_path_factory.mktemp("copies")
    inbox, warehouse = root / "inbox", root / "data" / "warehouse.duckdb"
    inbox.mkdir()
    for name in (MAZHU, DONGTING, YONGHE):
        shutil.copy(corpus_dir / "samples" / name, inbox / name)
    mazhu = (corpus_dir / "samples" / MAZHU).read_text(encoding="utf-8")
    (inbox / "web").mkdir()
    (inbox / "web" / "马渚镇2020年报.html").write_bytes(as_html(mazhu))  # the same report as a web page
    (inbox / "web" / "马渚镇2020年报.md").write_bytes(mazhu.encode("gb18030"))  # and saved in GB18030
    revised = (corpus_dir / "samples" / DONGTING).read_text(encoding="utf-8")
    assert "\t行政处罚\n\t　\n1\n" in revised
    (inbox / "other").mkdir()  # another file claiming 东亭镇 2021, with three penalties instead of one
    (inbox / "other" / "东亭镇2021年报（修订）.txt").write_text(
        revised.replace("\t行政处罚\n\t　\n1\n", "\t行政处罚\n\t　\n3\n"), encoding="utf-8")
    checks = materialise(inbox, warehouse)
    return inbox, warehouse, checks


def test_the_same_cells_in_three_files_are_one_report_with_three_sources(inbox_with_copies):
    _, warehouse, checks = inbox_with_copies
    assert published(warehouse, """select d.format, count(*) from documents d join reports r on r.report_id = d.id
                                   where r.agency = '马渚镇人民政府' group by all order by 1""") == [("html", 1), ("text", 2)]
    ((sources, apps_new),) = published(warehouse, """select sources, apps_new from mart_agency_year
                                                     where agency = '马渚镇人民政府'""")
    assert (sources, apps_new) == (3, 9)
    assert published(warehouse, """select g.reports, g.apps_new from mart_region_level_year g
        join mart_agency_year a using (region, admin_level, year) where a.agency = '马渚镇人民政府'""") == [(1, 9)]
    assert published(warehouse, """select q.reports, q.duplicate_sources from mart_quality q
        join mart_agency_year a using (region, admin_level, year) where a.agency = '马渚镇人民政府'""") == [(1, 2)]
    versions = {n: v for n, v in versions_by_name(warehouse).items() if n.startswith(("004", "马渚镇"))}
    assert {v[0] for v in versions.values()} == {"current"} and len({v[1] for v in versions.values()}) == 1
    assert checks["only_accepted_reports_and_rates_in_range"] is True


def test_two_reports_claiming_the_same_agency_and_year_are_flagged_and_kept_out(inbox_with_copies):
    _, warehouse, checks = inbox_with_copies
    versions = versions_by_name(warehouse)
    revised = "东亭镇2021年报（修订）.txt"
    assert versions[DONGTING][0] == versions[revised][0] == "conflict"
    assert versions[DONGTING][3] == [revised] and versions[revised][3] == [DONGTING]
    failing = published(warehouse, """select d.original_name, q.status, c.message from check_results c
        join documents d on d.id = c.report_id join report_quality q using (report_id)
        where c.rule_id = 'VR-01' and c.status = 'FAIL' order by 1""")
    assert [(n, s) for n, s, _ in failing] == [(DONGTING, "quarantined"), (revised, "quarantined")]
    assert revised in failing[0][2]  # the message names the other file
    assert checks["VR_01"] is False  # the rule's asset check reports it
    assert published(warehouse, "select count(*) from mart_agency_year where year = 2021") == [(0,)]
    ((*counts, errors),) = published(warehouse, """select reports, accepted, quarantined, conflicting_versions,
                                                      most_common_errors from mart_quality where year = 2021""")
    assert counts == [1, 0, 1, 2] and "VR-01 (2)" in errors  # one report, quarantined, two versions in conflict


def test_withdrawing_a_removed_file_resolves_the_conflict_and_its_return_restores_it(inbox_with_copies):
    inbox, warehouse, _ = inbox_with_copies
    revised = inbox / "other" / "东亭镇2021年报（修订）.txt"
    kept = revised.read_bytes()

    refused = CliRunner().invoke(cli.app, ["withdraw", str(revised), "--warehouse", str(warehouse)])
    assert refused.exit_code == 1 and "still in the inbox" in refused.output  # remove the file first
    unknown = CliRunner().invoke(cli.app, ["withdraw", str(inbox / "never.txt"), "--warehouse", str(warehouse)])
    assert unknown.exit_code == 1 and "no document was ever seen there" in unknown.output

    revised.unlink()  # removing the file alone withdraws nothing: a deleted source loses nothing
    materialise(inbox, warehouse)
    assert versions_by_name(warehouse)[revised.name][0] == "conflict"

    done = CliRunner().invoke(cli.app, ["withdraw", str(revised), "--reason", "修订稿误传", "--warehouse",
                                        str(warehouse)])
    assert done.exit_code == 0, done.output
    assert "withdrawn:" in done.output and "was conflict" in done.output
    checks = materialise(inbox, warehouse)
    versions = versions_by_name(warehouse)
    assert versions[revised.name][0] == "withdrawn" and versions[DONGTING][0] == "current"
    assert published(warehouse, """select d.original_name, m.apps_new from mart_agency_year m
                                   join documents d on d.id = m.report_id where m.year = 2021""") == [(DONGTING, 0)]
    assert published(warehouse, """select reports, accepted, quarantined, conflicting_versions, withdrawn_documents
                                   from mart_quality where year = 2021""") == [(1, 1, 0, 0, 1)]
    assert checks["VR_01"] is True
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert conn.execute("select reason from document_withdrawals").fetchall() == [("修订稿误传",)]

    revised.write_bytes(kept)  # the file comes back: the next run takes it in again, and the conflict with it
    materialise(inbox, warehouse)
    assert versions_by_name(warehouse)[revised.name][0] == "conflict"
    assert published(warehouse, "select count(*) from mart_agency_year where year = 2021") == [(0,)]
