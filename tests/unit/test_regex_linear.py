"""Every regular expression of the extractor runs in (near) linear time on hostile text.

A pattern with an ambiguous nested quantifier can backtrack exponentially on a string that almost matches:
`行政许可` followed by `-1` forty times and `x` took the tokenizer's number pattern hours (each `-1`
doubled the time), and extraction of the document never ended. Here every compiled pattern of
`pipelines/extract/` and of the grammar it reads (`pipelines/contract/grammar.py`) (module attributes, and those held in lists, dicts and row definitions) gets long
runs of the shapes that tempt backtracking — signs, decimal points, thousands commas, full-width digits,
placeholders, units, mixed separators — with and without a label before and a character after that makes
the match fail late, through `search`, `match` and `fullmatch`, each under a time bound.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
import signal
import time

import pytest

import pipelines.extract

BOUND_S = 0.5  # per pattern per string: linear patterns take milliseconds; exponential ones never finish
LENGTH = 5000  # characters of the repeated unit

UNITS = ["-1", "1.", ",1", "１", "无", "-1 ", "1 -", "1件", "1.1.", "1,1.", "—1", "十1", "(一)", "1、",
         "-1,1.1 １无—1件|\t/"]  # the last one: every separator mixed
PREFIXES = ["", "行政许可", "我局共"]
SUFFIXES = ["", "x", "。|"]


def _patterns() -> dict[str, re.Pattern]:
    found: dict[str, re.Pattern] = {}

    def collect(name: str, obj, depth: int = 0) -> None:
        if isinstance(obj, re.Pattern):
            found.setdefault(obj.pattern, (name, obj))
        elif depth < 3 and isinstance(obj, dict):
            for key, value in obj.items():
                collect(f"{name}[{key!r}]", value, depth + 1)
        elif depth < 3 and isinstance(obj, (list, tuple, set, frozenset)):
            for i, value in enumerate(obj):
                collect(f"{name}[{i}]", value, depth + 1)
        elif depth < 3 and dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            for f in dataclasses.fields(obj):
                collect(f"{name}.{f.name}", getattr(obj, f.name), depth + 1)

    # the grammar first: its patterns are named for it, not for the extractor's modules that import them
    names = ["pipelines.contract.grammar"] + [f"pipelines.extract.{info.name}"
                                             for info in pkgutil.iter_modules(pipelines.extract.__path__)]
    for name in names:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if not attr.startswith("__"):
                collect(f"{name.rsplit('.', 1)[1]}.{attr}", value)
    return dict(found.values())


PATTERNS = _patterns()


def test_the_patterns_of_the_tokenizer_and_its_siblings_are_all_collected():
    modules = {name.split(".")[0] for name in PATTERNS}
    assert {"grammar", "tokens", "values", "solver", "stream", "labels", "narrative", "metadata"} <= modules
    assert "tokens._GLUED" in PATTERNS and "stream._VALUE" in PATTERNS and len(PATTERNS) > 100


class _TooSlow(Exception):
    pass


def _interrupt(signum, frame):
    raise _TooSlow  # the regex engine checks for signals while it backtracks


def _seconds(call, *args) -> float:
    """How long `call(*args)` took, stopped at BOUND_S (then BOUND_S or a little more)."""
    previous = signal.signal(signal.SIGALRM, _interrupt)
    started = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, BOUND_S)
    try:
        call(*args)
    except _TooSlow:
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    return time.perf_counter() - started


@pytest.mark.parametrize("unit", UNITS)
def test_every_pattern_is_linear_on_long_runs(unit):
    body = unit * (LENGTH // len(unit) + 1)
    strings = [prefix + body + suffix for prefix in PREFIXES for suffix in SUFFIXES]
    slow = [f"{name}.{op.__name__}({text[:12]!r}…{text[-3:]!r}) ≥ {took:.2f} s"
            for name, pattern in PATTERNS.items() for text in strings
            for op in (pattern.search, pattern.match, pattern.fullmatch)
            if (took := _seconds(op, text)) >= BOUND_S]
    assert not slow, "\n".join(slow)


def test_the_crafted_cell_of_the_report_is_read_at_once():
    """The cell of the report: a label, `-1` forty times, a letter. It reads as one label (the tail is not
    all values) in well under a second."""
    from pipelines.extract.tokens import tokenize

    text = "行政许可" + "-1" * 40 + "x\n" + "行政处罚" + "-1" * 40 + "\n"
    assert _seconds(tokenize, text) < BOUND_S
    assert [t.text for t in tokenize(text)][:2] == ["行政许可" + "-1" * 40 + "x", "行政处罚"]
