"""OCR of page images (scanned PDFs, image files) → a text the extractor reads like any other layout.

Why RapidOCR (`rapidocr-onnxruntime`): its wheel carries the PP-OCRv4 Chinese detection and recognition
models and the orientation classifier (ONNX, ~16 MB), so `uv sync` installs everything and nothing is
downloaded at run time; onnxruntime runs them on the CPU, deterministically. Its detector and recogniser
are called here one by one (not through `RapidOCR.__call__`), because the pipeline needs what the
convenience call hides: every box whatever its score (a dropped box would shift a row's cells), the
probability of every recognised character (a number with one unsure digit is unsure), and control over
batching and the detector's resolution (speed).

From boxes to text (pure functions, below `read_page`):

- **Orientation.** A page turned by 90° shows mostly tall boxes: it is turned back and detected again.
  Upside down (180°) is told by the classifier on the widest boxes.
- **Skew.** Each box is a rotated rectangle; the median angle of the top edges of wide boxes is the page's
  skew. Box centres are rotated by −angle before lines are formed (the crops the recogniser reads are
  already straightened by their own quadrilateral).
- **Lines.** Boxes whose vertical centres lie within half a box height of a line's centre, and that do not
  overlap a box already in it horizontally, form one visual line; in a line, boxes are ordered by x.
- **Separators.** A gap wider than one character height between two boxes of a line is a cell edge: a
  tab. A narrower one is a space. Lines are joined with newlines, pages with a form feed.

**Confidence travels with the cell.** A box holding digits of which one was recognised with a probability
below `REREAD_BELOW` is read again from a padded, enlarged crop; if a digit is still below `UNREADABLE_BELOW`,
every digit run of the box is replaced by U+FFFD, which the cell grammar reads as an unreadable value
(NULL, `ocr_unreadable`): a number the engine is unsure of is never stored as if it had been read. Such a
number with one or two unsure digits keeps the readings the engine weighed (each unsure digit replaced by
every digit holding ≥ ALTERNATIVE_ABOVE of its probability: 0/8, 1/7, 6/5…); the decoders record them in
the flag `ocr_alternatives` (offsets of the U+FFFD in the decoded text), and the extractor keeps the one
reading, if exactly one, that makes every identity the cell takes part in hold, marked
`ocr_identity_chosen` (pipelines/extract/ocr_choice.py).

**Speed.** The pages of a document are read by threads, `_threads()` at once (one per core by default),
each running onnxruntime on one core; recogniser batches are capped by their total width
(REC_BATCH_COLUMNS). Measured on the scanned 8-page report: ≈ 9 s CPU detection (page ≤ 1600 px; at 1280
px the tall-PNG scan of 平潭 2025 lost 21 cells), ≈ 11–14 s recognition, the rest under a second.
"""

from __future__ import annotations

import math
import os
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from statistics import median

import numpy as np

from pipelines.contract.grammar import CELL_UNIT, PAGE_NUMBER_ALONE, UNREADABLE

REREAD_BELOW = 0.95  # a digit below this probability is read again from a better crop
UNREADABLE_BELOW = 0.80  # a digit still below this is not trusted: its number is withheld
# A digit class with at least this share of an unsure digit's mass is one of the engine's alternatives for
# it (0/8, 1/7, 6/5…); a number with at most MAX_UNSURE_DIGITS unsure digits carries its alternatives, for
# the identities to choose from (pipelines/extract/ocr_choice.py: only when exactly one makes them hold)
ALTERNATIVE_ABOVE = 0.05
MAX_UNSURE_DIGITS = 2
DET_MAX_SIDE = 1600
DET_BOX_THRESH = 0.3  # the detector sees the page at most this large (boxes are scaled back)
REC_HEIGHT = 48  # the recogniser's input height (PP-OCRv4)
# A batch of the recogniser holds at most this many columns (at REC_HEIGHT) in all: its cost per column
# grows with the size of the input (8 lines of 2000 columns cost 3x what they cost one by one), so long
# lines go alone and short boxes share a batch (measured on the 8-page scan: 21 s -> 11 s of CPU).
REC_BATCH_COLUMNS = 1280
REC_BATCH_SIZE = 8
_DIGIT = re.compile(r"\d")
# What a first read of a small figure may look like: one to three Latin letters
_JUNK = re.compile(r"[A-Za-z]{1,3}")  # never a placeholder (-, /): those are cells as they are
_LETTERS = re.compile(r"[\u4e00-\u9fffA-Za-z]{2}")
_DIGIT_RUN = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass(frozen=True)
class Word:
    """One detected box and what it reads: `quad` = 4 corners (tl, tr, br, bl) in page pixels, `score` =
    mean character probability, `digit_low` = the lowest probability of a digit in it (1.0 without digits),
    `alternatives` = the readings the engine weighed for a number it is unsure of (see `_decode`)."""

    quad: tuple[tuple[float, float], ...]
    text: str
    score: float
    digit_low: float = 1.0
    reread: bool = False
    alternatives: tuple[str, ...] = ()  # readings of an unsure number the engine weighed (its text among them)

    @property
    def unreadable(self) -> bool:
        return self.digit_low < UNREADABLE_BELOW

    @property
    def shown(self) -> str:
        """The text as it goes into the document: digit runs of an unreadable box are U+FFFD."""
        return _DIGIT_RUN.sub(UNREADABLE, self.text) if self.unreadable else self.text


