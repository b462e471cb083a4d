"""The one adapter from suite files to Great Expectations 1.x.

Each suite file becomes a GX `ExpectationSuite` (also kept as GX's own JSON in expectations/gx/, generated
from the YAML: `python -m pipelines.quality.gx`), each rule one `ExpectColumnValuesToBeBetween` on the
column named after the rule: a sum or claim rule expects |residual| ≤ tolerance (residual ≤ tolerance for
a `le` rule), a cells or flag rule a violation count of 0. GX validates a suite's residual table — one row
per rule instance, the rule's column holding its residual, empty where the instance is not that rule's or
not assessable (GX skips missing values) — once per suite for a whole run (or a large batch of it), and
its unexpected rows are the failures.

Two contexts: an ephemeral one (`nianbao check`, the tests), and for the checks asset a file context in the
data directory (`<data>/gx`), whose validation results are stored and rendered as GX Data Docs
(`<data>/gx/data_docs/index.html`). Both are created once per process.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.quality.suites import EXPECTATIONS_DIR, Rule, Suite, suites

if TYPE_CHECKING:
    import pandas as pd

GX_SUITES_DIR = EXPECTATIONS_DIR / "gx"  # GX's JSON of each suite, generated from the YAML
SITE = "nianbao"  # the Data Docs site of a file context
DATASOURCE = "nianbao_residuals"
INDEX_COLUMNS = ["row", "report", "scope"]  # identify an unexpected row (report = the first 16 hex of its id)
_LOCK = threading.Lock()


def bounds(rule: Rule) -> tuple[float | None, float]:
    if rule.kind in ("sum", "claim"):
        return (None if rule.params.get("compare") == "le" else -rule.tolerance), rule.tolerance
    return 0, 0


def expectation(rule: Rule):
    """The GX expectation of one rule: its column of the residual table within bounds."""
    import great_expectations as gx

    lower, upper = bounds(rule)
    return gx.expectations.ExpectColumnValuesToBeBetween(
        column=rule.id, min_value=lower, max_value=upper,
        meta={"rule_id": rule.id, "severity": rule.severity, "kind": rule.kind, "zh": rule.zh, "en": rule.en},
        severity="critical" if rule.hard else "warning",
        notes=f"{rule.zh} — {rule.en} ({rule.severity}; {rule.kind} rule of "
              f"expectations/{'/'.join(rule.target[:1])}/{rule.suite}.yml)",
    )


def build_suite(name: str, rules: list[Rule]):
    import great_expectations as gx

    return gx.ExpectationSuite(name=name, expectations=[expectation(r) for r in rules])


def gx_suite(suite: Suite):
    """The GX ExpectationSuite of one suite file."""
    out = build_suite(suite.name, list(suite.rules))
    out.meta.update({"source": str(suite.path.relative_to(EXPECTATIONS_DIR.parent)),
                     "target": "/".join(suite.target), "generated_from_yaml": True})
    return out


def suite_json(suite: Suite) -> dict:
    """GX's JSON of a suite (`ExpectationSuite.to_json_dict()`), without the ids a store would give it."""
    data = gx_suite(suite).to_json_dict()
    data.pop("id", None)
    for e in data.get("expectations", []):
        e.pop("id", None)
    return data


