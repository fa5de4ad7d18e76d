"""Any portal, found from its home page: for sites whose platform is unknown or whose 年报 column URL
is not yet confirmed (the registry's ``generic`` rows).

How it finds the reports, by link text as a person would:
1. home page → the 政府信息公开 / 信息公开 / 政务公开 area (or straight to the column when linked);
2. that area → the column named 政府信息公开年报 / 年度报告 / 年报;
3. the column → report titles (``extractors.titles``), and further listing pages: TRS's
   ``createPageHTML`` count, links labelled 下一页 / 尾页, or ``index_N`` pages (while pages bring new
   links, up to ``XXGK_MAX_LIST_PAGES``); a column that is a
   Hanweb one (its ``dataproxy.jsp`` script) is read through that endpoint; another column whose
   rows are built by script is rendered in Chromium.
Only links on the site's own host (or gov.cn) are followed.
"""
from __future__ import annotations

import re

from archive.records import LISTING
from spiders.portal import PortalSpider
from spiders.hanweb import FINGERPRINT as HANWEB_COLUMN
from spiders.hanweb import HanwebListing
from spiders.trs import PAGE_COUNT, has_rows

DISCLOSURE_AREA = re.compile(r"^(政府)?信息公开$|政务公开|政府信息公开(目录|平台|专栏)?$")
REPORT_COLUMN = re.compile(r"^(政府)?(信息公开|政务公开)?(工作)?(年报|年度报告)$")
NEXT_PAGE = re.compile(r"下一页|下页|尾页|^\d+$")
INDEX_PAGE = re.compile(r"index_\d+\.s?html?$")
MAX_LINKS_PER_STEP = 5  # a home page lists many areas; the first few matches are the real ones


class GenericSpider(PortalSpider, HanwebListing):
    name = "generic"
    platform = "generic"

    async def start(self):
        for site in self.sites:
            first = self.parse_home if site.extra.get("start_from_home") else self.parse_listing
            yield self.request(site.start_url, site, first, kind=LISTING, render=site.needs_browser)

    def links(self, response):
        """(absolute url, text) of every on-site link of a page."""
        site = response.meta["site"]
        for a in response.css("a[href]"):
            url = response.urljoin(a.attrib["href"].strip())
            text = re.sub(r"\s+", "", a.attrib.get("title") or "".join(a.css("::text").getall()))
            if url.startswith("http") and self.is_official(url, site):
                yield url, text

    def parse_home(self, response):
        items, ok = self.fetched(response)
        yield from items
        if not ok:
            return
        yield from self.step(response, REPORT_COLUMN, self.parse_listing)
        yield from self.step(response, DISCLOSURE_AREA, self.parse_area)

    def parse_area(self, response):
        items, ok = self.fetched(response)
        yield from items
        if ok:
            yield from self.step(response, REPORT_COLUMN, self.parse_listing)

    def step(self, response, label: re.Pattern, callback):
        found = [url for url, text in self.links(response) if label.search(text)]
        for url in found[:MAX_LINKS_PER_STEP]:
            yield self.request(url, response.meta["site"], callback, kind=LISTING)

    def parse_listing(self, response):
        items, ok = self.fetched(response)
        yield from items
        if not ok:
            return
        links = list(self.links(response))
        requests = list(self.follow_hits(response, links))
        yield from requests
        if not requests and HANWEB_COLUMN.search(response.text):  # a Hanweb column: ask its endpoint
            yield from self.column_requests(response)
            return
        yield from self.render_if_scripted(response, found_rows=bool(requests) or has_rows(url for url, _ in links))
        if not self.may_page_on(response, [url for url, _ in links]):
            return
        site, render = response.meta["site"], bool(response.meta.get("rendered"))
        pages = {url for url, text in links if NEXT_PAGE.search(text) or INDEX_PAGE.search(url)}
        match = PAGE_COUNT.search(response.text)
        if match:  # the portal's word for how many pages: capped before any range is built
            count = min(int(match.group(1)), self.settings.getint("XXGK_MAX_LIST_PAGES") + 1)
            pages |= {response.urljoin(f"{match.group(3)}_{n}.{match.group(4)}") for n in range(1, count)}
        for url in sorted(pages):
            request = self.listing_page(url, site, self.parse_listing, render=render)
            if request:
                yield request
