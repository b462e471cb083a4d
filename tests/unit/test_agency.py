"""Agency identity across years: the key, and renames through the alias table."""

from __future__ import annotations

from pipelines.quality.data import agency_key, link_years
from pipelines.quality.model import ReportData


def report(rid, agency, year, code="320813000000", level="county"):
    return ReportData(rid, "annual_report", "v2021", year, agency, level, None, {"region_code": code},
                      agency_key=agency_key(agency, code, level))


def test_key_ignores_government_words_but_not_the_place():
    assert agency_key("淮安市洪泽区人民政府", "320813000000", "county") == agency_key("淮安市洪泽区政府", "320813000000",
                                                                                  "county")
    assert agency_key("洪泽区人民政府", "320813000000", "county") != agency_key("洪泽区人民政府", "320812000000", "county")
    assert agency_key(None, "1", "county") is None


def test_consecutive_years_are_linked_and_renames_follow_the_alias_table():
    old = report("a", "洪泽区农业局", 2018)
    new = report("b", "洪泽区农业农村局", 2019)  # 机构改革: renamed
    later = report("c", "洪泽区农业农村局", 2020)
    link_years([old, new, later])
    assert later.previous is new and new.previous is None
    link_years([old, new, later], aliases={old.agency_key: new.agency_key})
    assert new.previous is old and later.previous is new
