"""Audit sheets (审核单) end to end: a real materialisation of every asset on the real samples and the real
洪泽区 2023 PDF (its T4 breaks two totals), then the pages the publish step wrote, the quality report, the
`nianbao check --html` command, and headless Chromium screenshots and a printed PDF of a sheet and the index
(test-artifacts/audit-sheet.png, audit-index.png, audit-sheet.pdf)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from lxml import etree

from conftest import REPO
from pipelines.audit.build import warehouse_texts, write_audit
from pipelines.audit.sheet import sheet_name
from pipelines.definitions import runnable
from pipelines.partitions import ALL_SHARDS
from pipelines.quality.suites import rules
from pipelines.resources import build_resources

NS = {"h": "http://www.w3.org/1999/xhtml"}
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium")
NIANBAO = str(Path(sys.executable).with_name("nianbao"))
HONGZE = "hongze-district-2023.pdf"


def parse(path: Path):
    """Strict: a page that is not well-formed fails here (no recovery)."""
    return etree.fromstring(path.read_bytes(), etree.XMLParser(recover=False, resolve_entities=False, no_network=True))


def text(node) -> str:
    return "".join(node.itertext())


def findings(doc) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    for tr in doc.iterfind(".//h:tr[@class='finding']", NS):
        out.setdefault(tr.get("data-rule"), []).append([text(td) for td in tr.iterfind("h:td", NS)])
    return out


def quote(doc, td) -> str | None:
    """The source text a cell shows when clicked: its number (data-q) in the page's list of quotes."""
    if td.get("data-q") is None:
        return None
    return json.loads(doc.find(".//h:script[@id='quotes']", NS).text)[int(td.get("data-q"))]


def td_titled(doc, label: str):
    found = [td for td in doc.iterfind(".//h:td", NS) if (td.get("title") or "").split("\n")[0] == label]
    assert len(found) == 1, label
    return found[0]


@pytest.fixture(scope="module")
def run(tmp_path_factory, corpus_dir):
    root = tmp_path_factory.mktemp("audit")
    inbox = root / "inbox"
    shutil.copytree(corpus_dir / "samples", inbox)
    shutil.copy(corpus_dir / "pdf" / HONGZE, inbox)
    warehouse = root / "data" / "warehouse.duckdb"
    result = dg.materialize(runnable(), resources=build_resources(inbox=str(inbox), warehouse=str(warehouse)),
                            tags=ALL_SHARDS)
    assert result.success
    published = [e for e in result.get_asset_materialization_events()
                 if e.asset_key == dg.AssetKey(["publish", "snapshot"])]
    metadata = published[0].materialization.metadata
    return root / "data", metadata, hashlib.sha256((corpus_dir / "pdf" / HONGZE).read_bytes()).hexdigest()


def test_the_publish_step_writes_a_sheet_per_report_and_links_the_index(run):
    data, metadata, _ = run
    index = data / "audit" / "index.html"
    assert metadata["audit_sheets"].value == str(index) and index.exists()
    with duckdb.connect(str(data / "published" / "nianbao.duckdb"), read_only=True) as conn:
        ids = {i for (i,) in conn.execute("select report_id from reports").fetchall()}
    assert len(ids) == 6 and metadata["audit_sheets_written_this_run"].value == 6
    rows = parse(index).findall(".//h:table[@id='reports']/h:tbody/h:tr", NS)
    assert len(rows) == len(ids)  # the index lists every report
    hrefs = {tr.find("h:td/h:a", NS).get("href") for tr in rows}
    assert hrefs == {sheet_name(i) for i in ids}
    for href in hrefs:
        parse(data / "audit" / href)  # every sheet is well-formed
    first = rows[0]  # quarantined first
    assert first.get("data-verdict") == "quarantined"
    by_file = {text(tr.findall("h:td", NS)[7]): tr for tr in rows}
    assert by_file[HONGZE].get("data-rules") == "T4-01 T4-03"
    assert text(by_file[HONGZE].findall("h:td", NS)[0]) == "隔离待核"


