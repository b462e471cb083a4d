"""Great Expectations in a process of its own (pipelines/quality/gx_process.py): the run's process does not
import GX, a failure inside it is raised in the caller, and a process that is gone leaves the work
to GX in the caller — the checks are never skipped."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from datetime import datetime, timezone

import dagster as dg
import duckdb
import pyarrow as pa

from conftest import REPO, load_records
from pipelines.extract.files import extract_file
from pipelines.quality import gx
from pipelines.quality.gx_process import GxProcess, _Api
from pipelines.quality.suites import rules
from pipelines.resources import GreatExpectations
from pipelines.storage.warehouse import ensure_schema

T0 = datetime(2026, 3, 1, tzinfo=timezone.utc)

_CHECK = """
import json, sys
from contextlib import contextmanager
from pathlib import Path
import duckdb
from pipelines.quality import stage
from pipelines.quality.gx_process import GxProcess

database = sys.argv[1]

@contextmanager
def connect():
    with duckdb.connect(database) as conn:
        yield conn

process = GxProcess(Path(database).parent)
try:
    outcome = stage.run_checks(database, connect, workers=1, gx_api=process.api())
    with duckdb.connect(database) as conn:
        guard = stage.hard_rule_guard(conn, Path(database).parent, process.api())
finally:
    process.close()
print(json.dumps({"checked": outcome.checked, "results": len(outcome.results), "docs": outcome.data_docs.is_file(),
                  "guard": guard.passed, "validated": sum(guard.validated.values()),
                  "imported": sorted(m for m in ("great_expectations", "scipy") if m in sys.modules)}))
"""


def test_the_checks_process_does_not_import_gx(corpus_dir, tmp_path):
    files = sorted((corpus_dir / "samples").glob("*.txt"))
    database = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(database)) as conn:
        ensure_schema(conn)
        load_records(conn, [extract_file(f) for f in files], T0)
    out = subprocess.run([sys.executable, "-c", _CHECK, str(database)], cwd=REPO, capture_output=True, text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["checked"] == len(files) and found["results"] == len(gx.by_suite(list(rules())))
    assert found["docs"] and found["guard"] and found["validated"] > 0
    # GX and SciPy stayed in the GX process (pandas does not: DuckDB's Arrow reading imports it with pyarrow.dataset)
    assert found["imported"] == []


def _table(rule_id: str, residuals: list[float | None]) -> pa.Table:
    n = len(residuals)
    return pa.table({"row": list(range(n)), "report": [f"r{i}" for i in range(n)], "scope": ["report"] * n,
                     rule_id: residuals})


def test_results_and_failures_come_back_as_from_gx_in_this_process(tmp_path):
    rule = next(r for r in rules() if r.kind == "sum" and r.tolerance == 0)
    suite_rules = [r for r in rules() if r.suite == rule.suite]
    tables = {rule.suite: _table(rule.id, [0.0, 2.0, None, -1.0])}
    process = GxProcess(tmp_path / "process")
    try:
        got = process.api().validate_tables(tables, suite_rules)
        # a column GX cannot find: GX's failure, raised in the caller
        broken = {rule.suite: pa.table({"row": [0], "report": ["r0"], "scope": ["report"]})}
        try:
            process.api().validate_tables(broken, suite_rules)
            raised = None
        except Exception as e:  # noqa: BLE001
            raised = e
    finally:
        process.close()
    here = gx.validate_tables(tables, suite_rules)
    assert got.failing == here.failing == {1, 3}
    assert got.stats[rule.id] == here.stats[rule.id] == {"success": False, "evaluated": 3, "unexpected": 2}
    try:
        gx.validate_tables(broken, suite_rules)
    except Exception as e:  # noqa: BLE001
        assert raised is not None and type(raised) is type(e) and str(raised) == str(e)
    else:
        assert raised is None


def test_a_process_that_is_gone_leaves_gx_to_the_caller(tmp_path, caplog):
    rule = next(r for r in rules() if r.kind == "sum" and r.tolerance == 0)
    suite_rules = [r for r in rules() if r.suite == rule.suite]
    process = GxProcess(tmp_path)
    process._process.kill()  # killed (out of memory, a signal)
    process._process.join()
    with caplog.at_level(logging.WARNING):
        got = process.api().validate_tables({rule.suite: _table(rule.id, [0.0, 5.0])}, suite_rules)
    process.close()
    assert got.failing == {1}
    assert "the Great Expectations process is gone" in caplog.text


def test_the_resource_starts_the_process_and_its_last_user_stops_it(tmp_path):
    with dg.build_resources({"great_expectations": GreatExpectations(data_dir=str(tmp_path))}) as built:
        resource = built.great_expectations
        process = resource._process
        assert process is not None and process.alive() and isinstance(resource.api(), _Api)
        resource.close()  # what the blocking guard says once it has read the stored results
        assert not process.alive() and resource.api() is gx  # GX asked afterwards: in this process
