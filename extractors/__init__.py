"""Bytes of a report document → metadata, section texts, canonical cells, checks.

No Scrapy, no clock, no network: the crawl pipeline and `xxgk extract` call in here with bytes.

    extract(data, filename=..., content_type=...)   any document's bytes (kind sniffed)
    extract_html(html)                              an HTML page, as str or bytes
    extract_text(text, title_hint=...)              plain text (from a PDF, DOC, copy-paste)
    read_grid(grid, template=None)                  tables given as rows of cell texts
"""
from __future__ import annotations

from . import sniff
from .model import Check, Extraction

# Which extractor read a document, recorded with every extraction in the archive. Raise it by one
# in any change that makes some document read differently (numbers, template, agency, year, title):
# `xxgk reextract` then re-reads, from the stored bytes, what an older version read.
# 1: first recorded. 2: a 更正 title (关于《…年度报告》的更正说明) names its agency without the 《.
EXTRACTOR_VERSION = 6

# The reason's prefix when reading crashed (a bug, not the document): callers that retry failed
# documents after an extractor fix can tell this from "not a report".
EXTRACTOR_FAILED = "extractor failed"

__all__ = ["EXTRACTOR_FAILED", "EXTRACTOR_VERSION", "Check", "Extraction", "TableReading", "extract", "extract_html", "extract_text", "read_grid"]


def __getattr__(name: str):
    """The table reader, imported when first asked for: `import extractors` stays light (the
    process that only starts a reader child, as `xxgk extract` does, never needs it)."""
    if name in ("TableReading", "read_grid"):
        from . import tables

        return getattr(tables, name)
    raise AttributeError(f"module 'extractors' has no attribute {name!r}")


def extract(data: bytes, *, filename: str = "", content_type: str = "") -> Extraction:
    """Read one document. Never raises: unreadable input gives ``is_report=False`` and a reason."""
    from . import formats

    try:
        kind = sniff.sniff(data, filename, content_type)
        reader = formats.reader_for(kind)
        if reader is not None:
            return reader(data, content_type)
        if kind in formats.NOT_YET_SUPPORTED:
            return Extraction(is_report=False, source_format=kind,
                              reason=f"{formats.NOT_YET_SUPPORTED[kind]} documents are not supported yet")
        return Extraction(is_report=False, source_format=kind, reason="binary data of no known document type")
    except Exception as exc:  # the contract: a reason, never a trace, whatever the bytes are
        return Extraction(is_report=False, reason=f"{EXTRACTOR_FAILED}: {type(exc).__name__}: {exc}")


def extract_html(html: str | bytes, *, content_type: str = "", title_hint: str = "") -> Extraction:
    """Read an HTML page (bytes are decoded as ``extract`` would)."""
    from . import formats

    return formats.read_html_bytes(html, content_type, title_hint)


def extract_text(text: str, *, title_hint: str = "") -> Extraction:
    """Read plain text; ``title_hint`` is the title the page or listing gave, when known."""
    from . import formats

    return formats.read_text(text, title_hint)
