"""Incremental distributed recrawls: workers ask conditionally from what the archive holds.

Workers have no archive, so the writer publishes it: when it opens a crawl's run it puts, for every
URL of the crawl's sites it holds a good capture of, the capture's validators (``ETag``,
``Last-Modified``) and what rebuilds the response (its headers, final URL, redirects, the bytes'
SHA-256) in the hash ``xxgk:validators`` (a few hundred bytes a URL), then says it is ready.
A worker's request for such a URL carries ``If-None-Match`` / ``If-Modified-Since``; a ``304``
is answered with the archived bytes, which the worker asks the writer for (``xxgk:wants``; the
writer's ``BodyServer`` puts them in ``xxgk:body:<sha256>`` for two minutes): the spider parses the
page as usual and the writer recognises the same capture. Only the portal's bandwidth is saved;
the bytes cross Redis twice.
"""
from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time

from scrapy.http import Headers
from scrapy.responsetypes import responsetypes

from crawler.distributed import messages

VALIDATORS = "xxgk:validators"
WANTS = "xxgk:wants"
BODY = "xxgk:body:"
BODY_SECONDS = 120
WAIT_FOR_BODY = 30.0

logger = logging.getLogger(__name__)


# --- the writer's side --------------------------------------------------------------------------

def publish(server, db, sites: list[str]) -> int:
    """Put the validators of every URL of ``sites`` the archive holds a good capture of; return how many."""
    server.delete(VALIDATORS)
    latest: dict[str, dict] = {}
    marks = ", ".join("?" * len(sites))
    rows = db.execute(f"select url, final_url, headers, sha256, redirect_chain from captures where site in ({marks}) "
                      "and flag = 'ok' and status = 200 and sha256 is not null order by last_fetched_at, id", sites)
    for url, final_url, headers, sha256, chain in rows:
        held = json.loads(headers or "{}")
        if not (held.get("Etag") or held.get("Last-Modified")):
            continue
        entry = {"headers": held, "final_url": final_url or url, "sha256": sha256,
                 "redirect_chain": json.loads(chain or "[]")}
        latest[url] = entry
        if final_url:
            latest[final_url] = entry
    pipe = server.pipeline(transaction=False)
    for n, (url, entry) in enumerate(latest.items(), 1):
        pipe.hset(VALIDATORS, url, messages.pack("validators", entry))
        if n % 1000 == 0:
            pipe.execute()
    pipe.execute()
    return len(latest)


class BodyServer:
    """A thread of the writer: the bytes of a 304's archived response, for the worker that got it."""

    def __init__(self, server, blobs):
        self.server, self.blobs = server, blobs
        self.served = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="xxgk-body-server", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                found = self.server.blpop([WANTS], timeout=1)
                if found is None:
                    continue
                sha256 = found[1].decode("ascii", "replace")
                if not re.fullmatch(r"[0-9a-f]{64}", sha256):
                    messages.dead_letter(self.server, WANTS, found[1], "not a SHA-256")
                    continue
                try:
                    data = self.blobs.get(sha256)
                except OSError:
                    continue  # not in this archive: the worker asks again without validators
                self.server.set(BODY + sha256, data, ex=BODY_SECONDS)
                self.served += 1
            except Exception:  # noqa: BLE001 - Redis gone for a moment: the writer's loop says so; keep serving
                logger.warning("serving archived bodies: Redis error", exc_info=True)
                time.sleep(1)


# --- the worker's side --------------------------------------------------------------------------

class ConditionalFromRedis:
    """Downloader middleware of a worker (in place of ``ArchiveMiddleware``, at its position)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def server(self):
        return self.crawler.engine._slot.scheduler.server

    def _held(self, url: str) -> dict | None:
        raw = self.server.hget(VALIDATORS, url)
        if raw is None:
            return None
        try:
            kind, entry = messages.unpack(raw)
        except messages.BadMessage as exc:
            messages.dead_letter(self.server, VALIDATORS, raw, str(exc))
            return None
        return entry if kind == "validators" and isinstance(entry, dict) else None

    def process_request(self, request):
        if request.meta.get("playwright") or request.method != "GET" or request.meta.get("xxgk_unconditional"):
            return None
        held = self._held(request.url)
        if held:
            etag, modified = held["headers"].get("Etag"), held["headers"].get("Last-Modified")
            if etag:
                request.headers.setdefault("If-None-Match", etag)
            if modified:
                request.headers.setdefault("If-Modified-Since", modified)
            self.stats.inc_value("xxgk/conditional_requests")
        return None

    async def process_response(self, request, response):
        if response.status != 304 or request.meta.get("xxgk_unconditional"):
            return response
        held = self._held(request.url)
        if held is None:  # a 304 we did not ask for: keep it as the server sent it
            return response
        body = await self._body(held["sha256"])
        if body is None:  # the writer could not give the bytes: fetch them plainly
            self.stats.inc_value("xxgk/redis/body_missing")
            headers = {k: v for k, v in request.headers.items() if k not in (b"If-None-Match", b"If-Modified-Since")}
            return request.replace(headers=headers, dont_filter=True, meta={**request.meta, "xxgk_unconditional": True})
        self.stats.inc_value("xxgk/not_modified")
        if held["redirect_chain"] and not request.meta.get("redirect_urls"):
            request.meta["redirect_urls"] = held["redirect_chain"]
        headers = Headers(held["headers"])
        cls = responsetypes.from_args(headers=headers, url=held["final_url"], body=body)
        return cls(url=held["final_url"], status=200, headers=headers, body=body, request=request, flags=["not_modified"])

    async def _body(self, sha256: str) -> bytes | None:
        key = BODY + sha256
        body = self.server.get(key)
        if body is not None:
            return body
        self.server.rpush(WANTS, sha256)
        deadline = time.monotonic() + WAIT_FOR_BODY
        while time.monotonic() < deadline:
            await asyncio.sleep(0.02)
            body = self.server.get(key)
            if body is not None:
                return body
        return None
