"""``Retry-After`` on 429 and 503 honoured, up to a cap (XXGK_RETRY_AFTER_MAX seconds).

Scrapy's RetryMiddleware retries 429/503 at once (its delay is the queue's), so a server asking
for an hour got three requests within a minute. Here the retry waits what the server asked, when
that is within the cap and retries are left; past the cap the response is kept as it is — an
``http_error`` capture whose error says what the server asked — and the crawl moves on.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import get_retry_request

_STATUSES = (429, 503)


class RetryAfterMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.cap = crawler.settings.getfloat("XXGK_RETRY_AFTER_MAX")
        self.retries = crawler.settings.getint("RETRY_TIMES")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_response(self, request, response):
        if response.status not in _STATUSES or request.meta.get("dont_retry"):
            return response
        wait = seconds_asked(response.headers.get("Retry-After"))
        if wait is None:
            return response  # no Retry-After: Scrapy's RetryMiddleware retries as usual
        if wait <= self.cap:
            retry = get_retry_request(request, spider=self.crawler.spider, reason=f"Retry-After {wait:g} s",
                                      max_retry_times=self.retries, stats_base_key="xxgk/retry_after")
            if retry is not None:
                await asyncio.sleep(wait)
                return retry
        request.meta["dont_retry"] = True
        request.meta["xxgk_note"] = (f"status {response.status} asking to retry after {wait:g} s; over the "
                                     f"{self.cap:g} s cap (XXGK_RETRY_AFTER_MAX) or out of retries: not retried")
        self.crawler.stats.inc_value("xxgk/retry_after_given_up")
        return response


def seconds_asked(value: bytes | None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max((when - datetime.now(timezone.utc)).total_seconds(), 0.0)
