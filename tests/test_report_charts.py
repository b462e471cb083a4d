"""The charts page (`nianbao report`, data/report.html) shows what its titles say: rates recomputed and never
stacked (none above 100%), outcome shares that add up to 1 per level, years in order, Chinese labels on
every axis, legend and level; and it renders (a Chromium screenshot kept in test-artifacts/)."""

from __future__ import annotations

import os
import re
import subprocess

import duckdb
import pytest
from test_cli import nianbao
from test_ui import ARTIFACTS, CHROMIUM

from pipelines.marts.charts import figure_data, figures

_ASCII_KEY = re.compile(r"^[a-z_]+$")


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory, corpus_dir):
    tmp = tmp_path_factory.mktemp("charts")
    inbox = tmp / "inbox"
    inbox.mkdir()
    for p in (corpus_dir / "samples").glob("*.txt"):
        (inbox / p.name).write_bytes(p.read_bytes())
    (inbox / "hongze-2023.pdf").write_bytes((corpus_dir / "pdf" / "hongze-district-2023.pdf").read_bytes())
    (inbox / "huaian-2024.pdf").write_bytes((corpus_dir / "pdf" / "huaian-city-2024.pdf").read_bytes())
    run = nianbao("run", "--inbox", str(inbox), tmp=tmp)
    assert run.returncode == 0, run.stdout + run.stderr
    return tmp / "data"


@pytest.fixture(scope="module")
def charts(snapshot):
    with duckdb.connect(str(snapshot / "published" / "nianbao.duckdb"), read_only=True) as conn:
        data = figure_data(conn)
    return data, dict(figures(data))


def _title(charts, start: str):
    return next(fig for title, fig in charts[1].items() if title.startswith(start))


def test_rates_are_recomputed_lines_never_stacked_bars(charts):
    fig = _title(charts, "各层级办结率")
    assert {t.type for t in fig.data} == {"scatter"}
    values = [y for t in fig.data for y in t.y if y is not None and y == y]
    assert values and all(0 <= y <= 1 for y in values), values
    assert fig.layout.yaxis.tickformat == ".0%"


def test_outcome_shares_add_up_to_one_per_level(charts):
    mix = charts[0]["mix"].dropna()
    assert not mix.empty
    assert all(abs(total - 1) < 1e-9 for total in mix.groupby("层级")["占比"].sum())
    assert _title(charts, "各层级办理结果构成").layout.yaxis.title.text == "占比"


def test_years_in_order(charts):
    by_year = [fig for fig in charts[1].values() if fig.layout.xaxis.title.text == "年度"]
    assert len(by_year) == 3
    for fig in by_year:
        order = list(fig.layout.xaxis.categoryarray)
        assert order and order == sorted(order)
        assert {x for t in fig.data for x in t.x} <= set(order)


def test_every_label_is_chinese(charts):
    for title, fig in charts[1].items():
        labels = [fig.layout.xaxis.title.text, fig.layout.yaxis.title.text] + [t.name for t in fig.data if t.name]
        labels += [a.text for a in fig.layout.annotations]
        english = [x for x in labels if x and _ASCII_KEY.match(str(x))]
        assert english == [], (title, english)
        levels = {x for t in fig.data for x in (t.x if t.x is not None else []) if isinstance(x, str)} | \
            {t.name for t in fig.data}
        assert not levels & {"township", "county", "prefectural", "provincial", "accepted", "quarantined"}, title


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="Debian's chromium is not installed")
def test_the_page_renders_and_is_kept_as_a_screenshot(snapshot, tmp_path):
    assert CHROMIUM, "chromium must be installed (make test installs it)"
    page = snapshot / "report.html"
    assert page.exists()
    html = page.read_text(encoding="utf-8")
    assert html.count("<h2>") == 5 and "<html lang=zh-CN>" in html
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report-charts.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=1400,3200",
                    "--virtual-time-budget=8000", f"--screenshot={shot}", page.as_uri()],
                   check=True, capture_output=True, timeout=120)
    assert shot.stat().st_size > 50_000
