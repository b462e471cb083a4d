"""The real-derived corpus: every real gold document of ../shared/corpus rendered into the other shapes it
could arrive in (spec §9), built with real tools, and a score of every gold cell of each extraction.

Families (FAMILIES):
- `chromium_pdf` — headless Debian Chromium's print-to-PDF of the real report page (crawl/pingtan-2025.html,
  its remote CSS/JS unreachable) and of the four sample reports rendered to a plain HTML page (one <p> per
  line, pipe-table lines as a <table>), with Chromium's default header and footer on every page (print
  date and time, page title; file URL, page n/N) as a user's print has them;
- `chromium_pdf_bare` — the same prints without header and footer (`--no-pdf-header-footer`);
- `pdf_markdown` — pymupdf4llm's PDF → Markdown of the three real PDFs (pdf/*.pdf);
- `docx` — python-docx documents: the report page's article (title, paragraphs, and every <table> as a Word
  table with rowspan/colspan merged) and the pipe-table sample 002 (its pipe tables as Word tables).

Each derived document carries the gold of the document it came from. A gold cell scores `right` (the same
value; a gold null read as null or absent), `withheld` (gold has a number, the record has none) or `wrong`
(a different number, or a number where gold is null). Pure functions: no pytest here, so a benchmark
script can build and score the same corpus (`measure`, `format_table`).
"""

from __future__ import annotations

import html as html_lib
import json
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from lxml import html as lxml_html

CHROMIUM = shutil.which("chromium")
FAMILIES = ("chromium_pdf", "chromium_pdf_bare", "pdf_markdown", "docx")
SAMPLE_REPORTS = ("000_2f7257501bd8445e", "002_21970fde474fde16", "003_aab5423710c0abba", "004_cb93c0191c209947")
PIPE_SAMPLE = "002_21970fde474fde16"
REPORT_PAGE = "crawl/pingtan-2025.html"


# ---------------------------------------------------------------------------------------------- block model

@dataclass(frozen=True)
class Cell:
    """One table cell: its text as paragraphs (a label split over several <p> stays split) and its spans."""
    lines: tuple[str, ...]
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class Para:
    text: str


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[Cell, ...], ...]


Block = Para | Table


def _is_pipe_line(line: str) -> bool:
    s = line.strip()
    return "|" in s and (s.endswith("|") or " | " in s)


def text_blocks(text: str) -> list[Block]:
    """A plain-text report as blocks: each non-blank line a paragraph, each run of pipe-table lines
    (`a | b | c |`) a table, its cells as split (empty padding cells kept)."""
    blocks: list[Block] = []
    rows: list[tuple[Cell, ...]] = []
    for line in text.splitlines():
        if _is_pipe_line(line):
            parts = line.strip().split("|")
            if line.strip().endswith("|"):
                parts = parts[:-1]
            rows.append(tuple(Cell((p.strip(),)) for p in parts))
            continue
        if rows:
            blocks.append(Table(tuple(rows)))
            rows = []
        if line.strip():
            blocks.append(Para(line.strip()))
    if rows:
        blocks.append(Table(tuple(rows)))
    return blocks


_BLOCK_TAGS = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "section", "article", "blockquote",
               "center", "ul", "ol", "table"}


def _text(el) -> str:
    """An element's text with <br> as a space and white space (&nbsp; included) collapsed."""
    for br in el.iter("br"):
        br.tail = " " + (br.tail or "")
    return re.sub(r"[\s\u00a0]+", " ", el.text_content()).strip()


def _cell(td) -> Cell:
    paras = [p for p in td.iter("p")]
    lines = [_text(p) for p in paras] if paras else [_text(td)]
    lines = [t for t in lines if t] or [""]

    def span(name: str) -> int:
        try:
            return max(1, int(td.get(name, "1")))
        except ValueError:
            return 1
    return Cell(tuple(lines), span("rowspan"), span("colspan"))