@dataclass
class PageText:
    text: str
    words: list[Word]
    angle: float = 0.0  # skew in degrees (after any quarter turn)
    turned: int = 0  # quarter turns (clockwise, in degrees) applied to read the page
    seconds: float = 0.0
    # one entry per U+FFFD of `text`, in order: the alternatives of the unreadable number it stands for
    alternatives: list[tuple[str, ...]] = field(default_factory=list)


@dataclass
class OcrStats:
    pages: int = 0
    seconds: float = 0.0
    boxes: int = 0
    unreadable: int = 0
    reread: int = 0
    turned: list[int] = field(default_factory=list)


# ------------------------------------------------------------------------------------------ the engine

def _threads() -> int:
    """Pages of one document read at once (NIANBAO_OCR_THREADS), by default one per core this process may
    use. Each page is read by a thread of its own with onnxruntime on one core (intra-op threads 1): the
    sessions release the GIL while they run, and two pages on two cores are faster than one page on two
    cores (a recogniser call is too small to split well)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        return max(1, int(os.environ.get("NIANBAO_OCR_THREADS", cores)))
    except ValueError:
        return cores


@lru_cache(maxsize=1)
def engine():
    """The RapidOCR engine of this process (models loaded once per worker)."""
    from rapidocr_onnxruntime import RapidOCR

    # one core a session call: pages are read in parallel by threads (`read_pages`), which share the
    # sessions (onnxruntime allows concurrent runs of one session)
    eng = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)
    # A lone small figure (a 0 in a cell) scores low as a box: with the default 0.5 the detector drops
    # many of them on a table page, and a row short of a cell is withheld. 0.3 keeps them.
    eng.text_det.postprocess_op.box_thresh = DET_BOX_THRESH
    return eng


def engine_version() -> str:
    from importlib.metadata import version

    return f"rapidocr-onnxruntime-{version('rapidocr-onnxruntime')} (PP-OCRv4)"


# ----------------------------------------------------------------------------------------- one page

def read_page(image: np.ndarray) -> PageText:
    """OCR one page image (grey or RGB, uint8) into its words and its text."""
    start = time.perf_counter()
    rgb = _rgb(image)
    quads = detect(rgb)
    turned = 0
    if quads and _mostly_tall(quads):
        rgb = np.ascontiguousarray(np.rot90(rgb, k=-1))  # a quarter turn clockwise
        turned = 90
        quads = detect(rgb)
    if quads and _upside_down(rgb, quads):
        rgb = np.ascontiguousarray(np.rot90(rgb, k=2))
        turned = (turned + 180) % 360
        quads = detect(rgb)
    words = recognise(rgb, quads) if quads else []
    angle = skew(words)
    words = ruled_cells(rgb, words, angle)
    text, alternatives = _layout(words, angle)
    return PageText(text, words, angle, turned, time.perf_counter() - start, alternatives)


def _rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return np.ascontiguousarray(np.stack([image] * 3, axis=-1))
    if image.shape[2] == 4:
        return np.ascontiguousarray(image[:, :, :3])
    return np.ascontiguousarray(image)


def detect(rgb: np.ndarray) -> list[np.ndarray]:
    """Text boxes (4×2 float arrays, tl tr br bl) in page pixels. The detector sees the page scaled down
    to DET_MAX_SIDE at most (its time grows with the pixels; text lines stay well above its reach)."""
    import cv2

    h, w = rgb.shape[:2]
    # a page: its longer side at most DET_MAX_SIDE; a long strip (a whole report as one screenshot): its
    # shorter side as a page's would be, so its text is not shrunk below the detector's reach
    scale = min(1.0, DET_MAX_SIDE / max(h, w)) if max(h, w) <= 2 * min(h, w) else \
        min(1.0, DET_MAX_SIDE / math.sqrt(2) / min(h, w))
    small = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA) \
        if scale < 1.0 else rgb
    boxes, _ = engine().text_det(small)
    if boxes is None or len(boxes) == 0:
        return []
    return [np.asarray(b, dtype=np.float32) / scale for b in boxes]


def _size(quad: np.ndarray) -> tuple[float, float]:
    w = max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[3] - quad[2]))
    h = max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))
    return float(w), float(h)


def _mostly_tall(quads: list[np.ndarray]) -> bool:
    """Most text boxes (of more than one character) taller than wide: the page lies on its side."""
    sizes = [_size(q) for q in quads]
    long_ = [(w, h) for w, h in sizes if max(w, h) > 2 * min(w, h)]
    return len(long_) >= 3 and sum(h > w for w, h in long_) > 0.6 * len(long_)


def _upside_down(rgb: np.ndarray, quads: list[np.ndarray]) -> bool:
    """The orientation classifier on the widest boxes says 180° for most of them."""
    widest = sorted(quads, key=lambda q: -_size(q)[0])[:12]
    crops = [crop(rgb, q) for q in widest]
    _, results, _ = engine().text_cls(crops)
    votes = [label == "180" and score > 0.9 for label, score in results]
    return len(votes) >= 3 and sum(votes) > 0.6 * len(votes)


def crop(rgb: np.ndarray, quad: np.ndarray, pad: float = 0.0, scale: float = 1.0) -> np.ndarray:
    """The box straightened by its own quadrilateral (what RapidOCR does), optionally padded by `pad` box
    heights on every side and enlarged by `scale`."""
    import cv2

    q = np.asarray(quad, dtype=np.float32)
    if pad:
        centre = q.mean(axis=0)
        w, h = _size(q)
        ux = (q[1] - q[0]) / max(np.linalg.norm(q[1] - q[0]), 1e-6)
        uy = (q[3] - q[0]) / max(np.linalg.norm(q[3] - q[0]), 1e-6)
        d = pad * h
        q = np.array([q[0] - d * ux - d * uy, q[1] + d * ux - d * uy, q[2] + d * ux + d * uy,
                      q[3] - d * ux + d * uy], dtype=np.float32)
        del centre, w
    w, h = _size(q)
    cw, ch = max(1, int(round(w * scale))), max(1, int(round(h * scale)))
    dst = np.array([[0, 0], [cw, 0], [cw, ch], [0, ch]], dtype=np.float32)
    m = cv2.getPerspectiveTransform(q, dst)
    out = cv2.warpPerspective(rgb, m, (cw, ch), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    if ch / cw >= 1.5:
        out = np.rot90(out)
    return np.ascontiguousarray(out)


def recognise(rgb: np.ndarray, quads: list[np.ndarray]) -> list[Word]:
    """Read every box. A box whose digits are unsure is read again from a crop fitted to its ink (a
    detector box around a lone small figure is often cut too tight or too loose): when both readings
    agree, the surer one counts; when they disagree, the surer one counts only if the other was unsure
    (two confident different readings make the box unreadable)."""
    crops = [crop(rgb, q) for q in quads]
    reads = read_crops(crops)
    again = [i for i, (text, _, low, _) in enumerate(reads) if low < REREAD_BELOW or _JUNK.fullmatch(text)]
    better: dict[int, tuple[str, float, float]] = {}
    if again:
        fitted = {i: c for i in again if (c := _ink_crop(rgb, quads[i])) is not None}
        for i, read in zip(fitted, read_crops(list(fitted.values()))):
            first = reads[i]
            if read[0] == first[0]:
                better[i] = max(read, first, key=lambda r: r[2])
            elif _JUNK.fullmatch(first[0]) and _NUMERIC_BOX.fullmatch(read[0]):
                better[i] = read  # a small figure the first crop read as letters
            elif _DIGIT.search(read[0]) and read[2] > first[2]:
                both = _merged(read[3] or (read[0],), first[3] or (first[0],))
                if first[2] >= UNREADABLE_BELOW:  # two confident readings that differ: both are alternatives
                    better[i] = (read[0], read[1], 0.0, both)
                else:  # the surer one counts; when it is still unsure, what either reading weighed
                    better[i] = read if read[2] >= UNREADABLE_BELOW else (*read[:3], both)
    words = []
    for i, q in enumerate(quads):
        text, score, low, alternatives = better.get(i, reads[i])
        words.append(Word(tuple((float(x), float(y)) for x, y in q), text, score, low, i in better,
                          alternatives if low < UNREADABLE_BELOW else ()))
    return words


def _merged(*readings: tuple[str, ...]) -> tuple[str, ...]:
    """The alternatives of several readings of one number, each once, only readings that are numbers."""
    out: list[str] = []
    for reading in readings:
        out += [t for t in reading if t not in out and _NUMERIC_BOX.fullmatch(t)]
    return tuple(out)


def _ink_crop(rgb: np.ndarray, quad: np.ndarray) -> np.ndarray | None:
    """The box's ink (its glyphs, not the rules of the cell around it) with a margin of a third of its
    height, or None when the box holds no ink."""
    import cv2

    q = np.asarray(quad)
    _, bh = _size(q)
    m = int(0.5 * bh) + 2
    x0, y0 = max(0, int(q[:, 0].min()) - m), max(0, int(q[:, 1].min()) - m)
    x1, y1 = min(rgb.shape[1], int(q[:, 0].max()) + m), min(rgb.shape[0], int(q[:, 1].max()) + m)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    grey = cv2.cvtColor(rgb[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY)
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    n, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    keep = [st for st in stats[1:] if st[cv2.CC_STAT_HEIGHT] >= 0.3 * bh and st[cv2.CC_STAT_HEIGHT] < 0.9 * (y1 - y0)
            and st[cv2.CC_STAT_WIDTH] < 0.9 * (x1 - x0)]
    if not keep:
        return None
    gx0 = min(st[cv2.CC_STAT_LEFT] for st in keep)
    gx1 = max(st[cv2.CC_STAT_LEFT] + st[cv2.CC_STAT_WIDTH] for st in keep)
    gy0 = min(st[cv2.CC_STAT_TOP] for st in keep)
    gy1 = max(st[cv2.CC_STAT_TOP] + st[cv2.CC_STAT_HEIGHT] for st in keep)
    pad = max(2, int(0.3 * (gy1 - gy0)))
    out = grey[max(0, gy0 - pad):gy1 + pad, max(0, gx0 - pad):gx1 + pad]
    return np.ascontiguousarray(np.stack([out] * 3, axis=-1))


def read_crops(crops: list[np.ndarray]) -> list[tuple[str, float, float, tuple[str, ...]]]:
    """(text, mean character probability, lowest digit probability, alternatives) of each crop (see
    `_decode`). Crops are batched by
    their width at the model's height, so a batch is padded little (padding costs as much as text)."""
    if not crops:
        return []
    import cv2

    rec = engine().text_rec
    widths = [max(8, int(math.ceil(REC_HEIGHT * c.shape[1] / c.shape[0]))) for c in crops]
    order = sorted(range(len(crops)), key=lambda i: widths[i])
    out: list[tuple[str, float, float, tuple[str, ...]]] = [("", 0.0, 0.0, ())] * len(crops)
    batch: list[int] = []

    def run(batch: list[int]) -> None:
        width = max(widths[i] for i in batch)
        width = max(width, REC_HEIGHT)  # at least square
        arr = np.zeros((len(batch), 3, REC_HEIGHT, width), dtype=np.float32)
        for k, i in enumerate(batch):
            resized = cv2.resize(crops[i], (widths[i], REC_HEIGHT)).astype(np.float32)
            arr[k, :, :, :widths[i]] = (resized.transpose(2, 0, 1) / 255.0 - 0.5) / 0.5
        preds = rec.session(arr)[0]
        for k, i in enumerate(batch):
            out[i] = _decode(preds[k], rec.postprocess_op.character)

    for i in order:
        if batch and (widths[i] > 1.15 * widths[batch[0]] or len(batch) >= REC_BATCH_SIZE
                      or (len(batch) + 1) * widths[i] > REC_BATCH_COLUMNS):
            run(batch)
            batch = []
        batch.append(i)
    if batch:
        run(batch)
    return out


