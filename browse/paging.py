"""Every page of the sorted report card, each report once: the first page ordered like the next ones.

Datasette 0.65 orders a table's first page by the sort column alone, and the pages after it by the
sort column and then the primary key (the ``_next`` token carries both). Reports with the same
sort value (every report of one year) left the first page in whatever order SQLite read them; read
through the card's ``(year desc, id)`` index backwards (oldest year first), that was descending id,
so page 2 repeated page 1 and the rest of the year was never shown: 50 of 2,000 reports could be
reached by paging. So a first page of a table in ``PAGED`` gets a ``_next`` that every row passes,
and Datasette orders it by the sort column and then the key, like every later page:

- sorted up: ``$null,0`` — rows whose value is not null, and null ones with an id above 0 (all);
- sorted down: U+10FFFF then ``,0`` — rows below that value or null (all: SQLite orders every
  number and every string below a text of that last character).

Such a start is recognised on the next request and decided again, so a new sort starts afresh.
A streamed CSV (``_stream``) refuses a ``_next``: it gets none, so a stream sorted oldest year
first may still repeat rows where its first 1,000-row chunk ends. (An index ``(year, id)`` would
make that sort fast, but SQLite then read it backwards for a stream's newest-first chunk too.)
"""
from __future__ import annotations

from datasette.utils import tilde_encode

PAGED = {"report_card"}  # tables whose primary key is an integer id above 0
UP = "$null,0"
DOWN = f"{tilde_encode(chr(0x10FFFF))},0"


def first_page_start(datasette, database: str, table: str, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The query's pairs with our start of a first page (see the module's doc) put in or taken out."""
    if table not in PAGED:
        return pairs
    kept = [(k, v) for k, v in pairs if not (k == "_next" and v in (UP, DOWN))]
    args = dict(kept)
    if "_next" in args or "_stream" in args:  # a later page (Datasette's own token); a CSV stream refuses any
        return kept
    if "_sort" not in args and "_sort_desc" not in args:
        metadata = datasette.table_metadata(database, table)
        args = {"_sort": metadata.get("sort"), "_sort_desc": metadata.get("sort_desc")}
    if args.get("_sort"):
        return [*kept, ("_next", UP)]
    if args.get("_sort_desc"):
        return [*kept, ("_next", DOWN)]
    return kept
