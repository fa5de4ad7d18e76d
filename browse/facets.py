"""Facets computed once per server: `xxgk serve` opens the archive immutable, so they never change.

Datasette computes every facet of a table page on every request. The report card's six facets
over 100k reports read six indexes of 100k entries each: 60–130 ms a page on this (shared, 2-core)
machine, most of the card's first page. ``CachedColumnFacet`` is Datasette's column facet whose
queries on an immutable database are answered from a small memo once asked (same SQL and
parameters, same rows; a query that ran out of time is not kept). ``xxgk serve`` runs ``warm`` before
it listens, so the card's first visitor does not wait for them either.
"""
from __future__ import annotations

from collections import OrderedDict

from datasette.facets import ColumnFacet

SIZE = 512  # facet queries remembered (each a facet's top values: a few KB)
_memo: OrderedDict = OrderedDict()


class _Memoized:
    """The Datasette instance, with ``execute`` answered from the memo for immutable databases."""

    def __init__(self, datasette):
        self._datasette = datasette

    def __getattr__(self, name):
        return getattr(self._datasette, name)

    async def execute(self, database, sql, params=None, **kwargs):
        if self._datasette.get_database(database).is_mutable:
            return await self._datasette.execute(database, sql, params, **kwargs)
        key = (database, sql, repr(params))
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key]
        results = await self._datasette.execute(database, sql, params, **kwargs)
        _memo[key] = results
        if len(_memo) > SIZE:
            _memo.popitem(last=False)
        return results


class CachedColumnFacet(ColumnFacet):
    """Metadata ``{"cached": "column"}``: a column facet, remembered for an immutable database."""

    type = "cached"

    def __init__(self, ds, *args, **kwargs):
        super().__init__(_Memoized(ds), *args, **kwargs)

    async def facet_results(self):
        results, timed_out = await super().facet_results()
        for facet in results:
            facet["type"] = "column"  # what it is; the page would otherwise title it "region (cached)"
        return results, timed_out


async def warm(datasette, table: str) -> None:
    """Ask for each immutable database's ``table`` page once (its facets, and the templates compiled)."""
    for name, database in list(datasette.databases.items()):
        if not database.is_mutable:
            await datasette.client.get(datasette.urls.table(name, table))
