"""Requests to a host the spider found blocked (a WAF, a challenge no browser passed) are not sent."""
from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest


class BlockedHostsMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        blocked = getattr(self.crawler.spider, "blocked_hosts", ())
        if urlsplit(request.url).hostname in blocked:
            self.crawler.stats.inc_value("xxgk/skipped_blocked_host")
            raise IgnoreRequest(f"host blocked: {request.url}")
        return None