def test_the_hongze_sheet_names_the_two_broken_t4_totals_and_the_cell_to_fix(run):
    data, _, hongze = run
    doc = parse(data / "audit" / sheet_name(hongze))
    head = {text(th): text(th.getnext()) for th in doc.iterfind(".//h:table[@class='head']//h:th", NS)}
    assert head["机关"] == "淮安市洪泽区人民政府" and head["年度"] == "2023年" and head["来源文件"] == HONGZE
    assert head["层级"] == "县级" and head["地区"] == "江苏省淮安市洪泽区" and head["模板"] == "2021版"
    assert head["审核结论"].startswith("隔离待核 — 未通过硬性规则 T4-01、T4-03")
    found = findings(doc)
    hard = {rule: rows for rule, rows in found.items() if rows[0][0].endswith("硬性")}
    assert set(hard) == {"T4-01", "T4-03"}
    (review,) = hard["T4-01"]
    assert review[2].startswith("行政复议：总计 应等于 结果维持＋结果纠正＋其他结果＋尚未审结")
    assert review[3:] == ["0", "11", "-11"]
    (after,) = hard["T4-03"]
    assert after[2].startswith("复议后起诉：总计 应等于") and after[3:] == ["0", "5", "-5"]
    total = td_titled(doc, "行政复议 · 总计")
    assert {"fail", "suspect"} <= set(total.get("class").split()) and text(total) == "0应为 11"
    suspects = [[text(td) for td in tr.iterfind("h:td", NS)] for tr in doc.iterfind(".//h:tr[@class='suspect-row']", NS)]
    assert suspects[0][:4] == ["行政复议 · 总计", "0", "11", "T4-01"] and suspects[0][4].startswith("唯一")
    assert ["复议后起诉 · 总计", "0", "5", "T4-03"] in [s[:4] for s in suspects]
    # the T3 the report printed, in the template's rows; (六) printed as one row by this report
    t3_labels = [text(th) for th in doc.iterfind(".//h:table[@class='form t3']//h:th[@class='rl']", NS)]
    assert t3_labels[0] == "一、本年新收政府信息公开申请数量" and "（六）其他处理" in t3_labels
    assert text(td_titled(doc, "一、本年新收政府信息公开申请数量 · 总计")) == "21"


def test_every_cell_of_the_runs_sheets_shows_the_source_text_it_was_read_from(run, corpus_dir):
    """Provenance is stored with the cells (report_cells.source_start/source_end into document_text.text),
    so the sheets the run writes — not only `nianbao check --html` — show each cell's source text."""
    data, _, hongze = run
    doc = parse(data / "audit" / sheet_name(hongze))
    total = td_titled(doc, "一、本年新收政府信息公开申请数量 · 总计")
    assert "本年新收" in quote(doc, total) and "21" in quote(doc, total)
    yonghe = hashlib.sha256((corpus_dir / "samples" / "002_21970fde474fde16.txt").read_bytes()).hexdigest()
    doc = parse(data / "audit" / sheet_name(yonghe))
    valued = [td for td in doc.iterfind(".//h:table//h:td", NS) if (td.get("title") or "").count(" · ") == 1
              and text(td).strip() not in ("", "—")]
    assert valued and all(quote(doc, td) for td in valued), [td.get("title") for td in valued
                                                             if not quote(doc, td)][:5]
    # the source text quotes the row the cell was read from, its value included
    normative = td_titled(doc, "第二十条第（一）项 行政规范性文件 · 本年制发件数")
    assert "行政规范性文件 | 9 | 0 | 20" in quote(doc, normative)
    with duckdb.connect(str(data / "published" / "nianbao.duckdb"), read_only=True) as conn:
        missing = conn.execute("select count(*) from report_cells c join reports r using (report_id) "
                               "where r.doc_type = 'annual_report' and c.source_start is null").fetchone()[0]
    assert missing == 0


