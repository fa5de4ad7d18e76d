"""Hanweb / 大汉 JCMS portals.

What the platform does, and this spider relies on:
- A column page ``/col/col<id>/index.html`` carries no rows: a script loads them from
  ``/module/web/jpage/dataproxy.jsp?startrecord=…&endrecord=…&perpage=…`` with form fields
  ``columnid``, ``unitid``, ``webid`` … that the page itself states.
- The answer is XML: ``<datastore><recordset><record><![CDATA[<li><a href=…>…</a></li>]]></record>…
  </recordset><totalrecord>N</totalrecord></datastore>``; the page script asks for three pages of
  rows per call.
- Details are ``/art/<Y>/<M>/<D>/art_<col>_<id>.html``; attachments go through
  ``/module/download/downfile.jsp?filename=…`` with a generic content type.
"""
from __future__ import annotations

import re

from parsel import Selector
from scrapy import FormRequest

from archive.records import LISTING
from spiders.portal import PortalSpider

DATAPROXY = "/module/web/jpage/dataproxy.jsp"
PARAM = r"""\b{name}\b\s*['"]?\s*[:=]\s*['"]?(\w+)"""
FORM_FIELDS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname", "permissiontype")
RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.S)
TOTAL = re.compile(r"<totalrecord>\s*(\d+)\s*</totalrecord>")
BATCH = 45  # rows per dataproxy call, as the platform's own script asks
# What gives a Hanweb column away, whatever the site calls itself (the generic spider looks for it).
FINGERPRINT = re.compile(r"dataproxy\.jsp|\.jpage\(")


class HanwebListing:
    """Reading a Hanweb column through its dataproxy endpoint; for spiders built on PortalSpider."""

    def column_requests(self, response):
        """The dataproxy request for a column page, from the parameters the page states."""
        form = {"col": "1", "appid": "1", "path": "/", "sourceContentType": "1", "permissiontype": "0"}
        for name in FORM_FIELDS:
            match = re.search(PARAM.format(name=name), response.text)
            if match:
                form[name] = match.group(1)
        if "columnid" not in form:
            self.logger.warning("no columnid on Hanweb column page %s", response.url)
            return
        yield self.dataproxy_request(response, form, start=1)

    def dataproxy_request(self, response, form: dict, start: int) -> FormRequest:
        url = response.urljoin(f"{DATAPROXY}?startrecord={start}&endrecord={start + BATCH - 1}&perpage=15")
        return self.request(url, response.meta["site"], self.parse_records, kind=LISTING, request_class=FormRequest,
                            formdata=form, meta={"form": form, "start": start})

    def parse_records(self, response):
        items, ok = self.fetched(response)
        yield from items
        if not ok:
            return
        hits = []
        for fragment in RECORD.findall(response.text):
            for a in Selector(text=fragment).css("a[href]"):
                hits.append((a.attrib["href"], a.attrib.get("title") or "".join(a.css("::text").getall())))
        yield from self.follow_hits(response, hits)
        total = TOTAL.search(response.text)
        start = response.meta["start"]
        if total and start + BATCH <= int(total.group(1)) and self.may_page_on(response, [h for h, _ in hits]):
            if self.within_page_cap(response.meta["site"], f"dataproxy {start + BATCH}"):
                yield self.dataproxy_request(response, response.meta["form"], start + BATCH)


class HanwebSpider(PortalSpider, HanwebListing):
    name = "hanweb"
    platform = "hanweb"

    def parse_listing(self, response):
        items, ok = self.fetched(response)
        yield from items
        if ok:
            yield from self.column_requests(response)