def suite_json_text(suite: Suite) -> str:
    return json.dumps(suite_json(suite), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_suite_files(directory: Path = GX_SUITES_DIR) -> list[Path]:
    """Regenerate expectations/gx/<suite>.json from the YAML suites."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for suite in suites():
        path = directory / f"{suite.name}.json"
        path.write_text(suite_json_text(suite), encoding="utf-8")
        out.append(path)
    return out


def _quiet(context) -> None:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)


@cache
def _ephemeral():
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    _quiet(context)
    return context


@cache
def _file_context(root: str):
    """The file context under `<root>/gx`, with a Data Docs site in `<root>/gx/data_docs`."""
    import great_expectations as gx

    context = gx.get_context(mode="file", project_root_dir=root)
    _quiet(context)
    if SITE not in context.get_site_names():
        context.add_data_docs_site(SITE, {
            "class_name": "SiteBuilder", "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(Path(root) / "gx" / "data_docs")},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"}})
    return context


def open_context(root: str | Path) -> None:
    """Import GX and open the file context under root (once per process)."""
    with _LOCK:
        _file_context(str(Path(root).resolve()))


def _batch_definition(context, suite_name: str):
    try:
        source = context.data_sources.get(DATASOURCE)
    except (KeyError, ValueError, LookupError):
        source = context.data_sources.add_pandas(DATASOURCE)
    try:
        asset = source.get_asset(suite_name)
    except (KeyError, ValueError, LookupError):
        asset = source.add_dataframe_asset(suite_name)
    try:
        return asset.get_batch_definition("residuals")
    except (KeyError, ValueError, LookupError):
        return asset.add_batch_definition_whole_dataframe("residuals")


def wide(frame: pd.DataFrame, rules: list[Rule]) -> pd.DataFrame:
    """A suite's residual table from long rows (row, report_id, rule_id, scope, residual, assessable): one row per
    instance of the suite's rules, one column per rule."""
    import pandas as pd  # here: `nianbao check` without --gx never needs it

    ids = [r.id for r in rules]
    mine = frame[frame["rule_id"].isin(ids)]
    out = pd.DataFrame({"row": mine["row"].to_numpy(), "report": mine["report_id"].str.slice(0, 16).to_numpy(),
                        "scope": mine["scope"].to_numpy()})
    residual = mine["residual"].where(mine["assessable"].astype(bool)).to_numpy(dtype="float64", na_value=float("nan"))
    rule_id = mine["rule_id"].to_numpy()
    for rid in ids:
        out[rid] = pd.Series(residual).where(rule_id == rid).to_numpy()
    return out


@dataclass
class Validated:
    failing: set[int] = field(default_factory=set)  # `row` of every unexpected instance
    stats: dict = field(default_factory=dict)  # rule id -> success, evaluated, unexpected
    results: list[str] = field(default_factory=list)  # ids of the stored validation results (file context)


def within_bounds(rows: list, rules: list[Rule]) -> Validated:
    """What `validate` finds, decided from the same bounds the GX expectations are built with (`bounds`), in
    Python and without importing GX (about 3 s): `nianbao check FILE`'s quick verdict. `rows` are residual rows
    (rule_id, residual, assessable), their position in the list is their `row`. Like GX's
    ExpectColumnValuesToBeBetween (inclusive bounds) on a residual table, a residual that is missing (not
    assessable, None or NaN) is not evaluated. tests/unit/test_rules.py asserts it agrees with GX on every rule
    fixture."""
    out = Validated()
    limits = {r.id: bounds(r) for r in rules}
    present = {row.rule_id for row in rows}
    # GX reports every expectation of a suite it validated (and validates the suites with a row)
    out.stats = {r.id: {"success": True, "evaluated": 0, "unexpected": 0}
                 for rs in by_suite(rules).values() if present & {r.id for r in rs} for r in rs}
    for i, row in enumerate(rows):
        residual = row.residual
        if not row.assessable or residual is None or residual != residual:
            continue
        lower, upper = limits[row.rule_id]
        stats = out.stats[row.rule_id]
        stats["evaluated"] += 1
        if (lower is not None and residual < lower) or residual > upper:
            out.failing.add(i)
            stats["unexpected"] += 1
            stats["success"] = False
    return out


def by_suite(rules: list[Rule]) -> dict[str, list[Rule]]:
    out: dict[str, list[Rule]] = {}
    for r in rules:
        out.setdefault(r.suite, []).append(r)
    return out


def validate(frame: pd.DataFrame, rules: list[Rule], root: str | Path | None = None,
             run_name: str | None = None, at: datetime | None = None) -> Validated:
    """Validate long residual rows against the rules' suites (one GX validation per suite). `frame` has columns
    row (unique), report_id, rule_id, scope, residual, assessable. With `root`, validation results are stored
    in the file context under `<root>/gx` (for Data Docs); otherwise an ephemeral context is used."""
    if frame.empty:
        return Validated()
    present = set(frame["rule_id"].unique())
    return validate_tables({name: wide(frame, suite_rules) for name, suite_rules in by_suite(rules).items()
                            if root is not None or present & {r.id for r in suite_rules}},
                           rules, root, run_name, at)


def residual_frame(table) -> pd.DataFrame:
    """A residual table as GX reads it: a pandas DataFrame as given, or one made here (where GX, and pandas with
    it, is imported) of a Parquet file (decide._wide's, report and scope read as categories) or an Arrow table.

    Categories, not strings: GX takes the whole frame's non-missing rows for each expectation and hashes the
    frame, and on string columns that was most of its time (10 000 reports: GX validation 3.9 -> 1.1 s for the
    report_cells and reports suites, the same stored results)."""
    if isinstance(table, (str, Path)):
        import pyarrow.parquet as pq

        table = pq.read_table(table, read_dictionary=["report", "scope"])
    return table if hasattr(table, "iloc") else table.to_pandas()


def validate_tables(tables: dict[str, pd.DataFrame | Path], rules: list[Rule], root: str | Path | None = None,
                    run_name: str | None = None, at: datetime | None = None) -> Validated:
    """Validate each suite's residual table (as `wide` makes it: row, report, scope, one column per rule): a
    pandas DataFrame, or a Parquet file of it (`residual_frame`)."""
    out = Validated()
    suites_ = by_suite(rules)
    with _LOCK:  # GX contexts are not thread-safe; a run validates from one thread anyway
        context = _file_context(str(Path(root).resolve())) if root else _ephemeral()
        for name, table in tables.items():
            table = residual_frame(table)
            result, result_id = _run(context, name, suites_[name], table, stored=root is not None,
                                     run_name=run_name, at=at)
            if result_id:
                out.results.append(result_id)
            for r in result.results:
                rule_id = r.expectation_config.meta["rule_id"]
                if r.exception_info and r.exception_info.get("raised_exception"):
                    raise RuntimeError(f"GX could not evaluate {rule_id}: {r.exception_info.get('exception_message')}")
                out.failing.update(int(i["row"]) for i in (r.result.get("unexpected_index_list") or []))
                out.stats[rule_id] = {"success": bool(r.success), "evaluated": r.result.get("element_count", 0)
                                      - r.result.get("missing_count", 0),
                                      "unexpected": r.result.get("unexpected_count", 0)}
    return out


def _run(context, name: str, rules: list[Rule], table: pd.DataFrame, stored: bool, run_name: str | None,
         at: datetime | None):
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    result_format = {"result_format": "COMPLETE", "unexpected_index_column_names": INDEX_COLUMNS,
                     "partial_unexpected_count": 20}
    batch_definition = _batch_definition(context, name)
    suite = build_suite(name, rules)
    if not stored:
        return batch_definition.get_batch(batch_parameters={"dataframe": table}).validate(
            suite, result_format=result_format), None
    suite = context.suites.add_or_update(suite)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch_definition, suite=suite))
    run_id = RunIdentifier(run_name=run_name, run_time=at)
    result = definition.run(batch_parameters={"dataframe": table}, result_format=result_format, run_id=run_id)
    from great_expectations.data_context.types.resource_identifiers import (ExpectationSuiteIdentifier,
                                                                           ValidationResultIdentifier)
    # the key ValidationDefinition.run stored it under (its batch id: "<datasource>-<asset>")
    key = ValidationResultIdentifier(expectation_suite_identifier=ExpectationSuiteIdentifier(name=name),
                                     run_id=run_id, batch_identifier=f"{DATASOURCE}-{name}")
    return result, _result_id(key)


