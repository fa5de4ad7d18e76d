"""Every crawl ends (issue 21): a hostile portal with a challenge page that reloads itself for ever,
crawled 20 times in a row, each crawl within the bound docs/operators.md states ("Every crawl
ends"); a render that overruns XXGK_RENDER_TIMEOUT is recorded and the crawl goes on."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.crawl_helpers import ROOT, rows
from tests.hostile_server import Portal, TITLE, hanging, html, listing, endless_portal

RUNS = 20
# docs/operators.md, "Every crawl ends": a render is abandoned XXGK_RENDER_TIMEOUT (90 s) after it
# started, its page closed within 2 x 10 s, the browser and driver at the crawl's end within 30 s. The
# scenario's crawl ends well inside that; this is the bound each of the 20 runs is held to.
BOUND_SECONDS = 90 + 2 * 10 + 30 + 30  # + 30: starting Python, Scrapy and Chromium on a busy machine


def crawl(tmp: Path, sites: list[dict], *settings: str, timeout: float) -> tuple[subprocess.CompletedProcess, float]:
    registry = tmp / "sites.yaml"
    registry.write_text(yaml.safe_dump(sites, allow_unicode=True), encoding="utf-8")
    args = [sys.executable, "-m", "commands", "crawl", "--sites", str(registry), "--archive", str(tmp / "archive.db"),
            "--set", "AUTOTHROTTLE_START_DELAY=0.1", *[a for s in settings for a in ("--set", s)]]
    started = time.monotonic()
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "XXGK_EXTRACT_WORKERS": "1"})
    return done, time.monotonic() - started


def read(archive: Path, url: str) -> bool:
    """Whether the page at ``url`` was captured and its document read (an extraction recorded)."""
    return bool(rows(archive, "select e.outcome from captures c join extractions e on e.sha256 = c.sha256 "
                              "where c.url = ? and c.flag = 'ok'", [url]))


def test_the_self_reloading_challenge_scenario_ends_20_times_out_of_20(tmp_path):
    took = []
    with Portal("127.0.0.91") as portal:
        endless_portal(portal)
        site = {"id": "endless", "agency": "重载局", "start_url": portal.url("/list/index.html"), "platform": "generic"}
        for n in range(RUNS):
            run_dir = tmp_path / f"run{n:02d}"
            run_dir.mkdir()
            # A hang fails here (subprocess.TimeoutExpired), naming the run.
            done, seconds = crawl(run_dir, [site], "XXGK_MAX_LIST_PAGES=2", timeout=BOUND_SECONDS)
            took.append(seconds)
            assert "\nCrawl run 1: " in done.stdout, (n, done.stderr[-3000:])
            archive = run_dir / "archive.db"
            # the good report page is read; the challenge host is blocked, saying why
            assert read(archive, portal.url("/report.html")), n
            [blocked] = rows(archive, "select reason from blocked_hosts")
            assert "navigated more than 8 times" in blocked["reason"], blocked
            [run] = rows(archive, "select status from crawl_runs")
            assert run["status"] == "finished"
        print(f"\n{RUNS} crawls of the self-reloading challenge: {min(took):.1f}-{max(took):.1f} s each "
              f"(bound {BOUND_SECONDS} s); challenge page loaded {portal.hits['/challenge.html']} times in all")
    assert max(took) < BOUND_SECONDS


def test_a_render_past_its_deadline_is_recorded_and_the_crawl_goes_on(tmp_path):
    with Portal("127.0.0.92") as slow, Portal("127.0.0.93") as good:
        # Chromium waits for the script, which never finishes arriving: no load event, ever.
        slow.route("/slow.js", hanging(600))
        slow.route("/list/index.html", html('<script src="/slow.js"></script><ul></ul>', title="政府信息公开年报"))
        good.route("/list/index.html", listing([("/report.html", TITLE.format(agency="好局"))]))
        good.route("/report.html", html("<p>本机关2023年度未收到政府信息公开申请。</p>", title=TITLE.format(agency="好局")))
        sites = [{"id": "slow", "agency": "慢局", "start_url": slow.url("/list/index.html"), "platform": "generic",
                  "needs_browser": True},
                 {"id": "good", "agency": "好局", "start_url": good.url("/list/index.html"), "platform": "generic"}]
        done, seconds = crawl(tmp_path, sites, "XXGK_RENDER_TIMEOUT=4", timeout=120)
    archive = tmp_path / "archive.db"
    assert "\nCrawl run 1: " in done.stdout, done.stderr[-3000:]
    [listing_capture] = rows(archive, "select flag, error from captures where site = 'slow'")
    assert listing_capture["flag"] == "network_error"
    assert "RenderOverrun: browser render overran XXGK_RENDER_TIMEOUT (4 s)" in listing_capture["error"]
    assert read(archive, good.url("/report.html"))  # the other site's report page, fetched and read
    assert "slow" in done.stdout and "network" in done.stdout  # counted among the site's errors