# Classes that read as a digit: the digit itself, its full-width form and, for 0, the round letters and
# the ideographic zero (a lone 0 in a cell is often split between 0, ０ and o). A character's digit
# probability is the mass of all classes of that digit: the engine is sure of a zero it cannot tell
# from ０ or o.
_ZERO_LIKE = "oO〇ｏＯ○◯"


@lru_cache(maxsize=4)
def _digit_classes(characters: tuple[str, ...]) -> np.ndarray:
    """A (classes × 10) 0/1 matrix: which recogniser classes read as which digit."""
    import unicodedata

    m = np.zeros((len(characters), 10), dtype=np.float32)
    for i, c in enumerate(characters):
        c = unicodedata.normalize("NFKC", c) if isinstance(c, str) else ""
        if len(c) == 1 and c in "0123456789":
            m[i, int(c)] = 1.0
        elif c and c in _ZERO_LIKE:
            m[i, 0] = 1.0
    return m


_NUMERIC_BOX = re.compile(rf"[+\-]?[\d.,]+{CELL_UNIT}?")


def _decode(pred: np.ndarray, characters) -> tuple[str, float, float, tuple[str, ...]]:
    """CTC greedy decoding, with the probability of every kept character; in a box that reads as a number,
    each digit's probability is the mass of every class of that digit (see `_ZERO_LIKE`).

    Returns (text, mean probability, lowest digit probability, alternatives). A box that reads as a number
    with one or two unsure digits (below UNREADABLE_BELOW) has as alternatives every reading the engine
    weighed: each unsure digit replaced by every digit holding at least ALTERNATIVE_ABOVE of its mass
    (a 3 at 0.55 beside an 8 at 0.45 gives 3 and 8), the surest first; otherwise ()."""
    idx = pred.argmax(axis=1)
    keep = np.ones(len(idx), dtype=bool)
    keep[1:] = idx[1:] != idx[:-1]
    keep &= idx != 0
    steps = np.nonzero(keep)[0]
    chars = [characters[i] for i in idx[steps]]
    probs = pred[steps, idx[steps]].tolist()
    score = float(np.mean(probs)) if probs else 0.0
    if not chars:
        return "", 0.0, 1.0, ()
    matrix = _digit_classes(tuple(characters))
    masses = pred[steps] @ matrix  # (kept steps × 10)
    digit_like = matrix[idx[steps]].sum(axis=1) > 0
    lows = []
    numeric = all(d or c in ".,+-万元项件" for c, d in zip(chars, digit_like)) and digit_like.any()
    out = []
    unsure: list[tuple[int, list[str]]] = []  # (position in out, the digits weighed there)
    for k, (c, d) in enumerate(zip(chars, digit_like)):
        if d and (numeric or c.isdigit() or c in "０１２３４５６７８９"):
            best = int(masses[k].argmax())
            lows.append(float(masses[k, best]))
            out.append(str(best))
            if masses[k, best] < UNREADABLE_BELOW:
                weighed = [int(j) for j in np.argsort(-masses[k]) if masses[k, j] >= ALTERNATIVE_ABOVE]
                unsure.append((len(out) - 1, [str(j) for j in weighed]))
        else:
            out.append(c)
    text = "".join(out)
    alternatives: tuple[str, ...] = ()
    if unsure and numeric and len(unsure) <= MAX_UNSURE_DIGITS and _NUMERIC_BOX.fullmatch(text):
        readings = [out]
        for at, digits in unsure:
            readings = [r[:at] + [d] + r[at + 1:] for r in readings for d in digits]
        alternatives = tuple(dict.fromkeys("".join(r) for r in readings))
    return text, score, min(lows) if lows else 1.0, alternatives


