"""OCR benchmark: the real reports scanned (tests/scans.py: the real PDFs and Chromium's print of the real
report page, rasterised grey at 150–200 dpi, turned 1–2°, blurred, JPEG-compressed) as image-only PDFs,
one tall PNG per report and multi-page TIFFs; per document the pages, the seconds of decoding + extraction,
seconds per page, cells right / withheld / WRONG against the real gold and the document fields, beside a
lower bound measured in the same run: the time to render (PDF) or decode (PNG, TIFF) the same pages.

    .venv/bin/python benchmarks/ocr.py [--families scan_pdf,scan_png,scan_tiff] [--threads N] [--out DIR]

`--threads` sets NIANBAO_OCR_THREADS (onnxruntime intra-op threads; the pipeline's decode workers use 1
each, one worker per core). The 8-page case: the first 8 pages of the Chromium print scanned (its 9 pages
less the last), timed alone. A script that prints numbers, not a timed test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
SHARED = ROOT.parent / "shared"


def lower_bound(path: Path) -> tuple[int, float]:
    """(pages, seconds) to get the page images alone: pdfium's render at the OCR resolution, or Pillow's
    decode of every frame."""
    import numpy as np
    import pypdfium2
    from PIL import Image, ImageSequence

    from pipelines.decode.ocr import OCR_DPI

    start = time.perf_counter()
    if path.suffix == ".pdf":
        doc = pypdfium2.PdfDocument(str(path))
        n = len(doc)
        for i in range(n):
            np.asarray(doc[i].render(scale=OCR_DPI / 72, grayscale=True).to_pil().convert("L"))
        doc.close()
    else:
        n = 0
        for frame in ImageSequence.Iterator(Image.open(path)):
            np.asarray(frame.convert("L"))
            n += 1
    return n, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", default="scan_pdf,scan_png,scan_tiff")
    parser.add_argument("--documents", default="", help="comma-separated document names (default: all)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.threads:
        os.environ["NIANBAO_OCR_THREADS"] = str(args.threads)

    import scans
    from realderived import Score

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        head = (f"{'family / document':<38} {'pages':>5} {'secs':>6} {'s/page':>6} {'bound s':>7} {'right':>6} "
                f"{'withheld':>8} {'WRONG':>5} {'right%':>7}  fields")
        print(head + "\n" + "-" * len(head))
        total, wrong = Score(), []
        pages_all, secs_all = 0, 0.0
        for family in args.families.split(","):
            for document in scans.documents(family):
                if args.documents and document not in args.documents.split(","):
                    continue
                derived = scans.build(family, document, SHARED / "corpus", out / family)
                pages, bound = lower_bound(derived.path)
                result = scans.evaluate(derived)
                s = result.score
                total.add(s)
                pages_all += pages
                secs_all += result.seconds
                bad = result.field_mismatches(("doc_type", "year", "template", "agency"))
                fields = "ok" if not bad else "; ".join(f"{k} {g!r} (gold {w!r})" for k, (w, g) in bad.items())
                print(f"{family + ' / ' + document:<38} {pages:>5} {result.seconds:>6.1f} "
                      f"{result.seconds / pages:>6.2f} {bound:>7.2f} {s.right:>6} {s.withheld:>8} {s.wrong:>5} "
                      f"{100 * s.right_share:>6.1f}%  {fields} [{result.record['source_format']}]", flush=True)
                wrong += [f"WRONG {family} {document}: {t}.{row}.{col} gold {want!r} got {got!r}"
                          for t, row, col, want, got in s.wrong_cells]
        print(f"{'all':<38} {pages_all:>5} {secs_all:>6.1f} {secs_all / max(pages_all, 1):>6.2f} {'':>7} "
              f"{total.right:>6} {total.withheld:>8} {total.wrong:>5} {100 * total.right_share:>6.1f}%")
        for line in wrong:
            print(line)
        if "scan_pdf" in args.families and scans.CHROMIUM:
            eight_pages(out)


def eight_pages(out: Path) -> None:
    """The 8-page case: an image-only PDF of 8 scanned pages decoded alone, wall and CPU seconds."""
    import scans
    from pipelines.decode.dispatch import decode_document
    from pipelines.decode.model import Limits

    pages = scans.pages_of(scans.source_pdf("pingtan-2025-html", SHARED / "corpus", out), scans.SOURCES[
        "pingtan-2025-html"][1])[:8]
    path = out / "eight-pages.scan.pdf"
    pages[0].save(path, "PDF", save_all=True, append_images=pages[1:], resolution=150)
    data = path.read_bytes()
    wall, cpu = time.perf_counter(), time.process_time()
    decoded = decode_document(data, "pdf", None, Limits())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"\n8-page scan decoded alone: {wall:.1f} s wall, {cpu:.1f} s CPU of this process "
          f"(NIANBAO_OCR_THREADS={os.environ.get('NIANBAO_OCR_THREADS', '1')}); flags {decoded.flags}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
