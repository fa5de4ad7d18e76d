"""Migration m005 (shipped: never edit it; add a new migration instead)."""
from __future__ import annotations

import sqlite_utils


def m005_ocr_confidence(db: sqlite_utils.Database) -> None:
    """Numbers read by OCR from a scan are flagged with the OCR's confidence (0–1; null: not OCR),
    on every document read as a report and on the report whose numbers came from one."""
    for table in ("reports", "report_sources"):
        db[table].add_column("ocr_confidence", float)
