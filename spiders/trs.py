"""TRS WCM portals (拓尔思): the most common CMS of Chinese government sites.

What the platform does, and this spider relies on:
- A column is static HTML: ``<col>/index.html``, then ``index_1.html``, ``index_2.html`` …; the page
  count is only in a script call ``createPageHTML(<pages>, <current>, "index", "html")``. Pages are
  asked for one after another, while they bring new rows, up to ``XXGK_MAX_LIST_PAGES``.
- Rows are plain ``<a href="./<yyyymm>/t<yyyymmdd>_<id>.html" title="…">`` links; the title
  attribute holds the full title when the text is cut short.
- Detail pages keep the body in ``.TRS_Editor``; attachments are linked as ``P0<…>.pdf`` etc.
"""
from __future__ import annotations

import re

from archive.records import LISTING
from spiders.portal import PortalSpider

# A column row's link: a dated document page, whatever its title says.
ROW_LINK = re.compile(r"(?:^|/)t\d{8}_\d+\.s?html?$")
PAGE_COUNT = re.compile(r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](\w+)['\"]")


class TrsSpider(PortalSpider):
    name = "trs"
    platform = "trs"

    def parse_listing(self, response):
        items, ok = self.fetched(response)
        yield from items
        if not ok:
            return
        hits = [(a.attrib["href"], a.attrib.get("title") or "".join(a.css("::text").getall())) for a in response.css("a[href]")]
        requests = list(self.follow_hits(response, hits))
        yield from requests
        yield from self.render_if_scripted(response, found_rows=bool(requests) or has_rows(href for href, _ in hits))
        # Page by page, while pages bring new rows: the count is the portal's word, and a hostile or
        # broken one claims 100,000 pages (PortalSpider.may_page_on).
        match = PAGE_COUNT.search(response.text)
        if match and int(match.group(2)) == 0:  # the first page states the count
            response.meta["list_pages"] = (int(match.group(1)), match.group(3), match.group(4))
        pages, prefix, ext = response.meta.get("list_pages") or (0, "", "")
        number = response.meta.get("list_page", 0) + 1
        if number < pages and self.may_page_on(response, [href for href, _ in hits]):
            request = self.listing_page(response.urljoin(f"{prefix}_{number}.{ext}"), response.meta["site"], self.parse_listing,
                                        render=bool(response.meta.get("rendered")),
                                        meta={"list_pages": (pages, prefix, ext), "list_page": number})
            if request:
                yield request


def has_rows(hrefs) -> bool:
    """Whether a listing page shows column rows (links to dated document pages), reports or not."""
    return any(ROW_LINK.search(href.strip()) for href in hrefs)
