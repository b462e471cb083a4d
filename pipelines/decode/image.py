"""Page images (PNG, JPEG, TIFF — every frame of a multi-page TIFF —, BMP, WebP, GIF) → `Decoded` by OCR.

Pillow opens the image; its pixel count is checked before any pixel is decoded (a decompression bomb is
refused, `image_too_large`), frames beyond the page limit are refused (`image_too_many_pages`). Each
frame is read in grey by `ocr.read_page`. An image in which OCR finds no text (a photo without writing, a
blank page) is rejected as `ocr_no_text`: never a document with 0 cells.
"""

from __future__ import annotations

import io

from pipelines.decode.model import Block, DecodeError, Decoded, Limits, NeedsOcr
from pipelines.decode.normalise import finish
from pipelines.decode.registry import decoder

MAX_PIXELS = 80_000_000  # one frame: an A4 page at 600 dpi is 35 M; beyond this it is a bomb, not a scan
MAX_SIDE = 4000  # a frame whose shorter side is larger is scaled down before OCR (text stays readable)
# NumPy and Pillow are imported where used: the registry imports this module in every decode worker, most of
# which never see an image (see pdf.py).


def _open(data: bytes):
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None  # checked below, per frame, with our own message
    try:
        image = Image.open(io.BytesIO(data))
    except Exception as exc:  # Pillow raises many kinds on broken data
        raise DecodeError("image_unreadable", f"the image cannot be opened: {type(exc).__name__}: {str(exc)[:150]}") \
            from exc
    return image


def count_frames(data: bytes, limits: Limits) -> int:
    image = _open(data)
    n = getattr(image, "n_frames", 1)
    if n > limits.max_pdf_pages:
        raise DecodeError("image_too_many_pages", f"{n} frames, more than the limit of {limits.max_pdf_pages}")
    return n


def frames(data: bytes, limits: Limits):
    """Each frame of the image as a grey uint8 array."""
    import numpy as np
    from PIL import Image, ImageSequence

    image = _open(data)
    count_frames(data, limits)
    try:
        for frame in ImageSequence.Iterator(image):
            w, h = frame.size
            if w * h > MAX_PIXELS:
                raise DecodeError("image_too_large", f"a frame of {w}×{h} pixels, more than {MAX_PIXELS:,}")
            grey = frame.convert("L")
            if min(w, h) > MAX_SIDE:
                scale = MAX_SIDE / min(w, h)
                grey = grey.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.LANCZOS)
            yield from strips(np.asarray(grey))
    except DecodeError:
        raise
    except Exception as exc:
        raise DecodeError("image_unreadable", f"the image cannot be decoded: {type(exc).__name__}: "
                                              f"{str(exc)[:150]}") from exc


def strips(image: np.ndarray) -> list[np.ndarray]:
    """A long image (a whole report as one screenshot, pages scanned one under the other) as page-sized
    strips, each cut at the whitest row near where a page would end: every strip is read as a page (its
    own skew, the detector's resolution kept). An image of page proportions is one strip."""
    import numpy as np

    h, w = image.shape[:2]
    page = int(1.42 * w)
    if h <= 1.5 * page:
        return [image]
    ink = (image < 128).sum(axis=1)
    out, top = [], 0
    while h - top > 1.5 * page:
        lo, hi = top + int(0.75 * page), top + int(1.15 * page)
        window = ink[lo:hi]
        quiet = np.nonzero(window == window.min())[0]
        runs = np.split(quiet, np.nonzero(np.diff(quiet) > 1)[0] + 1)
        longest = max(runs, key=len)
        cut = lo + int(longest[len(longest) // 2])  # the middle of the widest white gap: between two lines
        out.append(image[top:cut])
        top = cut
    out.append(image[top:])
    return out


@decoder("image", extensions=(".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif"))
def decode_image(data: bytes, limits: Limits, ocr: bool = True) -> Decoded:
    """OCR every frame; raise `NeedsOcr` (with the frame count) first when `ocr` is False."""
    from pipelines.decode import ocr as engine

    n = count_frames(data, limits)
    if not ocr:
        raise NeedsOcr(n)
    pages, stats = engine.read_pages(frames(data, limits))
    if not any(p.text.strip() for p in pages):
        raise DecodeError("ocr_no_text", f"OCR finds no text in the image ({n} frame{'s' if n > 1 else ''}): "
                                         "a photo or a blank page, not a report")
    blocks = [Block(kind="paragraph", text=p.text, page=i) for i, p in enumerate(pages, start=1) if p.text.strip()]
    decoded = finish("\n\f\n".join(p.text for p in pages), blocks, decoder=engine.engine_version(),
                     pages=len(pages), flags=engine.stats_flags("image_ocr", stats))
    decoded.flags += engine.alternatives_flag(decoded.text, [r for p in pages for r in p.alternatives])
    return decoded
