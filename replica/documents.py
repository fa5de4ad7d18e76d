"""The replica's reports as binary attachments: DOCX, PDF, DOC, XLSX, XLS, scans and pictures.

Every file is made from the canonical model, so its true numbers are known: the DOCX is written by
code from the same table grids as the HTML body (``replica.render.sections``), and the other
formats come from it the way agencies make them — LibreOffice exports the PDF and the Word 97 DOC,
pdftoppm renders the PDF's pages at 150 dpi in gray, and each page is then turned a little and
speckled like a sheet through an office scanner (图片版). Workbooks are written by openpyxl from
the same grids; XLS is LibreOffice's conversion of the XLSX.

LibreOffice takes seconds per call, so converted files are cached on disk by the digest of their
source (``CACHE``), and ``prepare`` converts a batch in one call.
"""
from __future__ import annotations

import hashlib
import io
import random
import re
import shutil
import subprocess
import tempfile
import zipfile
from datetime import datetime, time
from pathlib import Path

import docx
import numpy as np
import openpyxl
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Inches, Pt
from PIL import Image

from extractors.documents import word_convert
from replica.render import PLAIN, Cell, Style, sections
from replica.reports import ReportModel

DOCX, PDF, DOC, RTF, XLSX, XLS, SCAN, PNG = "docx", "pdf", "doc", "rtf", "xlsx", "xls", "scan", "png"
FORMATS = (DOCX, PDF, DOC, RTF, XLSX, XLS, SCAN, PNG)
# The file each format is served as: a scan is a PDF of page images, a picture a PNG of the pages.
EXTENSIONS = {DOCX: "docx", PDF: "pdf", DOC: "doc", RTF: "rtf", XLSX: "xlsx", XLS: "xls", SCAN: "pdf", PNG: "png"}
CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "rtf": "application/rtf",
    "xls": "application/vnd.ms-excel",
    "png": "image/png",
}
CACHE = Path(tempfile.gettempdir()) / "xxgk-replica-documents"
_CONVERT_CHUNK = 50  # documents per LibreOffice call
_CONVERT_SECONDS = 300
_CACHE_VERSION = 3  # raise when a writer below changes what it makes

SCAN_DPI = 150
SKEW_DEGREES = 0.7  # at most; each page gets its own angle
_LINE_WIDTH = 6.3  # inches between the default template's margins
_NUMBER_COLUMN = 0.55  # inches: wide enough for six digits at 9 pt
_FONT = "宋体"  # what the national template sets; LibreOffice substitutes a CJK font it has


def document(model: ReportModel, fmt: str, style: Style = PLAIN) -> bytes:
    """The report as a file of format ``fmt`` (one of ``FORMATS``)."""
    return prepare([model], fmt, style)[0]


def prepare(models: list[ReportModel], fmt: str, style: Style = PLAIN) -> list[bytes]:
    """Several reports in one format, converting whatever the cache lacks in one LibreOffice call."""
    if fmt == DOCX:
        return [docx_bytes(m, style) for m in models]
    if fmt == XLSX:
        return [xlsx_bytes(m, style) for m in models]
    paths = [CACHE / f"{_digest(m, style)}.{fmt}.{EXTENSIONS[fmt]}" for m in models]
    missing = [(path, m) for path, m in zip(paths, models) if not path.exists()]
    if missing:
        CACHE.mkdir(parents=True, exist_ok=True)
        if fmt in (SCAN, PNG):
            pdfs = prepare([m for _, m in missing], PDF, style)
            # each report's own slant and noise, whichever batch it is made in
            made = [_scanned(pdf, fmt, seed=path.name) for (path, _), pdf in zip(missing, pdfs)]
        else:
            source_fmt = XLSX if fmt == XLS else DOCX
            sources = prepare([m for _, m in missing], source_fmt, style)
            # In chunks: one LibreOffice call for hundreds of documents overran its time limit.
            made = [data for n in range(0, len(sources), _CONVERT_CHUNK)
                    for data in word_convert.convert_many(sources[n:n + _CONVERT_CHUNK], source_fmt, EXTENSIONS[fmt],
                                                          _CONVERT_SECONDS)]
        for (path, _), data in zip(missing, made):
            _write_atomically(path, data)
    return [path.read_bytes() for path in paths]


def _stable_zip(data: bytes, when: datetime) -> bytes:
    """The same model gives the same bytes: python-docx and openpyxl stamp every ZIP member, and
    openpyxl the document's modified time, with the clock; a server's ETag would change with it."""
    out = io.BytesIO()
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            body = source.read(member)
            if member.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp.encode(), body)
            target.writestr(zipfile.ZipInfo(member.filename, when.timetuple()[:6]), body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _digest(model: ReportModel, style: Style) -> str:
    """Office files carry zip timestamps, so the cache is keyed by what they are made from."""
    return hashlib.sha256(repr((_CACHE_VERSION, model, style)).encode()).hexdigest()


def _written(model: ReportModel) -> datetime:
    return datetime.combine(model.published, time(9, 30))


def docx_bytes(model: ReportModel, style: Style = PLAIN) -> bytes:
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = _FONT
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), _FONT)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    # the agency on a line of its own, as report titles are set (二号 type fits no more)
    agency, rest = model.title[:len(model.agency)], model.title[len(model.agency):]
    for i, part in enumerate((agency, rest) if model.title.startswith(model.agency) else (model.title,)):
        if i:
            title.runs[-1].add_break()
        run = title.add_run(part)
        run.bold = True
        run.font.size = Pt(20)
    for heading, body, grid in sections(model, style):
        document.add_paragraph().add_run(heading).bold = True
        if body:
            document.add_paragraph(body)
        if grid:
            _docx_table(document, grid)
    out = io.BytesIO()
    document.core_properties.created = document.core_properties.modified = _written(model)
    document.save(out)
    return _stable_zip(out.getvalue(), _written(model))


