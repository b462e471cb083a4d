"""Canonical JSON records are checked against the contract's keys and value types."""

import json

import pytest

from pipelines.ingest.records import validate_record


def test_every_gold_record_fits_the_contract(corpus_dir):
    for path in sorted((corpus_dir / "gold").glob("*.json")):
        assert validate_record(json.loads(path.read_text(encoding="utf-8"))) == [], path.name


def _record(**cells):
    return {"template": "v2021", "cells": cells, "notes": ["kept, not interpreted"], "source": "x"}


@pytest.mark.parametrize(
    ("record", "fragment"),
    [
        (_record(t9_unknown={}), "unknown table key 't9_unknown'"),
        (_record(t3_applications={"no_such_row": {"total": 1}}), "unknown row key t3_applications.'no_such_row'"),
        (_record(t3_applications={"new_received": {"aliens": 1}}), "unknown column key 't3_applications.new_received.aliens'"),
        (_record(t3_applications={"new_received": {"total": "12"}}), "must be a number or null, not str"),
        (_record(t3_applications={"new_received": {"total": True}}), "must be a number or null, not bool"),
        (_record(t3_applications={"new_received": {"total": [1]}}), "must be a number or null, not list"),
        (_record(t3_applications={"new_received": {"total": float("nan")}}), "finite"),
        (_record(t3_applications={"new_received": {"total": 10**15}}), "beyond any plausible figure"),
        # v2019-only key in a v2021 record
        (_record(t2_art20_9={"centralized_procurement": {"procurement_project_count": 1}}), "not part of template v2021"),
        ({"cells": []}, "'cells' must be an object"),
        ([1, 2], "must be a JSON object"),
        ({"template": "v2030", "cells": {}}, "unknown template"),
    ],
)
def test_schema_errors_are_specific(record, fragment):
    errors = validate_record(record)
    assert any(fragment in e for e in errors), errors


def test_unknown_top_level_fields_are_kept_not_interpreted():
    assert validate_record({"cells": {}, "anything": {"nested": [1, "x"]}, "metadata": None}) == []
