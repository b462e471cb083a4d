"""The extractor's shortcuts give what the plain computation gives: whitespace-free lines, gazetteer names
found run by run of name characters (cached per run), prose offsets kept per copied piece."""

from __future__ import annotations

import random
from pathlib import Path

from pipelines.extract import lines
from pipelines.extract.region import gazetteer

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"


def _texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(CORPUS.rglob("*")) if p.suffix in (".txt", ".html")]


def test_compact_lines_is_every_line_without_its_white_space():
    slow = lambda t: tuple("".join(line.split()) for line in t.splitlines())  # noqa: E731
    alphabet = list("ab 1\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\u3000\xa0\x1f")
    rng = random.Random(1)
    cases = _texts() + ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(20000)]
    for text in cases:
        lines.compact_lines.cache_clear()
        assert lines.compact_lines(text) == slow(text), repr(text[:80])


def test_gazetteer_names_found_run_by_run_are_the_automatons_longest_matches():
    g = gazetteer()
    names = list({**g.short, **g.full})
    rng = random.Random(3)
    cases = _texts() + [lines.compact(t) for t in _texts()]
    cases += ["".join(rng.choice(names + ["。", "1", "区", "县", "市", " "]) for _ in range(rng.randint(1, 40)))
              for _ in range(3000)]
    for text in cases:
        assert g.longest_names(text) == list(g.automaton.iter_long(text)), text[:80]


def test_prose_offsets_point_at_the_characters_they_stand_for():
    from pipelines.extract.narrative import _prose_stream

    for text in _texts():
        stream, offsets = _prose_stream(text)
        assert len(offsets) == len(stream)
        for i, ch in enumerate(stream):
            if ch not in "\n ":
                assert text[offsets[i]] == ch


def test_source_format_counts_lines_as_the_per_line_loop_did():
    from pipelines.extract.record import _BLANK_TAB_LINES, _NUMERIC_LINE, _NUMERIC_LINES, _TWO_PIPES

    rng = random.Random(5)
    alphabet = list("a|\t \n\r|1.-")
    for _ in range(50000):
        t = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        lines_ = t.split("\n")
        assert len(_TWO_PIPES.findall(t)) == sum(ln.count("|") >= 2 and not ln.isspace() for ln in lines_)
        assert t.startswith("\t") + t.count("\n\t") - len(_BLANK_TAB_LINES.findall(t)) == sum(
            ln.startswith("\t") and not ln.isspace() for ln in lines_)
        assert _NUMERIC_LINES.findall(t) == [ln for ln in lines_ if ln.strip() and _NUMERIC_LINE.fullmatch(ln)]
