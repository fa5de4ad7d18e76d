"""A search that matches most of a large archive, through `xxgk serve` for real: no count, no facets,
and still exactly the reports a LIKE scan finds, page after page (browse.card_search)."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from benchmarks.bench_browse import build
from browse.card_search import BROAD
from tests.browse_helpers import get, get_json, query_url, served

REPORTS = BROAD + 600  # "复议" is in ~92 % of the synthetic texts: a broad search


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("broad") / "broad.db"
    build(path, REPORTS)
    return path


@pytest.fixture(scope="module")
def base(archive):
    with served(archive) as url:
        yield url


def _like(archive: Path, word: str) -> set[str]:
    db = sqlite3.connect(archive)
    return {r[0] for r in db.execute("select report_id from report_texts where title like ?1 or agency like ?1 or text like ?1",
                                     [f"%{word}%"])}


def _narrow_word(archive: Path) -> str:
    """The first two characters of an agency's county: a word in a few dozen reports."""
    agency = sqlite3.connect(archive).execute("select agency from reports order by id limit 1").fetchone()[0]
    return agency[:2]


def _all_pages(url: str) -> list[dict]:
    found = []
    while url:
        page = get_json(url)
        found += page["rows"]
        url = page["next_url"]
    return found


def test_a_broad_search_is_not_counted_nor_faceted_and_finds_exactly_the_like_scan(archive, base):
    expected = _like(archive, "复议")
    assert len(expected) > BROAD
    first = get_json(query_url(base, "/broad/report_card.json", _search="复议"))
    assert first["filtered_table_rows_count"] is None
    assert first["facet_results"] == {}
    assert f"more than {BROAD:,} reports" in first["human_description_en"]
    rows = _all_pages(query_url(base, "/broad/report_card.json", _search="复议", _size="max", _shape="objects"))
    assert len(rows) == len(expected) and {r["report_id"] for r in rows} == expected
    years = [r["year"] for r in rows]
    assert years == sorted(years, reverse=True)  # the card's order, newest first


def test_a_broad_search_streamed_as_csv_is_every_match(archive, base):
    import csv
    import io

    body = get(query_url(base, "/broad/report_card.csv", _search="复议", _stream="on", _size="max")).read().decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == len(_like(archive, "复议")) and {r["report_id"] for r in rows} == _like(archive, "复议")


def test_the_card_pages_through_every_report_once_newest_year_first(archive, base):
    rows = _all_pages(query_url(base, "/broad/report_card.json", _size="500", _shape="objects"))
    ids = [r["report_id"] for r in rows]
    assert len(ids) == len(set(ids)) == REPORTS  # every year is one tie here: m012's index orders it by id
    assert [r["year"] for r in rows] == sorted((r["year"] for r in rows), reverse=True)


def test_a_narrow_search_keeps_its_count_and_facets(archive, base):
    word = _narrow_word(archive)
    expected = _like(archive, word)
    assert 0 < len(expected) <= BROAD
    page = get_json(query_url(base, "/broad/report_card.json", _search=word, _size="max", _shape="objects"))
    assert page["filtered_table_rows_count"] == len(expected)
    assert {r["report_id"] for r in page["rows"]} == expected
    assert set(page["facet_results"]) >= {"region", "level", "year", "template", "checks"}


def test_the_page_says_more_than_and_a_new_search_from_it_is_decided_again(archive, base):
    html = get(query_url(base, "/broad/report_card", _search="复议")).read().decode()
    heading = re.search(r"<h3>(.*?)</h3>", html, re.S).group(1)
    assert f"more than {BROAD:,} reports" in " ".join(heading.split())
    assert 'class="facet-results"' not in html
    assert 'value="复议"' in html  # the box shows the query
    # The page's form carries _nocount/_nofacet=broad into the next search; a narrow one is counted.
    assert '<input type="hidden" name="_nocount" value="broad">' in html
    word = _narrow_word(archive)
    html = get(query_url(base, "/broad/report_card", _search=word, _nocount="broad", _nofacet="broad")).read().decode()
    heading = " ".join(re.search(r"<h3>(.*?)</h3>", html, re.S).group(1).split())
    counted = re.match(r"([\d,]+) rows? where search matches", heading)
    assert counted and int(counted.group(1).replace(",", "")) == len(_like(archive, word))
    assert 'class="facet-results"' in html


def test_a_readers_own_nocount_is_kept(archive, base):
    page = get_json(query_url(base, "/broad/report_card.json", _search=_narrow_word(archive), _nocount="1"))
    assert page["filtered_table_rows_count"] is None


@pytest.mark.parametrize("sort", [{"_sort": "year"}, {"_sort_desc": "year"}, {"_sort": "province"},
                                  {"_sort_desc": "region"}, {"_sort": "new_requests"}, {"_sort": "year", "_search": "复议"}])
def test_every_sort_pages_through_each_report_once_in_order(archive, base, sort):
    """Datasette 0.65 orders only the pages after the first by the sort column and id; without
    browse.paging the oldest-year-first card reached 50 of 2,000 reports (page 2 repeated page 1)."""
    rows = _all_pages(query_url(base, "/broad/report_card.json", _size="100", _shape="objects", **sort))
    ids = [r["id"] for r in rows]
    expected = _like(archive, sort["_search"]) if "_search" in sort else None
    assert len(ids) == len(set(ids)) == (len(expected) if expected is not None else REPORTS)
    column, down = (sort.get("_sort") or sort["_sort_desc"]), "_sort_desc" in sort
    keys = [((r[column] is not None, r[column]), r["id"]) for r in rows]  # SQLite: nulls lowest
    assert keys == sorted(keys, key=lambda k: (k[0], -k[1] if down else k[1]), reverse=down)


def test_a_new_sort_from_a_sorted_page_starts_at_the_top(archive, base):
    html = get(query_url(base, "/broad/report_card", _sort="year")).read().decode()
    link = re.search(r'href="([^"]*_sort_desc=year[^"]*)"', html).group(1).replace("&amp;", "&")
    assert "_next" not in link  # the column's sort link drops our start; the next request gets its own
    top = get_json(base + link.replace("/broad/report_card?", "/broad/report_card.json?") + "&_shape=objects")
    assert top["rows"][0]["year"] == max(r["year"] for r in _all_pages(query_url(base, "/broad/report_card.json", _size="max",
                                                                                      _shape="objects")))