# ------------------------------------------------------------------------------------ boxes → text

def skew(words: list[Word]) -> float:
    """The page's skew in degrees: the median angle of the top edges of wide boxes (0 without any)."""
    angles = []
    for w in words:
        (x0, y0), (x1, y1) = w.quad[0], w.quad[1]
        width, height = _size(np.asarray(w.quad))
        if width > 3 * height:
            angles.append(math.degrees(math.atan2(y1 - y0, x1 - x0)))
    return float(median(angles)) if angles else 0.0


@dataclass
class _Placed:
    x0: float
    x1: float
    cy: float
    h: float
    text: str
    index: int = -1  # of the word in the page's list

    @property
    def numeric(self) -> bool:
        return bool(_NUMERIC_BOX.fullmatch(self.text)) or UNREADABLE in self.text


def _place(words: list[Word], angle: float) -> list[_Placed]:
    """Each word's extent in the page's own frame (its centre rotated by −angle)."""
    a = math.radians(angle)
    cos, sin = math.cos(a), math.sin(a)
    placed = []
    for i, w in enumerate(words):
        text = w.shown.strip()
        if not text:
            continue
        q = np.asarray(w.quad)
        cx, cy = q.mean(axis=0)
        rx, ry = cx * cos + cy * sin, -cx * sin + cy * cos
        width, height = _size(q)
        placed.append(_Placed(rx - width / 2, rx + width / 2, ry, height, text, i))
    return placed


