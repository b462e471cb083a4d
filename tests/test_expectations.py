"""Every suite file parses, targets an existing asset, uses known kinds and checks, and together they
cover every rule of spec §3 exactly once (beside the pipeline's own rules, declared in their own suite)."""

from __future__ import annotations

import re

from conftest import SHARED
from pipelines.definitions import defs
from pipelines.quality import flags
from pipelines.quality.gx import build_suite
from pipelines.quality.suites import rules, suites


def test_suites_target_existing_assets_and_known_checks():
    keys = {tuple(k.path) for a in defs().assets for k in a.keys}
    for suite in suites():
        assert suite.target in keys, suite.path
        for rule in suite.rules:
            assert rule.zh and rule.en and rule.tolerance >= 0
            if rule.kind == "flag":
                assert rule.params["check"] in flags.CHECKS, rule.id


# Rules of the pipeline's own, not of spec §3: one report per agency, year and scope
# (expectations/extracted/versions.yml).
OWN_SUITES = {"versions"}


def test_every_rule_of_the_spec_is_in_a_suite_once():
    spec = (SHARED / "spec" / "annual-reports.md").read_text(encoding="utf-8")
    section = spec[spec.index("## 3. Identities"):spec.index("## 4.")]
    spec_ids = set(re.findall(r"^\| ((?:T3|T4|T2|ST|XY|NT|MD|HX)-\d\d) \|", section, re.MULTILINE))
    ids = [r.id for r in rules()]
    assert len(ids) == len(set(ids))
    assert {r.id for r in rules() if r.suite not in OWN_SUITES} == spec_ids
    assert not {r.id for r in rules() if r.suite in OWN_SUITES} & spec_ids


def test_severity_follows_the_spec():
    spec = (SHARED / "spec" / "annual-reports.md").read_text(encoding="utf-8")
    severities = dict(re.findall(r"^\| ((?:T3|T4|T2|ST|XY|NT|MD|HX)-\d\d) \|.*\| (H|S)[^|]*\|$", spec, re.MULTILINE))
    for rule in rules():
        if rule.suite not in OWN_SUITES:
            assert rule.severity == {"H": "hard", "S": "soft"}[severities[rule.id]], rule.id


def test_the_version_rule_is_hard():
    """Two versions of one report with no order between them must both stay out of the marts: a hard rule
    quarantines them (and the blocking guard re-validates it on every accepted report)."""
    (rule,) = [r for r in rules() if r.suite == "versions"]
    assert (rule.id, rule.severity, rule.kind, rule.params["check"]) == ("VR-01", "hard", "flag", "version_conflict")


def test_suites_become_gx_expectation_suites():
    suite = build_suite("all", list(rules()))
    assert len(suite.expectations) == len(rules())
    assert {e.meta["rule_id"] for e in suite.expectations} == {r.id for r in rules()}


def test_every_suite_is_also_a_gx_suite_json_in_sync_with_the_yaml():
    """expectations/gx/<suite>.json is generated from the YAML (`python -m pipelines.quality.gx`): the same
    text, and GX's own API loads it into a context and validates with it."""
    import json

    import great_expectations as gx
    import pandas as pd

    from pipelines.quality.gx import GX_SUITES_DIR, suite_json_text

    assert sorted(p.stem for p in GX_SUITES_DIR.glob("*.json")) == sorted(s.name for s in suites())
    context = gx.get_context(mode="ephemeral")
    for suite in suites():
        text = (GX_SUITES_DIR / f"{suite.name}.json").read_text(encoding="utf-8")
        assert text == suite_json_text(suite), f"expectations/gx/{suite.name}.json is stale: regenerate it"
        loaded = context.suites.add(gx.ExpectationSuite(**json.loads(text)))
        assert [e.meta["rule_id"] for e in loaded.expectations] == [r.id for r in suite.rules]
        assert {e.severity.value for e in loaded.expectations} <= {"critical", "warning"}
        # a residual table with one instance per rule that breaks it and one that holds: GX finds the breaks
        frame = pd.DataFrame({r.id: [0.0, 7.5] for r in suite.rules})
        batch = context.data_sources.add_pandas(f"probe_{suite.name}").add_dataframe_asset("t") \
            .add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(loaded)
        assert not result.success
        assert {r.expectation_config.meta["rule_id"] for r in result.results if not r.success} == \
            {r.id for r in suite.rules}