def test_a_pdf_cell_names_the_page_it_was_read_on(run, corpus_dir):
    """Provenance of a paged document includes the page: the decoder keeps where each page begins in the
    decoded text (document_text.page_starts), and every cell of the real Hongze PDF names the page its
    characters start on (report_cells.source_page) — T2 on pages 2 and 3, T3 split across pages 3 and 4, T4
    on page 4 of 5 — while the text reports have no page."""
    data, _, hongze = run
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        starts, pages, text = conn.execute("select page_starts, pages, text from document_text where document_id = ?",
                                           [hongze]).fetchone()
        cells = conn.execute("select table_key, row_key, col_key, source_start, source_page from report_cells "
                             "where report_id = ?", [hongze]).fetchall()
        text_pages = conn.execute("select count(*) from report_cells c join documents d on d.id = c.report_id "
                                  "where d.format = 'text' and c.source_page is not null").fetchone()[0]
    assert pages == 5 and len(starts) == 5 and starts[0] == 0 and starts == sorted(starts)
    assert cells and all(1 <= page <= 5 for *_, page in cells)
    for table, row, col, start, page in cells:  # the page named is the page the characters are on
        assert starts[page - 1] <= start < (starts[page] if page < 5 else len(text) + 1), (table, row, col)
    by_table = {}
    for table, _, _, _, page in cells:
        by_table.setdefault(table, set()).add(page)
    assert by_table["t2_art20_1"] == {2} and by_table["t2_art20_8"] == {3}
    assert by_table["t3_applications"] == {3, 4} and by_table["t4_review_litigation"] == {4}
    assert text_pages == 0
    with duckdb.connect(str(data / "published" / "nianbao.duckdb"), read_only=True) as conn:
        assert conn.execute("select count(*) from report_cells where report_id = ? and source_page is not null",
                            [hongze]).fetchone()[0] == len(cells)
    # the sheet's source text of a cell starts with the page it was read on
    doc = parse(data / "audit" / sheet_name(hongze))
    assert quote(doc, td_titled(doc, "行政复议 · 总计")).startswith("第4页 ")
    assert quote(doc, td_titled(doc, "一、本年新收政府信息公开申请数量 · 总计")).startswith("第3页 ")


def test_a_prose_contradiction_is_quoted_and_a_non_report_says_so(run, corpus_dir):
    data, _, _ = run
    yonghe = hashlib.sha256((corpus_dir / "samples" / "000_2f7257501bd8445e.txt").read_bytes()).hexdigest()
    doc = parse(data / "audit" / sheet_name(yonghe))
    (item,) = doc.findall(".//h:li[@class='contradiction']", NS)
    assert "共受理政府信息依申请公开件0件" in text(item.find("h:blockquote", NS))
    assert "正文称 0" in text(item) and "为 2" in text(item)
    self_inspection = hashlib.sha256((corpus_dir / "samples" / "001_2f212ad4ee3ae2a4.txt").read_bytes()).hexdigest()
    doc = parse(data / "audit" / sheet_name(self_inspection))
    verdict = text(doc.find(".//h:td[@class='verdict']", NS))
    assert verdict.startswith("隔离待核 — 不是政府信息公开工作年度报告（自查报告）")


def test_the_quality_report_is_valid_html_with_each_reports_results_under_it(run):
    data, _, hongze = run
    doc = parse(data / "quality_report.html")
    body = doc.find("h:body", NS)
    assert body is not None and doc.find("h:head/h:title", NS) is not None
    rules_table = body.find("h:table[@id='rules']", NS)
    assert len(rules_table.findall("h:tbody/h:tr", NS)) == len(rules())
    sections = body.findall("h:section[@class='report']", NS)
    assert sections and all(len(s.findall("h:table", NS)) == 1 for s in sections)
    # no report section inside the rules table, no rule row inside a report section
    assert not rules_table.findall(".//h:section", NS)
    assert not [tr for s in sections for tr in s.iterfind(".//h:tr[@class='rule']", NS)]
    (mine,) = [s for s in sections if s.get("id") == f"r-{hongze[:16]}"]
    rows = mine.findall("h:table/h:tbody/h:tr", NS)
    assert sorted(text(tr.find("h:td", NS)) for tr in rows) == ["T4-01", "T4-03"]
    assert mine.find(".//h:a", NS).get("href") == f"audit/{sheet_name(hongze)}"
    assert body.find(".//h:a[@href='audit/index.html']", NS) is not None


def test_only_reports_checked_again_are_re_rendered(run):
    data, _, hongze = run
    snapshot = data / "published" / "nianbao.duckdb"
    assert write_audit(snapshot, data / "audit")["sheets_written"] == 0
    (data / "audit" / sheet_name(hongze)).unlink()
    again = write_audit(snapshot, data / "audit")
    assert again["sheets_written"] == 1 and again["reports"] == 6
    assert (data / "audit" / sheet_name(hongze)).exists()


