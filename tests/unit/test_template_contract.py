"""One definition of each template (pipelines/contract/templates.yml) and one of the identities (the `sum` rules
of expectations/extracted/report_cells.yml): a change to either reaches the extractor, the generator, the checks
and the audit sheet, and no Python module restates a label or an identity."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import yaml

from pipelines import contract as C
from pipelines.contract import identities as I

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter in which the named definition files read as the given texts: every module
# that imports the contract or the suites then builds itself from the changed definition.
_PRELUDE = """
import json, pathlib, sys
_CHANGED = json.loads(sys.argv[1])
_read = pathlib.Path.read_text
def _read_text(self, *args, **kwargs):
    return _CHANGED.get(self.name) or _read(self, *args, **kwargs)
pathlib.Path.read_text = _read_text
"""


def _run(changed: dict[str, str], code: str) -> dict:
    out = subprocess.run([sys.executable, "-c", _PRELUDE + code, json.dumps(changed)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_a_row_label_changed_in_the_yaml_is_printed_read_and_shown_as_changed():
    definition = yaml.safe_load(C.TEMPLATE_FILE.read_text(encoding="utf-8"))
    row = definition["tables"]["t3_applications"]["rows"]["denied_third_party_rights"]
    row.update(label="4.保护他人合法权益", match="他人", keys=["保护他人合法权益", "他人"])
    changed = {"templates.yml": yaml.safe_dump(definition, allow_unicode=True, sort_keys=False)}
    seen = _run(changed, """
from pipelines.audit import labels as audit
from pipelines.extract import labels as extract
from pipelines.extract.tables import extract_tables
from synth import labels as synth
from synth.model import build_report
from synth.render import RENDERERS
row = "denied_third_party_rights"
from pipelines.contract import T3_ROWS_V2019
printed = [label for key, _, _, label in synth.t3_rows(T3_ROWS_V2019, synth.Variants()) if key == row]
report = next(r for r in (build_report(f"0:{i}", "one_cell_per_line") for i in range(50))
              if r.gold["doc_type"] == "annual_report" and r.gold["cells"]["t3_applications"][row]["total"])
text = RENDERERS["one_cell_per_line"].render(report).decode("utf-8")
gold = report.gold["cells"]["t3_applications"][row]
found = extract_tables(text, report.template).cells["t3_applications"][row]
print(json.dumps({"extract": extract.T3_ROWS[row].official, "stream": extract.STREAM_KEYS[row],
                  "generator": printed, "audit": audit.row_label("t3_applications", row),
                  "in_document": "保护他人合法权益" in text, "old_in_document": "第三方" in text,
                  "read": {c: cell.value for c, cell in found.items()}, "gold": gold}))
""")
    assert seen["extract"] == seen["audit"] == "4.保护他人合法权益"
    assert seen["generator"] == ["4.保护他人合法权益"]
    assert seen["stream"] == ["保护他人合法权益", "他人"]
    assert seen["in_document"] and not seen["old_in_document"]
    assert seen["read"] == {c: (None if v is None else float(v)) for c, v in seen["gold"].items()}


def test_an_identity_changed_in_the_suite_reaches_the_solver_the_generator_and_the_checks():
    suite_file = ROOT / "expectations" / "extracted" / "report_cells.yml"
    suite = yaml.safe_load(suite_file.read_text(encoding="utf-8"))
    rule = next(r for r in suite["rules"] if r["id"] == "T4-01")
    rule["rhs"] = [ref for ref in rule["rhs"] if ref != "admin_review.pending"]  # pending no part of the total
    changed = {"report_cells.yml": yaml.safe_dump(suite, allow_unicode=True, sort_keys=False)}
    code = """
from pipelines.extract.tables import expected_rows
from pipelines.quality.compile import constants
from pipelines.quality.suites import rules
from synth import identities
t4 = expected_rows("v2021")[-1]
cells = {"t4_review_litigation": {"admin_review": {"upheld": 1, "corrected": 1, "other_outcome": 0, "pending": 2,
                                                    "total": 2}}}
refs = constants(list(rules()))["chk_fixed_refs"].filter(__import__("polars").col("rule_id") == "T4-01")
print(json.dumps({"groups": t4.groups, "fails": [f[0] for f in identities.check(cells, "v2021")],
                  "compiled": sorted(refs["ref_col"].to_list())}))
