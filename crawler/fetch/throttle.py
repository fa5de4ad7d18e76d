"""AutoThrottle that learns from 304 Not Modified answers too.

Scrapy's AutoThrottle never lets a non-200 response shorten the delay (error pages are small and
fast, and would speed the crawl up against a struggling server). A 304 is no error: the server did
check the page for us and answered. On a recrawl almost every answer is a 304, so without this the
delay would stay at its starting value and an unchanged recrawl would be slower than the first one.
"""
from __future__ import annotations

from scrapy.extensions.throttle import AutoThrottle


class RecrawlAutoThrottle(AutoThrottle):
    def _adjust_delay(self, slot, latency: float, response) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)
