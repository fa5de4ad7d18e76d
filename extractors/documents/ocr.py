"""Scanned pages (图片版 reports, PDFs without a text layer) → rows of cells, by Tesseract.

Measured on the replica's scans (150 dpi gray, up to ±0.7° skew, sensor noise, dust; see
docs/documents.md), Tesseract read as well as RapidOCR in a fraction of the time, provided it
is never asked to read a table as a page:

1. the page is brought to 300 dpi, deskewed by the angle of its long horizontal rules, and
   binarised;
2. the table's rules are found by morphology (long thin runs of ink) and the cells rebuilt from
   them with ``documents.grid``, exactly as for a PDF's drawn rules — so a blank cell is a cell
   with no ink and stays null, instead of shifting the row;
3. the rules are erased; ``chi_sim`` reads the text outside the tables (title, prose, headings)
   and, separately, every inked cell on its own band of a tall strip image (one Tesseract call
   per page, and no cell can run into its neighbour as on the page);
4. one-line cells with at most one Chinese character are read again by ``eng`` with digits only
   (``--psm 6``): unaided ``chi_sim`` merges lone 0s and turns digits into characters; a number
   read with low confidence is read once more on its own (``--psm 7``);
5. label cells and short lines are snapped to the national template's wording
   (``documents.lexicon``) when they resemble it closely.

The confidence is Tesseract's mean word confidence over the numbers read (0–1); the 勾稽 checks
that ``report.build`` runs on every table are the second opinion.
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from bisect import bisect_right
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

from . import grid, lexicon
from .grid import Piece, Segment
from ..values import is_value
from .limits import Deadline, DocumentRejected, Limits

TESSERACT = "tesseract"
DPI = 300  # what Tesseract reads best; scans come at 150–300
_HAN = re.compile(r"[\u4e00-\u9fa5]")
_DIGITS = "0123456789.-+"
_RULE_MIN_FRACTION = 25  # a horizontal rule is at least 1/25 of the page wide: longer than a bold title stroke
_RULE_MIN_VERTICAL = 35  # pixels at 300 dpi: a cell at least this tall (a character stroke is shorter)
_TOLERANCE = 8  # pixels at 300 dpi: rules this close are one edge; ends this close touch
_PAGE_RATIO = 1.414  # A4: height over width
_A4_INCHES = 8.3  # A4's width: a picture's page is taken to be that wide
_SURE = 0.6  # a number read with less confidence in a strip is read again on its own
_ONE_LINE = 60  # pixels at 300 dpi: taller ink in a cell is more than one line of 9–12 pt text
_CROP_PAD = 4  # pixels around a cell's text: a decimal point after the last digit is still in
_MIN_CELL_INK = 40  # pixels: less is specks, not a character
_SPECK_AREA, _SPECK_SIZE = 25, 7  # pixels at 300 dpi: a full stop is about 6×6
_STRIP_GAP = 40  # pixels between cells in a strip: wider than any gap inside a cell's text
_GHOST_CONFIDENCE = 0.5  # a word read with less confidence may be a second reading of another
_JOIN = 3  # pixels: a vertical rule crossing a horizontal one comes this close to its pixels
_MAX_SKEW = 3.0  # degrees: more is not a slightly skewed scan, and is left alone


@dataclass
class ScanContent:
    rows: list[list[str]]
    text: str
    titles: list[str]
    confidence: float | None


def available() -> bool:
    return shutil.which(TESSERACT) is not None


def open_image(data: bytes, limits: Limits) -> Image.Image:
    """A picture attachment (PNG, JPEG, GIF, BMP, TIFF) as a gray image, refusing decompression bombs."""
    Image.MAX_IMAGE_PIXELS = limits.max_unzipped // 2  # 2 bytes per pixel at most while decoding
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (OSError, Image.DecompressionBombError, ValueError) as exc:
        raise DocumentRejected(f"unreadable image: {exc}") from exc
    return image.convert("L")


def pages_of(image: Image.Image, limits: Limits) -> list[tuple[Image.Image, None]]:
    """A picture cut into pages: portals stitch a whole report into one tall image, and each page
    of it was scanned at its own slant. Cuts fall on blank rows near each page height, so never
    through a table, whose rules cross every row it spans. More pages than the page limit (a
    blank strip 100 px wide and 200000 tall is 1,400 "pages") refuse the picture."""
    pixels = np.asarray(image)
    page_height = int(pixels.shape[1] * _PAGE_RATIO)
    if pixels.shape[0] < page_height * 1.5:
        return [(image, None)]
    inked_rows = (pixels < 128).sum(axis=1) > 2  # a speck or two is no ink
    pages, top = [], 0
    while pixels.shape[0] - top > page_height * 1.5:
        window = range(top + int(page_height * 0.8), min(top + int(page_height * 1.2), pixels.shape[0]))
        blank = [y for y in window if not inked_rows[y]]
        if not blank:
            break
        cut = min(blank, key=lambda y: abs(y - (top + page_height)))
        pages.append((image.crop((0, top, image.width, cut)), None))
        limits.check_pages(len(pages) + 1)
        top = cut
    pages.append((image.crop((0, top, image.width, image.height)), None))
    return pages


def read_pages(images, deadline: Deadline, limits: Limits) -> ScanContent:
    """OCR every page (``images`` yields gray PIL images with their dpi, or None when unknown).

    The deadline is checked before each page (a blank page calls no Tesseract, which checks it
    too), and a page's pixels at 300 dpi before it is scaled to them."""
    if not available():
        raise DocumentRejected(f"Tesseract ({TESSERACT}) is not installed: cannot read scanned pages")
    rows: list[list[str]] = []
    texts: list[str] = []
    titles: list[str] = []
    confidences: list[float] = []
    for number, (image, dpi) in enumerate(images):
        deadline.left()
        scale = DPI / (dpi or image.width / _A4_INCHES)
        limits.check_pixels(image.width * scale, image.height * scale, f"page {number + 1}")
        page_rows, lines, page_confidences = _read_page(image, dpi, deadline)
        rows = grid.join_pages(rows, page_rows)
        texts += [_line(line) for line in lines]
        if number == 0:
            titles = ["".join(_line(line) for line in grid.title_lines(lines))]
        confidences += page_confidences
    confidence = round(sum(confidences) / len(confidences), 3) if confidences else None
    return ScanContent(rows, "\n".join(texts), [t for t in titles if t], confidence)