_PAGE_NUMBER = PAGE_NUMBER_ALONE


def _lines(placed: list[_Placed], unit: float) -> list[list[_Placed]]:
    """Visual lines: boxes whose centres lie within half a box height of a line's centre and that do not
    overlap a box of it horizontally; lines top to bottom, boxes left to right."""
    lines: list[list[_Placed]] = []
    for p in sorted(placed, key=lambda p: p.cy):
        best = None
        for line in lines[-3:]:  # a line is looked for among the last few (boxes arrive by centre)
            centre = sum(q.cy for q in line) / len(line)
            if abs(p.cy - centre) <= 0.5 * min(unit, p.h) + 0.1 * unit and \
                    not any(min(p.x1, q.x1) - max(p.x0, q.x0) > 0.3 * min(p.x1 - p.x0, q.x1 - q.x0) for q in line):
                if best is None or abs(p.cy - centre) < best[0]:
                    best = (abs(p.cy - centre), line)
        if best is None:
            lines.append([p])
        else:
            best[1].append(p)
    lines.sort(key=lambda line: sum(q.cy for q in line) / len(line))
    for line in lines:
        line.sort(key=lambda q: q.x0)
    return lines


def layout(words: list[Word], angle: float = 0.0) -> str:
    """The words as lines of text: one line per visual line, tabs at cell edges (see the module doc). A
    page number printed alone at the top or bottom of the page (`-3-` read as `-3` or `3`) is left out:
    it is no cell of the table it interrupts."""
    return _layout(words, angle)[0]