def _placed(grid: list[list[Cell]]) -> tuple[list[tuple[int, int, Cell]], int]:
    """Each cell with its row and column in the expanded grid, and the grid's width."""
    occupied: set[tuple[int, int]] = set()
    placed = []
    for r, row in enumerate(grid):
        c = 0
        for cell in row:
            while (r, c) in occupied:
                c += 1
            placed.append((r, c, cell))
            occupied.update((r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan))
            c += cell.colspan
    return placed, max(c for _, c in occupied) + 1


def _docx_table(document, grid: list[list[Cell]]) -> None:
    placed, width = _placed(grid)
    table = document.add_table(rows=len(grid), cols=width)
    table.style = "Table Grid"
    table.autofit = False
    widths = _column_widths(placed, width)
    for column, column_width in zip(table.columns, widths):
        column.width = column_width  # the table grid, which LibreOffice lays out by
    for row in table.rows:
        for c, cell in enumerate(row.cells):
            cell.width = widths[c]
    for r, c, cell in placed:
        target = table.cell(r, c)
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(table.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
        paragraph = target.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for i, part in enumerate(cell.text.split("\n")):
            if i:
                paragraph.runs[-1].add_break()  # a line break inside a label, as Word users type them
            paragraph.add_run(part).font.size = Pt(9)
        # merge() keeps the merged cells' empty paragraphs: drop them so the cell holds one line
        for extra in target.paragraphs[1:]:
            extra._p.getparent().remove(extra._p)


def _column_widths(placed: list[tuple[int, int, Cell]], width: int) -> list[Inches]:
    """Number columns narrow, label columns sharing the rest of the line, as reports set them."""
    data = {c for _, c, cell in placed if cell.data and cell.colspan == 1}
    number = min(_NUMBER_COLUMN, _LINE_WIDTH / width)
    label = (_LINE_WIDTH - number * len(data)) / max(1, width - len(data))
    return [Inches(number if c in data else label) for c in range(width)]


def xlsx_bytes(model: ReportModel, style: Style = PLAIN) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "年度报告"
    sheet.append([model.title])
    row = 2
    for heading, body, grid in sections(model, style):
        sheet.cell(row, 1, heading)
        row += 1
        if body:
            sheet.cell(row, 1, body)
            row += 1
        if grid:
            placed, _ = _placed(grid)
            for r, c, cell in placed:
                value = cell.text.replace("\n", "")
                sheet.cell(row + r, c + 1, int(value) if cell.data and value.isdigit() else
                           float(value) if cell.data and value else value or None)
                if cell.rowspan > 1 or cell.colspan > 1:
                    sheet.merge_cells(start_row=row + r, start_column=c + 1,
                                      end_row=row + r + cell.rowspan - 1, end_column=c + cell.colspan)
            row += len(grid)
    out = io.BytesIO()
    book.properties.created = _written(model)
    book.save(out)
    return _stable_zip(out.getvalue(), _written(model))


def _scanned(pdf: bytes, fmt: str, seed: str) -> bytes:
    """The PDF printed and scanned: 150 dpi gray pages, each skewed and speckled; as a PDF of
    images (``SCAN``) or one tall picture of all pages (``PNG``)."""
    rng = random.Random(seed)  # a str seeds the same on every run, unlike hash()
    pages = [_scan_page(page, rng) for page in _render(pdf)]
    out = io.BytesIO()
    if fmt == SCAN:
        pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=SCAN_DPI)
    else:
        tall = Image.new("L", (max(p.width for p in pages), sum(p.height for p in pages)), 255)
        y = 0
        for page in pages:
            tall.paste(page, (0, y))
            y += page.height
        tall.save(out, "PNG", optimize=True)
    return out.getvalue()


def _render(pdf: bytes) -> list[Image.Image]:
    """The PDF's pages at ``SCAN_DPI`` in gray, by pdftoppm (poppler), as a scanner driver would."""
    if shutil.which("pdftoppm") is None:
        raise RuntimeError("pdftoppm (poppler-utils) is not installed")
    with tempfile.TemporaryDirectory(prefix="xxgk-scan-") as work:
        source = Path(work) / "in.pdf"
        source.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", str(SCAN_DPI), "-gray", str(source), str(Path(work) / "page")],
                       check=True, timeout=_CONVERT_SECONDS)
        return [Image.open(p).copy() for p in sorted(Path(work).glob("page*.pgm"))]


def _scan_page(page: Image.Image, rng: random.Random) -> Image.Image:
    angle = rng.uniform(-SKEW_DEGREES, SKEW_DEGREES)
    page = page.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    pixels = np.asarray(page, dtype=np.float32)
    noise = np.random.default_rng(rng.randrange(2**32))
    pixels = pixels * 0.9 + 12 + noise.normal(0, 10, pixels.shape)  # grey paper, sensor noise
    specks = noise.random(pixels.shape) < 0.002  # dust
    pixels[specks] = noise.uniform(0, 120, int(specks.sum()))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")


def _write_atomically(path: Path, data: bytes) -> None:
    """Tests run in parallel processes: a half-written cache file must never be read."""
    partial = path.with_suffix(path.suffix + f".{random.getrandbits(32):08x}.part")
    partial.write_bytes(data)
    partial.replace(path)