def _walk(el, out: list[Block]) -> None:
    for child in el:
        if not isinstance(child.tag, str) or child.tag in ("script", "style"):
            continue
        if child.tag == "table":
            rows = tuple(tuple(_cell(td) for td in tr if td.tag in ("td", "th")) for tr in child.iter("tr"))
            out.append(Table(tuple(r for r in rows if r)))
        elif child.tag in _BLOCK_TAGS and any(d.tag in _BLOCK_TAGS for d in child.iterdescendants()
                                              if isinstance(d.tag, str)):
            _walk(child, out)
        elif child.tag in _BLOCK_TAGS:
            text = _text(child)
            if text:
                out.append(Para(text))


def html_blocks(page: str) -> list[Block]:
    """The article of a report web page as a Word author would have it: the title, then the paragraphs and
    tables of the smallest element holding every <table> (the article body), in document order. Site
    chrome (navigation, share buttons, related links) is left out."""
    tree = lxml_html.fromstring(page)
    tables = tree.xpath("//table")
    if not tables:
        raise ValueError("the page has no <table>")
    body = tables[0].getparent()
    while not all(body in t.iterancestors() for t in tables):
        body = body.getparent()
    title = tree.xpath("//*[contains(@class,'article_title')]") or tree.xpath("//title")
    blocks: list[Block] = []
    if title:
        blocks.append(Para(_text(title[0]).split("_")[0]))
    _walk(body, blocks)
    return blocks


# ------------------------------------------------------------------------------------------------ renderers

def blocks_to_html(blocks: list[Block], title: str) -> str:
    """A plain, ruled HTML page (what a CMS or a pandoc-like converter would give)."""
    out = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">',
           f"<title>{html_lib.escape(title)}</title>",
           "<style>body{font-family:'Noto Sans CJK SC',sans-serif;font-size:12pt}"
           "table{border-collapse:collapse}td{border:1px solid #000;padding:2px 4px}</style></head><body>"]
    for b in blocks:
        if isinstance(b, Para):
            out.append(f"<p>{html_lib.escape(b.text)}</p>")
        else:
            out.append("<table>")
            for row in b.rows:
                tds = []
                for c in row:
                    spans = (f' rowspan="{c.rowspan}"' if c.rowspan > 1 else "") + \
                            (f' colspan="{c.colspan}"' if c.colspan > 1 else "")
                    tds.append(f"<td{spans}>" + "<br>".join(html_lib.escape(t) for t in c.lines) + "</td>")
                out.append("<tr>" + "".join(tds) + "</tr>")
            out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out)


def _grid(rows: tuple[tuple[Cell, ...], ...]) -> tuple[list[tuple[int, int, Cell]], int, int]:
    """HTML's table model: each cell's (row, column) origin with rowspans carried down."""
    taken: set[tuple[int, int]] = set()
    placed = []
    for r, row in enumerate(rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            placed.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    n_rows = max(r for r, _ in taken) + 1
    n_cols = max(c for _, c in taken) + 1
    return placed, n_rows, n_cols


def blocks_to_docx(blocks: list[Block], path: Path) -> Path:
    """A Word document: paragraphs as paragraphs, tables as Word tables with merged cells for the spans
    (a cell's lines as its paragraphs)."""
    import docx
    document = docx.Document()
    for b in blocks:
        if isinstance(b, Para):
            document.add_paragraph(b.text)
            continue
        placed, n_rows, n_cols = _grid(b.rows)
        table = document.add_table(rows=n_rows, cols=n_cols)
        table.style = "Table Grid"
        for r, c, cell in placed:
            target = table.cell(r, c)
            if cell.rowspan > 1 or cell.colspan > 1:
                target = target.merge(table.cell(min(r + cell.rowspan, n_rows) - 1,
                                                 min(c + cell.colspan, n_cols) - 1))
            target.paragraphs[0].text = cell.lines[0]
            for line in cell.lines[1:]:
                target.add_paragraph(line)
    document.save(str(path))
    return path


def print_to_pdf(page: Path, pdf: Path, header_footer: bool = True, chromium: str | None = None,
                 timeout: float = 120) -> Path:
    """Headless Chromium's print of a local page. No network: the page's remote CSS/JS fail to load; the
    virtual-time budget stops waiting for them and `timeout` bounds the whole run. With `header_footer`
    (Chromium's default) every page carries the print date, the title, the file URL and "n/N"."""
    chromium = chromium or CHROMIUM
    if not chromium:
        raise FileNotFoundError("chromium is not installed")
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--disable-quic", "--disable-extensions", f"--user-data-dir={profile}",
                        "--virtual-time-budget=5000", *([] if header_footer else ["--no-pdf-header-footer"]),
                        f"--print-to-pdf={pdf}", page.resolve().as_uri()],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False)
    if not pdf.exists() or pdf.stat().st_size < 1000:
        raise RuntimeError(f"chromium printed no PDF for {page}")
    return pdf


