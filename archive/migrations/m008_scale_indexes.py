"""Migration m008 (shipped: never edit it; add a new migration instead)."""
from __future__ import annotations

import sqlite_utils


def m008_scale_indexes(db: sqlite_utils.Database) -> None:
    """What the crawl and readers ask every time, indexed so the cost stays flat as the archive grows:
    every request looks its URL up as ``url`` or ``final_url``; a run's captures are counted by
    ``last_run_id``; users ask for one key across all reports and for the reports a document fed."""
    db["captures"].create_index(["final_url"], if_not_exists=True)
    db["captures"].create_index(["last_run_id"], if_not_exists=True)
    db["cells"].create_index(["key"], if_not_exists=True)
    db["report_sources"].create_index(["sha256"], if_not_exists=True)
