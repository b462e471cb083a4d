"""Every file of ../shared/corpus/gold: 100% of cells (nulls included), doc_type, template, year, agency."""

from __future__ import annotations

import json

import pytest

from conftest import SHARED
from pipelines.extract.files import extract_file

GOLD = sorted((SHARED / "corpus" / "gold").glob("*.json"))


@pytest.fixture(scope="module", params=GOLD, ids=lambda p: p.stem)
def pair(request):
    gold = json.loads(request.param.read_text(encoding="utf-8"))
    return gold, extract_file(SHARED / "corpus" / gold["source"]).to_json()


def test_every_cell_right_nulls_included(pair):
    gold, got = pair
    wrong = [
        (table, row, col, value, got["cells"].get(table, {}).get(row, {}).get(col, "ABSENT"))
        for table, rows in gold["cells"].items() for row, cols in rows.items() for col, value in cols.items()
        if got["cells"].get(table, {}).get(row, {}).get(col, "ABSENT") != value
    ]
    assert wrong == []
    extra = {(t, r, c) for t, rows in got["cells"].items() for r, cols in rows.items() for c in cols} - {
        (t, r, c) for t, rows in gold["cells"].items() for r, cols in rows.items() for c in cols}
    assert extra == set()


@pytest.mark.parametrize("field", ["doc_type", "template", "year", "agency"])
def test_document_fields(pair, field):
    gold, got = pair
    assert got[field] == gold[field]


def test_placeholders_come_out_null_never_zero(pair):
    gold, got = pair
    for table, rows in gold["cells"].items():
        for row, cols in rows.items():
            for col, value in cols.items():
                if value is None:
                    assert got["cells"][table][row][col] is None
