"""Migration m007 (shipped: never edit it; add a new migration instead)."""
from __future__ import annotations

import sqlite_utils


def m007_extractor_versions(db: sqlite_utils.Database) -> None:
    """Which extractor read each document, and why each report version exists.

    ``extractor_version`` (``extractors.EXTRACTOR_VERSION``; null: read before versions were
    recorded) lets ``xxgk reextract`` find what an older extractor read. A report version's
    ``reason`` is ``first`` (first reading), ``changed`` (its document changed), ``reextracted`` (a
    newer extractor reads the same bytes differently) or ``correction`` (a 更正 page re-published
    the report); ``note`` says more (the extractor versions, the correction's title).
    """
    db["extractions"].add_column("extractor_version", int)
    db["report_versions"].add_column("extractor_version", int)
    db["report_versions"].add_column("reason", str)
    db["report_versions"].add_column("note", str)
