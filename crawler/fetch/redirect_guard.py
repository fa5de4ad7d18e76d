"""Redirects checked before Scrapy follows them: a 3xx ``Location`` and a ``<meta refresh>``.

Scrapy follows any redirect to any host, drops a redirect to a URL it has seen (its duplicate
filter: no capture, no error; here such a target is fetched again, so the request has a capture) and, after REDIRECT_MAX_TIMES, discards the request, again leaving
no trace; a redirect to ``file:///etc/passwd`` it does not follow, and the 302 came out as an
``ok`` capture. Here a redirect is refused — the response is kept, and the spider captures it
flagged ``refused`` with the reason — when its target is:

- not http(s);
- already in the request's redirect chain (a loop, to itself or round several URLs);
- one more than REDIRECT_MAX_TIMES (an endless chain of new URLs);
- not for the site by ``crawler.fetch.hosts`` (off-site, or a private address that is not the site's own).

Two classes because Scrapy handles the two kinds at two places: ``Location`` before
decompression (RedirectMiddleware, 600), ``<meta refresh>`` after it (MetaRefreshMiddleware, 580).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from urllib.parse import urljoin

from scrapy.http import HtmlResponse
from scrapy.utils.response import get_meta_refresh
from w3lib.url import safe_url_string

from crawler.fetch import hosts

_REDIRECTS = (301, 302, 303, 307, 308)


class _Guard(ABC):
    def __init__(self, crawler):
        self.crawler = crawler
        self.max_times = crawler.settings.getint("REDIRECT_MAX_TIMES")
        self.max_delay = crawler.settings.getint("METAREFRESH_MAXDELAY")
        self.ignore_tags = crawler.settings.getlist("METAREFRESH_IGNORE_TAGS")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        if request.meta.get("dont_redirect") or request.meta.get("playwright"):
            return response
        target = self.target(request, response)
        if target is None:
            return response
        reason = self.refusal(request, target)
        if reason:
            request.meta["dont_redirect"] = True  # Scrapy's redirect middlewares pass the response on
            request.meta["xxgk_refused"] = f"redirect to {target[:300]} refused: {reason}"
            self.crawler.stats.inc_value("xxgk/redirects_refused")
        else:
            # The redirect Scrapy builds copies this flag: a target fetched before is fetched again rather
            # than dropped by the duplicate filter, so this request too ends in a capture (loops are caught above).
            request.dont_filter = True
        return response

    @abstractmethod
    def target(self, request, response) -> str | None:
        """The URL this response redirects to, if it does (each subclass: its kind of redirect)."""

    def refusal(self, request, target: str) -> str | None:
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target.split("#")[0] in {url.split("#")[0] for url in chain}:
            return "redirect loop"
        if len(chain) > self.max_times:
            return f"more than {self.max_times} redirects (REDIRECT_MAX_TIMES)"
        site = request.meta.get("site")
        if site is None:  # robots.txt and other requests of no site: only the scheme matters
            return None if target.startswith(("http://", "https://")) else "not an http(s) URL"
        return hosts.refusal(target, site)


class LocationGuard(_Guard):
    def target(self, request, response) -> str | None:
        location = response.headers.get("Location")
        if response.status not in _REDIRECTS or not location:
            return None
        return urljoin(request.url, safe_url_string(location.decode("latin-1")))


class MetaRefreshGuard(_Guard):
    def target(self, request, response) -> str | None:
        if not isinstance(response, HtmlResponse) or request.method == "HEAD":
            return None
        interval, url = get_meta_refresh(response, ignore_tags=self.ignore_tags)
        return url if url and interval < self.max_delay else None
