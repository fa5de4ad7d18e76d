"""Migration m009 (shipped: never edit it; add a new migration instead)."""
from __future__ import annotations

import sqlite_utils


def m009_hostile(db: sqlite_utils.Database) -> None:
    """Issue 12. A run counts the responses it could not store (disk full): such a run is an error
    and never marks reports removed. A document refused by a limit records which setting and its
    value then, so it is read again only once that limit is raised."""
    db["crawl_runs"].add_column("storage_errors", int)
    db["extractions"].add_column("limit_setting", str)
    db["extractions"].add_column("limit_value", float)
