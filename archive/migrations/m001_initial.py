"""Migration m001 (shipped: never edit it; add a new migration instead)."""
from __future__ import annotations

import sqlite_utils


def m001_initial(db: sqlite_utils.Database) -> None:
    db["crawl_runs"].create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "command": str,
            "settings_digest": str,
            "settings": str,
            "status": str,
            "requests": int,
            "new_captures": int,
            "new_blobs": int,
            "new_reports": int,
            "errors": int,
        },
        pk="id",
    )
    db["blobs"].create({"sha256": str, "size": int, "path": str, "first_seen": str, "first_run_id": int}, pk="sha256")
    db["captures"].create(
        {
            "id": int,
            "fingerprint": str,
            "run_id": int,
            "last_run_id": int,
            "site": str,
            "spider": str,
            "kind": str,
            "flag": str,
            "url": str,
            "final_url": str,
            "redirect_chain": str,
            "status": int,
            "headers": str,
            "content_type": str,
            "sha256": str,
            "size": int,
            "referer": str,
            "title": str,
            "error": str,
            "fetched_at": str,
            "last_fetched_at": str,
            "times_fetched": int,
        },
        pk="id",
        foreign_keys=[("run_id", "crawl_runs", "id"), ("sha256", "blobs", "sha256")],
    )
    db["captures"].create_index(["fingerprint"], unique=True)
    db["captures"].create_index(["url"])
    db["captures"].create_index(["site"])
    db["reports"].create(
        {
            "id": str,
            "agency": str,
            "year": int,
            "scope": str,
            "template": str,
            "title": str,
            "url": str,
            "site": str,
            "source_format": str,
            "capture_id": int,
            "sha256": str,
            "first_seen": str,
            "last_seen": str,
            "first_run_id": int,
            "cells_filled": int,
            "checks_failed": int,
            "warnings": str,
            "problems": str,
        },
        pk="id",
        foreign_keys=[("capture_id", "captures", "id"), ("first_run_id", "crawl_runs", "id")],
    )
    db["reports"].create_index(["agency", "year"])
    db["report_sources"].create(
        {
            "report_id": str,
            "sha256": str,
            "capture_id": int,
            "url": str,
            "source_format": str,
            "cells_filled": int,
            "checks_failed": int,
            "problems": int,
            "used": int,
            "first_seen": str,
        },
        pk=("report_id", "sha256"),
        foreign_keys=[("report_id", "reports", "id"), ("capture_id", "captures", "id")],
    )
    db["cells"].create(
        # INTEGER affinity keeps whole numbers as integers and stores 96171.6 as a real, losslessly.
        {"report_id": str, "key": str, "tbl": str, "value": int, "raw": str},
        pk=("report_id", "key"),
        foreign_keys=[("report_id", "reports", "id")],
    )
    db["checks"].create(
        {"report_id": str, "rule": str, "subject": str, "left": int, "right": int, "passed": int},
        pk=("report_id", "rule", "subject"),
        foreign_keys=[("report_id", "reports", "id")],
    )
    db["extractions"].create(
        {"sha256": str, "outcome": str, "report_id": str, "reason": str, "extracted_at": str},
        pk="sha256",
        foreign_keys=[("sha256", "blobs", "sha256")],
    )
    db["report_texts"].create({"report_id": str, "title": str, "agency": str, "text": str}, pk="report_id")
    # Trigram tokens let Chinese text be searched without a word segmenter (≥ 3 characters).
    db["report_texts"].enable_fts(["title", "agency", "text"], tokenize="trigram", create_triggers=True)
