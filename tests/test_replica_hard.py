"""The hard portals of the replica over real HTTP, and through a real Chromium where a browser is the
point: conditional requests, version 2's changes, the 瑞数/加速乐 challenges and the WAF, the scripted
TRS listing, gkmlpt, robots.txt, pagination past ten pages, a redirect chain, the scale world."""
from __future__ import annotations

import http.client
import json
import re
import time
from datetime import timedelta
import urllib.error
import urllib.request
from email.utils import format_datetime, parsedate_to_datetime
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import lxml.html
import pytest

from replica.hard import build_scale_world
from replica.portals import build_world
from replica.server import PLATFORMS, Replica

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PAGE_COUNT = re.compile(r'createPageHTML\((\d+), (\d+), "index", "html"\)')
RECORD = re.compile(r"<record><!\[CDATA\[(.*?)\]\]></record>", re.S)


@pytest.fixture(scope="module")
def replica():
    with Replica.start(build_world(hard=True)) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def fetch(url: str, data: bytes | None = None, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def raw(url: str, headers: dict[str, str] | None = None, source: str | None = None) -> http.client.HTTPResponse:
    """One GET that follows nothing, optionally from another loopback address."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10,
                                            source_address=(source, 0) if source else None)
    connection.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers=headers or {})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def site(replica, site_id):
    return next(s for s in replica.sites if s.id == site_id)


def browser_cookies(context) -> str:
    return "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())


# -- conditional requests ------------------------------------------------------------------------

def test_every_page_and_attachment_answers_conditional_requests(replica):
    urls = [s.start_url for s in replica.sites if s.id in ("xinhua", "shangrao", "jiefang", "pengjiang", "xifeng", "dongqu")]
    urls += [u for t in replica.truth if t.site_id in ("xinhua", "jiefang", "pengjiang") for u in (t.url, t.attachment_url) if u]
    replica.reset_stats()
    for url in urls:
        status, headers, body = fetch(url)
        assert status == 200, url
        tag, modified = headers["ETag"], headers["Last-Modified"]
        assert re.fullmatch(r'"[0-9a-f]{32}"', tag) and parsedate_to_datetime(modified).year >= 2015
        by_tag = raw(url, {"If-None-Match": tag})
        assert by_tag.status == 304 and by_tag.body == b"" and by_tag.headers["ETag"] == tag
        assert raw(url, {"If-Modified-Since": modified}).status == 304
        earlier = format_datetime(parsedate_to_datetime(modified) - timedelta(seconds=1), usegmt=True)
        again = raw(url, {"If-Modified-Since": earlier})
        assert again.status == 200 and again.body == body
        # If-None-Match decides alone when both are sent: a stale tag means the page, whatever the date
        assert raw(url, {"If-None-Match": '"0"', "If-Modified-Since": modified}).status == 200
        assert raw(url, {"If-None-Match": f'W/{tag}, "other"'}).status == 304
    stats = replica.stats()
    assert stats.total == 6 * len(urls)
    assert stats.total_conditional == 5 * len(urls) and stats.total_not_modified == 3 * len(urls)
    for url in (u.split("#")[0] for u in urls):  # as asked: a fragment never reaches the server
        assert stats.requests[url] == 6 and stats.not_modified[url] == 3 and stats.statuses[(url, 200)] == 3
    jiefang = stats.under(site(replica, "jiefang").base_url)
    assert 0 < jiefang.total < stats.total and jiefang.total_not_modified * 2 == jiefang.total


def _served_paths(world) -> dict[str, list[str]]:
    return {p.id: [path for path in dict.keys(PLATFORMS[p.platform](p).pages)] for p in world.portals}


def test_validators_change_exactly_when_the_bytes_do():
    """Between version 1 and 2, a page keeps its ETag and Last-Modified unless its bytes changed; then
    both change and the date moves forward, so either validator alone gives a correct answer."""
    with Replica.start() as v1, Replica.start(build_world(version=2)) as v2:
        changed = 0
        for site_id, paths in _served_paths(v1.world).items():
            for path in paths:
                try:
                    old_status, old, old_body = fetch(site(v1, site_id).base_url + path)
                except http.client.IncompleteRead:  # the truncated fault page
                    continue
                if old_status != 200 or "ETag" not in old:
                    continue
                url = site(v2, site_id).base_url + path
                new_status, new, new_body = fetch(url)
                assert new_status == 200
                replay = raw(url, {"If-Modified-Since": old["Last-Modified"]}).status
                if new_body == old_body:
                    assert (new["ETag"], new["Last-Modified"]) == (old["ETag"], old["Last-Modified"]), path
                    assert replay == 304
                else:
                    changed += 1
                    assert new["ETag"] != old["ETag"], path
                    assert parsedate_to_datetime(new["Last-Modified"]) > parsedate_to_datetime(old["Last-Modified"]), path
                    assert replay == 200 and raw(url, {"If-None-Match": old["ETag"]}).status == 200
        assert changed >= 3  # the corrected report, its attachment, the column


def test_version_two_changes_are_named_in_the_truth():
    with Replica.start(build_world(version=2, hard=True)) as v2:
        kinds = {c.kind: c for c in v2.changes}
        assert set(kinds) == {"changed", "added", "removed", "corrected"} and all(c.site_id == "shangrao" for c in v2.changes)
        truth = {t.url: t for t in v2.truth}
        assert kinds["changed"].url in truth and kinds["added"].url in truth and kinds["removed"].url not in truth
        assert fetch(kinds["removed"].url)[0] == 200


def test_the_hard_world_keeps_the_five_portals_as_they_are():
    assert build_world(hard=True).portals[:5] == build_world().portals
    assert len(build_world().portals) == 5 and {p.id for p in build_world(hard=True).portals} >= {
        "pengjiang", "xifeng", "linxia", "anding", "jinchuan", "dongqu"}


# -- anti-bot ----------------------------------------------------------------------------------------

def test_ruishu_challenge_answers_412_until_a_browser_runs_its_script(replica, browser):
    linxia = site(replica, "linxia")
    fault = next(f for f in replica.faults if f.site_id == "linxia")
    assert fault.kind == "challenge-412" and fault.url == linxia.start_url
    first = raw(linxia.start_url)
    assert first.status == 412 and "ETag" not in first.headers
    cookie_name = first.headers["Set-Cookie"].split("=", 1)[0]
    page = first.body.decode("utf-8")
    assert '<script type="text/javascript" r="m">' in page and len(first.body) < 5000 and "TRS_Editor" not in page
    # the server cookie alone, or with a made-up client cookie, is not enough
    s_cookie = first.headers["Set-Cookie"].split(";", 1)[0]
    forged = cookie_name[:-1] + "T=" + "0" * 32
    assert raw(linxia.start_url, {"Cookie": f"{s_cookie}; {forged}"}).status == 412

    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(linxia.start_url)
        tab.wait_for_selector("ul.list li a", timeout=10000)
        rendered = tab.content()
        cookies = browser_cookies(context)
    finally:
        context.close()
    reports = [t for t in replica.truth if t.site_id == "linxia"]
    assert len(reports) == 3 and all(urlsplit(t.url).path.rsplit("/", 1)[1] in rendered for t in reports)
    # the browser's cookies, handed to a plain client on the same address, open every page …
    for report in reports:
        through = raw(report.url, {"Cookie": cookies})
        assert through.status == 200 and report.title in through.body.decode("utf-8")
    # … and only from that address: the cookies were made for 127.0.0.1
    assert raw(linxia.start_url, {"Cookie": cookies}, source="127.0.0.2").status == 412


def test_jsl_challenge_answers_521_until_a_browser_finds_the_clearance(replica, browser):
    anding = site(replica, "anding")
    assert any(f.kind == "challenge-521" and f.url == anding.start_url for f in replica.faults)
    first = raw(anding.start_url)
    assert first.status == 521 and first.headers["Set-Cookie"].startswith("__jsluid_h=")
    assert first.body.startswith(b"<script>") and b"__jsl_clearance" in first.body
    uid = first.headers["Set-Cookie"].split(";", 1)[0]
    assert raw(anding.start_url, {"Cookie": f"{uid}; __jsl_clearance=1700000000.123|0|abc%3D"}).status == 521

    context = browser.new_context()
    try:
        tab = context.new_page()
        response = tab.goto(anding.start_url)
        tab.wait_for_function("document.cookie.indexOf('__jsl_clearance') >= 0", timeout=10000)
        tab.wait_for_selector('[id="4658501"]', state="attached", timeout=10000)
        assert "jpage" in tab.content()
        cookies = browser_cookies(context)
    finally:
        context.close()
    assert response is not None and "__jsl_clearance" in cookies
    column = raw(anding.start_url, {"Cookie": cookies})
    assert column.status == 200 and b"dataproxy.jsp" in column.body
    # the Hanweb data proxy sits behind the same challenge, and opens with the same cookies
    proxy = urljoin(anding.base_url, "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15")
    form = b"col=1&appid=1&webid=1&path=/&columnid=1229301&sourceContentType=1&unitid=4658501&permissiontype=0"
    assert fetch(proxy, form)[0] == 521
    status, _, xml = fetch(proxy, form, {"Cookie": cookies})
    assert status == 200 and len(RECORD.findall(xml.decode("utf-8"))) == 4
    for report in (t for t in replica.truth if t.site_id == "anding"):
        assert raw(report.url, {"Cookie": cookies}).status == 200
        if report.attachment_url:
            assert raw(report.attachment_url, {"Cookie": cookies}).status == 200
    assert raw(anding.start_url, {"Cookie": cookies}, source="127.0.0.3").status == 521


def test_waf_blocks_the_host_for_everyone(replica, browser):
    jinchuan = site(replica, "jinchuan")
    assert any(f.kind == "blocked" and f.url == jinchuan.start_url for f in replica.faults)
    assert not [t for t in replica.truth if t.site_id == "jinchuan"]
    for path in ("/", "/robots.txt", "/zfxxgk/zfxxgknb/index.html", "/zfxxgk/zfxxgknb/index_1.html"):
        status, headers, body = fetch(jinchuan.base_url + path)
        text = body.decode("utf-8")
        assert status == 200 and "拦截" in text and "<script" not in text and "ETag" not in headers
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(jinchuan.start_url)
        tab.wait_for_timeout(300)
        assert "拦截" in tab.content() and not tab.query_selector_all("ul.list li")
    finally:
        context.close()


# -- listings ----------------------------------------------------------------------------------------

def test_scripted_trs_listing_has_rows_only_in_a_browser(replica, browser):
    xifeng = site(replica, "xifeng")
    assert xifeng.needs_browser and not any(s.needs_browser for s in replica.sites if s.id != "xifeng")
    reports = {urlsplit(t.url).path for t in replica.truth if t.site_id == "xifeng"}
    status, _, body = fetch(xifeng.start_url)
    static = lxml.html.fromstring(body)
    assert status == 200 and static.xpath('//ul[@id="list"]') and not static.xpath('//ul[@id="list"]/li')
    assert not [href for href in static.xpath("//a/@href") if "/t20" in href]
    count = int(PAGE_COUNT.search(body.decode("utf-8")).group(1))
    assert count == 2
    seen: set[str] = set()
    context = browser.new_context()
    try:
        tab = context.new_page()
        for index in range(count):
            tab.goto(urljoin(xifeng.start_url, "index.html" if index == 0 else f"index_{index}.html"))
            tab.wait_for_selector("#list li a", timeout=10000)
            seen |= {urlsplit(urljoin(tab.url, a.get_attribute("href"))).path for a in tab.query_selector_all("#list li a")}
    finally:
        context.close()
    assert len(seen) == 9 and reports <= seen
    for path in reports:
        assert fetch(xifeng.base_url + path)[0] == 200


def test_gkmlpt_shell_api_details_and_attachments(replica, browser):
    gd = site(replica, "pengjiang")
    assert gd.platform == "gkmlpt" and gd.start_url.endswith("/gkmlpt/annualreport#5231")
    status, _, shell = fetch(gd.start_url)
    text = shell.decode("utf-8")
    assert status == 200 and re.search(r"SID:\s*'750023'", text) and "/gkmlpt/content/" not in text
    api = urljoin(gd.base_url, "/gkmlpt/api/all/5231")
    status, headers, body = fetch(f"{api}?page=1&sid=750023")
    first = json.loads(body)
    assert status == 200 and headers["Content-Type"].startswith("application/json") and "ETag" in headers
    assert first["total"] == 12 and first["page"] == 1 and len(first["articles"]) == 10
    assert first["classify"] == {"id": 5231, "name": "政府信息公开年报", "post_count": 12}
    assert json.loads(fetch(f"{api}?page=0&sid=750023")[2])["articles"] == first["articles"]
    second = json.loads(fetch(f"{api}?page=2&sid=750023")[2])["articles"]
    assert len(second) == 2 and json.loads(fetch(f"{api}?page=3&sid=750023")[2])["articles"] == []
    assert json.loads(fetch(f"{api}?page=1&sid=1")[2]) == {"articles": [], "total": 0}
    assert fetch(urljoin(gd.base_url, "/gkmlpt/api/all/9999?page=1&sid=750023"))[0] == 404
    articles = first["articles"] + second
    dates = [a["create_time"] for a in articles]
    assert dates == sorted(dates, reverse=True)
    for article in articles:
        assert set(article) >= {"id", "title", "url", "post_url", "create_time", "display_publish_time", "date",
                                "publisher", "identifier", "attachment"}
        assert article["url"].startswith(gd.base_url + "/gkmlpt/content/") and article["url"].endswith("#5231")
    by_url = {a["url"].split("#")[0]: a for a in articles}
    reports = [t for t in replica.truth if t.site_id == "pengjiang"]
    assert len(reports) == 8 and {t.url for t in reports} <= set(by_url)
    kinds = {(t.in_body, bool(t.attachment_url)) for t in reports}
    assert kinds == {(True, False), (False, True), (True, True)}
    for report in reports:
        article = by_url[report.url]
        assert article["title"] == report.title and article["date"] == f"{report.model.published:%Y-%m-%d}"
        status, _, page = fetch(report.url)
        doc = lxml.html.fromstring(page)
        assert status == 200 and doc.xpath('//div[@class="article-content"]') and "window._CONFIG.DETAIL" in page.decode()
        assert fetch(article["post_url"])[2] == page
        if report.attachment_url:
            assert [a["url"] for a in article["attachment"]] == [report.attachment_url]
            status, headers, file = fetch(report.attachment_url)
            assert status == 200 and headers["Content-Type"] == "text/plain" and len(file) == article["attachment"][0]["size"]
            assert urlsplit(report.attachment_url).path in doc.xpath("//a/@href")
        else:
            assert article["attachment"] == []
    context = browser.new_context()
    try:
        tab = context.new_page()
        tab.goto(gd.start_url)
        tab.wait_for_selector("#gkml-list li a", timeout=10000)
        rendered = {a.get_attribute("href") for a in tab.query_selector_all("#gkml-list li a")}
    finally:
        context.close()
    assert rendered == {a["url"] for a in first["articles"]}


def test_pagination_past_ten_listing_pages(replica):
    dongqu = site(replica, "dongqu")
    status, _, body = fetch(dongqu.start_url)
    assert PAGE_COUNT.search(body.decode("utf-8")).groups() == ("13", "0")
    rows = []
    for index in range(13):
        url = urljoin(dongqu.start_url, "index.html" if index == 0 else f"index_{index}.html")
        status, _, page = fetch(url)
        assert status == 200 and PAGE_COUNT.search(page.decode("utf-8")).groups() == ("13", str(index))
        rows += lxml.html.fromstring(page).xpath('//ul[@class="list"]/li/a/@href')
    assert fetch(urljoin(dongqu.start_url, "index_13.html"))[0] == 404
    assert len(rows) == len(set(rows)) == 62


def test_robots_txt_forbids_one_report_and_a_polite_client_never_fetches_it(replica):
    dongqu = site(replica, "dongqu")
    [fault] = [f for f in replica.faults if f.kind == "robots"]
    assert fault.site_id == "dongqu" and fault.url not in {t.url for t in replica.truth}
    robots = RobotFileParser()
    robots.parse(fetch(dongqu.base_url + "/robots.txt")[2].decode("ascii").splitlines())
    assert not robots.can_fetch("xxgk-archive", fault.url)
    assert robots.can_fetch("xxgk-archive", dongqu.start_url)
    for report in (t for t in replica.truth if t.site_id == "dongqu"):
        assert robots.can_fetch("xxgk-archive", report.url)
    listed = []
    for index in range(13):
        page = fetch(urljoin(dongqu.start_url, "index.html" if index == 0 else f"index_{index}.html"))[2]
        listed += [urljoin(dongqu.start_url, h) for h in lxml.html.fromstring(page).xpath('//ul[@class="list"]/li/a/@href')]
    assert fault.url in listed  # linked like any report: only robots.txt says no
    replica.reset_stats()
    for url in listed:
        if robots.can_fetch("xxgk-archive", url):
            fetch(url)
    stats = replica.stats()
    # every allowed row once, and the two hops of the one redirected row
    assert stats.requests[fault.url] == 0 and stats.total == len(listed) - 1 + 2
    assert fetch(fault.url)[0] == 200  # served all the same: robots.txt is a request, not a lock


def test_redirect_chain_from_listing_link_to_report(replica):
    [fault] = [f for f in replica.faults if f.kind == "redirect"]
    report = next(t for t in replica.truth if t.url == fault.target)
    first = raw(fault.url)
    assert first.status == 301
    second_url = urljoin(fault.url, first.headers["Location"])
    assert second_url.endswith(".shtml")
    second = raw(second_url)
    assert second.status == 302 and urljoin(second_url, second.headers["Location"]) == report.url
    final = raw(report.url)
    assert final.status == 200 and report.title in final.body.decode("utf-8")
    status, _, body = fetch(fault.url)  # urllib follows both hops
    assert status == 200 and body == final.body


# -- scale ------------------------------------------------------------------------------------------

def test_scale_world_serves_a_thousand_pages_rendered_on_request():
    started = time.perf_counter()
    world = build_scale_world()
    with Replica.start(world) as scale:
        assert time.perf_counter() - started < 10
        [s] = scale.sites
        assert s.needs_browser and len(scale.truth) == 1000
        status, _, body = fetch(s.start_url)
        pages = int(PAGE_COUNT.search(body.decode("utf-8")).group(1))
        assert pages == 50
        rows = []
        for index in range(pages):
            status, _, data = fetch(urljoin(s.start_url, f"list_{index}.json"))
            rows += json.loads(data)["rows"]
        assert len(rows) == 1000 and len({(r["m"], r["i"]) for r in rows}) == 1000
        for report in scale.truth[::97]:
            status, headers, page = fetch(report.url)
            assert status == 200 and report.title in page.decode("utf-8") and "ETag" in headers
        assert pages + len(scale.truth) >= 1000
    assert "scale" not in {p.id for p in build_world(hard=True).portals}
