"""How much one document may cost before it is given up, read from ``XXGK_DOC_*`` variables.

Portals hold 200-page scanned books, PDFs that decompress to gigabytes and Word files that hang a
converter. The crawl must go on past any of them: a document over a limit becomes a recorded
failure for that document (``DocumentRejected`` → ``is_report=False`` with the reason).
"""
from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass


class DocumentRejected(Exception):
    """The document cannot be read within the limits, or is encrypted, truncated or corrupt."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 2**20  # XXGK_DOC_MAX_BYTES: the largest file read at all
    max_pages: int = 60  # XXGK_DOC_MAX_PAGES: a report has 3–15 pages; a scan book more is not one
    max_unzipped: int = 200 * 2**20  # XXGK_DOC_MAX_UNZIPPED: DOCX/XLSX members, against zip bombs
    seconds: float = 180.0  # XXGK_DOC_TIMEOUT: wall time for one document (converters, OCR)
    # Cheap caps checked before the expensive work starts (issue 12: tiny files that ask for gigabytes):
    max_pixels: int = 40_000_000  # XXGK_DOC_MAX_PIXELS: one page at 300 dpi for OCR (A2 is 35 M)
    max_cells: int = 1_000_000  # XXGK_DOC_MAX_CELLS: a table's or sheet's width × height, shared strings
    max_paragraphs: int = 100_000  # XXGK_DOC_MAX_PARAGRAPHS: a DOCX's paragraphs (a report has hundreds)
    max_text_bytes: int = 10 * 2**20  # XXGK_DOC_MAX_TEXT_BYTES: an HTML page or plain text read at all

    @classmethod
    def from_env(cls) -> "Limits":
        return cls(**{field: type(getattr(cls, field))(os.environ[name])
                      for name, field in SETTINGS.items() if name in os.environ})

    def value_of(self, setting: str) -> float | None:
        """The value of an ``XXGK_DOC_*`` setting, by its name (None for another name)."""
        return getattr(self, SETTINGS[setting]) if setting in SETTINGS else None

    def check_size(self, data: bytes) -> None:
        if len(data) > self.max_bytes:
            raise DocumentRejected(f"file of {len(data)} bytes is over the {self.max_bytes}-byte limit (XXGK_DOC_MAX_BYTES)")

    def check_pages(self, pages: int) -> None:
        if pages > self.max_pages:
            raise DocumentRejected(f"{pages} pages is over the {self.max_pages}-page limit (XXGK_DOC_MAX_PAGES)")

    def check_text_size(self, size: int) -> None:
        if size > self.max_text_bytes:
            raise DocumentRejected(f"page of {size} bytes is over the {self.max_text_bytes}-byte limit (XXGK_DOC_MAX_TEXT_BYTES)")

    def check_pixels(self, width: float, height: float, what: str) -> None:
        """Before a page is rendered or scaled: ``width`` × ``height`` pixels at the OCR's resolution."""
        if width * height > self.max_pixels:
            raise DocumentRejected(f"{what} is {width:.0f}×{height:.0f} px at 300 dpi, over the "
                                   f"{self.max_pixels}-pixel limit (XXGK_DOC_MAX_PIXELS)")

    def check_cells(self, width: int, height: int, what: str) -> None:
        if width * height > self.max_cells:
            raise DocumentRejected(f"{what} is {width}×{height} cells, over the {self.max_cells}-cell limit (XXGK_DOC_MAX_CELLS)")

    def deadline(self) -> "Deadline":
        return Deadline(self.seconds)


# each limit's environment variable
SETTINGS = {
    "XXGK_DOC_MAX_BYTES": "max_bytes",
    "XXGK_DOC_MAX_PAGES": "max_pages",
    "XXGK_DOC_MAX_UNZIPPED": "max_unzipped",
    "XXGK_DOC_TIMEOUT": "seconds",
    "XXGK_DOC_MAX_PIXELS": "max_pixels",
    "XXGK_DOC_MAX_CELLS": "max_cells",
    "XXGK_DOC_MAX_PARAGRAPHS": "max_paragraphs",
    "XXGK_DOC_MAX_TEXT_BYTES": "max_text_bytes",
}
LIMIT_NAMED = re.compile(r"\((XXGK_DOC_[A-Z_]+)\)")  # how a refusal names its limit: "... (XXGK_DOC_MAX_CELLS)"


def limit_named(reason: str | None) -> str | None:
    """The setting a refusal names, if it was refused by a limit."""
    match = LIMIT_NAMED.search(reason or "")
    return match.group(1) if match and match.group(1) in SETTINGS else None


class Deadline:
    """The time left for one document; readers check it between pages and pass it to converters."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def left(self) -> float:
        left = self._end - time.monotonic()
        if left <= 0:
            raise DocumentRejected(f"took longer than {self.seconds:g} s (XXGK_DOC_TIMEOUT)")
        return left
