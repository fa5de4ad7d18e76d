"""DOCX and XLSX sized from their XML before python-docx or openpyxl builds anything.

Both libraries build the whole document in memory, and both expand what the XML only claims: a
cell with ``gridSpan="2000000000"`` becomes two billion cell objects in python-docx, a merged range
``A1:XFD1048576`` 17 billion MergedCells in openpyxl, cells A1 and XFD1048576 a 17-billion-cell
rectangle when rows are read. A few hundred KB of ZIP can claim any of these. So the parts are
streamed first (in chunks: memory flat) and the
claims checked against the limits; the stream stops at the first one over, so a hostile file
costs milliseconds. The parts are scanned as text for the few tags that matter (any namespace
prefix), not parsed: lxml's iterparse spends microseconds per element, a regular expression over
decompressed chunks next to nothing, and a miscounted tag only ever makes a count larger.
"""
from __future__ import annotations

import re
import zipfile
import zlib
from io import BytesIO

from .limits import DocumentRejected, Limits

_CHUNK = 2**20
_PREFIX = rb"<(/?)(?:[\w.-]+:)?"  # an opening or closing tag, whatever its namespace prefix
_DOCX_TAGS = re.compile(_PREFIX + rb"(p|tbl|tr|tc|gridSpan)(?=[\s/>])([^>]*)>")
_SHARED_STRING = re.compile(rb"<(?:[\w.-]+:)?si(?=[\s/>])")  # counted in C: there may be millions
_SHEET_TAGS = re.compile(_PREFIX + rb"(row|c|mergeCell)(?=[\s/>])([^>]*)>")
_VAL = re.compile(rb"""(?:^|\s)(?:[\w.-]+:)?val\s*=\s*["']\s*(\d+)""")
_R = re.compile(rb"""(?:^|\s)r\s*=\s*["']([^"']*)""")
_REF = re.compile(rb"""(?:^|\s)ref\s*=\s*["']([^"']*)""")
_CELL_REF = re.compile(r"^\$?([A-Z]{1,3})\$?(\d{1,7})$")


def check_docx(data: bytes, limits: Limits) -> None:
    """Paragraphs, and each table's width (grid columns, spans summed) × rows, within the limits."""
    paragraphs = 0
    tables: list[list[int]] = []  # open tables, nested ones too: [rows, widest row, this row's width]
    for closing, tag, attributes in _tags(data, "word/document.xml", _DOCX_TAGS):
        empty = attributes.endswith(b"/")
        if tag == b"p" and not closing:
            paragraphs += 1
            if paragraphs > limits.max_paragraphs:
                raise DocumentRejected(f"more than {limits.max_paragraphs} paragraphs (XXGK_DOC_MAX_PARAGRAPHS)")
        elif tag == b"tbl" and not empty:
            if closing:
                if tables:
                    tables.pop()
            else:
                tables.append([0, 0, 0])
        elif not tables or closing and tag != b"tr":
            continue
        elif tag == b"tr" and closing:
            table = tables[-1]
            table[0] += 1
            table[1] = max(table[1], table[2])
            limits.check_cells(table[1], table[0], "a table")
        elif tag == b"tr":
            tables[-1][2] = 0
        elif tag == b"tc":
            tables[-1][2] += 1
        elif tag == b"gridSpan":
            match = _VAL.search(attributes)
            tables[-1][2] += max(int(match.group(1)), 1) - 1 if match else 0
            limits.check_cells(tables[-1][2], max(tables[-1][0], 1), "a table")


def check_xlsx(data: bytes, limits: Limits) -> None:
    """Each sheet's extent (its cells and merged ranges) and the shared strings within the limits."""
    strings = 0
    for text, end in _chunks(data, "xl/sharedStrings.xml"):
        strings += len(_SHARED_STRING.findall(text, 0, end))
        if strings > limits.max_cells:
            raise DocumentRejected(f"more than {limits.max_cells} shared strings (XXGK_DOC_MAX_CELLS)")
    for name in _names(data):
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            _check_sheet(data, name, limits)


def _check_sheet(data: bytes, name: str, limits: Limits) -> None:
    rows = columns = row = column = 0
    for closing, tag, attributes in _tags(data, name, _SHEET_TAGS):
        if closing:
            continue
        if tag == b"row":
            match = _R.search(attributes)
            row = int(match.group(1)) if match and match.group(1).isdigit() else row + 1
            column = 0
            r, c = row, 0
        elif tag == b"c":
            match = _R.search(attributes)
            r, c = _position(match.group(1)) if match else (row, column + 1)
            column = c
        else:
            match = _REF.search(attributes)
            r, c = max(_position(ref) for ref in (match.group(1) if match else b"").split(b":"))
        rows, columns = max(rows, r), max(columns, c)
        limits.check_cells(columns, rows, f"sheet {name.rsplit('/', 1)[-1]}")


def _position(ref: bytes) -> tuple[int, int]:
    """(row, column), 1-based, of a reference such as ``XFD1048576``; (0, 0) when it is not one."""
    match = _CELL_REF.match(ref.decode("ascii", "replace").strip().upper())
    if not match:
        return 0, 0
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - 64
    return int(match.group(2)), column


def _names(data: bytes) -> list[str]:
    try:
        return zipfile.ZipFile(BytesIO(data)).namelist()
    except (zipfile.BadZipFile, EOFError, ValueError) as exc:
        raise DocumentRejected(f"corrupt ZIP container: {exc}") from exc


def _tags(data: bytes, name: str, pattern: re.Pattern):
    """(closing?, tag name, attribute text) of each tag ``pattern`` matches in the member ``name``."""
    for text, end in _chunks(data, name):
        for match in pattern.finditer(text, 0, end):
            yield bool(match.group(1)), match.group(2), match.group(3)


def _chunks(data: bytes, name: str):
    """The member ``name`` decompressed a chunk at a time, as (text, end): tags lie wholly before
    ``end`` (one straddling two chunks is carried into the next). Nothing when the member is absent:
    the reader then says what is missing."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as package:
            if name not in package.namelist():
                return
            with package.open(name) as stream:
                rest = b""
                while True:
                    chunk = stream.read(_CHUNK)
                    text = rest + chunk
                    end = len(text) if not chunk else text.rfind(b">") + 1
                    yield text, end
                    if not chunk:
                        return
                    rest = text[end:]
                    if len(rest) > _CHUNK:  # no tag end in a whole chunk: one huge text, skip it
                        rest = rest[-1024:]
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise DocumentRejected(f"unreadable ZIP member {name}: {type(exc).__name__}: {exc}") from exc
