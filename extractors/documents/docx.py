"""DOCX → rows and text, with python-docx: paragraphs and real table cells, in body order.

A merged cell is one ``w:tc`` element that python-docx hands out once per grid column it covers
(``gridSpan``) and once per row it continues into (``vMerge``), as new ``_Cell`` objects around the
same element: repeats are told apart by that element's identity, which gives each cell's span, and
``extractors.logical_cells`` reads the rows as for HTML (Word's colspans do not line up).
"""
from __future__ import annotations

import zipfile
from dataclasses import replace
from io import BytesIO

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from ..logical_cells import Span, logical_rows
from . import ooxml_caps
from .limits import DocumentRejected, Limits


def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse a ZIP container (DOCX, XLSX) that is corrupt or would inflate past the limit."""
    try:
        members = zipfile.ZipFile(BytesIO(data)).infolist()
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise DocumentRejected(f"corrupt ZIP container: {exc}") from exc
    total = sum(member.file_size for member in members)
    if total > limits.max_unzipped:
        raise DocumentRejected(f"unzips to {total} bytes, over the {limits.max_unzipped}-byte limit (XXGK_DOC_MAX_UNZIPPED)")


def read_docx(data: bytes, limits: Limits) -> tuple[list[list[str]], str, list[str]]:
    """(rows, text, title candidates): tables as rows of cells, paragraphs as one-cell rows."""
    check_zip(data, limits)
    ooxml_caps.check_docx(data, limits)
    try:
        document = docx.Document(BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors… on broken parts
        raise DocumentRejected(f"unreadable DOCX: {type(exc).__name__}: {exc}") from exc
    rows: list[list[str]] = []
    lines: list[str] = []
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(element, document).text.strip()
            if text:
                rows.append([text])
                lines.append(text)
        elif tag == "tbl":
            grid = table_grid(Table(element, document))
            rows += grid
            lines += ["\t".join(row) for row in grid]
    title = _title(document)
    return rows, "\n".join(lines), [title] if title else []


def table_grid(table: Table) -> list[list[str]]:
    origins: dict = {}  # w:tc element → the row it starts in (the dict keeps lxml's proxy alive)
    placed: list[list[Span]] = []
    for r, row in enumerate(table.rows):
        spans: list[Span] = []
        last = None
        for column, cell in enumerate(row.cells):
            element = cell._tc  # the XML element is what repeats; python-docx exposes no other handle
            if element is last:
                spans[-1] = replace(spans[-1], end=column + 1)
                continue
            last = element
            text = "".join(p.text for p in cell.paragraphs).strip()
            spans.append(Span(text, column, column + 1, origins.setdefault(element, r) == r))
        placed.append(spans)
    return logical_rows(placed)


def _title(document) -> str | None:
    """The document's Title paragraph(s), when the author used Word's Title style."""
    parts = [p.text.strip() for p in document.paragraphs[:5] if p.style is not None and p.style.name == "Title"]
    return "".join(parts) or None
