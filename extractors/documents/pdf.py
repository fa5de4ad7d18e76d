"""PDF → rows and text, with pypdfium2 (PDFium; Apache-2.0/BSD).

Why pypdfium2: on report PDFs it reads the same characters as pdfplumber/pdfminer about 20×
faster (``../shared/spec/documents-probe.md``), and gives what the layout needs: each character's
box and the page's path objects, i.e. the table's ruling lines. PyMuPDF is as fast but AGPL.

Report PDFs are mostly Word exports. Their plain text loses cell boundaries: a blank cell
vanishes and shifts the numbers after it, 本年度办理结果 comes out one character per line, table
四's header as stacked fragments. So a page with ruled tables is read by its rules
(``documents.grid``): each table becomes rows of cell texts, and the text lines around it become
one-cell rows in page order. A page without rules falls back to PDFium's plain text, which the
text-row reader already handles. Page footers ("- 4 -") are dropped wherever they fall, so a
table split over two pages reads as one. A PDF with no text layer is a scan and goes to OCR.
"""
from __future__ import annotations

import ctypes
import re
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..text_rows import text_to_rows
from . import grid
from .grid import Piece, Segment
from .limits import Deadline, DocumentRejected, Limits

_RULE_THICKNESS = 2.5  # points: a filled rectangle thinner than this is a drawn rule
_TOLERANCE = 2.0  # points: rules this close are one edge; rules this close to a cell corner touch
_PAGE_FOOTER = re.compile(r"^\s*[-—–－]?\s*第?\s*\d{1,3}\s*页?\s*(共\s*\d+\s*页)?\s*[-—–－]?\s*$")
_MIN_TEXT_CHARS = 20  # per page, on average: fewer and the PDF is a scan (maybe with a stray word)
_OCR_DPI = 300


@dataclass
class PdfContent:
    rows: list[list[str]]
    text: str
    titles: list[str]


def open_pdf(data: bytes, limits: Limits) -> pdfium.PdfDocument:
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        reason = str(exc)
        if "password" in reason.lower():
            raise DocumentRejected("encrypted PDF (needs a password)") from exc
        raise DocumentRejected(f"unreadable PDF: {reason}") from exc
    limits.check_pages(len(pdf))
    return pdf


def has_text_layer(pdf: pdfium.PdfDocument) -> bool:
    chars = 0
    for page in pdf:
        text = page.get_textpage().get_text_range()
        chars += len(re.sub(r"\s", "", text))
    return chars >= _MIN_TEXT_CHARS * max(1, len(pdf))


def read_text_layer(pdf: pdfium.PdfDocument, deadline: Deadline) -> PdfContent:
    """Rows (ruled tables as grids, other lines as one-cell rows) and the plain text of every page."""
    rows: list[list[str]] = []
    texts: list[str] = []
    titles: list[str] = []
    for number, page in enumerate(pdf):
        deadline.left()
        textpage = page.get_textpage()
        plain = _drop_footers(textpage.get_text_range())
        texts.append(plain)
        pieces = _characters(page, textpage)
        tables = grid.find_tables(_rules(page), _TOLERANCE)
        if number == 0:
            titles = [grid.line_text(line) for line in grid.title_lines(grid.group_lines(pieces))]
            titles = ["".join(titles)] if titles else []
        if not tables:
            rows += text_to_rows(plain)
            continue
        rows = grid.join_pages(rows, _page_rows(tables, pieces))
    return PdfContent(rows, "\n".join(texts), titles)


def _page_rows(tables: list[grid.Table], pieces: list[Piece]) -> list[list[str]]:
    """Tables and the lines outside them, top to bottom."""
    outside = [p for p in pieces if not any(t.contains(p) for t in tables)]
    blocks: list[tuple[float, list[list[str]]]] = []
    for line in grid.group_lines(outside):
        text = grid.line_text(line)
        if not _PAGE_FOOTER.match(text):
            blocks.append((min(p.y0 for p in line), text_to_rows(text)))
    for table in tables:
        blocks.append((table.top, grid.table_rows(table, pieces, _TOLERANCE)))
    blocks.sort(key=lambda block: block[0])
    return [row for _, block in blocks for row in block]


def _drop_footers(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line for line in lines if not _PAGE_FOOTER.match(line))


def _characters(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> list[Piece]:
    height = page.get_height()
    pieces = []
    for i in range(textpage.count_chars()):
        char = chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i))
        if not char.strip() or pdfium_c.FPDFText_IsGenerated(textpage.raw, i) == 1:
            continue
        left, bottom, right, top = textpage.get_charbox(i)
        pieces.append(Piece(char, left, height - top, right, height - bottom))
    return pieces


def _rules(page: pdfium.PdfPage) -> list[Segment]:
    """Axis-parallel strokes of path objects, and filled rectangles thin enough to be rules."""
    height = page.get_height()
    segments: list[Segment] = []
    thin_boxes = []
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    x, y = ctypes.c_float(), ctypes.c_float()
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=3):
        pdfium_c.FPDFPath_GetDrawMode(obj.raw, fill, stroke)
        if fill.value and not stroke.value:
            left, bottom, right, top = obj.get_bounds()
            thin_boxes.append((left, height - top, right, height - bottom))
            continue
        if not stroke.value:
            continue
        a, b, c, d, e, f = obj.get_matrix().get()
        points = []
        for i in range(pdfium_c.FPDFPath_CountSegments(obj.raw)):
            segment = pdfium_c.FPDFPath_GetPathSegment(obj.raw, i)
            pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
            kind = pdfium_c.FPDFPathSegment_GetType(segment)
            point = (a * x.value + c * y.value + e, height - (b * x.value + d * y.value + f))
            if kind == pdfium_c.FPDF_SEGMENT_MOVETO or not points:
                points = [point]
                continue
            segments += _axis_segment(points[-1], point)
            points.append(point)
            if pdfium_c.FPDFPathSegment_GetClose(segment):
                segments += _axis_segment(point, points[0])
    return segments + grid.rules_from_boxes(thin_boxes, _RULE_THICKNESS)


def _axis_segment(p: tuple[float, float], q: tuple[float, float]) -> list[Segment]:
    (x0, y0), (x1, y1) = p, q
    if abs(y0 - y1) < 0.5 and abs(x0 - x1) >= 0.5:
        return [Segment(min(x0, x1), y0, max(x0, x1), y0)]
    if abs(x0 - x1) < 0.5 and abs(y0 - y1) >= 0.5:
        return [Segment(x0, min(y0, y1), x0, max(y0, y1))]
    return []


def page_images(pdf: pdfium.PdfDocument, deadline: Deadline, limits: Limits):
    """Each page rendered in gray at the OCR's resolution, with that resolution; a page whose
    pixels would be over the limit is refused before PDFium allocates them."""
    for number, page in enumerate(pdf, 1):
        deadline.left()
        width, height = page.get_size()
        limits.check_pixels(width * _OCR_DPI / 72, height * _OCR_DPI / 72, f"page {number} ({width:.0f}×{height:.0f} pt)")
        yield page.render(scale=_OCR_DPI / 72, grayscale=True).to_pil().convert("L"), _OCR_DPI