def stored_results(root: str | Path, ids: list[str]) -> list:
    """The stored validation results of `ids` (as returned by `validate`) from the file context under root."""
    from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier

    with _LOCK:
        store = _file_context(str(Path(root).resolve())).validation_results_store
        return [store.get(ValidationResultIdentifier.from_tuple(tuple(i.split("/")))) for i in ids]


def stored_outcomes(root: str | Path, ids: list[str]) -> list[tuple[str, int, list[dict]]]:
    """Of each expectation in the stored validation results `ids`: (rule id, instances evaluated, the
    unexpected instances' index columns) — what the blocking guard reads, as plain data (from the GX process
    too, without importing GX in the run's)."""
    out = []
    for result in stored_results(root, ids):
        for r in result.results:
            out.append((r.expectation_config.meta["rule_id"],
                        r.result.get("element_count", 0) - r.result.get("missing_count", 0),
                        list(r.result.get("unexpected_index_list") or [])))
    return out


def _result_id(key) -> str:
    return "/".join(str(p) for p in key.to_tuple())


def prune(root: str | Path, keep_runs: int, keep: list[str] = ()) -> int:
    """Remove the stored validation results of every run but the newest `keep_runs` (a run: the results stored
    at one run time, every suite and part of it), never those in `keep`; how many were removed. The Data Docs
    pages of removed results go when the site is built next (GX drops the pages whose result is gone), so the
    site and the store stay the size of the last runs, and building the index reads only them."""
    with _LOCK:
        store = _file_context(str(Path(root).resolve())).validation_results_store
        keys = store.list_keys()
        newest = set(sorted({k.run_id.run_time for k in keys}, reverse=True)[:keep_runs])
        kept = set(keep)
        old = [k for k in keys if k.run_id.run_time not in newest and _result_id(k) not in kept]
        for key in old:
            store.remove_key(key)
        base = getattr(store.store_backend, "full_base_directory", None)
    if old and base:
        _remove_empty_folders(Path(base))
    return len(old)