"""
    before, after = _run({}, code), _run(changed, code)
    assert before["groups"][0] == [[0, 1, 2, 3], 4] and after["groups"][0] == [[0, 1, 2], 4]
    assert "T4-01" in before["fails"] and "T4-01" not in after["fails"]
    assert before["compiled"] == ["corrected", "other_outcome", "pending", "total", "upheld"]
    assert after["compiled"] == ["corrected", "other_outcome", "total", "upheld"]


def _labels() -> set[str]:
    """Every printed label of the definition, in the forms code could restate it in."""
    out: set[str] = set()

    def add(label: str) -> None:
        out.update({label, C.ascii_form(label), C.split_numbering(label)[1]})

    for table in C.TABLES.values():
        for key in ("caption", "name", "note", "col_group"):
            if key in table:
                add(table[key])
        for entry in [*table["rows"].values(), *table["cols"].values()]:
            for label in entry["label"].values() if isinstance(entry["label"], dict) else [entry["label"]]:
                add(label)
        out.update(g["label"] for g in table.get("groups", {}).values())
        out.update([*table.get("col_groups", {}).values(), *table.get("row_groups", {}).values()])
    out.update(title for titles in C.SECTIONS for title in titles)
    out = {label for label in out if len(label) >= 2}
    # variants met in the wild; short ones (合计, 转结) are words prose uses too
    return out | {label for pair in C.ALIASES.values() for label in pair if len(label) >= 3}


def _identity_keys() -> list[tuple[str, frozenset[str]]]:
    """The sets of keys an identity names (each side, and both), for spotting a literal copy of one."""
    out = []
    for ident in I.identities():
        bare = [ref.split(".")[-1] if ident.for_each is None else ref for ref in ident.lhs + ident.rhs]
        n = len(ident.lhs)
        for side in (bare[:n], bare[n:], bare):
            if len(side) >= 3:
                out.append((ident.id, frozenset(side)))
    return out


def test_no_python_module_restates_a_template_label_or_an_identity():
    labels, idents = _labels(), _identity_keys()
    found: dict[str, set[str]] = {}
    for path in sorted([*ROOT.glob("pipelines/**/*.py"), *ROOT.glob("synth/**/*.py"), *ROOT.glob("assets/**/*.py")]):
        where = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in labels:
                found.setdefault(where, set()).add(f"label:{node.value}")
            elif isinstance(node, (ast.Tuple, ast.List, ast.Set)) and len(node.elts) >= 3 and all(
                    isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
                keys = frozenset(e.value for e in node.elts)
                found.setdefault(where, set()).update(
                    f"ident:{iid}" for iid, named in idents if keys == named or (len(keys) >= len(named) - 1
                                                                                 and keys <= named))
    assert {f: sorted(v) for f, v in found.items() if v} == {}, (
        "restated in Python instead of read from pipelines/contract/templates.yml or the suite")


def test_the_words_the_contract_reads_lines_by_are_words_of_its_labels():
    """The words templates.yml gives for telling a table's lines from headings are parts of the labels they
    stand for: T3's numbered labels (or a variant met in the wild), the T2 first columns' openings."""
    t3 = C.TABLES["t3_applications"]
    t3_labels = [C.label_of(e, t) for e in t3["rows"].values() for t in C.TEMPLATES]
    t3_labels += [g["label"] for g in t3["groups"].values()]
    variants = [v for pair in C.ALIASES.values() for v in pair]
    for word in C.PATTERNS["t3_label"].split("|"):
        assert word in variants or any(word in label for label in t3_labels), word
    words = C.DEFINITION["first_col_words"]
    firsts = {C.label_of(C.TABLES[t]["cols"][next(iter(spec.cols))], template)
              for template, specs in C.TEMPLATE_TABLES.items() for t, spec in specs.items() if t in C.T2_TABLES}
    assert all(any(label.startswith(w) for w in words) for label in firsts), firsts
    assert all(any(label.startswith(w) for label in firsts) for w in words), words


def test_the_loader_keeps_the_public_schema():
    assert C.TEMPLATES == ("v2019", "v2021")
    assert set(C.TEMPLATE_TABLES["v2019"]) - set(C.TEMPLATE_TABLES["v2021"]) == {"t2_art20_9"}
    assert C.T3_ROWS_V2019[-4:] == ("not_processed_reconfirm", "other_handling", "results_total", "carried_forward_out")
    assert C.T3_ROWS_V2021[20:23] == C.OTHER_SPLIT and C.OTHER_AS_ONE_ROW == "other_handling"
    assert C.V2019["t2_art20_5"].cols == {"prior_year_item_count": "int", "item_count_change": "sint",
                                          "decision_count": "int"}
    assert C.V2021["t2_art20_8"].cols == {"fee_amount_wan_yuan": "amt"}
    assert [s["key"] for s in C.DEFINITION["sections"]] == ["s1_overview", "s2_active_disclosure", "s3_applications",
                                                         "s4_review_litigation", "s5_problems", "s6_other"]
    assert [i.id for i in I.identities()] == ["T3-01", "T3-02", "T3-03", "T4-01", "T4-02", "T4-03"]
    assert I.detail_rows("t3_applications")[0] == "granted" and len(I.detail_rows("t3_applications")) == 22
