"""The portal replica over real HTTP on the loopback interface: URL shapes, encodings, faults, and
that every true report can be reached from its site's start URL the way a crawler would."""
from __future__ import annotations

import http.client
import re
import urllib.error
import urllib.request
from urllib.parse import urlencode, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import lxml.html
import pytest

from extractors.keys import keys_for
from replica.portals import build_world
from replica.render import Style, fmt, render_text
from replica.server import Replica

NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
PAGE_COUNT = re.compile(r'createPageHTML\((\d+), (\d+), "index", "html"\)')
JPAGE_PARAM = re.compile(r"\b(col|appid|webid|columnid|sourceContentType|unitid|permissiontype)\s*:\s*(\d+)")
RECORD = re.compile(r"<record><!\[CDATA\[(.*?)\]\]></record>", re.S)


@pytest.fixture(scope="module")
def replica():
    with Replica.start() as running:
        yield running


def fetch(url: str, data: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def site(replica, site_id):
    return next(s for s in replica.sites if s.id == site_id)


def test_sites_are_separate_hosts_of_both_platforms(replica):
    assert {s.platform for s in replica.sites} == {"trs", "hanweb"}
    assert sum(s.platform == "trs" for s in replica.sites) >= 2
    hosts = [urlsplit(s.base_url).hostname for s in replica.sites]
    assert len(set(hosts)) == len(hosts) and all(h.startswith("127.") for h in hosts)
    for s in replica.sites:
        assert s.start_url.startswith(s.base_url + "/")


def test_trs_pagination_is_announced_by_script(replica):
    start = site(replica, "xinhua").start_url
    status, _, body = fetch(start)
    assert status == 200
    count, current = map(int, PAGE_COUNT.search(body.decode("gbk")).groups())
    assert (count, current) == (3, 0)
    for n in range(1, count):
        status, _, page = fetch(urljoin(start, f"index_{n}.html"))
        assert status == 200 and PAGE_COUNT.search(page.decode("gbk")).groups() == (str(count), str(n))
    assert fetch(urljoin(start, f"index_{count}.html"))[0] == 404
    assert fetch(urljoin(start, "./"))[2] == body
    rows = re.findall(r'<li><a href="\./(\d{6})/t(\d{8})_\d+\.html" title="[^"]+" target="_blank">[^<]+</a><span>([\d-]+)</span></li>',
                      body.decode("gbk"))
    assert len(rows) == 5
    for month, day, shown in rows:
        assert day.startswith(month) and shown == f"{day[:4]}-{day[4:6]}-{day[6:]}"


def test_gbk_site_is_gbk_throughout(replica):
    xinhua = site(replica, "xinhua")
    status, headers, body = fetch(xinhua.start_url)
    assert headers["Content-Type"] == "text/html; charset=GBK"
    assert '<meta charset="gb2312">' in body.decode("gbk")
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    report = next(t for t in replica.truth if t.site_id == "xinhua" and t.in_body and t.template == "gb2021")
    page = fetch(report.url)[2].decode("gbk")
    assert report.title in page and 'class="TRS_Editor"' in page


def test_utf8_trs_site(replica):
    status, headers, body = fetch(site(replica, "shangrao").start_url)
    assert headers["Content-Type"] == "text/html; charset=UTF-8"
    assert "createPageHTML(1, 0" in body.decode("utf-8")


def _table_numbers(text: str) -> list[str]:
    tables = text[text.index("二、主动公开政府信息情况"):text.index("五、存在的主要问题")]
    return [token for token in tables.split() if NUMBER.fullmatch(token)]


def _jpage_form(column_page: str) -> dict[str, str]:
    return dict(JPAGE_PARAM.findall(column_page)) | {"path": "/"}


def test_hanweb_rows_come_only_from_the_dataproxy(replica):
    jiefang = site(replica, "jiefang")
    page = fetch(jiefang.start_url)[2].decode("utf-8")
    assert "/art/" not in page
    form = _jpage_form(page)
    assert form["columnid"] == "1229001" and form["unitid"] == "4658367"
    proxy = urljoin(jiefang.base_url, "/module/web/jpage/dataproxy.jsp")
    status, headers, first = fetch(f"{proxy}?startrecord=1&endrecord=15&perpage=15", urlencode(form).encode())
    assert status == 200 and headers["Content-Type"].startswith("text/xml")
    xml = first.decode("utf-8")
    total = int(re.search(r"<totalrecord>(\d+)</totalrecord>", xml).group(1))
    assert total > 15 and len(RECORD.findall(xml)) == 15
    second = fetch(f"{proxy}?startrecord=16&endrecord=30&perpage=15&" + urlencode(form))[2].decode("utf-8")  # GET works too
    records = RECORD.findall(xml) + RECORD.findall(second)
    assert len(records) == total and len(set(records)) == total
    for record in records:
        assert re.fullmatch(r'<li><a href="/art/\d{4}/\d{1,2}/\d{1,2}/art_1229001_\d+\.html" title="[^"]+" target="_blank">[^<]+</a>'
                            r"<span>\d{4}-\d{2}-\d{2}</span></li>", record)
    wrong = fetch(f"{proxy}?startrecord=1&endrecord=15&perpage=15", urlencode(form | {"columnid": "1"}).encode())[2]
    assert b"<totalrecord>0</totalrecord>" in wrong and b"<record>" not in wrong


def test_hanweb_attachments_come_through_downfile_with_a_generic_type(replica):
    report = next(t for t in replica.truth if t.site_id == "jiefang" and t.attachment_url)
    assert "/module/download/downfile.jsp?classid=0&filename=" in report.attachment_url
    hrefs = lxml.html.fromstring(fetch(report.url)[2]).xpath("//a/@href")
    assert urlsplit(report.attachment_url)._replace(scheme="", netloc="").geturl() in hrefs
    status, headers, body = fetch(report.attachment_url)
    assert status == 200 and headers["Content-Type"] == "application/octet-stream"
    assert "attachment" in headers["Content-Disposition"]
    text = body.decode("utf-8")
    assert text == render_text(report.model, report.layout, style=Style(typos=True)) and "本年度止件数" in text


def test_attachments_in_utf8_and_gb18030(replica):
    encodings = set()
    for report in (t for t in replica.truth if t.attachment_url):
        body = fetch(report.attachment_url)[2]
        for encoding in ("utf-8", "gb18030"):
            try:
                text = body.decode(encoding)
            except UnicodeDecodeError:
                continue
            assert _table_numbers(text) == [fmt(v) for k, v in report.cells.items() if v is not None]
            encodings.add(encoding)
            break
    assert encodings == {"utf-8", "gb18030"}


def test_faults_behave_as_declared(replica):
    kinds = {f.kind for f in replica.faults}
    assert kinds == {"404", "500", "truncated"}
    for fault in replica.faults:
        if fault.kind in ("404", "500"):
            assert fetch(fault.url)[0] == int(fault.kind)
            continue
        parts = urlsplit(fault.url)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        connection.request("GET", parts.path)
        response = connection.getresponse()
        assert response.status == 200
        declared = int(response.headers["Content-Length"])
        with pytest.raises(http.client.IncompleteRead) as cut:
            response.read()
        assert 0 < len(cut.value.partial) < declared
        connection.close()


def test_robots_allow_reports_and_forbid_search(replica):
    for s in replica.sites:
        robots = RobotFileParser()
        robots.parse(fetch(s.base_url + "/robots.txt")[2].decode("ascii").splitlines())
        assert robots.can_fetch("xxgk-archive", s.start_url)
        assert not robots.can_fetch("xxgk-archive", s.base_url + "/search/index.html")
        for report in (t for t in replica.truth if t.site_id == s.id):
            assert robots.can_fetch("xxgk-archive", report.url)


def _crawl(start_url: str, base: str) -> dict[str, bytes]:
    """Follow every on-site link from the start URL, with the two platform moves a crawler needs:
    TRS's script-announced listing pages and Hanweb's dataproxy rows. Returns body by URL."""
    seen: dict[str, bytes] = {}
    queue = [start_url]
    while queue:
        url = queue.pop()
        if url in seen or not url.startswith(base) or "/search/" in url:
            continue
        try:
            status, headers, body = fetch(url)
        except http.client.IncompleteRead as cut:  # the truncated page: a crawler records it and moves on
            seen[url] = cut.partial
            continue
        seen[url] = body
        if status != 200 or not headers.get("Content-Type", "").startswith("text/html"):
            continue
        text = body.decode("gbk" if "GBK" in headers["Content-Type"] else "utf-8")
        queue += [urljoin(url, href) for href in lxml.html.fromstring(text).xpath("//a/@href")]
        if match := PAGE_COUNT.search(text):
            queue += [urljoin(url, f"index_{n}.html") for n in range(1, int(match.group(1)))]
        if ".jpage(" in text:
            proxy = urljoin(base, "/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=1000&perpage=15")
            xml = fetch(proxy, urlencode(_jpage_form(text)).encode())[2].decode("utf-8")
            for record in RECORD.findall(xml):
                queue += [urljoin(url, href) for href in lxml.html.fromstring(record).xpath("//a/@href")]
    return seen


def test_every_true_report_is_reachable_from_its_start_url(replica):
    assert len(replica.truth) >= 10
    for s in replica.sites:
        reached = _crawl(s.start_url, s.base_url)
        for report in (t for t in replica.truth if t.site_id == s.id):
            assert report.url in reached, report.title
            if report.attachment_url:
                assert report.attachment_url in reached, report.title
        for fault in (f for f in replica.faults if f.site_id == s.id):
            assert fault.url in reached


def test_html_bodies_carry_the_true_cells(replica):
    for report in (t for t in replica.truth if t.in_body and t.template != "freeform"):
        status, headers, body = fetch(report.url)
        doc = lxml.html.fromstring(body.decode("gbk" if "GBK" in headers["Content-Type"] else "utf-8"))
        cells = [td.text_content() for td in doc.iter("td")]
        data = ["" if text == "\xa0" else text for text in cells if text == "\xa0" or NUMBER.fullmatch(text)]
        expected = [fmt(report.cells[key]) for key in keys_for(report.template)]
        if data != expected:  # a provincial extra row adds three numbers after the normative row
            assert data[:6] + data[9:] == expected and "其他主动公开文件" in doc.text_content()


def test_seed_reports_are_served_with_their_numbers(replica):
    by_key = {(t.agency, t.year): t for t in replica.truth}
    for agency, year, template in (("新华区工业和信息化局", 2021, "gb2021"), ("上饶市工业和信息化局", 2021, "gb2021"),
                                   ("解放区工业和信息化局", 2024, "gb2021"), ("华龙区工业和信息化局", 2020, "gb2019"),
                                   ("托里县商务和工业信息化局", 2021, "gb2019")):
        report = by_key[(agency, year)]
        assert report.template == template
        nonzero = {k: v for k, v in report.cells.items() if v != 0}
        if agency.startswith("上饶"):
            assert nonzero.pop("t2.normative.issued") == 2 and nonzero.pop("t2.normative.repealed") == 1
            assert nonzero.pop("t2.normative.in_force") == 2
            assert set(nonzero) == {f"t3.{row}.{col}" for row in ("other.no_fee", "other.misc")
                                    for col in ("natural", "commercial", "research", "social", "legal", "other_org", "total")}
            assert set(nonzero.values()) == {None}
        else:
            assert nonzero == {}
    scopes = {t.scope for t in replica.truth}
    assert scopes == {"organ", "region"}
    assert {t.template for t in replica.truth} == {"gb2021", "gb2019", "freeform"}
    assert {t.year for t in replica.truth} >= set(range(2019, 2025)) | {2017}


def test_explainers_are_listed_but_not_reports(replica):
    reached = _crawl(site(replica, "xinhua").start_url, site(replica, "xinhua").base_url)
    titles = [re.search(rb'<meta name="ArticleTitle" content="([^"]+)"', body) for body in reached.values()]
    titles = [m.group(1).decode("gbk") for m in titles if m]
    assert any(t.startswith("图解：") for t in titles) and any(t.startswith("解读：") for t in titles)
    assert not any(t.title.startswith(("图解", "解读")) for t in replica.truth)


def test_links_leave_the_replica_only_for_unresolvable_hosts(replica):
    hosts = {urlsplit(s.base_url).netloc for s in replica.sites}
    for s in replica.sites:
        for url, body in _crawl(s.start_url, s.base_url).items():
            if not body.startswith(b"<!DOCTYPE html>"):
                continue
            for href in lxml.html.fromstring(body).xpath("//a/@href"):
                netloc = urlsplit(urljoin(url, href)).netloc
                assert netloc in hosts or netloc.endswith(".invalid") or href.startswith("javascript:"), href


def test_two_runs_serve_identical_bytes(replica):
    with Replica.start() as again:
        assert [t.model for t in again.truth] == [t.model for t in replica.truth]
        for ours, theirs in zip(replica.truth, again.truth):
            assert urlsplit(ours.url).path == urlsplit(theirs.url).path
            assert fetch(ours.url)[2] == fetch(theirs.url)[2]


def test_version_two_corrects_one_report_in_place_one_by_notice_adds_one_and_removes_one():
    with Replica.start() as v1, Replica.start(build_world(version=2)) as v2:
        paths1 = {urlsplit(t.url).path: t for t in v1.truth}
        paths2 = {urlsplit(t.url).path: t for t in v2.truth}
        assert len(paths2) == len(paths1) + 1 - 1
        changed = [p for p in paths1.keys() & paths2.keys() if paths1[p].model != paths2[p].model]
        assert len(changed) == 1
        old, new = paths1[changed[0]], paths2[changed[0]]
        assert fetch(old.url)[2] != fetch(new.url)[2]
        assert (old.agency, old.year) == (new.agency, new.year)
        assert not v1.changes
        by_kind = {c.kind: c for c in v2.changes}
        assert len(v2.changes) == 4 and set(by_kind) == {"changed", "added", "removed", "corrected"}
        assert urlsplit(by_kind["changed"].url).path == changed[0] and by_kind["changed"].title == new.title
        assert [urlsplit(by_kind["added"].url).path] == list(paths2.keys() - paths1.keys())
        removed = urlsplit(by_kind["removed"].url).path
        assert [removed] == list(paths1.keys() - paths2.keys())
        column = site(v2, "shangrao").start_url
        assert removed.rsplit("/", 1)[1] not in fetch(column)[2].decode("utf-8")  # gone from the column …
        assert removed.rsplit("/", 1)[1] in fetch(site(v1, "shangrao").start_url)[2].decode("utf-8")
        assert fetch(by_kind["removed"].url)[2] == fetch(paths1[removed].url)[2]  # … but its page still answers
        # the 更正 notice: listed beside the report it corrects, which keeps its page and numbers
        notice = by_kind["corrected"]
        assert notice.title.startswith("关于《") and notice.title.endswith("》的更正说明")
        assert urlsplit(notice.url).path.rsplit("/", 1)[1] in fetch(column)[2].decode("utf-8")
        [original] = [t for t in v2.truth if t.title in notice.title]
        assert fetch(original.url)[2] == fetch(next(t.url for t in v1.truth if t.title == original.title))[2]
        assert "现予以更正" in fetch(notice.url)[2].decode("utf-8")


def test_malformed_dataproxy_query_is_a_server_error(replica):
    proxy = urljoin(site(replica, "hualong").base_url, "/module/web/jpage/dataproxy.jsp?startrecord=x")
    assert fetch(proxy)[0] == 500
