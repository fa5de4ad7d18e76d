"""Migration m020 (shipped: never edit it; add a new migration instead)."""
from __future__ import annotations

import sqlite_utils

from archive.redact import redact


def m020_redacted_runs(db: sqlite_utils.Database) -> None:
    """Runs of `xxgk archive-writer --redis redis://:PASSWORD@…` recorded the password in
    ``crawl_runs.command`` and ``settings``, which `xxgk serve` shows: replaced by ``***`` (new runs
    are stored redacted, ``archive.redact``). WARC files written before keep theirs: rewrite or
    delete them, and change the password."""
    if not db["crawl_runs"].exists():
        return
    for run_id, command, settings in db.execute("select id, command, settings from crawl_runs").fetchall():
        clean = (redact(command or ""), redact(settings or ""))
        if clean != (command or "", settings or ""):
            db.execute("update crawl_runs set command = ?, settings = ? where id = ?", [clean[0], clean[1], run_id])
