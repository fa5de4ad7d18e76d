"""Crawl workers on several machines sharing one frontier in Redis (`xxgk crawl --redis URL`).

scrapy-redis gives the shared parts: its ``Scheduler`` keeps each spider's request queue in Redis
and its ``RFPDupeFilter`` the fingerprints of every request any worker has queued, so each URL is
fetched by one worker. What it does not give, and is added here:

- **No lost requests.** A request a worker has taken is also kept in that worker's in-flight hash
  (``xxgk:inflight:<worker>``) until its response has been parsed (the links it found queued, its
  capture pushed) or it failed. Every worker refreshes a heartbeat key; any worker, finding a
  registered worker whose heartbeat has expired (killed, machine gone), puts that worker's
  in-flight requests back on the queue.
- **No early stop.** A worker with nothing to do stays up while any request is queued or in flight
  anywhere: another worker's page may still add links.
- **One writer.** Workers never open the SQLite archive: every capture (its bytes included) is
  pushed to the Redis list ``xxgk:captures``, which one ``xxgk archive-writer`` drains
  (``crawler.distributed.writer``).

The spiders are the ones of a single-machine crawl (their ``async def start()`` yields the sites'
columns; a column another worker queued first is filtered as a duplicate), and so is every
politeness setting — per worker: two workers on one portal double its request rate, so lower
``CONCURRENT_REQUESTS_PER_DOMAIN`` or give workers different sites when that matters.
"""
from __future__ import annotations

import os
import pickle
import socket

from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from archive.records import Blocked, Capture

CAPTURES = "xxgk:captures"  # list of pickled Capture / Blocked, drained by the archive writer
WORKERS = "xxgk:workers"  # set of worker ids that ever registered and have not said goodbye
HEARTBEAT_SECONDS = 2.0
INFLIGHT = "xxgk_inflight"  # request meta: the in-flight key the request was taken under

# Pop the best request of a scrapy-redis priority queue (a sorted set) into a worker's in-flight
# hash, atomically; its key there is "<spider>:<sha1 of the serialized request>".
_TAKE = """
local found = redis.call('zrange', KEYS[1], 0, 0)
if not found[1] then return false end
redis.call('zremrangebyrank', KEYS[1], 0, 0)
local key = ARGV[1] .. redis.sha1hex(found[1])
redis.call('hset', KEYS[2], key, found[1])
return {key, found[1]}
"""

# scrapy-redis's dupefilter check (a set of fingerprints) and queue push (a sorted set), as one step.
_QUEUE = """
if redis.call('sadd', KEYS[1], ARGV[1]) == 0 and ARGV[2] == '0' then return 0 end
redis.call('zadd', KEYS[2], ARGV[3], ARGV[4])
return 1
"""


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive_key(worker: str) -> str:
    return f"xxgk:alive:{worker}"


def _inflight_key(worker: str) -> str:
    return f"xxgk:inflight:{worker}"


class ReliableScheduler(Scheduler):
    """scrapy-redis's scheduler, keeping what this worker took until it is done (see the module)."""

    def open(self, spider):
        super().open(spider)
        self.worker = worker_id()
        self.ttl = int(spider.crawler.settings.getfloat("XXGK_REDIS_WORKER_TTL", 15))
        self.server.sadd(WORKERS, self.worker)
        self._beat()
        self.heartbeat = task.LoopingCall(self._beat)
        self.heartbeat.start(HEARTBEAT_SECONDS, now=False)
        spider.crawler.signals.connect(self._idle, signal=signals.spider_idle)

    def close(self, reason):
        if self.heartbeat.running:
            self.heartbeat.stop()
        if reason == "finished":  # nothing of ours left in flight: say goodbye
            self.server.delete(_inflight_key(self.worker), _alive_key(self.worker))
            self.server.srem(WORKERS, self.worker)
        return super().close(reason)

    def next_request(self):
        # Taken from the queue and kept in flight in one step: a worker killed in between loses nothing.
        found = self.server.eval(_TAKE, 2, self.queue.key, _inflight_key(self.worker), f"{self.spider.name}:")
        if not found:
            return None
        key, data = found
        request = self.queue._decode_request(data)
        request.meta[INFLIGHT] = key.decode()
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def enqueue_request(self, request):
        # A redirect or retry of a request taken from the queue replaces it: once the new one is
        # queued (or found a duplicate), the old one is done.
        replaced = request.meta.pop(INFLIGHT, None)
        # Marked seen and queued in one step: a worker killed in between would leave a request
        # seen (so filtered when its page is fetched again) and never queued.
        queued = bool(self.server.eval(_QUEUE, 2, self.df.key, self.queue.key, self.df.request_fingerprint(request),
                                       int(request.dont_filter), -request.priority, self.queue._encode_request(request)))
        if queued and self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        if not queued:
            self.df.log(request, self.spider)
        if replaced:
            self.server.hdel(_inflight_key(self.worker), replaced)
        return queued

    def done(self, request) -> None:
        key = request.meta.get(INFLIGHT)
        if key:
            self.server.hdel(_inflight_key(self.worker), key)

    def _beat(self) -> None:
        self.server.set(_alive_key(self.worker), "1", ex=self.ttl)
        self.requeue_dead()

    def requeue_dead(self) -> int:
        """Put back the in-flight requests of workers whose heartbeat expired; return how many."""
        moved = 0
        for worker in self.server.smembers(WORKERS):
            worker = worker.decode() if isinstance(worker, bytes) else worker
            if worker == self.worker or self.server.exists(_alive_key(worker)):
                continue
            if not self.server.set(f"xxgk:reaping:{worker}", self.worker, nx=True, ex=60):
                continue  # another worker is on it
            for key, data in self.server.hgetall(_inflight_key(worker)).items():
                key = key.decode() if isinstance(key, bytes) else key
                if key.split(":", 1)[0] != self.spider.name:
                    continue  # another spider's request: its own scheduler puts it back
                self.queue.push(self.queue._decode_request(data))
                self.server.hdel(_inflight_key(worker), key)
                moved += 1
            if not self.server.hlen(_inflight_key(worker)):
                self.server.srem(WORKERS, worker)
            self.server.delete(f"xxgk:reaping:{worker}")
        if moved:
            self.spider.logger.warning("put back %d requests of workers that stopped answering", moved)
            self.stats.inc_value("xxgk/redis/requeued", moved)
        return moved

    def _idle(self, spider) -> None:
        """Stay up while anything is queued or in flight anywhere (another worker may add links)."""
        self.requeue_dead()
        if len(self.queue):
            raise DontCloseSpider("requests queued in Redis")
        # Idle here means nothing of ours is in progress: an entry of ours left over is stale.
        mine = [k for k in self.server.hkeys(_inflight_key(self.worker)) if k.decode().startswith(f"{spider.name}:")]
        if mine:
            self.server.hdel(_inflight_key(self.worker), *mine)
        for worker in self.server.smembers(WORKERS):
            worker = worker.decode() if isinstance(worker, bytes) else worker
            if any(k.decode().startswith(f"{spider.name}:") for k in self.server.hkeys(_inflight_key(worker))):
                raise DontCloseSpider("requests in flight on another worker")