def pdf_to_markdown(pdf: Path, md: Path) -> Path:
    """pymupdf4llm's Markdown of a PDF (pipe tables as it detects them, page footers kept)."""
    import pymupdf4llm
    md.write_text(pymupdf4llm.to_markdown(str(pdf), show_progress=False), encoding="utf-8")
    return md


# ----------------------------------------------------------------------------------------------- the corpus

@dataclass(frozen=True)
class Derived:
    family: str
    document: str   # the gold file's stem
    path: Path      # the derived file
    gold: dict


def _gold_by_source(corpus: Path) -> dict[str, dict]:
    golds = {}
    for p in sorted((corpus / "gold").glob("*.json")):
        g = json.loads(p.read_text(encoding="utf-8"))
        g["_stem"] = p.stem
        golds[g["source"]] = g
    return golds


def build_family(family: str, corpus: Path, out: Path) -> list[Derived]:
    """Render every real gold document this family applies to into `out`; return them with their gold."""
    out.mkdir(parents=True, exist_ok=True)
    golds = _gold_by_source(corpus)
    page_gold = golds[REPORT_PAGE]
    derived: list[Derived] = []
    if family in ("chromium_pdf", "chromium_pdf_bare"):
        header_footer = family == "chromium_pdf"
        derived.append(Derived(family, page_gold["_stem"], print_to_pdf(corpus / REPORT_PAGE, out / "pingtan-2025.pdf",
                                                                           header_footer), page_gold))
        for stem in SAMPLE_REPORTS:
            gold = golds[f"samples/{stem}.txt"]
            text = (corpus / "samples" / f"{stem}.txt").read_text(encoding="utf-8")
            page = out / f"{stem}.html"
            page.write_text(blocks_to_html(text_blocks(text), text.strip().splitlines()[0]), encoding="utf-8")
            derived.append(Derived(family, gold["_stem"], print_to_pdf(page, out / f"{stem}.pdf", header_footer),
                                   gold))
    elif family == "pdf_markdown":
        for source, gold in golds.items():
            if source.startswith("pdf/"):
                derived.append(Derived(family, gold["_stem"], pdf_to_markdown(corpus / source,
                                                                              out / f"{gold['_stem']}.md"), gold))
    elif family == "docx":
        page = (corpus / REPORT_PAGE).read_text(encoding="utf-8")
        derived.append(Derived(family, page_gold["_stem"],
                               blocks_to_docx(html_blocks(page), out / "pingtan-2025.docx"), page_gold))
        gold = golds[f"samples/{PIPE_SAMPLE}.txt"]
        text = (corpus / "samples" / f"{PIPE_SAMPLE}.txt").read_text(encoding="utf-8")
        derived.append(Derived(family, gold["_stem"], blocks_to_docx(text_blocks(text), out / f"{PIPE_SAMPLE}.docx"),
                               gold))
    else:
        raise ValueError(f"unknown family {family!r}")
    return derived


# ------------------------------------------------------------------------------------------------- scoring

@dataclass
class Score:
    right: int = 0
    withheld: int = 0
    wrong: int = 0
    withheld_cells: list[tuple[str, str, str, object]] = field(default_factory=list)
    wrong_cells: list[tuple[str, str, str, object, object]] = field(default_factory=list)

    @property
    def cells(self) -> int:
        return self.right + self.withheld + self.wrong

    @property
    def right_share(self) -> float:
        return self.right / self.cells if self.cells else 1.0

    def add(self, other: "Score") -> None:
        self.right += other.right
        self.withheld += other.withheld
        self.wrong += other.wrong
        self.withheld_cells += other.withheld_cells
        self.wrong_cells += other.wrong_cells


