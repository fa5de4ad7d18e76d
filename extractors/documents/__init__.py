"""Attachments — PDF, DOCX, DOC/WPS, XLS(X), scans and pictures — into the extraction engine.

Each reader turns a document's bytes into what ``extractors.report.build`` takes from every format
(rows of cell texts, the main text, title candidates), so metadata, tables and checks are decided
once. The kind comes from the bytes (``extractors.sniff``): portals serve PDFs as
``downfile.jsp?filename=…`` with wrong content types.

    pdf.py           text-layer PDFs (pypdfium2), tables from their ruling lines (grid.py)
    ocr.py           scanned PDFs and pictures (Tesseract), the same grid from the scan's lines
    docx.py          DOCX (python-docx)
    word_convert.py  DOC/WPS and RTF via LibreOffice headless
    spreadsheet.py   XLSX (openpyxl) and XLS (xlrd)
    limits.py        size, page, unzipped-size and time limits (XXGK_DOC_* settings)

A document that breaks a limit, is encrypted, truncated or corrupt gives ``is_report=False`` and
the reason: a recorded failure for that document, never an exception into the crawl.
"""
from __future__ import annotations

from dataclasses import replace

from .. import report, sniff
from ..checks import consistency_checks
from ..model import Extraction
from .limits import DocumentRejected, Limits

# The readers' libraries (PDFium, OpenCV, python-docx, openpyxl) are imported by the functions that
# need them, when a document of their kind is first met.

# OLE2 compound files name their main stream in the directory, as UTF-16LE.
_OLE_STREAMS = (
    ("EncryptedPackage".encode("utf-16-le"), None),  # a password-protected DOCX/XLSX
    ("WordDocument".encode("utf-16-le"), "doc"),  # Word 97 and Kingsoft WPS
    ("Workbook".encode("utf-16-le"), "xls"),  # Excel 97 and Kingsoft ET
    ("Book".encode("utf-16-le"), "xls"),  # Excel 5
)


def read_pdf(data: bytes, content_type: str = "") -> Extraction:
    return _guarded(sniff.PDF, data, _read_pdf)


def read_docx(data: bytes, content_type: str = "") -> Extraction:
    return _guarded(sniff.DOCX, data, _read_docx)


def read_xlsx(data: bytes, content_type: str = "") -> Extraction:
    from . import spreadsheet

    return _guarded(sniff.XLSX, data, lambda d, limits: _build(spreadsheet.read_xlsx(d, limits), "", [], sniff.XLSX))


def read_ole(data: bytes, content_type: str = "") -> Extraction:
    """DOC, WPS, XLS or ET: told apart by the compound file's stream names."""
    kind = ole_kind(data)
    return _guarded(kind or sniff.OLE, data, _read_ole)


def read_rtf(data: bytes, content_type: str = "") -> Extraction:
    """Rich Text Format, which portals often serve as .doc: converted like a DOC."""
    return _guarded(sniff.RTF, data, _read_rtf)


def read_image(data: bytes, content_type: str = "") -> Extraction:
    return _guarded(sniff.IMAGE, data, _read_image)


def ole_kind(data: bytes) -> str | None:
    """"doc" or "xls"; None for an encrypted or unknown compound file."""
    for name, kind in _OLE_STREAMS:
        if name in data:
            return kind
    return None


def _guarded(kind: str, data: bytes, read) -> Extraction:
    limits = Limits.from_env()
    try:
        limits.check_size(data)
        return read(data, limits)
    except DocumentRejected as exc:
        return Extraction(is_report=False, source_format=kind, reason=str(exc))


def _build(rows: list[list[str]], text: str, titles: list[str], kind: str) -> Extraction:
    return report.build(rows, text, titles=titles, source_format=kind)


def _read_pdf(data: bytes, limits: Limits) -> Extraction:
    from . import pdf

    deadline = limits.deadline()
    document = pdf.open_pdf(data, limits)
    if pdf.has_text_layer(document):
        content = pdf.read_text_layer(document, deadline)
        return _build(content.rows, content.text, content.titles, sniff.PDF)
    from . import ocr  # OpenCV: only for a PDF of scanned pages

    scan = ocr.read_pages(pdf.page_images(document, deadline, limits), deadline, limits)
    return _ocr_extraction(scan, sniff.PDF)


def _read_docx(data: bytes, limits: Limits) -> Extraction:
    from . import docx

    rows, text, titles = docx.read_docx(data, limits)
    return _build(rows, text, titles, sniff.DOCX)


def _read_ole(data: bytes, limits: Limits) -> Extraction:
    from . import docx, spreadsheet, word_convert

    kind = ole_kind(data)
    if kind is None:
        if _OLE_STREAMS[0][0] in data:
            raise DocumentRejected("encrypted Office document (needs a password)")
        raise DocumentRejected("compound file with no Word or Excel stream")
    if kind == "xls":
        return _build(spreadsheet.read_xls(data, limits), "", [], "xls")
    converted = word_convert.convert(data, "doc", "docx", limits.deadline().left())
    rows, text, titles = docx.read_docx(converted, limits)
    return _build(rows, text, titles, "doc")


def _read_rtf(data: bytes, limits: Limits) -> Extraction:
    from . import docx, word_convert

    converted = word_convert.convert(data, "rtf", "docx", limits.deadline().left())
    rows, text, titles = docx.read_docx(converted, limits)
    return _build(rows, text, titles, sniff.RTF)


def _read_image(data: bytes, limits: Limits) -> Extraction:
    from . import ocr

    deadline = limits.deadline()
    scan = ocr.read_pages(ocr.pages_of(ocr.open_image(data, limits), limits), deadline, limits)
    return _ocr_extraction(scan, sniff.IMAGE)


def _ocr_extraction(scan, kind: str) -> Extraction:
    from . import misreads

    extraction = _build(scan.rows, scan.text, scan.titles, kind)
    cells, notes = misreads.repair(extraction.cells, extraction.template)
    if notes:  # a digit misread by OCR, found by the tables' sums
        extraction = replace(extraction, cells=cells, checks=consistency_checks(cells, extraction.template),
                             warnings=extraction.warnings + tuple(notes))
    return replace(extraction, ocr_confidence=scan.confidence)
