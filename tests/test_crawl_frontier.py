"""The crawl's frontier stays about a listing page per site, not a whole column: a listing page
waits behind the report pages and attachments already found (``spiders.portal.LISTING_PRIORITY``).
Fetched first, the listing pages would queue every link of every column at once (on the 16x bench
world, 5,000 requests held in memory)."""
from __future__ import annotations

import os
import subprocess

from replica.mixed import build_mixed_world
from replica.server import Replica
from tests.crawl_helpers import ROOT, XXGK, rows, write_registry


def test_listing_pages_are_fetched_as_their_report_pages_are_not_all_first(tmp_path):
    # Three columns of 120 reports (and 60 notices) each: 9 listing pages a column.
    with Replica.start(build_mixed_world(hosts=3, reports_per_host=120, scans=0)) as replica:
        registry = write_registry(tmp_path / "sites.yaml", replica.sites)
        archive = tmp_path / "archive.db"
        env = {**os.environ, "XXGK_START_DELAY": "0.05"}
        done = subprocess.run([*XXGK, "crawl", "--sites", str(registry), "--archive", str(archive)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
    order = [r["kind"] for r in rows(archive, "select kind from captures order by id")]
    listings = [n for n, kind in enumerate(order) if kind == "listing"]
    assert len(listings) >= 20 and len(order) >= 500
    # Listing pages first put the last of them at about a quarter of the crawl (measured: capture 139
    # of 518); each waiting behind what the earlier pages listed, near the end (457 of 518).
    assert listings[-1] >= 0.6 * len(order), order