def _mark_done(crawler, request) -> None:
    scheduler = crawler.engine._slot.scheduler
    if isinstance(scheduler, ReliableScheduler):
        scheduler.done(request)


class InflightDone:
    """Spider middleware: what a response gave is handed over here, in order — links queued in
    Redis, captures pushed to the writer — and only then does its request leave the in-flight hash.
    (Passed on, they would be processed concurrently, some after the request was marked done.)"""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_spider_output_async(self, response, result):
        async for item in result:
            self._hand_over(item)
        _mark_done(self.crawler, response.request)
        return
        yield  # an async generator that yields nothing: everything was handed over

    def process_spider_output(self, response, result):
        for item in result:
            self._hand_over(item)
        _mark_done(self.crawler, response.request)
        yield from ()

    def _hand_over(self, item) -> None:
        if isinstance(item, Request):
            self.crawler.engine.crawl(item)
        elif item is not None:
            push_capture(self.crawler, item)


class InflightFailed:
    """Downloader middleware: a request that got no response (refused, robots.txt, a blocked host)
    is done too; its errback records the failure."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_exception(self, request, exception):
        _mark_done(self.crawler, request)
        return None


def push_capture(crawler, item) -> None:
    """Hand a capture (bytes and provenance) or a blocked host to the archive writer."""
    if isinstance(item, (Capture, Blocked)):
        server = crawler.engine._slot.scheduler.server
        server.rpush(CAPTURES, pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))
        crawler.stats.inc_value("xxgk/redis/captures_pushed")


class RedisCapturePipeline:
    """The worker's pipeline: captures an errback made (no response) go to the writer like the rest."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        push_capture(self.crawler, item)
        return item


def worker_settings(redis_url: str) -> dict:
    """What turns a crawl into a worker: the Redis scheduler and dupefilter, no archive."""
    from crawler import settings as base

    middlewares = {k: v for k, v in base.DOWNLOADER_MIDDLEWARES.items()
                   if k != "crawler.fetch.archive_middleware.ArchiveMiddleware"}  # no local archive to ask
    return {
        "REDIS_URL": redis_url,
        "SCHEDULER": "crawler.distributed.worker.ReliableScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # the frontier outlives any one worker
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
        "ITEM_PIPELINES": {"crawler.distributed.worker.RedisCapturePipeline": 100},
        "SPIDER_MIDDLEWARES": {"crawler.distributed.worker.InflightDone": 1},
        "DOWNLOADER_MIDDLEWARES": {**middlewares, "crawler.distributed.worker.InflightFailed": 1},
    }


def run_worker(sites, redis_url: str, overrides: dict | None = None) -> dict:
    """Crawl ``sites`` as one worker of a distributed crawl; return what it fetched and pushed."""
    from collections import defaultdict
    from dataclasses import replace

    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler import settings as default_settings
    from crawler.run import SPIDERS, _spider_platform

    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.update(worker_settings(redis_url), priority="project")
    settings.update(overrides or {}, priority="cmdline")
    by_platform = defaultdict(list)
    for site in sites:
        by_platform[_spider_platform(site)].append(replace(site, platform=_spider_platform(site)))
    process = CrawlerProcess(settings, install_root_handler=True)
    crawlers = []
    for platform, group in by_platform.items():
        if platform in SPIDERS:
            crawler = process.create_crawler(SPIDERS[platform])
            crawlers.append(crawler)
            process.crawl(crawler, sites=group)
    if crawlers:
        process.start()
    total = lambda name: sum(c.stats.get_value(name, 0) for c in crawlers)  # noqa: E731
    return {"requests": total("downloader/request_count"), "pushed": total("xxgk/redis/captures_pushed"),
            "requeued": total("xxgk/redis/requeued")}