def test_sheets_written_by_worker_processes_are_the_same_files(run, tmp_path, monkeypatch):
    """Many sheets are written by worker processes (two reports a task here), each reading the snapshot
    read-only while the parent holds it open too: the files are byte for byte those written in-process."""
    import pipelines.audit.build as build

    data, _, _ = run
    snapshot = data / "published" / "nianbao.duckdb"
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        texts = dict(conn.execute("select document_id, text from document_text").fetchall())

    def given(ids: list[str]) -> dict[str, str]:
        return {i: texts[i] for i in ids if i in texts}

    alone = write_audit(snapshot, tmp_path / "alone", generated="t", texts=given, workers=1)
    monkeypatch.setattr(build, "PARALLEL_FROM", 1)
    monkeypatch.setattr(build, "CHUNK", 2)
    pooled = write_audit(snapshot, tmp_path / "pooled", generated="t", texts=given, workers=2)
    assert alone["sheets_written"] == pooled["sheets_written"] == 6
    files = sorted(p.name for p in (tmp_path / "alone").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "pooled").iterdir())
    for name in files:
        assert (tmp_path / "alone" / name).read_bytes() == (tmp_path / "pooled" / name).read_bytes(), name
    assert write_audit(snapshot, tmp_path / "pooled", generated="t", texts=given, workers=2)["sheets_written"] == 0


def nianbao(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp), "NIANBAO_DATA_DIR": str(tmp / "data")}
    return subprocess.run([NIANBAO, *args], capture_output=True, text=True, timeout=600, env=env)


