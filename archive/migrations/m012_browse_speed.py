"""Migration m012 (shipped: never edit it; add a new migration instead)."""
from __future__ import annotations

import sqlite_utils


def m012_browse_speed(db: sqlite_utils.Database) -> None:
    """The report card's default order, newest year first, pages without repeating or skipping rows.

    Datasette sorts the first page by ``year desc`` alone and every next page by ``year desc, id``.
    An index on ``year`` read backwards gives a year's rows in descending id, so page two repeated
    page one and skipped the rest of that year. ``(year desc, id)`` read forwards gives them in the
    order the next pages assume. (A sort by ascending year now reads it backwards: ties in
    descending id; SQLite uses one index of the two for both directions, so only one can be right.)
    """
    db.execute("drop index if exists report_card_year")
    db.execute("create index report_card_year on report_card(year desc, id)")
    if db["sqlite_stat1"].exists():  # an archive with statistics keeps them for the new index
        db.execute("analyze report_card_year")
