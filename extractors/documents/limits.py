"""How much one document may cost before it is given up, read from ``XXGK_DOC_*`` variables.

Portals hold 200-page scanned books, PDFs that decompress to gigabytes and Word files that hang a
converter. The crawl must go on past any of them: a document over a limit becomes a recorded
failure for that document (``DocumentRejected`` → ``is_report=False`` with the reason).
"""
from __future__ import annotations

import os
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

    @classmethod
    def from_env(cls) -> "Limits":
        return cls(
            max_bytes=int(os.environ.get("XXGK_DOC_MAX_BYTES", cls.max_bytes)),
            max_pages=int(os.environ.get("XXGK_DOC_MAX_PAGES", cls.max_pages)),
            max_unzipped=int(os.environ.get("XXGK_DOC_MAX_UNZIPPED", cls.max_unzipped)),
            seconds=float(os.environ.get("XXGK_DOC_TIMEOUT", cls.seconds)),
        )

    def check_size(self, data: bytes) -> None:
        if len(data) > self.max_bytes:
            raise DocumentRejected(f"file of {len(data)} bytes is over the {self.max_bytes}-byte limit (XXGK_DOC_MAX_BYTES)")

    def check_pages(self, pages: int) -> None:
        if pages > self.max_pages:
            raise DocumentRejected(f"{pages} pages is over the {self.max_pages}-page limit (XXGK_DOC_MAX_PAGES)")

    def deadline(self) -> "Deadline":
        return Deadline(self.seconds)


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
