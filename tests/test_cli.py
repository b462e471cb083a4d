"""The `nianbao` command line, run as a user runs it: the installed console script in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

NIANBAO = str(Path(sys.executable).with_name("nianbao"))


def nianbao(*args: str, tmp: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {"PATH": os.environ["PATH"], "HOME": str(tmp), "DAGSTER_HOME": str(tmp / "dagster_home"),
               "NIANBAO_DATA_DIR": str(tmp / "data"), **env}
    return subprocess.run([NIANBAO, *args], capture_output=True, text=True, timeout=600, env=environ)


@pytest.mark.parametrize("command", [[], ["run"], ["ui"]])
def test_help_on_every_command(tmp_path, command):
    proc = nianbao(*command, "--help", tmp=tmp_path)
    assert proc.returncode == 0 and "Usage" in proc.stdout


def test_run_on_an_inbox_prints_the_summary_and_exits_0(tmp_path, corpus_dir):
    inbox = tmp_path / "inbox"
    shutil.copytree(corpus_dir / "samples", inbox)
    (inbox / "empty.txt").write_bytes(b"")
    warehouse = tmp_path / "w" / "warehouse.duckdb"
    proc = nianbao("run", "--inbox", str(inbox), "--warehouse", str(warehouse), tmp=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = " ".join(proc.stdout.replace("│", " ").split())
    # format, accepted, rejected, total
    assert "text 5 0 5" in out and "unknown 0 1 1" in out and "all 5 1 6" in out
    assert "empty.txt: empty_file" in out
    assert str(warehouse) in proc.stdout and "127.0.0.1:3000" in out
    assert "DEBUG" not in proc.stderr
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        assert conn.execute("select count(*) from documents").fetchone() == (6,)


def test_default_inbox_comes_from_the_environment(tmp_path, corpus_dir):
    inbox = tmp_path / "env-inbox"
    inbox.mkdir()
    shutil.copy(corpus_dir / "samples" / "002_21970fde474fde16.txt", inbox)
    proc = nianbao("run", tmp=tmp_path, NIANBAO_INBOX=str(inbox))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True) as conn:
        assert conn.execute("select original_name from documents").fetchall() == [("002_21970fde474fde16.txt",)]


def test_a_folder_as_warehouse_is_a_usage_error(tmp_path, corpus_dir):
    warehouse = tmp_path / "is-a-directory.duckdb"
    warehouse.mkdir()
    proc = nianbao("run", "--inbox", str(corpus_dir / "samples"), "--warehouse", str(warehouse), tmp=tmp_path)
    assert proc.returncode == 2 and "is a folder" in proc.stdout


def test_a_failed_run_exits_non_zero_and_says_where(tmp_path, corpus_dir):
    data = tmp_path / "data"
    data.mkdir()
    (data / "store").write_text("a file where the document store should be")
    proc = nianbao("run", "--inbox", str(corpus_dir / "samples"), tmp=tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "failed in raw__documents" in proc.stdout


def test_extract_json_prints_the_gold_shape(tmp_path, corpus_dir):
    import json

    proc = nianbao("extract", str(corpus_dir / "pdf" / "hongze-district-2023.pdf"), "--json", tmp=tmp_path)
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    gold = json.loads((corpus_dir / "gold" / "hongze-district-2023.json").read_text(encoding="utf-8"))
    assert record["cells"] == gold["cells"]
    assert {k: record[k] for k in ("doc_type", "agency", "year", "template")} == \
        {k: gold[k] for k in ("doc_type", "agency", "year", "template")}
    assert all(set(issue) == {"code", "severity", "message", "location"} for issue in record["issues"])
    assert "single_other_row" in {issue["code"] for issue in record["issues"]}


def test_extract_several_files_human_readable_and_a_rejected_one(tmp_path, corpus_dir):
    (tmp_path / "junk.bin").write_bytes(bytes(range(256)) * 8)
    proc = nianbao("extract", str(corpus_dir / "samples" / "004_cb93c0191c209947.txt"), str(tmp_path / "junk.bin"),
                   tmp=tmp_path)
    assert proc.returncode == 1
    assert "annual_report" in proc.stdout and "t3_applications" in proc.stdout and "马渚镇人民政府" in proc.stdout
    assert "junk.bin: rejected" in proc.stdout and "binary_data" in proc.stdout


def test_synth_writes_an_inbox_and_gold_records(tmp_path):
    proc = nianbao("synth", "--count", "4", "--out", str(tmp_path / "s"), "--layouts", "html", "--layouts", "docx",
                   "--seed", "5", tmp=tmp_path)
    assert proc.returncode == 0, proc.stderr
    docs = sorted(p.name for p in (tmp_path / "s" / "docs").iterdir())
    gold = sorted(p.stem for p in (tmp_path / "s" / "gold").iterdir())
    assert len(docs) == 4 and [d.rsplit(".", 1)[0] for d in docs] == gold
    assert {d.rsplit(".", 1)[1] for d in docs} == {"html", "docx"}
    bad = nianbao("synth", "--count", "1", "--out", str(tmp_path / "x"), "--layouts", "fax", tmp=tmp_path)
    assert bad.returncode == 2 and "unknown layout" in bad.stderr


def test_check_names_the_failing_rules_and_the_suspect_cell(tmp_path, corpus_dir):
    proc = nianbao("check", str(corpus_dir / "pdf" / "hongze-district-2023.pdf"), tmp=tmp_path)
    assert proc.returncode == 1
    out = " ".join(proc.stdout.split())
    assert "quarantined" in out and "T4-01 (hard)" in out and "T4-03 (hard)" in out
    assert "suspect cell: t4_review_litigation.admin_review.total printed 0, 11 would make T4-01 hold" in out


def test_check_with_gx_prints_the_same_verdicts(tmp_path, corpus_dir):
    """--gx lets Great Expectations decide, as a pipeline run does: the same output for a quarantined real PDF
    and an accepted real report with warnings, given together."""
    files = [str(corpus_dir / "pdf" / "hongze-district-2023.pdf"),
             str(corpus_dir / "samples" / "000_2f7257501bd8445e.txt")]
    quick, with_gx = nianbao("check", *files, tmp=tmp_path), nianbao("check", *files, "--gx", tmp=tmp_path)
    assert quick.returncode == with_gx.returncode == 1
    assert "T4-01 (hard)" in quick.stdout and "NT-01 (soft)" in quick.stdout
    assert quick.stdout == with_gx.stdout


def test_check_passes_a_correct_report_with_its_warnings(tmp_path, corpus_dir):
    proc = nianbao("check", str(corpus_dir / "samples" / "000_2f7257501bd8445e.txt"), tmp=tmp_path)
    assert proc.returncode == 0, proc.stdout
    assert "accepted" in proc.stdout and "NT-01 (soft)" in proc.stdout


def test_sql_is_read_only_and_formats(tmp_path, corpus_dir):
    import json

    data = tmp_path / "data"
    run = nianbao("run", "--inbox", str(corpus_dir / "samples"), tmp=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Published marts" in run.stdout
    table = nianbao("sql", "select agency, year from mart_agency_year order by year", tmp=tmp_path)
    assert table.returncode == 0 and "马渚镇人民政府" in table.stdout and "4 rows" in table.stdout
    as_json = json.loads(nianbao("sql", "select count(*) as n from report_quality", "--format", "json",
                                 tmp=tmp_path).stdout)
    assert as_json == [{"n": 5}]
    as_csv = nianbao("sql", "select 1 as a, 'x' as b", "--format", "csv", tmp=tmp_path).stdout
    assert as_csv.splitlines() == ["a,b", "1,x"]
    refused = nianbao("sql", "drop table reports", tmp=tmp_path)
    assert refused.returncode == 1 and "read-only" in refused.stdout
    assert (data / "published" / "nianbao.duckdb").exists()
    page = nianbao("report", "--out", str(tmp_path / "r.html"), tmp=tmp_path)
    assert page.returncode == 0, page.stdout + page.stderr
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "各层级办理结果构成" in html and "各规则未通过的报告数" in html
    assert "plotly" in html.lower() and (data / "report.html").exists()


def test_csv_exports_do_not_carry_formulas(tmp_path, corpus_dir):
    """A JSON record whose agency is a spreadsheet formula: the CSV export shows it as text (a leading '),
    the Parquet export and the snapshot keep it as it is, and every other CSV cell is what DuckDB writes."""
    import csv
    import json

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    record = json.loads((corpus_dir / "gold" / "000_2f7257501bd8445e.json").read_text(encoding="utf-8"))
    formula = '=HYPERLINK("http://evil.example/x","永和镇")'
    record["agency"] = formula
    (inbox / "record.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    shutil.copy(corpus_dir / "samples" / "003_aab5423710c0abba.txt", inbox)
    run = nianbao("run", "--inbox", str(inbox), tmp=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    exports = tmp_path / "data" / "exports"
    with duckdb.connect(str(tmp_path / "data" / "published" / "nianbao.duckdb"), read_only=True) as conn:
        assert conn.execute("select count(*) from mart_agency_year where agency = ?", [formula]).fetchone()[0] == 1
        for mart in ("mart_agency_year", "mart_active_disclosure_v2019"):
            plain = tmp_path / f"{mart}.plain.csv"
            conn.execute(f"copy (select * from {mart}) to '{plain}' (format csv, header)")
            assert (exports / f"{mart}.csv").read_bytes()[:3] == b"\xef\xbb\xbf"  # Excel/WPS read it as UTF-8
            with open(exports / f"{mart}.csv", newline="", encoding="utf-8-sig") as a, \
                    open(plain, newline="", encoding="utf-8") as b:
                exported, written = list(csv.reader(a)), list(csv.reader(b))
            assert len(exported) == len(written) > 1
            changed = {(x, y) for row, raw in zip(exported, written) for x, y in zip(row, raw) if x != y}
            assert ("'" + formula, formula) in changed, mart
            formulas = {(x, y) for x, y in changed if y[:1] in "=+-@\t\r"}
            assert all(x == "'" + y for x, y in formulas), formulas
            # nothing else but a whole number printed as one (a count: 9, not 9.0)
            assert all(float(y) == int(x) for x, y in changed - formulas), changed - formulas
            assert duckdb.sql(f"select count(*) from '{exports / mart}.parquet' where agency = ?",
                              params=[formula]).fetchone()[0] > 0
    with open(exports / "mart_quality.csv", newline="", encoding="utf-8-sig") as f:
        maps = [row["failures_per_rule"] for row in csv.DictReader(f) if row["failures_per_rule"]]
    assert maps and all(isinstance(json.loads(m), dict) for m in maps)  # JSON, not DuckDB's {k=v}


def test_check_exits_1_on_a_document_that_is_not_a_report(tmp_path, corpus_dir):
    done = nianbao("check", str(corpus_dir / "samples" / "001_2f212ad4ee3ae2a4.txt"), tmp=tmp_path)
    assert done.returncode == 1, done.stdout
    assert "not an annual report" in done.stdout


@pytest.mark.parametrize("args", [["--count", "-3"], ["--count", "0"], ["--error-rate", "1.5"]])
def test_synth_refuses_counts_and_rates_out_of_range(tmp_path, args):
    done = nianbao("synth", *args, "--out", str(tmp_path / "s"), tmp=tmp_path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Invalid value" in done.stdout + done.stderr
    assert not (tmp_path / "s" / "docs").exists()
