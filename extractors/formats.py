"""Which reader handles which kind of document (``extractors.sniff`` decides the kind).

HTML and plain text are read here; PDF, DOC/WPS/XLS (OLE2), DOCX, XLSX and images by
``extractors.documents``, whose readers turn the bytes into rows and text and call
``extractors.report.build`` the same way. A bare ZIP archive gets a clear not-supported result.
"""
from __future__ import annotations

from collections.abc import Callable
from importlib import import_module

from . import report, sniff
from .documents.limits import DocumentRejected, Limits
from .model import Extraction
from .text_rows import text_to_rows

Reader = Callable[[bytes, str], Extraction]  # (data, content_type) → Extraction


def read_html_bytes(data: bytes | str, content_type: str = "", title_hint: str = "") -> Extraction:
    limits = Limits.from_env()
    try:  # before parsing: lxml and trafilatura take some 40 times a page's size in memory
        limits.check_text_size(len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "replace")))
        html = data if isinstance(data, str) else sniff.decode(data, content_type=content_type)
        if html is None:
            return Extraction(is_report=False, reason="undecodable HTML: no UTF-8/GB18030 reading", source_format=sniff.HTML)
        from .html import read_html  # lxml and trafilatura: imported when the first page is met

        page = read_html(html)
    except DocumentRejected as exc:
        return Extraction(is_report=False, reason=str(exc), source_format=sniff.HTML)
    if page is None:
        return Extraction(is_report=False, reason="unparseable HTML", source_format=sniff.HTML)
    titles = ([title_hint] if title_hint else []) + page.titles
    return report.build(page.rows, page.text, titles=titles, source_format=sniff.HTML)


def read_text(text: str, title_hint: str = "") -> Extraction:
    return report.build(text_to_rows(text), text, titles=[title_hint] if title_hint else [], source_format=sniff.TEXT)


def read_text_bytes(data: bytes, content_type: str = "") -> Extraction:
    try:
        Limits.from_env().check_text_size(len(data))
    except DocumentRejected as exc:
        return Extraction(is_report=False, reason=str(exc), source_format=sniff.TEXT)
    text = sniff.decode(data, content_type=content_type)
    if text is None:
        return Extraction(is_report=False, reason="undecodable text: no UTF-8/GB18030 reading", source_format=sniff.TEXT)
    return read_text(text)


# Document readers by kind, as "module:function": a format's libraries (PDFium, OpenCV, openpyxl …)
# are imported the first time a document of that kind is met, so `xxgk extract` starts fast.
READERS: dict[str, str] = {
    sniff.HTML: "extractors.formats:read_html_bytes",
    sniff.TEXT: "extractors.formats:read_text_bytes",
    sniff.PDF: "extractors.documents:read_pdf",
    sniff.OLE: "extractors.documents:read_ole",
    sniff.RTF: "extractors.documents:read_rtf",
    sniff.DOCX: "extractors.documents:read_docx",
    sniff.XLSX: "extractors.documents:read_xlsx",
    sniff.IMAGE: "extractors.documents:read_image",
}


def reader_for(kind: str) -> Reader | None:
    if kind not in READERS:
        return None
    module, function = READERS[kind].split(":")
    return getattr(import_module(module), function)


NOT_YET_SUPPORTED = {
    sniff.ZIP: "ZIP archive",
}