def _layout(words: list[Word], angle: float = 0.0) -> tuple[str, list[tuple[str, ...]]]:
    """`layout`'s text, and for each U+FFFD in it (in order) the alternatives of the number it stands for:
    the word's, when the word shows a single U+FFFD (one number), else ()."""
    placed = _place(words, angle)
    if not placed:
        return "", []
    unit = median(p.h for p in placed)
    lines = _without_page_numbers(_lines(placed, unit), unit)
    out: list[str] = []
    alternatives: list[tuple[str, ...]] = []
    for line in lines:
        parts = [line[0].text]
        for prev, cur in zip(line, line[1:]):
            gap = cur.x0 - prev.x1
            parts.append("\t" if gap > 1.0 * unit else " ")
            parts.append(cur.text)
        out.append("".join(parts))
        for p in line:
            n = p.text.count(UNREADABLE)
            alternatives += [words[p.index].alternatives] if n == 1 else [()] * n
    return "\n".join(out), alternatives


def _without_page_numbers(lines: list[list[_Placed]], unit: float) -> list[list[_Placed]]:
    """Drop the first and last line of a page when it is a page number alone, apart from the text (more
    than 1.5 lines away). A table row's figure never stands alone there: its label is on its line."""
    if len(lines) < 2:
        return lines

    def is_page_number(line: list[_Placed], neighbour: list[_Placed]) -> bool:
        if len(line) != 1 or not _PAGE_NUMBER.match(line[0].text.replace(" ", "")):
            return False
        return abs(line[0].cy - sum(n.cy for n in neighbour) / len(neighbour)) > 1.5 * unit

    if is_page_number(lines[-1], lines[-2]):
        lines = lines[:-1]
    if len(lines) >= 2 and is_page_number(lines[0], lines[1]):
        lines = lines[1:]
    return lines


# ------------------------------------------------------------------------------- cells the detector missed

