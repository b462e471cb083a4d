"""Extraction accuracy on a generated corpus covering every layout of spec §9 (nianbao synth).

≥ 99.9% of gold cells right overall; and a cell that is not right is never a wrong number: it is NULL,
with an error issue on its row (an ambiguous split is reported, never guessed).
"""

from __future__ import annotations

import json

import pytest

from pipelines.extract.files import extract_file
from synth import LAYOUTS, generate

PER_LAYOUT = 12


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    rows = []
    for i, layout in enumerate(LAYOUTS):
        for path in generate(PER_LAYOUT, out / layout, layouts=[layout], seed=100 + i):
            gold = json.loads((out / layout / "gold" / f"{path.stem}.json").read_text(encoding="utf-8"))
            rows.append((layout, path, gold, extract_file(path).to_json()))
    return rows


def _cells(record):
    return {(t, r, c): v for t, rows in record["cells"].items() for r, cols in rows.items() for c, v in cols.items()}


def _right(gold, have, key, value) -> bool:
    """The gold value, or withheld where the printed text cannot determine the row (gold `undeterminable`)."""
    return have.get(key, "ABSENT") == value or (
        have.get(key) is None and f"{key[0]}.{key[1]}" in gold.get("undeterminable", ()))


def test_every_layout_is_covered(results):
    assert {layout for layout, *_ in results} == set(LAYOUTS)


def test_at_least_999_per_mille_of_cells_right(results):
    right = total = 0
    per_layout = {}
    for layout, _, gold, got in results:
        want, have = _cells(gold), _cells(got)
        ok = sum(_right(gold, have, k, v) for k, v in want.items())
        right, total = right + ok, total + len(want)
        a, b = per_layout.get(layout, (0, 0))
        per_layout[layout] = (a + ok, b + len(want))
    assert total > 20_000
    assert right / total >= 0.999, {k: f"{a / b:.4f}" for k, (a, b) in per_layout.items()}


def test_a_cell_not_right_is_null_with_an_issue_never_a_wrong_number(results):
    for layout, path, gold, got in results:
        have = _cells(got)
        for key, value in _cells(gold).items():
            if have.get(key, "ABSENT") == value:
                continue
            assert have.get(key) is None, (path.name, key, value, have.get(key))
            row = f"{key[0]}.{key[1]}" if key[0] != "t4_review_litigation" else key[0]
            assert any(i["severity"] == "error" and (i["location"] or "").startswith(row) for i in got["issues"]), \
                (path.name, key)


def test_document_fields_match_the_gold(results):
    for layout, path, gold, got in results:
        assert got["doc_type"] == gold["doc_type"], path.name
        if gold["doc_type"] == "annual_report":
            assert (got["year"], got["template"]) == (gold["year"], gold["template"]), path.name
