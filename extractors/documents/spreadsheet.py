"""XLSX and XLS → rows of cell texts, every sheet in order, merged ranges expanded.

Some agencies attach the report's tables as a workbook. openpyxl reads XLSX (read-only mode
would be faster but does not report merged ranges, which the label columns rely on); xlrd reads
Excel 97 XLS directly, without a LibreOffice round trip. Numbers come back as floats: 3.0 is
printed "3", as the report printed it.
"""
from __future__ import annotations

from io import BytesIO

import openpyxl
import xlrd

from ..values import is_value
from . import ooxml_caps
from .docx import check_zip
from .limits import DocumentRejected, Limits


def read_xlsx(data: bytes, limits: Limits) -> list[list[str]]:
    check_zip(data, limits)
    ooxml_caps.check_xlsx(data, limits)
    try:
        book = openpyxl.load_workbook(BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises KeyError, InvalidFileException, lxml errors…
        raise DocumentRejected(f"unreadable XLSX: {type(exc).__name__}: {exc}") from exc
    rows: list[list[str]] = []
    for sheet in book.worksheets:
        values = [[_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        spans = [(m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in sheet.merged_cells.ranges]
        rows += _expand(values, spans)
    return rows


def read_xls(data: bytes, limits: Limits) -> list[list[str]]:
    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception as exc:  # xlrd raises XLRDError, CompDocError, struct.error… on broken files
        raise DocumentRejected(f"unreadable XLS: {type(exc).__name__}: {exc}") from exc
    rows: list[list[str]] = []
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        values = [[_text(sheet.cell_value(r, c)) for c in range(sheet.ncols)] for r in range(sheet.nrows)]
        spans = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in sheet.merged_cells]
        rows += _expand(values, spans)
    return rows


def _expand(values: list[list[str]], spans: list[tuple[int, int, int, int]]) -> list[list[str]]:
    """Merged ranges (first row, first col, last row, last col) filled like an HTML rowspan/colspan."""
    for r0, c0, r1, c1 in spans:
        text = values[r0][c0] if r0 < len(values) and c0 < len(values[r0]) else ""
        if is_value(text):
            continue
        for r in range(r0, min(r1 + 1, len(values))):
            for c in range(c0, min(c1 + 1, len(values[r]))):
                values[r][c] = text
    return values


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
