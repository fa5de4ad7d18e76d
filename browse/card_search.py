"""Searching the report card in Datasette at 100k reports: a page never reads every match.

For a table page Datasette runs the page's rows, an exact count and one query per facet, each over
every row the search matches. A word found in most reports (复议: 92k of 100k) made the page read
all of them eight times (1.5 s). So, for the tables in ``SEARCHED``:

- ``breadth`` counts the matches only up to ``BROAD`` + 1; FTS5 stops there, so it costs about a
  millisecond whatever the word.
- A broad search (more than ``BROAD`` matches) gets Datasette's own ``_nocount`` and ``_nofacet``,
  added to the request by ``mark_broad_searches`` (an ASGI wrapper) with the value ``broad``: the
  page says "more than 2,000 reports" and shows no facets, as Datasette does when a count or a
  facet runs out of time. Datasette ≥ 1.0 likewise stops counting a table page at 10,000 rows.
  A later search from that page (its form carries them along) is decided again.
- We write the search clause (``search_filter``) instead of Datasette's ``fts_table``, because its
  form ``id in (select rowid …)`` makes SQLite read every match by its id to sort them: right for
  a few matches, 92k row reads for a broad word. A broad search gets ``+id in (…)``: the ``+``
  keeps SQLite from looking rows up by id, so it walks the sort's index (year, by default) and
  stops after a page.

Results stay exact: both clauses select exactly the rows whose index entry matches.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from datasette.filters import FilterArguments

from archive.search import match_expression
from browse.paging import first_page_start

SEARCHED = {"report_card": "report_search"}  # table → its full-text index (rowid = the table's id)
BROAD = 2000  # a page of a narrower search, with its count and facets, stays under ~60 ms at 100k reports
MARK = "broad"  # the value of _nocount/_nofacet when we set them, not the reader


async def breadth(database, fts: str, search: str) -> int:
    """How many rows match ``search``, counted up to BROAD + 1."""
    rows = await database.execute(
        f"select count(*) from (select rowid from [{fts}] where [{fts}] match ? limit {BROAD + 1})",
        [match_expression(search)])
    return rows.first()[0]


def mark_broad_searches(app, datasette):
    """ASGI wrapper: a search of a table in SEARCHED that matches more than BROAD rows gets
    ``_nocount=broad&_nofacet=broad``; any such marks a request brings with it are decided again.
    A first page gets its start (browse.paging), so it is ordered like the pages after it."""
    async def wrapped(scope, receive, send):
        if scope["type"] == "http":
            scope = await _marked(datasette, scope)
        await app(scope, receive, send)
    return wrapped


async def _marked(datasette, scope: dict) -> dict:
    parts = scope["path"].strip("/").split("/")
    if len(parts) != 2 or parts[0] not in datasette.databases:
        return scope
    table = parts[1].removesuffix(".json").removesuffix(".csv")
    if table not in SEARCHED:
        return scope
    query = scope.get("query_string", b"").decode("latin-1")
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(k, v) for k, v in pairs if not (k in ("_nocount", "_nofacet") and v == MARK)]
    search = dict(kept).get("_search", "").strip()
    if search and await breadth(datasette.get_database(parts[0]), SEARCHED[table], search) > BROAD:
        kept += [("_nocount", MARK), ("_nofacet", MARK)]
    kept = first_page_start(datasette, parts[0], table, kept)
    if kept == pairs:
        return scope
    return dict(scope, query_string=urlencode(kept).encode("latin-1"))


def search_filter(request, table: str):
    """filters_from_request: the ``_search`` clause of a table in SEARCHED (see the module's doc)."""
    fts = SEARCHED.get(table)
    if fts is None:
        return None

    async def inner():
        search = request.args.get("_search", "")
        context = {"supports_search": True, "search": search}
        if not search:
            return FilterArguments([], extra_context=context)
        broad = request.args.get("_nocount") == MARK
        where = f"{'+' if broad else ''}id in (select rowid from [{fts}] where [{fts}] match escape_fts(:search))"
        said = f'search matches "{search}"' + (f" (more than {BROAD:,} reports: not counted)" if broad else "")
        return FilterArguments([where], {"search": search}, [said], context)

    return inner
