"""The shared spider base: what every platform spider does the same way.

A platform spider only knows how its CMS lists a column (``parse_listing``). This base turns every
response, error and failure into a ``Capture`` for the archive, picks report items by title,
fetches report pages and their attachments, and keeps to the sites' official hosts.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from archive.records import ATTACHMENT, DETAIL, HTTP_ERROR, LISTING, NETWORK_ERROR, OK, Capture
from crawler.sites import Site
from extractors.titles import REPORT, classify_title

# Links on a report page that lead to its document: by extension, or a CMS download endpoint.
ATTACHMENT_HREF = re.compile(r"\.(pdf|docx?|wps|xlsx?|et|txt|zip|rar|ofd)(\?|$)|downfile\.jsp|download", re.I)


class PortalSpider(scrapy.Spider):
    """Subclasses set ``name`` and ``platform`` and define ``parse_listing(response)``."""

    platform = ""

    def __init__(self, sites: list[Site] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.sites = [s for s in sites or [] if s.platform == self.platform]

    async def start(self):
        for site in self.sites:
            yield self.request(site.start_url, site, self.parse_listing, kind=LISTING)

    def request(self, url: str, site: Site, callback, *, kind: str, title: str | None = None, **kwargs) -> scrapy.Request:
        meta = {"site": site, "kind": kind, "title": title, **kwargs.pop("meta", {})}
        return scrapy.Request(url, callback=callback, errback=self.on_failure, meta=meta, **kwargs)

    # --- captures -----------------------------------------------------------------------------

    def capture(self, response: Response) -> Capture:
        meta = response.meta
        redirects = tuple(meta.get("redirect_urls", ()))
        status = response.status
        return Capture(
            url=redirects[0] if redirects else response.url,
            final_url=response.url,
            redirect_chain=redirects,
            status=status,
            headers={k.decode("latin-1"): b", ".join(v).decode("latin-1") for k, v in response.headers.items()},
            body=response.body,
            fetched_at=_now(),
            site=meta["site"].id,
            spider=self.name,
            kind=meta["kind"],
            flag=OK if status < 400 else HTTP_ERROR,
            referer=_header(response.request, "Referer"),
            title=meta.get("title"),
            agency_hint=meta["site"].agency,
        )

    def on_failure(self, failure: Failure):
        """A request that got no usable response (refused, timed out, truncated) is a capture too."""
        request = failure.request
        self.crawler.stats.inc_value("xxgk/failures")
        yield Capture(
            url=request.meta.get("redirect_urls", [request.url])[0],
            final_url=request.url,
            fetched_at=_now(),
            site=request.meta["site"].id,
            spider=self.name,
            kind=request.meta["kind"],
            flag=NETWORK_ERROR,
            referer=_header(request, "Referer"),
            error=_describe(failure),
            title=request.meta.get("title"),
        )

    # --- following links ----------------------------------------------------------------------

    def is_official(self, url: str, site: Site) -> bool:
        """Only the site's own host and gov.cn hosts count as provenance."""
        host = urlsplit(url).hostname or ""
        return host == site.host or host == "gov.cn" or host.endswith(".gov.cn")

    def follow_hits(self, response: Response, hits):
        """Requests for the report pages among a listing's (url, title) hits."""
        site = response.meta["site"]
        for url, title in hits:
            url = response.urljoin(url)
            kind = classify_title(title)
            if kind is None or kind.kind != REPORT or not self.is_official(url, site):
                continue
            self.crawler.stats.inc_value("xxgk/report_links")
            if ATTACHMENT_HREF.search(url):
                yield self.request(url, site, self.parse_attachment, kind=ATTACHMENT, title=title)
            else:
                yield self.request(url, site, self.parse_detail, kind=DETAIL, title=title)

    def parse_detail(self, response: Response):
        capture = self.capture(response)
        yield capture
        if capture.flag != OK or not hasattr(response, "css"):
            return
        site = response.meta["site"]
        for link in response.css("a[href]"):
            href = link.attrib["href"].strip()
            if not ATTACHMENT_HREF.search(href):
                continue
            url = response.urljoin(href)
            if self.is_official(url, site):
                name = " ".join(link.css("::text").getall()).strip() or response.meta.get("title")
                yield self.request(url, site, self.parse_attachment, kind=ATTACHMENT, title=name)

    def parse_attachment(self, response: Response):
        yield self.capture(response)


def _describe(failure: Failure) -> str:
    """One line naming the failure; Scrapy's data-loss error has an empty message, so fall back to its doc."""
    message = failure.getErrorMessage() or (failure.type.__doc__ or "").strip().split("\n")[0]
    return f"{failure.type.__name__}: {message}"[:1000]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _header(request, name: str) -> str | None:
    value = request.headers.get(name) if request is not None else None
    return value.decode("latin-1") if value else None
