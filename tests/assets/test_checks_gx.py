"""Great Expectations as its users know it, through a real materialisation of every asset: the run's
validation results are stored in the data directory's GX context and rendered as Data Docs, linked from the
checks asset's metadata and from the quality report; the blocking guard reads those results (it does not
validate again) and fails when an accepted report has an unexpected hard-rule instance or an instance was
left unvalidated. A headless Chromium screenshot of the Data Docs index is kept in
test-artifacts/gx-data-docs.png."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

import dagster as dg
import duckdb
import pytest

from assets.checks import accepted_reports_pass_hard_rules
from pipelines.definitions import runnable
from pipelines.partitions import ALL_SHARDS
from pipelines.quality.suites import rules, suites
from pipelines.resources import build_resources

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="module")
def run(tmp_path_factory, corpus_dir):
    root = tmp_path_factory.mktemp("gx")
    inbox, warehouse = root / "inbox", root / "data" / "warehouse.duckdb"
    inbox.mkdir()
    for f in sorted((corpus_dir / "samples").glob("*.txt")):
        shutil.copy(f, inbox / f.name)
    shutil.copy(corpus_dir / "pdf" / "hongze-district-2023.pdf", inbox)  # its T4 breaks two totals
    result = dg.materialize(runnable(), resources=build_resources(inbox=str(inbox), warehouse=str(warehouse)),
                            tags=ALL_SHARDS)
    assert result.success
    return result, warehouse


def _materialisation(result, key: list[str]) -> dict:
    event = next(e for e in result.get_asset_materialization_events() if e.asset_key.path == key)
    return {k: v.value for k, v in event.materialization.metadata.items()}


def _guard(result) -> dg.AssetCheckEvaluation:
    return next(e for e in result.get_asset_check_evaluations() if e.check_name == "accepted_reports_pass_hard_rules")


def test_data_docs_list_the_suites_and_this_runs_validation_results(run):
    result, warehouse = run
    meta = _materialisation(result, ["checks", "check_results"])
    index = Path(unquote(urlparse(meta["gx_data_docs"]).path))
    assert index == warehouse.parent / "gx" / "data_docs" / "index.html" and index.is_file()
    html = index.read_text(encoding="utf-8")
    ids = meta["gx_validation_results"]
    assert {i.split("/")[0] for i in ids} == {s.name for s in suites()}  # every suite validated once
    for suite in suites():
        assert f"expectations/{suite.name}.html" in html  # the suite's page is listed
        page = index.parent / "expectations" / f"{suite.name}.html"
        assert all(r.id in page.read_text(encoding="utf-8") for r in suite.rules)
    run_name = ids[0].split("/")[1]
    pages = list((index.parent / "validations").rglob("*.html"))
    assert {p.relative_to(index.parent / "validations").parts[0] for p in pages if run_name in str(p)} == \
        {s.name for s in suites()}
    assert all(str(p.relative_to(index.parent)) in html for p in pages if run_name in str(p))
    # readable offline too: GX's own tables need scripts from the internet, the plain list does not
    static = html[html.index('id="nianbao-static-index"'):]
    static = static[:static.index("</table>")]
    assert all(f'href="expectations/{s.name}.html"' in static for s in suites())
    assert sum(f'href="{p.relative_to(index.parent)}"' in static for p in pages if run_name in str(p)) == len(suites())
    # the failing T4 totals of 洪泽区 2023 are on its validation page, as GX's unexpected rows
    cells_page = next(p for p in pages if run_name in str(p) and p.parts[-4] == "report_cells")
    assert "T4-01" in cells_page.read_text(encoding="utf-8")
    # the quality report links to the same index
    quality = (warehouse.parent / "quality_report.html").read_text(encoding="utf-8")
    link = re.search(r'href="([^"]*data_docs/index.html)"', quality).group(1)
    assert (warehouse.parent / link).resolve() == index.resolve()


def test_the_guard_reuses_the_stored_validation_results_and_says_what_it_covered(run):
    result, warehouse = run
    guard = _guard(result)
    meta = {k: v.value for k, v in guard.metadata.items()}
    assert guard.passed
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        accepted = conn.execute("select count(*) from report_quality where status = 'accepted'").fetchone()[0]
        hard = conn.execute("""select count(*) from check_results where severity = 'hard'
                               and status <> 'NOT_ASSESSABLE'""").fetchone()[0]
    assert accepted and meta["accepted_reports_covered"] == accepted
    assert meta["hard_rules"] == sum(r.hard for r in rules())
    assert meta["hard_instances_validated"] == meta["hard_instances_written"] == hard
    assert meta["validation_results"] == _materialisation(result, ["checks", "check_results"])["gx_validation_results"]


def _evaluate_guard(warehouse: Path) -> dg.AssetCheckResult:
    resources = build_resources(warehouse=str(warehouse))
    with dg.build_resources({k: resources[k] for k in ("warehouse", "great_expectations")}) as built:
        return accepted_reports_pass_hard_rules(warehouse=built.warehouse,
                                                great_expectations=built.great_expectations)


def test_the_guard_fails_on_an_accepted_report_gx_found_failing_and_on_unvalidated_instances(run, tmp_path):
    _, warehouse = run
    copy = tmp_path / "data" / "warehouse.duckdb"
    shutil.copytree(warehouse.parent, copy.parent, ignore=shutil.ignore_patterns("*.lock", "lake", "store"))
    assert _evaluate_guard(copy).passed
    with duckdb.connect(str(copy)) as conn:  # a verdict that disagrees with GX's results
        conn.execute("""update report_quality set status = 'accepted' where report_id in
                        (select report_id from check_results where rule_id = 'T4-01' and status = 'FAIL')""")
    failed = _evaluate_guard(copy)
    assert not failed.passed and failed.metadata["accepted_failing_a_hard_rule"].value >= 1
    with duckdb.connect(str(copy)) as conn:  # a validation result the checks did not store
        conn.execute("update report_quality set status = 'quarantined' where reason like 'fails%'")
        ids = json.loads(conn.execute("select value from check_state where key = 'gx_validation_results'").fetchone()[0])
        kept = [i for i in ids if not i.startswith("report_cells/")]
        conn.execute("update check_state set value = ? where key = 'gx_validation_results'", [json.dumps(kept)])
    failed = _evaluate_guard(copy)
    assert not failed.passed and "T3-01" in failed.metadata["rules_not_fully_validated"].value


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_the_data_docs_index_renders_in_a_browser(run):
    _, warehouse = run
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "gx-data-docs.png"
    shot.unlink(missing_ok=True)
    index = warehouse.parent / "gx" / "data_docs" / "index.html"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={profile}", "--virtual-time-budget=8000", "--window-size=1400,900",
                        f"--screenshot={shot}", index.as_uri()], capture_output=True, timeout=120)
    assert shot.exists() and shot.stat().st_size > 30_000  # a drawn page, not a blank one


def test_each_run_adds_its_results_and_only_they_are_rendered_again(tmp_path):
    from datetime import datetime, timedelta, timezone

    import pandas as pd

    from pipelines.quality import gx

    frame = pd.DataFrame({"row": [0, 1], "report_id": ["a" * 64, "b" * 64], "rule_id": ["T3-01", "ST-01"],
                          "scope": ["t3.*.total", "report"], "residual": [2.0, 0.0], "assessable": [True, True]})
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    first = gx.validate(frame, list(rules()), root=tmp_path, run_name="checks-one", at=at)
    assert first.failing == {0} and len(first.results) == len(suites())
    index = gx.build_docs(tmp_path, first.results)
    page = next((index.parent / "validations" / "report_cells").rglob("*.html"))
    page.write_text("kept", encoding="utf-8")  # an earlier run's page is not rendered again
    second = gx.validate(frame, list(rules()), root=tmp_path, run_name="checks-two", at=at + timedelta(days=1))
    html = gx.build_docs(tmp_path, second.results).read_text(encoding="utf-8")
    assert "checks-one" in html and "checks-two" in html
    assert page.read_text(encoding="utf-8") == "kept"
    assert len(list((index.parent / "validations").rglob("*.html"))) == 2 * len(suites())


def test_only_the_last_runs_validation_results_and_pages_are_kept(tmp_path):
    """data/gx does not grow with every run: the results of all but the newest runs are removed from GX's
    store (never the ones asked to be kept), and their Data Docs pages with them when the site is built."""
    from datetime import datetime, timedelta, timezone

    import pandas as pd

    from pipelines.quality import gx

    frame = pd.DataFrame({"row": [0, 1], "report_id": ["a" * 64, "b" * 64], "rule_id": ["T3-01", "ST-01"],
                          "scope": ["t3.*.total", "report"], "residual": [2.0, 0.0], "assessable": [True, True]})
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    runs = {}
    for day, name in enumerate(("checks-one", "checks-two", "checks-three", "checks-four")):
        runs[name] = gx.validate(frame, list(rules()), root=tmp_path, run_name=name, at=at + timedelta(days=day)).results
        gx.build_docs(tmp_path, runs[name])
    pages = tmp_path / "gx" / "data_docs" / "validations"
    stored = tmp_path / "gx" / "uncommitted" / "validations"
    assert {p.parent.parent.name for p in pages.rglob("*.html")} == set(runs)

    # the oldest run is asked to be kept (the guard reads the last results, whatever their age)
    assert gx.prune(tmp_path, 2, keep=runs["checks-one"]) == len(suites())
    assert set(gx.stored_ids(tmp_path)) == set(runs["checks-one"] + runs["checks-three"] + runs["checks-four"])
    assert not list(stored.rglob("checks-two"))  # no empty folders left behind
    html = gx.build_docs(tmp_path, runs["checks-four"]).read_text(encoding="utf-8")
    assert {p.parent.parent.name for p in pages.rglob("*.html")} == {"checks-one", "checks-three", "checks-four"}
    assert "checks-two" not in html and "checks-four" in html
    assert gx.stored_results(tmp_path, runs["checks-one"])  # still readable

    assert gx.prune(tmp_path, 1) == 2 * len(suites())
    gx.build_docs(tmp_path, runs["checks-four"])
    assert {p.parent.parent.name for p in pages.rglob("*.html")} == {"checks-four"}
    assert set(gx.stored_ids(tmp_path)) == set(runs["checks-four"])
    assert {p.name for p in stored.glob("*/*")} == {p.name for p in pages.glob("*/*")} == {"checks-four"}
