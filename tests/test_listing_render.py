"""When a listing is rendered in Chromium without the registry asking: only when its rows are missing.

A real column's newest page can hold notices only (no report among its rows). Such a page has rows;
rendering it cost a browser start and, through AutoThrottle taking the render's seconds for the
server's latency, slowed the whole host. A TRS listing whose rows come only by script, registered
without ``needs_browser``, is still found and rendered.
"""
from dataclasses import replace
from datetime import date

import pytest

from crawler.fetch.browser import find_browser
from replica.mixed import build_mixed_world
from replica.portals import NOTICE, SCRIPTED, Item, World
from replica.server import Replica
from tests.crawl_helpers import cells_of, crawl, report_id, rows, write_registry


def _crawl(tmp_path, portal):
    with Replica.start(World(1, (portal,))) as replica:
        site = replace(replica.sites[0], needs_browser=False)
        archive = tmp_path / "archive.db"
        crawl(write_registry(tmp_path / "sites.yaml", [site]), archive)
        return archive, replica.truth, replica.stats()


def test_a_first_page_of_notices_only_is_not_rendered(tmp_path):
    [portal] = build_mixed_world(1, 6, scans=0).portals
    # Newer than every report: the first listing page (5 rows) is all notices.
    notices = tuple(Item(f"关于第{n}号政务公开事项的通知", date(2026, 3, 1 + n), kind=NOTICE, text="请做好政务公开工作。")
                    for n in range(5))
    archive, truth, stats = _crawl(tmp_path, replace(portal, items=notices + portal.items, page_size=5))
    assert rows(archive, "select count(*) as n from captures where rendered = 1")[0]["n"] == 0
    # Only the server's own pages were asked for: no browser fetched the listing's stylesheet.
    assert not [url for url in stats.requests if url.endswith(".css")]
    assert truth and all(cells_of(archive, report_id(t)) == pytest.approx(t.cells) for t in truth)


@pytest.mark.skipif(find_browser() is None, reason="no Chromium (apt-get install chromium, or set XXGK_BROWSER)")
def test_a_listing_whose_rows_come_by_script_is_rendered_unasked(tmp_path):
    [portal] = build_mixed_world(1, 6, scans=0).portals
    archive, truth, _ = _crawl(tmp_path, replace(portal, listing=SCRIPTED))
    rendered = rows(archive, "select url from captures where rendered = 1 and kind = 'listing'")
    assert rendered
    assert truth and all(cells_of(archive, report_id(t)) == pytest.approx(t.cells) for t in truth)
