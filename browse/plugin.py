"""Our Datasette plugin: Chinese search, archived copies, links. Registered by ``browse.serve``.

- Search: the SQL function ``escape_fts`` turns a query into the FTS5 expression of the bigram
  index of ``archive.search`` (``archive.search.match_expression``; registered last, so it replaces
  Datasette's own): 1-, 2- and 3+-character words and AND. The report card's search box and
  ``?_search=`` use it through our own search clause, which skips the count and facets of a broad
  search (``browse.card_search``); canned queries call it too. ``passage(text, query)`` gives the
  matching stretch of a text for the search query.
- Facets: Datasette's column facets, remembered while the server runs (``browse.facets``).
- ``/blobs/ab/cd/<sha256>``: an archived copy with the headers of ``browse.copies``.
- Cells: an archived copy's path and every sha256 become links to the copy.
"""
from __future__ import annotations

import asyncio
import re

from datasette import hookimpl
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from archive.search import match_expression, passage
from browse import card_search, facets
from browse.copies import ROUTE, blob_path, copy_path, serve_copy

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@hookimpl(trylast=True)
def prepare_connection(conn):
    conn.create_function("escape_fts", 1, match_expression, deterministic=True)
    conn.create_function("passage", 2, passage, deterministic=True)
    # The card's facets read six indexes of ~1-4 MB each at 100k reports; SQLite's default 2 MB
    # cache per connection re-read them from the OS on every page.
    conn.execute("pragma cache_size = -32000")


@hookimpl(trylast=True)  # last, so its supports_search wins over Datasette's (no fts_table for the card)
def filters_from_request(request, table):
    return card_search.search_filter(request, table)


@hookimpl
def register_facet_classes():
    return [facets.CachedColumnFacet]


@hookimpl
def asgi_wrapper(datasette):
    return lambda app: card_search.mark_broad_searches(app, datasette)


# The report card is wide: its cells stay on one line (scroll sideways), and the list of column
# descriptions above every table is a small two-column box that scrolls, so the rows come into view.
STYLE = """
dl.column-descriptions { columns: 2; column-gap: 2em; font-size: 0.8em; margin: 0.5em 0; max-height: 10em;
  overflow-y: auto; border: 1px solid #ddd; padding: 0.3em 0.6em; }
dl.column-descriptions dt { break-after: avoid; }
dl.column-descriptions dd { margin: 0 0 0.3em 1em; break-before: avoid; }
body.table-report_card table.rows-and-columns td { white-space: nowrap; }
"""


@hookimpl
def register_routes():
    return [(ROUTE, archived_copy), (r"^/-/xxgk\.css$", stylesheet)]


async def stylesheet():
    return Response(STYLE, content_type="text/css; charset=utf-8")


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.path("/-/xxgk.css")]


async def archived_copy(datasette, request):
    sha256 = request.url_vars["sha256"]
    for name, database in datasette.databases.items():
        if not database.path:
            continue
        path = blob_path(database.path, sha256)
        if not path.is_file():
            continue
        rows = await database.execute(
            "select content_type, headers, url, final_url from captures where sha256 = ? "
            "order by flag = 'ok' desc, id limit 1", [sha256])
        capture = dict(rows.first()) if rows.first() else None
        body = await asyncio.get_running_loop().run_in_executor(None, path.read_bytes)
        copy = serve_copy(body, capture)
        return Response(copy.body, status=200, headers=copy.headers, content_type=copy.content_type)
    return Response.text("No archived copy with this SHA-256 here.", status=404)


@hookimpl
def render_cell(value, column, datasette):
    if isinstance(value, dict):  # a foreign key Datasette expanded (captures.sha256 → blobs)
        value = value.get("value")
    if not isinstance(value, str) or not value:
        return None
    if column.startswith("archived_copy") and value.startswith("/blobs/"):
        return Markup(f'<a href="{escape(datasette.urls.path(value))}">archived copy · 存档</a>')
    if column == "sha256" and _SHA256.match(value):
        return Markup(f'<a href="{escape(datasette.urls.path(copy_path(value)))}" title="archived copy · 存档">{value[:12]}…</a>')
    return None