def test_check_html_writes_a_sheet_for_one_report_and_a_folder_for_several(tmp_path, corpus_dir):
    pdf = corpus_dir / "pdf" / HONGZE
    one = tmp_path / "hongze.html"
    proc = nianbao("check", str(pdf), "--html", str(one), tmp=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # quarantined
    assert f"audit sheet: {one}" in proc.stdout.replace("\n", "")
    doc = parse(one)
    assert set(r for r, rows in findings(doc).items() if rows[0][0].endswith("硬性")) == {"T4-01", "T4-03"}
    assert text(td_titled(doc, "行政复议 · 总计")) == "0应为 11"
    # several: a folder with a sheet each and an index; the crawled page was read as a character stream,
    # so its cells show the source text they were read from, and its withheld T2 row says why
    many = tmp_path / "sheets"
    crawl = corpus_dir / "crawl" / "pingtan-2025.txt"
    proc = nianbao("check", str(pdf), str(crawl), "--html", str(many), tmp=tmp_path)
    assert proc.returncode == 1
    assert sorted(p.name for p in many.iterdir()) == sorted(
        ["index.html", "index-data-1.js", sheet_name(hashlib.sha256(pdf.read_bytes()).hexdigest()),
         sheet_name(hashlib.sha256(crawl.read_bytes()).hexdigest())])
    assert len(parse(many / "index.html").findall(".//h:table[@id='reports']/h:tbody/h:tr", NS)) == 2
    pingtan = parse(many / sheet_name(hashlib.sha256(crawl.read_bytes()).hexdigest()))
    new = td_titled(pingtan, "一、本年新收政府信息公开申请数量 · 自然人")
    assert text(new) == "151" and "【15130000154】" in quote(pingtan, new)
    withheld = td_titled(pingtan, "第二十条第（一）项 行政规范性文件 · 本年制发件数")
    assert "withheld" in withheld.get("class") and "连写数字有多种拆分" in text(withheld)
    assert "【5845546】" in quote(pingtan, withheld)


def _chromium(args: list[str]) -> None:
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={profile}", *args], capture_output=True, timeout=120)


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="Debian's chromium is not installed")
def test_screenshots_and_a_printed_pdf_of_the_sheet_and_the_index(run):
    assert CHROMIUM, "chromium must be installed (make test installs it)"
    data, _, hongze = run
    ARTIFACTS.mkdir(exist_ok=True)
    sheet, index = data / "audit" / sheet_name(hongze), data / "audit" / "index.html"
    shots = {"audit-sheet.png": (sheet, "1000,2350"), "audit-index.png": (index, "1400,700")}
    for name, (page, size) in shots.items():
        shot = ARTIFACTS / name
        shot.unlink(missing_ok=True)
        _chromium(["--virtual-time-budget=5000", f"--window-size={size}", f"--screenshot={shot}", page.as_uri()])
        assert shot.exists() and shot.stat().st_size > 40_000, name  # a drawn page, not a blank one
    printed = ARTIFACTS / "audit-sheet.pdf"
    printed.unlink(missing_ok=True)
    _chromium(["--no-pdf-header-footer", f"--print-to-pdf={printed}", sheet.as_uri()])
    pages = len(re.findall(rb"/Type\s*/Page[^s]", printed.read_bytes()))
    assert 1 <= pages <= 3, pages  # A4: the header and findings, T2, then T3 and T4 kept whole


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="Debian's chromium is not installed")
def test_a_click_on_a_cell_shows_its_source_text_in_a_browser(run, tmp_path):
    """In headless Chromium: the sheet the run wrote, with a click on two cells added at its end, shows each
    cell's source text (kept once in the page's list of quotes) in the box at the bottom."""
    assert CHROMIUM, "chromium must be installed (make test installs it)"
    data, _, hongze = run
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        write_audit(data / "published" / "nianbao.duckdb", tmp_path / "sheets",  # the sheets as a run writes them
                    texts=lambda ids: warehouse_texts(conn, ids))
    sheet = tmp_path / "sheets" / sheet_name(hongze)
    doc = parse(sheet)
    first, total = td_titled(doc, "一、本年新收政府信息公开申请数量 · 自然人"), td_titled(doc, "行政复议 · 总计")
    shown = {}
    for name, td in (("first", first), ("total", total)):
        page = tmp_path / f"{name}.html"
        click = (f"<script>document.querySelector('td[data-q=\"{td.get('data-q')}\"]').click();</script>")
        page.write_text(sheet.read_text(encoding="utf-8").replace("</body>", click + "</body>"), encoding="utf-8")
        with tempfile.TemporaryDirectory() as profile:
            out = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                  f"--user-data-dir={profile}", "--virtual-time-budget=3000", "--dump-dom",
                                  page.as_uri()], capture_output=True, text=True, timeout=120).stdout
        box = etree.fromstring(out.encode(), etree.HTMLParser()).find(".//div[@id='src']")
        assert "display: block" in box.get("style", ""), out[-500:]
        shown[name] = "".join(box.itertext())
    assert shown["first"] == "原文：" + quote(doc, first) and "本年新收" in shown["first"]
    assert shown["total"] == "原文：" + quote(doc, total) and shown["total"] != shown["first"]


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="Debian's chromium is not installed")
def test_the_index_filter_and_sort_work_on_every_report_in_a_browser(tmp_path):
    """In headless Chromium, from the file system: a filter typed on page 1 finds a report listed on page 3
    (read from the data files), and a filtered, sorted view is linkable through the address."""
    from pipelines.audit.index import Entry, render_index

    assert CHROMIUM, "chromium must be installed (make test installs it)"
    entries = [Entry(f"{i:016x}" + "0" * 48, f"{i:016x}.html", f"机关{i}", 2019 + i % 6, ("county", "township")[i % 2],
                     ("江苏省淮安市", "福建省平潭县", "浙江省")[i % 3], "v2021",
                     "quarantined" if i % 10 == 0 else "accepted", f"f{i}.pdf", ["T4-01"] if i % 10 == 0 else [])
               for i in range(1201)]
    for name, content in render_index(entries):
        (tmp_path / name).write_text(content, encoding="utf-8")
    index = tmp_path / "index.html"
    assert "机关1201" not in index.read_text(encoding="utf-8")  # not on the first page

    def dom(fragment: str) -> etree._Element:
        with tempfile.TemporaryDirectory() as profile:
            out = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                  f"--user-data-dir={profile}",
                                  "--virtual-time-budget=5000", "--dump-dom", index.as_uri() + fragment],
                                 capture_output=True, text=True, timeout=120).stdout
        return etree.fromstring(out.encode(), etree.HTMLParser())

    def rows(doc) -> list[list[str]]:
        return [["".join(td.itertext()) for td in tr.iterfind("td")] for tr in doc.iterfind(".//table[@id='reports']/tbody/tr")]

    found = rows(dom("#text=" + "机关1198"))
    assert [r[4] for r in found] == ["机关1198"], found[:3]
    page = dom("#verdict=quarantined&region=" + "福建" + "&sort=1")  # quarantined 福建 reports, by year
    listed = rows(page)
    expected = [e for e in entries if e.status == "quarantined" and e.region.startswith("福建")]
    assert len(listed) == len(expected) == 40 and all(r[0] == "隔离待核" and r[2] == "福建省平潭县" for r in listed)
    assert [int(r[1]) for r in listed] == sorted(e.year for e in expected)
    assert "全部 1201 份中的 40 份" in "".join(page.find(".//span[@id='of']").itertext())
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "audit-index-filtered.png"
    shot.unlink(missing_ok=True)
    _chromium(["--virtual-time-budget=5000", "--window-size=1400,700",
               f"--screenshot={shot}", index.as_uri() + "#verdict=quarantined&region=福建&sort=1"])
    assert shot.exists() and shot.stat().st_size > 40_000
