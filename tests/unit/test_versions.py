"""Documents as versions of logical reports (pipelines/quality/versions.py): grouping by agency × year ×
scope, the same cells as one version with several sources, replacement under the same path as the order
between versions, conflicts, withdrawals. Pure: no Dagster, no warehouse."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from pipelines.quality.data import link_versions
from pipelines.quality.versions import (CONFLICT, CURRENT, SUPERSEDED, WITHDRAWN, Document, Source, logical_key,
                                        resolve)

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)
KEY = logical_key("330281|马渚镇|township", 2020, "government_own")


def run(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def doc(rid: str, content: str, *seen: tuple[str, float], identity: str | None = KEY, first: float | None = None,
        withdrawn: float | None = None) -> Document:
    """A document with its cells' fingerprint, seen at (path, run hour) pairs (the last run that found it there)."""
    sources = tuple(Source(path, run(h), int(h * 1e9)) for path, h in seen)
    first_seen = run(first if first is not None else min((h for _, h in seen), default=0))
    return Document(rid, identity, content, first_seen, sources, run(withdrawn) if withdrawn is not None else None)


def by_id(docs: list[Document]) -> dict:
    return {v.report_id: v for v in resolve(docs)}


def test_the_logical_key_needs_an_agency_and_a_year():
    assert KEY == "2020|330281|马渚镇|township|government_own"
    assert logical_key("-|k|county", 2020, None) == "2020|-|k|county|-"
    assert logical_key(None, 2020, "agency_own") is None and logical_key("k", None, "agency_own") is None


def test_one_report_alone_is_current():
    v = by_id([doc("a", "x", ("/in/a.txt", 1))])["a"]
    assert (v.status, v.primary_id, v.sources, v.logical_key) == (CURRENT, "a", 1, KEY)


def test_the_same_cells_in_two_formats_are_one_version_with_two_sources():
    versions = by_id([doc("txt", "x", ("/in/a.txt", 1)), doc("html", "x", ("/in/a.html", 1)),
                      doc("pdf", "x", ("/in/a.pdf", 2))])
    assert {v.status for v in versions.values()} == {CURRENT}
    assert {v.primary_id for v in versions.values()} == {"html"}  # first seen, then the lowest id
    assert {v.sources for v in versions.values()} == {3}


def test_a_file_replaced_under_the_same_name_supersedes_the_old_version():
    versions = by_id([doc("old", "x", ("/in/a.txt", 1)), doc("new", "y", ("/in/a.txt", 2))])
    assert (versions["new"].status, versions["new"].primary_id) == (CURRENT, "new")
    assert (versions["old"].status, versions["old"].superseded_by) == (SUPERSEDED, "new")


def test_a_replacement_with_the_same_cells_is_the_same_version_now_read_from_the_new_file():
    versions = by_id([doc("old", "x", ("/in/a.txt", 1)), doc("new", "x", ("/in/a.txt", 2))])
    assert {v.status for v in versions.values()} == {CURRENT}
    assert {v.primary_id for v in versions.values()} == {"new"}  # the file there now stands for it


def test_a_file_put_back_as_it_was_is_current_again():
    # a.txt held A, then B, then A again: A is the one last seen there
    versions = by_id([doc("A", "x", ("/in/a.txt", 3), first=1), doc("B", "y", ("/in/a.txt", 2))])
    assert versions["A"].status == CURRENT and versions["B"].status == SUPERSEDED


def test_two_files_claiming_the_same_report_with_different_cells_conflict():
    versions = by_id([doc("a", "x", ("/in/a.txt", 1)), doc("b", "y", ("/in/other/b.txt", 1))])
    assert (versions["a"].status, versions["a"].rivals) == (CONFLICT, ("b",))
    assert (versions["b"].status, versions["b"].rivals) == (CONFLICT, ("a",))


def test_a_conflict_names_the_primaries_of_the_other_versions_and_covers_their_copies():
    versions = by_id([doc("a", "x", ("/in/a.txt", 1)), doc("a2", "x", ("/in/a.html", 1)),
                      doc("b", "y", ("/in/b.txt", 1)), doc("c", "z", ("/in/c.txt", 1))])
    assert {v.status for v in versions.values()} == {CONFLICT}
    assert versions["a"].rivals == versions["a2"].rivals == ("b", "c")
    assert versions["a2"].primary_id == "a" and versions["c"].rivals == ("a", "b")