def _same(a, b) -> bool:
    return a == b if isinstance(a, str) or isinstance(b, str) else abs(float(a) - float(b)) < 1e-6


def score(gold_cells: dict, got_cells: dict) -> Score:
    """Every gold cell: right, withheld (gold has a number, the record none) or wrong (another number, or a
    number where gold is null: a placeholder read as a value)."""
    s = Score()
    for table, rows in gold_cells.items():
        for row, cols in rows.items():
            for col, want in cols.items():
                got = (got_cells.get(table) or {}).get(row, {}).get(col)
                if got is None and want is None or (got is not None and want is not None and _same(got, want)):
                    s.right += 1
                elif got is None:
                    s.withheld += 1
                    s.withheld_cells.append((table, row, col, want))
                else:
                    s.wrong += 1
                    s.wrong_cells.append((table, row, col, want, got))
    return s


@dataclass
class Result:
    derived: Derived
    record: dict
    score: Score
    seconds: float

    def field_mismatches(self, fields=("doc_type", "year", "template")) -> dict:
        return {f: (self.derived.gold[f], self.record.get(f)) for f in fields
                if self.record.get(f) != self.derived.gold[f]}


def evaluate(d: Derived) -> Result:
    from pipelines.extract.files import extract_file
    start = time.perf_counter()
    record = extract_file(d.path).to_json()
    seconds = time.perf_counter() - start
    return Result(d, record, score(d.gold["cells"], record.get("cells") or {}), seconds)


def family_score(results: list[Result]) -> Score:
    total = Score()
    for r in results:
        total.add(r.score)
    return total


def format_table(by_family: dict[str, list[Result]]) -> str:
    """One line per family (documents, cells right / withheld / WRONG, extraction seconds), one per document
    under it with its document fields, then every WRONG cell."""
    head = (f"{'family / document':<34} {'docs':>4} {'cells':>6} {'right':>6} {'withheld':>8} {'WRONG':>6} "
            f"{'right%':>7} {'secs':>6}  fields")
    lines, wrong = [head, "-" * len(head)], []
    for family, results in by_family.items():
        t = family_score(results)
        lines.append(f"{family:<34} {len(results):>4} {t.cells:>6} {t.right:>6} {t.withheld:>8} {t.wrong:>6} "
                     f"{100 * t.right_share:>6.1f}% {sum(r.seconds for r in results):>6.1f}")
        for r in results:
            s = r.score
            bad = r.field_mismatches(("doc_type", "year", "template", "agency"))
            name = f"  {r.derived.document}{r.derived.path.suffix}"
            lines.append(f"{name:<34} {'':>4} {s.cells:>6} {s.right:>6} {s.withheld:>8} {s.wrong:>6} "
                         f"{100 * s.right_share:>6.1f}% {r.seconds:>6.1f}  "
                         + ("ok" if not bad else "; ".join(f"{k} {g!r} (gold {w!r})" for k, (w, g) in bad.items())))
            wrong += [f"WRONG {family} {r.derived.document}: {t_}.{row}.{col} gold {want!r} got {got!r}"
                      for t_, row, col, want, got in s.wrong_cells]
    return "\n".join(lines + wrong)


def measure(corpus: Path, out: Path, families=FAMILIES) -> dict[str, list[Result]]:
    """Build and score the given families (skipping `chromium_pdf` when Chromium is missing)."""
    results = {}
    for family in families:
        if family.startswith("chromium") and not CHROMIUM:
            continue
        results[family] = [evaluate(d) for d in build_family(family, corpus, out / family)]
    return results


if __name__ == "__main__":  # python tests/realderived.py [out-dir]
    import sys
    here = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tmp)
        print(format_table(measure(here.parent / "shared" / "corpus", target)))

