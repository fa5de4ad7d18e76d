"""Migration m010 (shipped: never edit it; add a new migration instead)."""
from __future__ import annotations

import sqlite_utils


def m010_operations(db: sqlite_utils.Database) -> None:
    """Operations: where each capture's WARC copy is, and what each run's summary and health said.

    ``captures.warc_file`` / ``warc_offset`` / ``warc_record_id`` / ``warc_type``: the first WARC
    record written for the capture (file name under ``<archive>.warc/``, byte offset of its gzip
    member): a response holding its bytes, or a revisit pointing at the record that holds them.
    ``crawl_runs.summary``: JSON, per site (pages, new captures, new/changed/removed reports, errors
    by kind, blocked, time) and the health checks; ``crawl_runs.health``: ok · warnings · failed.
    """
    db["captures"].add_column("warc_file", str)
    db["captures"].add_column("warc_offset", int)
    db["captures"].add_column("warc_record_id", str)
    db["captures"].add_column("warc_type", str)
    # A payload seen before is found by its SHA-256 (revisit records).
    db["captures"].create_index(["sha256"], if_not_exists=True)
    db["crawl_runs"].add_column("summary", str)
    db["crawl_runs"].add_column("health", str)
