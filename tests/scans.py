"""Scanned reports made from the real ones: the real PDFs of ../shared/corpus/pdf and headless Chromium's
print of the real report page (crawl/pingtan-2025.html) rasterised the way a scanner or a phone leaves them
— grey, 150–200 dpi, turned by a degree or two, a little blurred, JPEG-compressed — into image-only PDFs,
one tall PNG per report (a whole report as one long screenshot) and multi-page TIFFs. Gold is the real gold
of the document each came from. Pure functions (no pytest), so `benchmarks/ocr.py` builds and scores the
same corpus.

Families (FAMILIES): `scan_pdf` (image-only PDF), `scan_png` (one tall PNG), `scan_tiff` (multi-page TIFF).
`synthetic()` scans generated reports too (the generator's PDF layout, both templates), scored against the
generator's gold.
"""

from __future__ import annotations

import io
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2
from PIL import Image, ImageFilter

from realderived import CHROMIUM, REPORT_PAGE, Derived, Result, _gold_by_source, print_to_pdf, score

FAMILIES = ("scan_pdf", "scan_png", "scan_tiff")


@dataclass(frozen=True)
class Scan:
    """How one document is scanned: resolution, the angle each page is turned by (degrees, alternating
    sign page by page), blur radius, JPEG quality."""
    dpi: int = 150
    angle: float = 1.0
    blur: float = 0.6
    quality: int = 70


# Every real document, each scanned differently (the variation a set of scans has).
SOURCES = {
    "hongze-district-2023": ("pdf/hongze-district-2023.pdf", Scan(dpi=150, angle=1.5, blur=0.6, quality=70)),
    "hongze-district-2024": ("pdf/hongze-district-2024.pdf", Scan(dpi=200, angle=-1.0, blur=0.8, quality=60)),
    "huaian-city-2024": ("pdf/huaian-city-2024.pdf", Scan(dpi=200, angle=0.8, blur=0.5, quality=75)),
    "pingtan-2025-html": (REPORT_PAGE, Scan(dpi=150, angle=-1.2, blur=0.5, quality=70)),
}


def pages_of(pdf: Path, scan: Scan, seed: int = 0) -> list[Image.Image]:
    """The PDF's pages as a scanner gives them: rendered grey at `scan.dpi`, turned, blurred, a little
    noise, JPEG-compressed."""
    rng = random.Random(seed)
    out = []
    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        for i in range(len(doc)):
            image = doc[i].render(scale=scan.dpi / 72, grayscale=True).to_pil().convert("L")
            angle = scan.angle * (1 if i % 2 == 0 else -0.7) + rng.uniform(-0.2, 0.2)
            image = image.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
            if scan.blur:
                image = image.filter(ImageFilter.GaussianBlur(scan.blur))
            pixels = np.asarray(image, dtype=np.int16)
            noise = np.random.default_rng(seed + i).normal(0, 6, pixels.shape)
            image = Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8), "L")
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=scan.quality)
            out.append(Image.open(io.BytesIO(buffer.getvalue())).convert("L"))
    finally:
        doc.close()
    return out


def source_pdf(document: str, corpus: Path, out: Path) -> Path:
    """The PDF a document is scanned from: the real PDF, or Chromium's print of the real report page."""
    source, _ = SOURCES[document]
    if source.endswith(".pdf"):
        return corpus / source
    printed = out / f"{document}.print.pdf"
    if not printed.exists():
        print_to_pdf(corpus / source, printed, header_footer=False)
    return printed


def build(family: str, document: str, corpus: Path, out: Path) -> Derived:
    """One scanned document of a family, written into `out`, with the real gold."""
    out.mkdir(parents=True, exist_ok=True)
    source, scan = SOURCES[document]
    gold = _gold_by_source(corpus)[source]
    pages = pages_of(source_pdf(document, corpus, out), scan)
    if family == "scan_pdf":
        path = out / f"{document}.scan.pdf"
        pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=scan.dpi, quality=scan.quality)
    elif family == "scan_png":
        path = out / f"{document}.scan.png"
        width = max(p.width for p in pages)
        tall = Image.new("L", (width, sum(p.height for p in pages)), 255)
        y = 0
        for p in pages:
            tall.paste(p, (0, y))
            y += p.height
        tall.save(path, "PNG", dpi=(scan.dpi, scan.dpi))
    elif family == "scan_tiff":
        path = out / f"{document}.scan.tiff"
        pages[0].save(path, "TIFF", save_all=True, append_images=pages[1:], compression="tiff_deflate",
                      dpi=(scan.dpi, scan.dpi))
    else:
        raise ValueError(f"unknown family {family!r}")
    return Derived(family, gold["_stem"], path, gold)


def documents(family: str) -> list[str]:
    """The documents of a family (the Chromium print needs Chromium)."""
    return [d for d in SOURCES if CHROMIUM or SOURCES[d][0].endswith(".pdf")]


def evaluate(d: Derived) -> Result:
    """Extract a scanned document from disk and score every gold cell (right / withheld / WRONG)."""
    from pipelines.extract.files import extract_file
    start = time.perf_counter()
    record = extract_file(d.path).to_json()
    seconds = time.perf_counter() - start
    return Result(d, record, score(d.gold["cells"], record.get("cells") or {}), seconds)


def synthetic(count: int, out: Path, seed: int = 11) -> list[Derived]:
    """`count` generated reports (the generator's PDF layout: both templates, every level) scanned as
    image-only PDFs, each scanned a little differently, with the generator's gold."""
    import json

    from synth import generate

    out.mkdir(parents=True, exist_ok=True)
    made = []
    for i, pdf in enumerate(generate(count, out / "generated", layouts=["pdf"], seed=seed)):
        gold = json.loads((out / "generated" / "gold" / f"{pdf.stem}.json").read_text(encoding="utf-8"))
        scan = Scan(dpi=(150, 200)[i % 2], angle=(1.2, -0.9)[i % 2], blur=(0.6, 0.5)[i % 2], quality=(70, 65)[i % 2])
        pages = pages_of(pdf, scan, seed=seed + i)
        path = out / f"{pdf.stem}.scan.pdf"
        pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=scan.dpi, quality=scan.quality)
        made.append(Derived("scan_synthetic", pdf.stem, path, gold))
    return made
