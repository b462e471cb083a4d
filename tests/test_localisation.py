"""Measured on a real correct report: changing one T3 or T4 cell fails a hard rule and names that cell.

T3: the changed cell is the first suspect and the only one. T4: it is among the suspects (a T4 block has a
single identity, so a part and its total can both explain the failure).
"""

from __future__ import annotations

from copy import deepcopy

import pytest

from conftest import SHARED
from pipelines.decode.dispatch import decode_document
from pipelines.decode.model import Limits
from pipelines.extract.files import extract_file
from pipelines.ingest.sniff import sniff
from pipelines.quality.data import from_record
from pipelines.quality.model import CellV
from pipelines.quality.run import check_reports as check_all
from pipelines.quality.suites import rules

HARD = [r for r in rules() if r.hard]


def check_reports(reports):
    return check_all(reports, HARD)


@pytest.fixture(scope="module")
def huaian():
    path = SHARED / "corpus" / "pdf" / "huaian-city-2024.pdf"
    data = path.read_bytes()
    found = sniff(data)
    report = from_record(extract_file(path), decode_document(data, found.format, found.encoding, Limits()).text)
    assert check_reports([report]).verdicts[0].hard_failures == 0
    return report


def _changed(report, key, delta=3):
    changed = deepcopy(report)
    value = (report.cells[key].value or 0) + delta
    changed.cells[key] = CellV(value, "NUMERIC", str(value))
    return changed


def test_an_unchanged_correct_report_has_no_hard_failure(huaian):
    out = check_all([huaian])
    assert out.verdicts[0].status == "accepted" and out.suspects == []


def test_one_changed_t3_cell_is_the_unique_first_suspect(huaian):
    keys = sorted(k for k in huaian.cells if k[0] == "t3_applications")[::5]
    for key in keys:
        out = check_reports([_changed(huaian, key)])
        assert out.verdicts[0].hard_failures > 0, key
        first = out.suspects[0]
        assert ((first.table_key, first.row_key, first.col_key), first.unique) == (key, True), key
        assert first.suggested == huaian.cells[key].value


def test_one_changed_t4_cell_is_among_the_suspects(huaian):
    for key in sorted(k for k in huaian.cells if k[0] == "t4_review_litigation"):
        out = check_reports([_changed(huaian, key)])
        assert out.verdicts[0].hard_failures > 0, key
        assert key in [(s.table_key, s.row_key, s.col_key) for s in out.suspects], key
