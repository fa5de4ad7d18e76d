"""The report card's facets, remembered per server (browse.facets): the same counts SQL gives, for
every filter, and never remembered for a database that can change."""
from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from datasette.app import Datasette

from benchmarks.bench_browse import build
from browse import facets
from browse.metadata import datasette_metadata
from browse.serve import SETTINGS
from tests.browse_helpers import get_json, query_url, served


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("facets") / "facets.db"
    build(path, 300)
    # Vary what the synthetic archive keeps the same, so the facets have something to count.
    db = sqlite3.connect(path)
    db.execute("update report_card set year = 2008 + id % 5, checks = case when id % 7 = 0 then 'fail' else checks end")
    db.commit()
    db.close()
    return path


def _sql_counts(archive: Path, column: str, where: str = "true") -> dict:
    db = sqlite3.connect(archive)
    return {str(v): n for v, n in db.execute(
        f"select {column}, count(*) from report_card where {where} and {column} is not null group by {column}")}


def _facet(page: dict, name: str) -> dict:
    return {str(r["value"]): r["count"] for r in page["facet_results"][name]["results"]}


def test_served_facets_count_what_sql_counts_with_and_without_filters(archive):
    with served(archive) as base:
        for _ in range(2):  # the second time from the memo
            page = get_json(query_url(base, "/facets/report_card.json"))
            assert _facet(page, "year") == _sql_counts(archive, "year")
            assert _facet(page, "checks") == _sql_counts(archive, "checks")
            assert page["facet_results"]["year"]["type"] == "column"
            failing = get_json(query_url(base, "/facets/report_card.json", checks="fail"))
            assert _facet(failing, "year") == _sql_counts(archive, "year", "checks = 'fail'")
            one_year = get_json(query_url(base, "/facets/report_card.json", year="2010"))
            assert _facet(one_year, "checks") == _sql_counts(archive, "checks", "year = 2010")


def _facet_counts(datasette: Datasette, name: str) -> dict:
    async def ask():
        page = (await datasette.client.get(f"/{name}/report_card.json")).json()
        return _facet(page, "checks")
    return asyncio.run(ask())


def test_only_an_immutable_database_is_remembered(archive, tmp_path):
    from browse import plugin
    from datasette.plugins import pm

    registered = not pm.is_registered(plugin)
    if registered:
        pm.register(plugin, name="xxgk")
    try:
        _immutable_then_mutable(archive, tmp_path)
    finally:
        if registered:
            pm.unregister(plugin)


def _immutable_then_mutable(archive: Path, tmp_path: Path) -> None:
    import shutil

    facets._memo.clear()
    immutable = Datasette(immutables=[str(archive)], metadata=datasette_metadata("facets"), settings=SETTINGS)
    assert _facet_counts(immutable, "facets") == _sql_counts(archive, "checks")
    assert facets._memo  # remembered

    copy = tmp_path / "mutable.db"
    shutil.copy(archive, copy)
    facets._memo.clear()
    mutable = Datasette([str(copy)], metadata=datasette_metadata("mutable"), settings=SETTINGS)
    before = _facet_counts(mutable, "mutable")
    db = sqlite3.connect(copy)
    db.execute("update report_card set checks = 'fail'")
    db.commit()
    db.close()
    assert not facets._memo
    assert _facet_counts(mutable, "mutable") == {"fail": 300} != before
