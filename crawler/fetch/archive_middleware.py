"""Fetch only what changed, and resume an interrupted crawl, from the archive's own record.

- Conditional requests: a URL the archive already holds goes out with ``If-None-Match`` /
  ``If-Modified-Since`` from its last good capture; a ``304`` is answered with the archived bytes,
  so the spider parses as usual and the archive sees the same capture again (nothing new stored).
- Resume: Scrapy's JOBDIR does not survive ``kill -9`` (its queue index is written on a clean close
  only), but every capture is committed as it arrives. A run that carries on an interrupted one
  re-reads listings (they are the frontier) and serves report pages and attachments that the
  interrupted run already captured from the archive, without the network.
"""
from __future__ import annotations

from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from archive.records import ATTACHMENT, DETAIL
from archive.store import Archive


class ArchiveMiddleware:
    def __init__(self, crawler):
        self.stats = crawler.stats
        self.archive = Archive(crawler.settings.get("XXGK_ARCHIVE"))
        run_id = crawler.settings.getint("XXGK_RUN_ID") or None
        self.resumed = self.archive.resumed_runs(run_id) if run_id else []

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request):
        if request.meta.get("playwright") or request.method != "GET":
            return None
        if self.resumed and request.meta.get("kind") in (DETAIL, ATTACHMENT):
            done = self.archive.archived_response(request.url, self.resumed)
            if done:
                self.stats.inc_value("xxgk/resumed_from_archive")
                return self._from_archive(request, done, "archived")
        held = self.archive.archived_response(request.url)
        if held:
            etag, modified = held["headers"].get("Etag"), held["headers"].get("Last-Modified")
            if etag:
                request.headers.setdefault("If-None-Match", etag)
            if modified:
                request.headers.setdefault("If-Modified-Since", modified)
            if etag or modified:
                self.stats.inc_value("xxgk/conditional_requests")
        return None

    def process_response(self, request, response):
        if response.status != 304:
            return response
        held = self.archive.archived_response(request.url)
        if held is None:  # a 304 we did not ask for: keep it as the server sent it
            return response
        self.stats.inc_value("xxgk/not_modified")
        return self._from_archive(request, held, "not_modified")

    def _from_archive(self, request, capture: dict, flag: str):
        """The archived response, shaped so the archive recognises it as the same capture."""
        if capture["redirect_chain"] and not request.meta.get("redirect_urls"):
            request.meta["redirect_urls"] = capture["redirect_chain"]
        body = self.archive.blobs.get(capture["sha256"])
        headers = Headers(capture["headers"])
        cls = responsetypes.from_args(headers=headers, url=capture["final_url"], body=body)
        return cls(url=capture["final_url"], status=200, headers=headers, body=body, request=request, flags=[flag])
