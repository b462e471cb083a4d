"""The expectation suites of expectations/*.yml as rules: id, severity, descriptions, tolerance, how to evaluate."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

EXPECTATIONS_DIR = Path(__file__).resolve().parents[2] / "expectations"
KINDS = ("sum", "cells", "claim", "flag")
SEVERITIES = ("hard", "soft")


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    zh: str
    en: str
    tolerance: float
    kind: str
    suite: str
    target: tuple[str, ...]
    params: dict = field(default_factory=dict, hash=False, compare=False)

    @property
    def hard(self) -> bool:
        return self.severity == "hard"

    def param(self, name: str):
        """One of the rule's `params` (a flag rule's thresholds, in its YAML entry)."""
        try:
            return self.params["params"][name]
        except KeyError:
            raise KeyError(f"rule {self.id} (suite {self.suite}) has no param {name!r}") from None


@dataclass(frozen=True)
class Suite:
    name: str
    target: tuple[str, ...]
    path: Path
    rules: tuple[Rule, ...]


_COMMON = {"id", "severity", "zh", "en", "tolerance", "kind"}


def load_suite(path: Path) -> Suite:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    target = tuple(data["target"])
    rules = []
    for entry in data["rules"]:
        missing = _COMMON - set(entry)
        if missing:
            raise ValueError(f"{path.name}: rule {entry.get('id')} lacks {sorted(missing)}")
        if entry["kind"] not in KINDS or entry["severity"] not in SEVERITIES:
            raise ValueError(f"{path.name}: rule {entry['id']} has kind {entry['kind']!r} / severity {entry['severity']!r}")
        zh, en = (_described(entry[k], entry.get("params") or {}, path, entry["id"]) for k in ("zh", "en"))
        rules.append(Rule(id=entry["id"], severity=entry["severity"], zh=zh, en=en,
                          tolerance=float(entry["tolerance"]), kind=entry["kind"], suite=data["suite"], target=target,
                          params={k: v for k, v in entry.items() if k not in _COMMON}))
    return Suite(name=data["suite"], target=target, path=path, rules=tuple(rules))


def _described(text: str, params: dict, path: Path, rule_id: str) -> str:
    """A description with its `{param}` fields (`{deadline[month]}` for a part) replaced by the values of the
    rule's params, so that it states the thresholds the check reads."""
    if not params:
        return text
    try:
        return text.format_map(params)
    except (KeyError, IndexError, ValueError) as e:
        raise ValueError(f"{path.name}: rule {rule_id}'s description {text!r} names no param of {sorted(params)}: "
                         f"{e}") from None


def suite_files() -> list[Path]:
    """Every suite file under expectations/, in name order."""
    return sorted(EXPECTATIONS_DIR.rglob("*.yml"))


@cache
def suites() -> tuple[Suite, ...]:
    return tuple(load_suite(p) for p in suite_files())


def rules() -> tuple[Rule, ...]:
    return tuple(r for s in suites() for r in s.rules)