def _read_page(image: Image.Image, dpi: float | None, deadline: Deadline):
    # sensor noise and dust, at 300 dpi: at 150 a 3×3 median would erase the one-pixel table rules
    gray = _deskewed(cv2.medianBlur(_at_300_dpi(np.asarray(image), dpi), 3))
    ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    rules, rule_mask = _rules(ink)
    ink[rule_mask > 0] = 0
    text_ink = _without_specks(ink)
    tables = grid.find_tables(rules, _TOLERANCE)

    outside = text_ink.copy()
    for table in tables:
        outside[int(table.ys[0]):int(table.ys[-1]) + 1, int(table.xs[0]):int(table.xs[-1]) + 1] = 0
    # psm 4, one column of text of varying sizes: psm 6 skips a title line set larger than the rest
    words = _tesseract(255 - outside, "chi_sim", 4, deadline) if outside.any() else []

    boxes = [box for table in tables for box in grid.cell_boxes(table, _TOLERANCE)]
    inked = [(box, crop) for box in boxes if (crop := _ink_crop(ink, text_ink, box)) is not None]
    labels = _read_strip([crop for _, crop in inked], "chi_sim", deadline)
    texts = {box: lexicon.corrected(text) if _HAN.search(text) else text for (box, _), (text, _) in zip(inked, labels)}
    # chi_sim reads a lone 0 as a character now and then: every one-line cell with at most one
    # character is read again as digits, and a clean number wins
    short = [(box, crop) for (box, crop), (text, _) in zip(inked, labels)
             if len(_HAN.findall(text)) <= 1 and crop.shape[0] <= _ONE_LINE]
    confidences = []
    for (box, crop), (text, confidence) in zip(short, _read_strip([crop for _, crop in short], "eng", deadline, _DIGITS)):
        if confidence < _SURE:
            text, confidence = max((text, confidence), _read_alone(crop, deadline), key=lambda read: read[1])
        text = text.strip(".")  # a speck beside a digit reads as a point; a real one sits between digits
        if text and is_value(text):
            texts[box] = text
            confidences.append(confidence)
    pieces = [Piece(text, x0, y0, x1, y1) for (x0, y0, x1, y1), text in texts.items() if text]

    blocks: list[tuple[float, list[list[str]]]] = []
    for line in grid.group_lines(words):
        blocks.append((min(p.y0 for p in line), [[lexicon.corrected(_line(line))]]))
    for table in tables:
        blocks.append((table.top, grid.table_rows(table, pieces, _TOLERANCE)))
    blocks.sort(key=lambda block: block[0])
    rows = [row for _, block in blocks for row in block]
    return rows, grid.group_lines(words), confidences