def ruled_cells(rgb: np.ndarray, words: list[Word], angle: float) -> list[Word]:
    """The words with what the cell rules of the table say about them. In every line that holds figures,
    the vertical rules crossing it are found on the page straightened by `angle`, and the cells right of
    its label are looked at one by one:

    - a box of a figure that runs across a rule holds two cells the detector merged (`1|0` read as 10):
      it is dropped, and each cell it covers is read alone;
    - a cell with ink and no box holds a figure the detector missed (a lone small 0): it is read alone;

    A cell read alone (recogniser only, on a crop fitted to its ink) that does not read as a confident
    number becomes U+FFFD, an unreadable value. A cell without ink stays blank."""
    import cv2

    placed = _place(words, angle)
    if not placed:
        return words
    unit = median(p.h for p in placed)
    rows = [line for line in _lines(placed, unit) if sum(q.numeric for q in line) >= 2]
    if not rows:
        return words
    h, w = rgb.shape[:2]
    # The placed frame is the page rotated by −angle about the origin; cv2's matrix rotates by the same
    # angle about the centre: the two differ by where the origin lands (the matrix's last column).
    rot = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    dx, dy = float(rot[0, 2]), float(rot[1, 2])
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    straight = cv2.warpAffine(grey, rot, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)
    _, ink = cv2.threshold(straight, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(
        cv2.MORPH_RECT, (1, max(8, int(1.2 * unit)))))
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(
        cv2.MORPH_RECT, (max(8, int(3 * unit)), 1)))
    glyphs = cv2.subtract(ink, cv2.bitwise_or(vertical, horizontal))

    dropped: set[int] = set()
    found: list[tuple[int, int, int, int]] = []
    bands = []
    for line in rows:
        numbers = [q for q in line if q.numeric]
        top = int(min(q.cy - q.h / 2 for q in numbers) + dy)
        bottom = int(max(q.cy + q.h / 2 for q in numbers) + dy)
        if top < 0 or bottom > h or bottom - top < 4:
            continue
        cols = np.nonzero(vertical[top:bottom, :].sum(axis=0) >= 0.9 * 255 * (bottom - top))[0]
        if len(cols) < 2:
            continue
        rules = [int(g.mean()) for g in np.split(cols, np.nonzero(np.diff(cols) > 2)[0] + 1)]
        for q in numbers:  # a figure's box across a rule: two cells merged
            margin = 0.25 * q.h
            if any(q.x0 + dx + margin < r < q.x1 + dx - margin for r in rules):
                dropped.add(q.index)
        bands.append((line, numbers, top, bottom, rules))
    # the columns that hold figures somewhere on the page: a missed figure is looked for in them only,
    # never in a label column (a wrapped label's other line lies in the band of the row's figures). A
    # column holds a figure whose box lies inside it (a lone 7 covers a tenth of a wide column's width), or
    # part of a box of figures merged across its rules
    def holds_figure(left: int, right: int, q: _Placed) -> bool:
        if q.index in dropped:
            return min(right, q.x1 + dx) - max(left, q.x0 + dx) > 0.3 * (right - left)
        return left - 2 <= q.x0 + dx and q.x1 + dx <= right + 2

    figure_columns = [(left, right) for line, numbers, _, _, rules in bands for left, right in zip(rules, rules[1:])
                      if any(holds_figure(left, right, q) for q in numbers)]
    for line, numbers, top, bottom, rules in bands:
        first = min(q.x0 for q in numbers)
        labels_end = max((q.x1 + dx for q in line if not q.numeric and q.x1 <= first), default=-1.0)
        # the boxes of figures or words in the row's band: the line's own, and any other line's box whose
        # centre lies in the band (a label box overlapping another can make two lines of one row: its
        # figures are in one of them, never to be read a second time for the other)
        kept = [q for q in placed if q.index not in dropped and (q.numeric or _LETTERS.search(q.text))
                and (q in line or top <= q.cy + dy <= bottom)]
        for left, right in zip(rules, rules[1:]):
            if right - left < 0.8 * unit or left < labels_end - 2:
                continue
            if not any(min(right, r) - max(left, l) > 0.6 * (right - left) for l, r in figure_columns):
                continue  # not a column of figures
            if any(left <= (q.x0 + q.x1) / 2 + dx <= right for q in kept):
                continue  # a box of a figure (or of words) is in the cell; junk ("So" for a small 3) is not
            cell = glyphs[top:bottom, left + 2:right - 1]
            n, _, stats, _ = cv2.connectedComponentsWithStats(cell, connectivity=8)
            tall = [st for st in stats[1:] if st[cv2.CC_STAT_HEIGHT] >= 0.35 * unit]
            if not tall:
                continue  # a blank cell
            x0 = min(st[cv2.CC_STAT_LEFT] for st in tall) + left + 2
            x1 = max(st[cv2.CC_STAT_LEFT] + st[cv2.CC_STAT_WIDTH] for st in tall) + left + 2
            y0 = min(st[cv2.CC_STAT_TOP] for st in tall) + top
            y1 = max(st[cv2.CC_STAT_TOP] + st[cv2.CC_STAT_HEIGHT] for st in tall) + top
            pad = max(2, int(0.3 * (y1 - y0)))
            found.append((max(left + 2, x0 - pad), max(0, y0 - pad), min(right - 1, x1 + pad), min(h, y1 + pad)))
    out = [word for i, word in enumerate(words) if i not in dropped]
    if not found:
        return out
    reads = read_crops([np.ascontiguousarray(np.stack([straight[y0:y1, x0:x1]] * 3, axis=-1))
                        for x0, y0, x1, y1 in found])
    inverse = cv2.invertAffineTransform(rot)
    for (x0, y0, x1, y1), (text, score, low, alternatives) in zip(found, reads):
        corners = np.array([[x0, y0, 1], [x1, y0, 1], [x1, y1, 1], [x0, y1, 1]], dtype=np.float64)
        quad = tuple((float(x), float(y)) for x, y in (inverse @ corners.T).T)
        text = text.strip()
        if score > 0.9 and _LETTERS.search(text):
            continue  # words (a label reaching into the cell), not a figure
        if not _NUMERIC_BOX.fullmatch(text):
            text, low, alternatives = UNREADABLE, 0.0, ()  # ink the recogniser cannot read as a figure: not known
        out.append(Word(quad, text, score, low, reread=True,
                        alternatives=alternatives if low < UNREADABLE_BELOW else ()))
    return out


