"""`xxgk serve`: Datasette over an archive, read-only.

The archive is opened immutable (SQLite's ``immutable=1``): nothing is written beside it, no
migration runs, and Datasette keeps its SQL time limit for arbitrary queries. An archive made by an
older xxgk is refused with the command that brings it up to date (``xxgk upgrade``), because the
pages, canned queries and search need the current schema.
"""
from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from urllib.parse import quote

from archive.migrations import MIGRATIONS

TEMPLATES = Path(__file__).with_name("templates")
# Facet suggestions scan every column of a page's rows; at 100k reports they cost more than the page.
SETTINGS = {"suggest_facets": False, "default_page_size": 50, "facet_time_limit_ms": 400}


class NotServable(Exception):
    """The file cannot be served; the message says why and what to do, in one line."""


def check_archive(path: Path) -> None:
    """Raise NotServable unless ``path`` is an up-to-date xxgk archive. Reads only."""
    if not path.exists():
        raise NotServable(f"no archive at {path} (run `xxgk demo` or `xxgk crawl` first)")
    if not path.is_file():
        raise NotServable(f"{path} is not a file")
    if path.stat().st_size == 0:
        raise NotServable(f"{path} is empty, not an archive (run `xxgk demo` or `xxgk crawl` to make one)")
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1", uri=True)
        try:
            tables = {row[0] for row in conn.execute("select name from sqlite_master where type = 'table'")}
            done = {row[0] for row in conn.execute("select name from _migrations")} if "_migrations" in tables else None
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise NotServable(f"{path} is not an SQLite archive ({exc})") from None
    if done is None:
        raise NotServable(f"{path} is an SQLite file but not an xxgk archive (no _migrations table)")
    pending = [m.__name__ for m in MIGRATIONS if m.__name__ not in done]
    if pending:
        raise NotServable(f"{path} was made by an older xxgk ({len(pending)} migrations to apply, {pending[0]} first): "
                          f"run `xxgk upgrade --archive {path}` (or crawl into it) first")


def serve(path: Path, host: str, port: int) -> None:
    import uvicorn
    from datasette.app import Datasette
    from datasette.plugins import pm

    from browse import facets, plugin
    from browse.metadata import datasette_metadata

    if not pm.is_registered(plugin):
        pm.register(plugin, name="xxgk")
    # datasette-dashboards brings datasette-render-markdown for markdown charts, which we do not use;
    # its render_cell hook runs for every cell of every table page (a fifth of the report card's time).
    if pm.has_plugin("render_markdown"):
        pm.unregister(name="render_markdown")
    datasette = Datasette(immutables=[str(path)], metadata=datasette_metadata(path.stem), settings=SETTINGS,
                          template_dir=str(TEMPLATES))
    asyncio.run(facets.warm(datasette, "report_card"))  # the card's facets, before anyone asks (browse.facets)
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning", lifespan="on")