def _without_specks(ink: np.ndarray) -> np.ndarray:
    """Ink blobs smaller than a full stop are dust the median filter left."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    small = (stats[:, cv2.CC_STAT_AREA] < _SPECK_AREA) & (np.maximum(stats[:, 2], stats[:, 3]) < _SPECK_SIZE)
    small[0] = False
    return np.where(small[labels], 0, ink).astype(np.uint8)


def _ink_crop(ink: np.ndarray, text_ink: np.ndarray, box) -> np.ndarray | None:
    """The ink inside a cell, trimmed to the extent of its text; None for an empty cell.

    The extent comes from the ink without specks (dust is no text), the crop from all the ink:
    a decimal point is as small as a speck, and inside a number it is no dust.
    """
    inset = _TOLERANCE // 2  # the rule's own blur
    x0, y0, x1, y1 = int(box[0]) + inset, int(box[1]) + inset, int(box[2]) - inset, int(box[3]) - inset
    text = text_ink[y0:y1, x0:x1]
    if text.size == 0 or int(np.count_nonzero(text)) < _MIN_CELL_INK:
        return None
    ys, xs = np.nonzero(text)
    pad = _CROP_PAD
    return ink[y0 + max(ys.min() - pad, 0):y0 + ys.max() + 1 + pad, x0 + max(xs.min() - pad, 0):x0 + xs.max() + 1 + pad]


def _read_alone(crop: np.ndarray, deadline: Deadline) -> tuple[str, float]:
    """A doubtful number read again on its own, as one line (``--psm 7``): in a strip Tesseract
    now and then reads a lone 0 as 4 or 9, with a confidence near nothing."""
    page = cv2.copyMakeBorder(255 - crop, _STRIP_GAP, _STRIP_GAP, _STRIP_GAP, _STRIP_GAP, cv2.BORDER_CONSTANT, value=255)
    words = _tesseract(page, "eng", 7, deadline, whitelist=_DIGITS)
    return "".join(w.text for w in words), min((w.confidence for w in words), default=0.0)


def _read_strip(crops: list[np.ndarray], language: str, deadline: Deadline, whitelist: str = "") -> list[tuple[str, float]]:
    """Cells read one per band of a tall strip image, in one Tesseract call: each cell on its own,
    so numbers of neighbouring cells are never read as one, and one process start per page."""
    if not crops:
        return []
    width = max(c.shape[1] for c in crops) + 2 * _STRIP_GAP
    height = sum(c.shape[0] + _STRIP_GAP for c in crops) + _STRIP_GAP
    strip = np.zeros((height, width), np.uint8)
    bands = []
    y = _STRIP_GAP
    for crop in crops:
        strip[y:y + crop.shape[0], _STRIP_GAP:_STRIP_GAP + crop.shape[1]] = crop
        bands.append((y, y + crop.shape[0]))
        y += crop.shape[0] + _STRIP_GAP
    words = _tesseract(255 - strip, language, 6, deadline, whitelist=whitelist)
    starts = [top for top, _ in bands]
    found: list[list[_Word]] = [[] for _ in crops]
    for word in words:
        i = bisect_right(starts, word.cy) - 1
        if i >= 0:
            found[i].append(word)
    out = []
    for cell_words in found:
        text = "".join(_line(line) for line in grid.group_lines(cell_words))
        confidence = min((w.confidence for w in cell_words), default=0.0)
        out.append((text, confidence))
    return out


def _at_300_dpi(pixels: np.ndarray, dpi: float | None) -> np.ndarray:
    if dpi is None:  # a picture: assume a page is about 8.3 inches (A4) wide
        dpi = pixels.shape[1] / _A4_INCHES
    scale = DPI / dpi
    if abs(scale - 1) < 0.05:
        return pixels
    return cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)


def _deskewed(gray: np.ndarray) -> np.ndarray:
    """The page turned so its long horizontal rules (or text lines, without a table) are level."""
    ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]
    width = gray.shape[1]
    # short pieces of a tilted rule still form runs 1 px high; they are joined to measure the tilt
    pieces = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (width // 60, 1)))
    pieces = cv2.dilate(pieces, cv2.getStructuringElement(cv2.MORPH_RECT, (width // 60, 3)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(pieces)
    angles, weights = [], []
    for i in range(1, count):
        x, y, w, h, _ = stats[i]
        if w < width / 4:
            continue
        ys, xs = np.nonzero(labels[y:y + h, x:x + w] == i)
        slope = np.polyfit(xs, ys, 1)[0]
        angles.append(np.degrees(np.arctan(slope)))
        weights.append(w)
    if not angles:
        return gray
    angle = float(np.average(angles, weights=weights))
    if abs(angle) < 0.05 or abs(angle) > _MAX_SKEW:
        return gray
    h, w = gray.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(gray, matrix, (w, h), flags=cv2.INTER_CUBIC, borderValue=255)


def _rules(ink: np.ndarray) -> tuple[list[Segment], np.ndarray]:
    """Horizontal and vertical rules as segments, and the mask of their pixels (to erase them).

    A vertical run of ink is a rule between the first and the last horizontal rule it crosses,
    and no rule if it crosses fewer than two: the long strokes of characters (开, 申) are as tall
    as a short cell but stop short of its rules, and a heading set right under a table adds its
    strokes to the table's last vertical rules, which must not make them longer.
    """
    h, w = ink.shape
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (w // _RULE_MIN_FRACTION, 1)))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, _RULE_MIN_VERTICAL)))
    h_boxes = [b for b in _boxes(horizontal) if b[2] > b[3] * 8]
    h_segments = [Segment(x, y + hh / 2, x + ww, y + hh / 2) for x, y, ww, hh in h_boxes]
    mask = np.zeros_like(ink)
    for x, y, ww, hh in h_boxes:
        mask[y:y + hh, x:x + ww] = horizontal[y:y + hh, x:x + ww]
    crossings = mask.copy()
    v_segments = []
    for x, y, ww, hh in _boxes(vertical):
        if hh <= ww * 4:
            continue
        crossed = np.nonzero(crossings[y:y + hh, max(0, x - _JOIN):x + ww + _JOIN].any(axis=1))[0]
        if len(crossed) == 0 or crossed[-1] - crossed[0] < _RULE_MIN_VERTICAL:
            continue
        top, bottom = y + int(crossed[0]), y + int(crossed[-1]) + 1
        v_segments.append(Segment(x + ww / 2, top, x + ww / 2, bottom))
        mask[top:bottom, x:x + ww] |= vertical[top:bottom, x:x + ww]
    return h_segments + v_segments, cv2.dilate(mask, np.ones((3, 3), np.uint8))


def _boxes(mask: np.ndarray) -> list[tuple[int, int, int, int]]:
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask)
    return [tuple(int(v) for v in stats[i][:4]) for i in range(1, count)]


@dataclass(frozen=True)
class _Word(Piece):
    confidence: float = 0.0


def _tesseract(pixels: np.ndarray, language: str, psm: int, deadline: Deadline, whitelist: str = "") -> list[_Word]:
    png = cv2.imencode(".png", pixels)[1].tobytes()
    args = [TESSERACT, "stdin", "stdout", "-l", language, "--psm", str(psm), "--dpi", str(DPI)]
    if whitelist:
        args += ["-c", f"tessedit_char_whitelist={whitelist}"]
    args.append("tsv")
    try:
        done = subprocess.run(args, input=png, capture_output=True, timeout=deadline.left(),
                              env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    except subprocess.TimeoutExpired:
        raise DocumentRejected("Tesseract did not finish within the time limit (XXGK_DOC_TIMEOUT)") from None
    if done.returncode != 0:
        raise DocumentRejected(f"Tesseract failed: {done.stderr.decode(errors='replace').strip()[-200:]}")
    words = []
    for line in done.stdout.decode("utf-8", errors="replace").splitlines()[1:]:
        fields = line.split("\t")
        if len(fields) < 12 or not fields[11].strip() or float(fields[10]) < 0:
            continue
        left, top, width, height = (int(v) for v in fields[6:10])
        words.append(_Word(fields[11].strip(), left, top, left + width, top + height, float(fields[10]) / 100))
    return _without_ghosts(words)


def _without_ghosts(words: list[_Word]) -> list[_Word]:
    """Tesseract sometimes reports a second, low-confidence reading over a word it read well
    ("mm4I2" over 工作年度报): of words covering the same ink, the most confident is kept."""
    kept: list[_Word] = []
    for word in sorted(words, key=lambda w: -w.confidence):
        if word.confidence >= _GHOST_CONFIDENCE:
            kept.append(word)
            continue
        area = max((word.x1 - word.x0) * (word.y1 - word.y0), 1)
        covered = sum(max(0, min(word.x1, k.x1) - max(word.x0, k.x0)) * max(0, min(word.y1, k.y1) - max(word.y0, k.y0))
                      for k in kept)
        if covered < area / 2:
            kept.append(word)
    return sorted(kept, key=lambda w: (w.y0, w.x0))


def _line(line: list[Piece]) -> str:
    """A line of Chinese words: Tesseract separates every character by a space, which is dropped
    between Chinese characters and kept between numbers."""
    text = grid.line_text(line)
    return re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", text)