def _remove_empty_folders(base: Path) -> None:
    """The folders under base left empty by removed results (GX removes only some of them)."""
    for folder in sorted((p for p in base.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


def stored_ids(root: str | Path) -> list[str]:
    """The ids of every stored validation result of the file context under root."""
    with _LOCK:
        return sorted(_result_id(k) for k in
                      _file_context(str(Path(root).resolve())).validation_results_store.list_keys())


def docs_index(root: str | Path) -> Path:
    """Where the Data Docs index of the file context under root is (built or not)."""
    return Path(root).resolve() / "gx" / "data_docs" / "index.html"


def build_docs(root: str | Path, results: list[str] | None = None) -> Path:
    """Build the Data Docs site of the file context under root; the path of its index.html. With `results`
    (validation result ids), only their pages and their suites' are rendered again (the index lists every
    stored result): a run's cost does not grow with the runs before it."""
    from great_expectations.data_context.types.resource_identifiers import (ExpectationSuiteIdentifier,
                                                                           ValidationResultIdentifier)

    root = Path(root).resolve()
    with _LOCK:
        context = _file_context(str(root))
        if results:
            keys = [ValidationResultIdentifier.from_tuple(tuple(i.split("/"))) for i in results]
            keys += [ExpectationSuiteIdentifier(name=n) for n in sorted({i.split("/")[0] for i in results})]
            context.build_data_docs(site_names=[SITE], resource_identifiers=keys)
        else:
            context.build_data_docs(site_names=[SITE])
    index = docs_index(root)
    if (index.parent / "validations").is_dir():
        _remove_empty_folders(index.parent / "validations")  # of the pages GX removed with their results
    _add_static_index(index)
    return index


_ROW = re.compile(r"'run_time': '([^']*)'.*?'run_name': '([^']*)'.*?'_expectation_suite_name_sort': '([^']*)'.*?"
                  r"'_table_row_link_path': '(validations/[^']*)', '_validation_success_text': '([^']*)'")
_SUITE_LINK = re.compile(r"'_table_row_link_path': '(expectations/[^']*\.html)'")
STATIC_ROWS = 60


def _add_static_index(index: Path) -> None:
    """GX's index draws its tables with scripts from public CDNs (jQuery, bootstrap-table): on a machine
    without internet access they stay empty. Add the same lists as plain HTML (the newest validation results
    first), so the index is readable offline; the pages it links to render without the scripts."""
    html = index.read_text(encoding="utf-8")
    if 'id="nianbao-static-index"' in html:
        return
    rows = sorted(set(_ROW.findall(html)), key=lambda r: (r[0], r[1], r[2]), reverse=True)
    suites_ = sorted(set(_SUITE_LINK.findall(html)))
    parts = ['<div id="nianbao-static-index" class="container-fluid px-3"><h4>Expectation suites</h4><ul>']
    parts += [f'<li><a href="{escape(link)}">{escape(Path(link).stem)}</a></li>' for link in suites_]
    parts.append(f"</ul><h4>Validation results</h4><small>the newest {min(len(rows), STATIC_ROWS)} of {len(rows)}"
                 "</small><table class=\"table-sm\"><tr><th>run time</th><th>run</th><th>suite</th><th>status</th></tr>")
    parts += [f'<tr><td>{escape(t)}</td><td>{escape(run)}</td><td>{escape(suite)}</td>'
              f'<td><a href="{escape(link)}">{escape(status)}</a></td></tr>'
              for t, run, suite, link, status in rows[:STATIC_ROWS]]
    parts.append("</table></div>")
    anchor = '<div id="section-1-content-block-2"'
    at = html.find(anchor)
    html = html[:at] + "".join(parts) + html[at:] if at >= 0 else html.replace("</body>", "".join(parts) + "</body>")
    index.write_text(html, encoding="utf-8")


if __name__ == "__main__":
    for p in write_suite_files():
        print(p)
