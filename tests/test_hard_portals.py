"""Issue 5 on the replica's hard portals: gkmlpt, a JS-only listing (real Chromium), 瑞数 and 加速乐
challenges, a WAF, robots.txt, pagination past 10 pages, a redirect chain — one real crawl."""
import json
from urllib.parse import urlsplit

import pytest
import yaml

from crawler.fetch.browser import find_browser
from replica.portals import build_world
from replica.server import Replica
from tests.crawl_helpers import cells_of, crawl, report_id, rows, write_registry

HARD_HOSTS = ("127.0.0.2",)  # the hard portals live on 127.0.0.21–29

pytestmark = pytest.mark.skipif(find_browser() is None and not __import__("shutil").which("chromium"),
                                reason="no Chromium (apt-get install chromium, or set XXGK_BROWSER)")


@pytest.fixture(scope="module")
def hard(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hard")
    with Replica.start(build_world(hard=True)) as replica:
        sites = [s for s in replica.sites if urlsplit(s.base_url).hostname.startswith(HARD_HOSTS)]
        archive = tmp / "archive.db"
        out = crawl(write_registry(tmp / "sites.yaml", sites), archive)
        ids = {s.id for s in sites}
        yield {
            "replica": replica,
            "archive": archive,
            "sites": {s.id: s for s in sites},
            "truth": [t for t in replica.truth if t.site_id in ids],
            "faults": {f.kind: f for f in replica.faults if f.site_id in ids},
            "stats": replica.stats(),
            "out": out.stdout,
        }


def test_every_hard_portal_report_is_archived_exactly(hard):
    by_site = {}
    for truth in hard["truth"]:
        assert cells_of(hard["archive"], report_id(truth)) == pytest.approx(truth.cells), report_id(truth)
        by_site.setdefault(truth.site_id, 0)
        by_site[truth.site_id] += 1
    # gkmlpt (JSON API), the JS-only listing, both challenge sites, the 13-page site: all yielded reports
    assert set(by_site) == {"pengjiang", "xifeng", "linxia", "anding", "dongqu"}
    assert len(rows(hard["archive"], "select id from reports")) == len(hard["truth"])


def test_js_only_listing_was_rendered_in_chromium(hard):
    rendered = rows(hard["archive"], "select url from captures where site = 'xifeng' and rendered = 1")
    assert rendered and all(r["url"].startswith(hard["sites"]["xifeng"].base_url) for r in rendered)


@pytest.mark.parametrize("site, kind, challenge", [("linxia", "challenge-412", "ruishu"), ("anding", "challenge-521", "jiasule")])
def test_cookie_challenges_are_captured_flagged_and_passed_with_a_browser(hard, site, kind, challenge):
    fault = hard["faults"][kind]
    [flagged] = rows(hard["archive"], "select * from captures where url = ? and flag = 'challenge'", [fault.url])
    assert flagged["error"] == f"anti-bot page: {challenge}" and flagged["status"] == int(kind[-3:])
    [passed] = rows(hard["archive"], "select * from captures where url = ? and flag = 'ok'", [fault.url])
    assert passed["status"] == 200 and passed["rendered"] == 0  # the server's own bytes, fetched plainly
    assert not rows(hard["archive"], "select * from blocked_hosts where site = ?", [site])


def test_no_challenge_page_is_ever_a_report(hard):
    assert not rows(hard["archive"], "select r.id from reports r join captures c on c.id = r.capture_id where c.flag != 'ok'")
    assert not rows(hard["archive"], "select e.* from extractions e join captures c on c.sha256 = e.sha256 where c.flag = 'challenge'")


def test_a_waf_host_is_marked_blocked_with_evidence_and_the_crawl_goes_on(hard):
    fault = hard["faults"]["blocked"]
    [blocked] = rows(hard["archive"], "select * from blocked_hosts")
    assert blocked["host"] == urlsplit(fault.url).hostname and blocked["site"] == "jinchuan"
    [evidence] = rows(hard["archive"], "select * from captures where id = ?", [blocked["capture_id"]])
    assert evidence["flag"] == "challenge" and evidence["url"] == fault.url
    assert not rows(hard["archive"], "select id from reports where site = 'jinchuan'")


def test_robots_txt_disallow_is_obeyed(hard):
    fault = hard["faults"]["robots"]
    assert hard["stats"].requests[fault.url] == 0
    assert not rows(hard["archive"], "select id from captures where url = ?", [fault.url])


def test_a_redirect_chain_is_recorded(hard):
    fault = hard["faults"]["redirect"]
    [capture] = rows(hard["archive"], "select * from captures where url = ?", [fault.url])
    chain = json.loads(capture["redirect_chain"])
    assert capture["final_url"] == fault.target and len(chain) == 2 and chain[0] == fault.url
    # Read as its report's page (the report may cite its attachment instead: the two read alike)
    assert rows(hard["archive"], "select report_id from report_sources where capture_id = ?", [capture["id"]])


def test_pagination_past_ten_pages(hard):
    base = hard["sites"]["dongqu"].start_url.rsplit("/", 1)[0]
    listed = {r["url"] for r in rows(hard["archive"], "select url from captures where site = 'dongqu' and kind = 'listing'")}
    assert {f"{base}/index_{n}.html" for n in range(1, 13)} <= listed


def test_a_registry_override_lifts_robots_txt_and_is_recorded(tmp_path):
    with Replica.start(build_world(hard=True)) as replica:
        [site] = [s for s in replica.sites if s.id == "dongqu"]
        [fault] = [f for f in replica.faults if f.kind == "robots"]
        registry = tmp_path / "sites.yaml"
        registry.write_text(yaml.safe_dump([{"id": site.id, "agency": site.agency, "start_url": site.start_url,
                                              "platform": site.platform, "robots": "ignore"}], allow_unicode=True))
        crawl(registry, tmp_path / "archive.db")
        assert replica.stats().requests[fault.url] == 1
    [run] = rows(tmp_path / "archive.db", "select settings from crawl_runs")
    assert json.loads(run["settings"])["robots_ignored_for"] == ["dongqu"]
    assert rows(tmp_path / "archive.db", "select id from captures where url = ? and flag = 'ok'", [fault.url])