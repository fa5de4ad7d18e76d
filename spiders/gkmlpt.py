"""Guangdong's 政府信息公开目录平台 (gkmlpt), which the province runs for itself and most of its
cities, districts and departments.

What the platform does, and this spider relies on:
- ``/gkmlpt/annualreport`` is a script shell: no rows, only ``window._CONFIG`` with the site id
  (``SID: '…'``) and the category tree (ids, names); the 年报 category is the URL's ``#<catid>``,
  or the tree entry named 年报 / 年度报告.
- Rows come from the JSON API ``/gkmlpt/api/all/<catid>?page=N&sid=<sid>`` (pages from 1):
  ``{"articles": [{"title", "url", "post_url", "attachment": [...]}, …], "total": N}``; past the
  last page, an empty ``articles``. A crawler asks the API itself: no browser needed.
- Details are ``/gkmlpt/content/…/post_<id>.html`` with attachments linked under the body.
"""
from __future__ import annotations

import json
import re
from urllib.parse import urldefrag, urljoin

from archive.records import LISTING
from spiders.portal import PortalSpider

SHELL_PATH = "/gkmlpt/annualreport"
SID = re.compile(r"""\bSID\s*:\s*['"]?(\w+)""")
TREE = re.compile(r"\bTREE\s*:\s*(\[.*?\])\s*[,}\n]", re.S)
REPORT_CATEGORY = re.compile(r"年报|年度报告")


class GkmlptSpider(PortalSpider):
    name = "gkmlpt"
    platform = "gkmlpt"

    async def start(self):
        for site in self.sites:
            # A registry row with only a home page: the shell's path is the same on every gkmlpt site.
            url = urljoin(site.start_url, SHELL_PATH) if site.extra.get("start_from_home") else site.start_url
            yield self.request(url, site, self.parse_listing, kind=LISTING, meta={"category": urldefrag(url)[1]})

    def parse_listing(self, response):
        items, ok = self.fetched(response)
        yield from items
        if not ok:
            return
        sid = SID.search(response.text)
        category = response.meta.get("category") or _report_category(response.text)
        if not sid or not category:
            self.logger.warning("gkmlpt shell without SID or 年报 category: %s", response.url)
            return
        yield self.api_request(response, category, sid.group(1), page=1)

    def api_request(self, response, category: str, sid: str, page: int, page_size: int = 0):
        url = response.urljoin(f"/gkmlpt/api/all/{category}?page={page}&sid={sid}")
        return self.request(url, response.meta["site"], self.parse_api, kind=LISTING,
                            meta={"category": category, "sid": sid, "page": page, "page_size": page_size})

    def parse_api(self, response):
        items, ok = self.fetched(response)
        yield from items
        if not ok:
            return
        try:
            data = json.loads(response.text)
        except json.JSONDecodeError:
            self.logger.warning("gkmlpt API answered something other than JSON: %s", response.url)
            return
        articles = data.get("articles") or []
        yield from self.follow_hits(response, [(a.get("url") or a.get("post_url"), a.get("title", "")) for a in articles
                                               if a.get("url") or a.get("post_url")])
        meta = response.meta
        page_size = meta["page_size"] or len(articles)  # the first page tells how many a page holds
        if (articles and meta["page"] * page_size < int(data.get("total") or 0)
                and self.may_page_on(response, [a.get("url") or a.get("post_url") or "" for a in articles])
                and self.within_page_cap(meta["site"], f"api {meta['category']} {meta['page'] + 1}")):
            yield self.api_request(response, meta["category"], meta["sid"], meta["page"] + 1, page_size)


def _report_category(shell: str) -> str | None:
    """The 年报 category's id from the shell's category tree."""
    match = TREE.search(shell)
    if not match:
        return None
    try:
        tree = json.loads(match.group(1))
    except json.JSONDecodeError:
        return None
    for node in tree:
        if REPORT_CATEGORY.search(str(node.get("name", ""))):
            return str(node["id"])
    return None
