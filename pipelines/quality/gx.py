"""The one adapter from suite files to Great Expectations 1.x: each rule becomes one expectation over the
residual frame (ephemeral context, pandas batch; stack-notes route A), and GX's unexpected rows are the
failures. A sum or claim rule expects |residual| ≤ tolerance (or residual ≤ tolerance for a `le` rule);
a cells or flag rule expects a violation count of 0. Only assessable rows are validated."""

from __future__ import annotations

import logging
from functools import cache

import pandas as pd

from pipelines.quality.suites import Rule


@cache
def _batch_definition():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_pandas("nianbao_checks")
    return source.add_dataframe_asset("residuals").add_batch_definition_whole_dataframe("all")


def expectation(rule: Rule):
    """The GX expectation of one rule, on the residual frame's rows of that rule."""
    import great_expectations as gx

    condition = f'rule_id=="{rule.id}" & assessable==True'
    if rule.kind in ("sum", "claim"):
        upper = rule.tolerance
        lower = None if rule.params.get("compare") == "le" else -rule.tolerance
    else:
        lower, upper = 0, 0
    return gx.expectations.ExpectColumnValuesToBeBetween(
        column="residual", min_value=lower, max_value=upper, row_condition=condition, condition_parser="pandas",
        meta={"rule_id": rule.id, "severity": rule.severity, "zh": rule.zh, "en": rule.en},
    )


def build_suite(name: str, rules: list[Rule]):
    import great_expectations as gx

    return gx.ExpectationSuite(name=name, expectations=[expectation(r) for r in rules])


def validate(frame: pd.DataFrame, rules: list[Rule]) -> tuple[set[int], dict]:
    """Validate the residual frame against the rules; (index labels of failing rows, per-rule statistics)."""
    if frame.empty:
        return set(), {}
    suite = build_suite("nianbao", rules)
    result = _batch_definition().get_batch(batch_parameters={"dataframe": frame}).validate(
        suite, result_format={"result_format": "COMPLETE"})
    failing: set[int] = set()
    stats = {}
    for r in result.results:
        rule_id = r.expectation_config.meta["rule_id"]
        if r.exception_info and r.exception_info.get("raised_exception"):
            raise RuntimeError(f"GX could not evaluate {rule_id}: {r.exception_info.get('exception_message')}")
        failing.update(r.result.get("unexpected_index_list") or [])
        stats[rule_id] = {"success": bool(r.success), "evaluated": r.result.get("element_count", 0),
                          "unexpected": r.result.get("unexpected_count", 0)}
    return failing, stats
