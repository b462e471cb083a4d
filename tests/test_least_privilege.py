"""Least privilege: nothing in a document is fetched or executed (external images, stylesheets, scripts,
XML external entities, links and PDF actions, all pointing at a live local server that counts requests),
SQL is never built from input text, and the UI binds to loopback unless told otherwise."""

from __future__ import annotations

import ast
import http.server
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

import badfiles
from pipelines.decode.guard import decode_many
from pipelines.decode.model import Decoded, DecodeError, Limits
from pipelines.extract.record import extract_safely

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def server():
    """A local HTTP server that records every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"\xe7\xa7\x98\xe5\xaf\x86 secret-from-the-network")

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", hits
    httpd.shutdown()


def _html(url: str) -> bytes:
    return f"""<!DOCTYPE html><html><head><link rel="stylesheet" href="{url}/style.css">
<script src="{url}/app.js"></script><script>fetch("{url}/inline-js")</script>
<meta http-equiv="refresh" content="0; url={url}/refresh"><style>@import url("{url}/import.css");</style></head>
<body><h1>某县2023年政府信息公开工作年度报告</h1><img src="{url}/image.png"><iframe src="{url}/frame"></iframe>
<object data="{url}/object"></object><a href="{url}/link">链接</a><p style="background:url({url}/bg.png)">正文</p>
</body></html>""".encode()


def _html_with_external_entity(url: str) -> bytes:
    return (f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY x SYSTEM "{url}/xxe">]>'
            "<html><body><p>&x;</p></body></html>").encode()


def _docx(url: str, entity: bool) -> bytes:
    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    r = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    doctype = f'<!DOCTYPE d [<!ENTITY x SYSTEM "{url}/docx-xxe">]>' if entity else ""
    body = "&x;" if entity else "某县2023年政府信息公开工作年度报告"
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
            f'relationships"><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/image" Target="{url}/docx-image.png" TargetMode="External"/>'
            f'<Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/hyperlink" Target="{url}/docx-link" TargetMode="External"/></Relationships>')
    document = (f'<?xml version="1.0"?>{doctype}<w:document {w} {r}><w:body><w:p><w:hyperlink r:id="rId8">'
                f'<w:r><w:t>{body}</w:t></w:r></w:hyperlink></w:p></w:body></w:document>')
    return badfiles._docx_with_document_xml(document, {"word/_rels/document.xml.rels": rels})


def _pdf(url: str) -> bytes:
    # a page whose annotations would open a URI and launch a program, and a document that would run JS
    pdf = badfiles.build_pdf([badfiles.TEXT])
    action = (f"/OpenAction << /S /URI /URI ({url}/pdf-open) >> /AA << /O << /S /Launch /F (/bin/touch) >> >> "
              f"/Names << /JavaScript << /Names [(x) << /S /JavaScript /JS (app.launchURL('{url}/pdf-js')) >>] >> >>")
    return pdf.replace(b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Catalog /Pages 2 0 R " + action.encode()
                       + b">>")


def test_nothing_in_a_document_is_fetched_or_run(server, tmp_path):
    url, hits = server
    documents = {"page.html": (_html(url), "html"), "xxe.html": (_html_with_external_entity(url), "html"),
                 "links.docx": (_docx(url, entity=False), "docx"), "xxe.docx": (_docx(url, entity=True), "docx"),
                 "actions.pdf": (_pdf(url), "pdf")}
    jobs = []
    for name, (data, fmt) in documents.items():
        (tmp_path / name).write_bytes(data)
        jobs.append((name, str(tmp_path / name), fmt, "utf-8" if fmt == "html" else None))
    outcomes = dict(decode_many(jobs, Limits(), timeout_s=60, memory_mb=1536, workers=2))
    assert isinstance(outcomes["page.html"], Decoded) and "年度报告" in outcomes["page.html"].text
    assert outcomes["xxe.html"].code == "html_entity_declaration"
    assert isinstance(outcomes["links.docx"], Decoded) and "年度报告" in outcomes["links.docx"].text
    assert outcomes["xxe.docx"].code == "docx_xml_entities"
    assert isinstance(outcomes["actions.pdf"], Decoded)
    for name, outcome in outcomes.items():
        if isinstance(outcome, Decoded):
            extract_safely(name, outcome, documents[name][1])
            assert "secret-from-the-network" not in outcome.text and "秘密" not in outcome.text
    assert hits == []  # not one request reached the server
    assert not list(tmp_path.glob("touch*"))


def test_the_server_would_have_noticed_a_fetch(server):
    import urllib.request

    url, hits = server
    urllib.request.urlopen(f"{url}/probe", timeout=5).read()
    assert hits == ["/probe"]  # the counting works, so the zero above means something


# --- SQL is never built from input text ----------------------------------------------------------------

# Names that may appear inside an f-string of SQL: table/column names and clauses from code constants (a
# mart preview's `select`/`order` from its column list; a GX residual table's `columns` from rule ids checked
# against ^[A-Z][A-Z0-9]-\d{2}$); a file path only through a `_literal` (publish's, decide's), which quotes it (ATTACH and
# COPY take no bound file names).
SQL_NAMES_ALLOWED = {"table", "m", "mart", "id_col", "_READ", "wanted", "where", "options", "cells", "select", "order",
                     "columns"}


def _quoted(value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "_literal"


def _sql_fstrings() -> list[tuple[str, int, set[str]]]:
    found = []
    for path in [*REPO.glob("pipelines/**/*.py"), *REPO.glob("assets/*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("execute", "executemany", "sql") and node.args):
                continue
            sql = node.args[0]
            parts = [sql.left, sql.right] if isinstance(sql, ast.BinOp) else [sql]
            for part in parts:
                if isinstance(part, ast.JoinedStr):
                    names = {n.id for v in part.values if isinstance(v, ast.FormattedValue)
                             and not _quoted(v.value) for n in ast.walk(v.value) if isinstance(n, ast.Name)}
                    found.append((f"{path.relative_to(REPO)}", node.lineno, names))
    return found


def test_sql_f_strings_interpolate_only_code_constants():
    found = _sql_fstrings()
    assert found, "the scan found no f-string SQL at all: it is not looking at the right files"
    offending = [(f, line, names - SQL_NAMES_ALLOWED) for f, line, names in found if names - SQL_NAMES_ALLOWED]
    assert offending == [], "SQL built from something other than a code constant; bind it as a parameter"


def test_a_document_full_of_sql_is_only_data(tmp_path, corpus_dir):
    """SQL in a document's text, in its file name and in the agency it names reaches the warehouse as
    data: every table is still there, and the text is stored as it was written."""
    import dagster as dg
    import duckdb

    from pipelines.definitions import runnable
    from pipelines.partitions import ALL_SHARDS
    from pipelines.resources import build_resources

    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    inbox.mkdir()
    sql = "'); drop table reports; --"
    text = (corpus_dir / "samples" / "004_cb93c0191c209947.txt").read_text(encoding="utf-8")
    (inbox / f"x{sql.replace('/', '')}.txt").write_text(text.replace("马渚镇人民政府", f"马渚镇{sql}人民政府", 1),
                                                        encoding="utf-8")
    result = dg.materialize(runnable(), resources=build_resources(inbox=str(inbox), warehouse=str(warehouse)),
                            tags=ALL_SHARDS)
    assert result.success
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = {t for (t,) in conn.execute("select table_name from information_schema.tables").fetchall()}
        assert {"reports", "report_cells", "documents", "document_text"} <= tables
        assert conn.execute("select count(*) from reports").fetchone()[0] == 1
        assert conn.execute("select count(*) from documents where original_name like ?", [f"%{sql[:8]}%"]).fetchone()[0] == 1
        assert sql in conn.execute("select text from document_text").fetchone()[0]


# --- the UI listens on loopback ------------------------------------------------------------------------

def test_the_ui_binds_to_loopback_by_default(monkeypatch):
    from pipelines.ops import cli

    started = []
    monkeypatch.setattr(cli.os, "execv", lambda path, argv: started.append(argv))
    monkeypatch.setattr(cli.os, "chdir", lambda path: None)
    assert CliRunner().invoke(cli.app, ["ui"]).exit_code == 0
    argv = started[0]
    assert argv[argv.index("-h") + 1] == "127.0.0.1"
    assert CliRunner().invoke(cli.app, ["ui", "--host", "0.0.0.0"]).exit_code == 0
    assert started[1][started[1].index("-h") + 1] == "0.0.0.0"  # only when asked for
