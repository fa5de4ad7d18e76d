"""One Playwright driver per crawl process, started only when a page needs a browser."""
from __future__ import annotations

import os
import subprocess
import time

from replica.portals import World
from replica.hard import hard_portals
from replica.server import Replica
from tests.crawl_helpers import ROOT, XXGK, playwright_drivers, rows, write_registry


def test_two_platforms_that_need_a_browser_share_one_driver(tmp_path):
    # A TRS column built by script and a Hanweb site behind a 加速乐-style challenge: two spiders, both render.
    portals = tuple(p for p in hard_portals() if p.id in ("xifeng", "anding"))
    with Replica.start(World(1, portals)) as replica:
        registry = write_registry(tmp_path / "sites.yaml", replica.sites)
        archive = tmp_path / "archive.db"
        crawl = subprocess.Popen([*XXGK, "crawl", "--sites", str(registry), "--archive", str(archive)], cwd=ROOT,
                                 env={**os.environ, "XXGK_START_DELAY": "0.1"}, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
        seen = []
        while crawl.poll() is None:
            seen.append(playwright_drivers(crawl.pid))
            time.sleep(0.1)
        _, err = crawl.communicate()
        assert crawl.returncode == 0, err[-3000:]
    assert max(seen) == 1, "one driver for the whole crawl"
    rendered = rows(archive, "select count(*) as n from captures where rendered = 1")[0]["n"]
    assert rendered >= 1
    truth = {f"{t.agency}-{t.year}-{t.scope}" for t in replica.truth}
    assert truth <= {r["id"] for r in rows(archive, "select id from reports")}