def test_other_years_scopes_and_agencies_are_other_reports():
    other_year = logical_key("330281|马渚镇|township", 2021, "government_own")
    summary = logical_key("330281|马渚镇|township", 2020, "jurisdiction_summary")
    versions = by_id([doc("a", "x", ("/in/a.txt", 1)), doc("b", "y", ("/in/b.txt", 1), identity=other_year),
                      doc("c", "z", ("/in/c.txt", 1), identity=summary)])
    assert {v.status for v in versions.values()} == {CURRENT}
    assert len({v.logical_key for v in versions.values()}) == 3


def test_documents_without_an_identity_are_reports_of_their_own():
    versions = by_id([doc("a", "x", ("/in/a.txt", 1), identity=None), doc("b", "x", ("/in/b.txt", 1), identity=None)])
    assert versions["a"].status == versions["b"].status == CURRENT
    assert (versions["a"].logical_key, versions["b"].logical_key) == ("report:a", "report:b")


def test_replacements_chain_across_paths():
    # A at a.txt replaced by B; B copied to b.txt, replaced there by C: C stands, A and B are superseded by it
    versions = by_id([doc("A", "x", ("/in/a.txt", 1)), doc("B", "y", ("/in/a.txt", 2), ("/in/b.txt", 2)),
                      doc("C", "z", ("/in/b.txt", 3))])
    assert versions["C"].status == CURRENT
    assert (versions["A"].status, versions["A"].superseded_by) == (SUPERSEDED, "C")
    assert (versions["B"].status, versions["B"].superseded_by) == (SUPERSEDED, "C")


def test_a_stale_copy_elsewhere_is_still_the_older_version():
    # A was at a.txt and copy.txt; a.txt was replaced by B: B supersedes A, the copy does not revive it
    versions = by_id([doc("A", "x", ("/in/a.txt", 1), ("/in/copy.txt", 2)), doc("B", "y", ("/in/a.txt", 2))])
    assert versions["B"].status == CURRENT and versions["A"].status == SUPERSEDED


def test_replacements_both_ways_are_no_order():
    # a.txt went from A to B, b.txt from B to A: neither is newer
    versions = by_id([doc("A", "x", ("/in/a.txt", 1), ("/in/b.txt", 3)),
                      doc("B", "y", ("/in/a.txt", 2), ("/in/b.txt", 1))])
    assert versions["A"].status == versions["B"].status == CONFLICT


def test_an_old_version_in_two_formats_is_superseded_as_a_whole():
    versions = by_id([doc("txt", "x", ("/in/a.txt", 1)), doc("md", "x", ("/in/a.md", 1)),
                      doc("fixed", "y", ("/in/a.txt", 2))])
    assert versions["fixed"].status == CURRENT
    assert {(versions[i].status, versions[i].superseded_by) for i in ("txt", "md")} == {(SUPERSEDED, "fixed")}
    assert versions["md"].primary_id == "md"  # still in the inbox: it stands for the old cells


def test_withdrawing_one_side_resolves_a_conflict():
    versions = by_id([doc("a", "x", ("/in/a.txt", 1)), doc("b", "y", ("/in/b.txt", 1), withdrawn=1.5)])
    assert versions["a"].status == CURRENT and versions["a"].rivals == ()
    assert versions["b"].status == WITHDRAWN


def test_a_withdrawn_document_seen_again_is_a_version_again():
    versions = by_id([doc("a", "x", ("/in/a.txt", 1), ("/in/a.txt", 3)),
                      doc("b", "y", ("/in/b.txt", 3), withdrawn=1.5)])
    assert versions["b"].status == CONFLICT


def test_withdrawing_every_version_of_a_report_leaves_it_none():
    versions = by_id([doc("old", "x", ("/in/a.txt", 1), withdrawn=2.5),
                      doc("new", "y", ("/in/a.txt", 2), withdrawn=2.5)])
    assert {v.status for v in versions.values()} == {WITHDRAWN}


def test_reports_checked_together_without_a_warehouse_conflict_when_their_cells_differ():
    from test_rules import make_report

    a, b, c = (make_report(report_id=i, scale=s) for i, s in (("a", 1), ("b", 2), ("c", 1)))
    link_versions([a, b, c])
    assert (a.version, b.version, c.version) == (CONFLICT, CONFLICT, CONFLICT)
    assert b.rivals == ("a",) and a.rivals == c.rivals == ("b",)  # a and c: the same cells, one version
    other = make_report(report_id="d", year=2022)
    link_versions([other, make_report(report_id="e")])
    assert other.version == CURRENT and other.rivals == ()
