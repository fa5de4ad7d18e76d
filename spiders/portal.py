"""The shared spider base: what every platform spider does the same way.

A platform spider only knows how its CMS lists a column (``parse_listing``). This base turns every
response, error and failure into a ``Capture`` for the archive, picks report items by title,
fetches report pages and their attachments, keeps to the sites' official hosts, renders pages in
Chromium when their content is built by script, and gets past cookie challenges with a browser:

1. a challenge page (412 瑞数, 521 加速乐) is captured, flagged ``challenge``;
2. the same URL is loaded once in Chromium, which runs the challenge script and gets its cookie;
3. the cookies go back into Scrapy's cookie jar and the URL is fetched again, plainly, so the
   archive keeps the server's own bytes (not a browser's DOM);
4. a host still answering with a challenge, or with a WAF block page, is marked blocked with the
   evidence, and the crawl goes on without it.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.utils.request import request_from_dict
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

from archive.records import ATTACHMENT, CHALLENGE, DETAIL, HTTP_ERROR, LISTING, NETWORK_ERROR, OK, REFUSED, Blocked, Capture
from crawler.fetch import hosts  # leaf modules of the crawler package (they import no spider)
from crawler.fetch.render_limits import CLOSE_SECONDS, close_page, within
from crawler.fetch.wire import exchanges_for
from extractors.documents.limits import Limits
from extractors.titles import CORRECTION, REPORT, classify_title
from spiders.challenges import BROWSER_SOLVABLE, detect_challenge

if TYPE_CHECKING:  # the crawler's run and registry import the spiders, never the reverse
    from crawler.sites import Site

# Links on a report page that lead to its document: by extension, or a CMS download endpoint.
ATTACHMENT_HREF = re.compile(r"\.(pdf|docx?|wps|xlsx?|et|txt|zip|rar|ofd)(\?|$)|downfile\.jsp|download", re.I)
# Whether a report page may link an attachment, tested on its lower-cased bytes before it is parsed
# (parsing took some 2 ms a page, and most report pages link none): an attachment's extension, a
# download endpoint, or a character reference that could hide one.
MAY_LINK_ATTACHMENT = re.compile(rb"\.(?:pdf|docx?|wps|xlsx?|et|txt|zip|rar|ofd)\b|downfile\.jsp|download|&#")
# A static page whose listing is filled in by script: worth rendering when it shows no rows.
LISTING_SCRIPT = re.compile(r"document\.write|\.ajax\(|fetch\(|XMLHttpRequest|\.json\b|jsonp|dataproxy\.jsp|\.jpage\(", re.I)
# A listing page waits behind the report pages and attachments already found: Scrapy's queue then
# holds about one listing page of links per site, not a whole column (5,000 requests at once on the
# 16x bench world, 250 this way).
LISTING_PRIORITY = -1
# How long the browser may take to pass a challenge (ms).
CHALLENGE_TIMEOUT_MS = 20_000


class PortalSpider(scrapy.Spider):
    """Subclasses set ``name`` and ``platform`` and define ``parse_listing(response)``."""

    platform = ""

    def __init__(self, sites: list[Site] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.sites = [s for s in sites or [] if s.platform == self.platform]
        self.blocked_hosts: set[str] = set()
        self.listing_requested: dict[str, set[str]] = {}  # site id → further listing pages asked for
        self.listed_links: dict[str, set[str]] = {}  # site id → links seen on its listing pages
        self.capped_sites: set[str] = set()

    async def start(self):
        for site in self.sites:
            yield self.request(site.start_url, site, self.parse_listing, kind=LISTING, render=site.needs_browser)

    def request(self, url: str, site: Site, callback, *, kind: str, title: str | None = None,
                render: bool = False, request_class=scrapy.Request, **kwargs) -> scrapy.Request:
        meta = {"site": site, "kind": kind, "title": title, **kwargs.pop("meta", {})}
        if site.ignores_robots:
            meta["dont_obey_robotstxt"] = True
        if render:  # Chromium loads the page and runs its scripts (rows often come by XHR after load)
            meta.update(playwright=True, rendered=True,
                        playwright_page_methods=[PageMethod("wait_for_load_state", "networkidle")],
                        # A render takes seconds of browser work and a 0.5 s wait for quiet: not the
                        # server's latency, which AutoThrottle would otherwise take it for and slow the host.
                        autothrottle_dont_adjust_delay=True)
        if kind == LISTING:
            kwargs.setdefault("priority", LISTING_PRIORITY)
        return request_class(url, callback=callback, errback=self.on_failure, meta=meta, **kwargs)

    # --- captures -----------------------------------------------------------------------------

    def capture(self, response: Response) -> Capture:
        meta = response.meta
        redirects = tuple(meta.get("redirect_urls", ()))
        status = response.status
        challenge = detect_challenge(status, response.body)
        # a refusal (redirect guard) or a note (Retry-After past its cap) that a middleware left
        refused, note = meta.get("xxgk_refused") or _too_long(response), meta.get("xxgk_note")
        flag = REFUSED if refused else CHALLENGE if challenge else OK if status < 400 else HTTP_ERROR
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
            flag=flag,
            referer=_header(response.request, "Referer"),
            error=refused or (f"anti-bot page: {challenge}" if challenge else note),
            title=meta.get("title"),
            agency_hint=meta["site"].agency,
            rendered=bool(meta.get("rendered")),
            wire=exchanges_for(meta, response.url),
        )

    def fetched(self, response: Response):
        """Capture a response; when it is a challenge, what to do about it. Returns (items, ok)."""
        capture = self.capture(response)
        if capture.flag != CHALLENGE:
            return [capture], capture.flag == OK
        return [capture, *self.pass_challenge(response)], False

    def on_failure(self, failure: Failure):
        """A request that got no usable response (refused, timed out, truncated) is a capture too.

        Requests never sent (robots.txt, a blocked host) are counted, not captured. A response the
        crawler dropped once it arrived — over DOWNLOAD_MAXSIZE, a decompression bomb — is a capture
        flagged ``refused`` with the reason: the downloader had started it (``download_latency``).
        """
        request = failure.request
        if failure.check(IgnoreRequest) and "download_latency" not in request.meta:
            self.crawler.stats.inc_value("xxgk/not_sent")
            return
        refused = failure.check(IgnoreRequest, DownloadCancelledError)
        self.crawler.stats.inc_value("xxgk/refused" if refused else "xxgk/failures")
        error = _describe(failure)
        if failure.check(DownloadCancelledError) and "DOWNLOAD_MAXSIZE" not in error:
            error += " (DOWNLOAD_MAXSIZE, set from XXGK_DOC_MAX_BYTES)"
        yield Capture(
            url=request.meta.get("redirect_urls", [request.url])[0],
            final_url=request.url,
            fetched_at=_now(),
            site=request.meta["site"].id,
            spider=self.name,
            kind=request.meta["kind"],
            flag=REFUSED if refused else NETWORK_ERROR,
            referer=_header(request, "Referer"),
            error=error,
            title=request.meta.get("title"),
        )

    # --- challenges ---------------------------------------------------------------------------

    def pass_challenge(self, response: Response):
        challenge = detect_challenge(response.status, response.body)
        if challenge not in BROWSER_SOLVABLE or response.meta.get("browser_tried"):
            yield self.block(response, challenge)
            return
        self.crawler.stats.inc_value(f"xxgk/challenge/{challenge}")
        meta = {
            "site": response.meta["site"],
            "kind": response.meta["kind"],
            # The request to replay once the browser has the cookies (method, form and meta intact).
            "replay": response.request.to_dict(spider=self),
            "playwright": True,
            "playwright_include_page": True,
            "autothrottle_dont_adjust_delay": True,  # the browser's time, not the server's latency
            "playwright_page_methods": [
                PageMethod("wait_for_function", "() => document.cookie.length > 0", timeout=CHALLENGE_TIMEOUT_MS),
                PageMethod("wait_for_load_state", "load"),
            ],
        }
        yield scrapy.Request(response.url, callback=self.after_browser, errback=self.browser_failed, meta=meta, dont_filter=True)

    async def after_browser(self, response: Response):
        """The browser ran the challenge: hand its cookies to Scrapy and replay the request plainly."""
        page = response.meta["playwright_page"]
        got, cookies = await within(page.context.cookies(), CLOSE_SECONDS)
        await close_page(page)  # bounded: a page reloading itself may never close (render_limits)
        if not got:
            host = urlsplit(response.url).hostname
            self.blocked_hosts.add(host)
            yield Blocked(host=host, site=response.meta["site"].id, url=response.url,
                          reason=f"browser: its cookies could not be read within {CLOSE_SECONDS:g} s", at=_now())
            return
        self.crawler.stats.inc_value("xxgk/challenge/passed_in_browser")
        replay = request_from_dict(response.meta["replay"], spider=self)
        # Path "/" so the jar sends them to every page of the host, as the browser would.
        jar = [{"name": c["name"], "value": c["value"], "path": "/"} for c in cookies]
        yield replay.replace(cookies=jar, dont_filter=True, meta={**replay.meta, "browser_tried": True})

    async def browser_failed(self, failure: Failure):
        await close_page(failure.request.meta.get("playwright_page"))
        request = failure.request
        host = urlsplit(request.url).hostname
        self.blocked_hosts.add(host)
        yield Blocked(host=host, site=request.meta["site"].id, url=request.url, reason=f"browser: {_describe(failure)}",
                      at=_now())

    def block(self, response: Response, challenge: str | None) -> Blocked:
        host = urlsplit(response.url).hostname
        self.blocked_hosts.add(host)
        self.crawler.stats.inc_value("xxgk/blocked_hosts")
        self.logger.warning("host %s blocked (%s): %s", host, challenge, response.url)
        return Blocked(host=host, site=response.meta["site"].id, url=response.url,
                       reason=f"{challenge} page at status {response.status}", at=_now())

    # --- following links ----------------------------------------------------------------------

    def is_official(self, url: str, site: Site) -> bool:
        """Only the site's own host, gov.cn hosts and hosts the registry allows count as provenance
        (``crawler.fetch.hosts``; redirects are held to the same rule)."""
        return hosts.refusal(url, site) is None

    def may_page_on(self, response: Response, links) -> bool:
        """Whether to ask for the listing pages after this one: only when it brought links not seen
        on the site's earlier listing pages (a portal answering every page number with the same rows
        stops here; one claiming 100,000 pages is also held by ``listing_page``'s cap)."""
        seen = self.listed_links.setdefault(response.meta["site"].id, set())
        new = {response.urljoin(url) for url in links} - seen
        seen |= new
        if not new:
            self.crawler.stats.inc_value("xxgk/listing_no_new_links")
        return bool(new)

    def within_page_cap(self, site: Site, key: str) -> bool:
        """Count a further listing page (``key``: its URL, or what tells it apart) against the
        site's XXGK_MAX_LIST_PAGES; False when it was counted already or the cap is reached (the
        cap is logged and counted once per site)."""
        requested = self.listing_requested.setdefault(site.id, set())
        if key in requested:
            return False
        cap = self.settings.getint("XXGK_MAX_LIST_PAGES")
        if len(requested) >= cap:
            if site.id not in self.capped_sites:
                self.capped_sites.add(site.id)
                self.crawler.stats.inc_value("xxgk/listing_pages_capped")
                self.logger.warning("site %s: stopped at %d listing pages (XXGK_MAX_LIST_PAGES)", site.id, cap)
            return False
        requested.add(key)
        return True

    def listing_page(self, url: str, site: Site, callback, **kwargs) -> scrapy.Request | None:
        """A request for a further listing page, or None (see ``within_page_cap``)."""
        return self.request(url, site, callback, kind=LISTING, **kwargs) if self.within_page_cap(site, url) else None

    def follow_hits(self, response: Response, hits):
        """Requests for the report pages among a listing's (url, title) hits, and for 更正 pages: a
        correction re-publishing a report is that report's next version (the archive tells it by
        the title the capture keeps)."""
        site = response.meta["site"]
        for url, title in hits:
            url = response.urljoin(url)
            kind = classify_title(title)
            if kind is None or kind.kind not in (REPORT, CORRECTION) or not self.is_official(url, site):
                continue
            self.crawler.stats.inc_value("xxgk/report_links" if kind.kind == REPORT else "xxgk/correction_links")
            if ATTACHMENT_HREF.search(url):
                yield self.request(url, site, self.parse_attachment, kind=ATTACHMENT, title=title)
            else:
                yield self.request(url, site, self.parse_detail, kind=DETAIL, title=title, render=site.render_all)

    def render_if_scripted(self, response: Response, found_rows: bool):
        """A listing with no rows but a listing script is rendered in Chromium (once). A page of
        rows none of which is a report (a column's newest page all notices) has rows: it is not."""
        if found_rows or response.meta.get("rendered") or not LISTING_SCRIPT.search(response.text):
            return
        self.crawler.stats.inc_value("xxgk/rendered_listings")
        yield self.request(response.url, response.meta["site"], getattr(self, response.request.callback.__name__),
                           kind=LISTING, render=True, dont_filter=True)

    def parse_detail(self, response: Response):
        items, ok = self.fetched(response)
        yield from items
        if not ok or not hasattr(response, "css") or not MAY_LINK_ATTACHMENT.search(response.body.lower()):
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
        items, _ = self.fetched(response)
        yield from items


def _too_long(response: Response) -> str | None:
    """A listing or report page longer than XXGK_DOC_MAX_TEXT_BYTES is kept but not parsed: parsing
    takes some 20 times a page's size, and the extractor refuses such a page anyway."""
    limit = Limits.from_env().max_text_bytes
    if isinstance(response, TextResponse) and response.meta["kind"] in (LISTING, DETAIL) and len(response.body) > limit:
        return f"page of {len(response.body)} bytes is over the {limit}-byte limit (XXGK_DOC_MAX_TEXT_BYTES): not parsed"
    return None


def _describe(failure: Failure) -> str:
    """One line naming the failure; Scrapy's data-loss error has an empty message, so fall back to its doc."""
    message = failure.getErrorMessage() or (failure.type.__doc__ or "").strip().split("\n")[0]
    return f"{failure.type.__name__}: {message}"[:1000]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _header(request, name: str) -> str | None:
    value = request.headers.get(name) if request is not None else None
    return value.decode("latin-1") if value else None