# ------------------------------------------------------------------------------------------- documents

OCR_DPI = 200  # PDF pages are rendered at this resolution for OCR


def read_pages(images) -> tuple[list[PageText], OcrStats]:
    """OCR page images (an iterable of uint8 arrays, grey or RGB); the text of each page and the totals.
    Pages are read `_threads()` at a time, by threads; the images are taken from `images` in this thread
    (pdfium renders in one thread only), at most one ahead of the pages being read."""
    from concurrent.futures import ThreadPoolExecutor

    start = time.perf_counter()
    threads = _threads()
    engine()  # loaded once, before the threads share it
    pages: list[PageText] = []
    if threads == 1:
        pages = [read_page(image) for image in images]
    else:
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="ocr-page") as pool:
            pending = []
            for image in images:
                pending.append(pool.submit(read_page, image))
                del image
                while sum(not f.done() for f in pending) > threads:
                    next(f for f in pending if not f.done()).result()  # wait for the oldest still running
            pages = [f.result() for f in pending]
    stats = OcrStats()
    for page in pages:
        stats.pages += 1
        stats.boxes += len(page.words)
        stats.unreadable += sum(w.unreadable and bool(_DIGIT.search(w.text)) or w.text == UNREADABLE
                                for w in page.words)
        stats.reread += sum(w.reread for w in page.words)
        stats.turned.append(page.turned)
    stats.seconds = time.perf_counter() - start
    return pages, stats


def stats_flags(kind: str, stats: OcrStats) -> list[str]:
    """The flags of an OCR'd document (`Decoded.flags`): its kind (pdf_ocr / image_ocr) and the numbers
    (`ocr_pages=N`, `ocr_seconds=S`, `ocr_unreadable=N`), which `ocr_stats` reads back."""
    flags = [kind, f"ocr_pages={stats.pages}", f"ocr_seconds={stats.seconds:.1f}", f"ocr_unreadable={stats.unreadable}"]
    if any(stats.turned):
        flags.append("ocr_page_turned")
    return flags


ALTERNATIVES_FLAG = "ocr_alternatives"


def alternatives_flag(text: str, readings: list[tuple[str, ...]]) -> list[str]:
    """The flag `ocr_alternatives=<offset>:<reading>|<reading>;…` of a decoded document: for each U+FFFD of
    its (normalised) `text` that stands for a number with alternatives, its offset in the text and the
    readings the engine weighed (pipelines/extract/ocr_choice.py lets the identities choose among them).
    `readings` has one entry per U+FFFD of the text, in order (() for none); [] when the counts differ
    (the text is not the one the readings were made for) or no U+FFFD has readings."""
    at = [i for i, ch in enumerate(text) if ch == UNREADABLE]
    if len(at) != len(readings):
        return []
    items = [f"{o}:{'|'.join(r)}" for o, r in zip(at, readings) if r]
    return [f"{ALTERNATIVES_FLAG}={';'.join(items)}"] if items else []


def ocr_stats(flags: list[str]) -> dict:
    """{pages, seconds, unreadable} from a decoded document's flags ({} when it was not OCR'd)."""
    out: dict = {}
    for f in flags:
        key, _, value = f.partition("=")
        if key in ("ocr_pages", "ocr_unreadable"):
            out[key.removeprefix("ocr_")] = int(value)
        elif key == "ocr_seconds":
            out["seconds"] = float(value)
    return out
