"""Crawl workers on several machines sharing one frontier in Redis (`xxgk crawl --redis URL`).

scrapy-redis gives the shared parts: its ``Scheduler`` keeps each spider's request queue in Redis
and its ``RFPDupeFilter`` the fingerprints of every request any worker has queued, so each URL is
fetched by one worker. Requests are queued as data (``crawler.distributed.messages``, its
``SCHEDULER_SERIALIZER``), never pickles. What scrapy-redis does not give, and is added here:

- **No lost requests.** A request a worker has taken is also kept in that worker's in-flight hash
  (``xxgk:inflight:<worker>``) until its response has been parsed (the links it found queued, its
  capture pushed) or it failed. Every worker refreshes a heartbeat key; any worker, finding a
  registered worker whose heartbeat has expired (killed, machine gone), puts that worker's
  in-flight requests back on the queue. (A task queue would give this too, but not Scrapy's
  priorities nor its scheduler's pull; the readers use one: ``crawler.distributed.readers``.)
- **Fair sharing.** A worker holds at most ``XXGK_REDIS_MAX_INFLIGHT`` requests in flight; the rest
  of the queue is for the others.
- **No early stop.** A worker with nothing to do stays up while any request is queued or in flight
  anywhere: another worker's page may still add links.
- **One writer.** Workers never open the SQLite archive: every capture (its bytes included) is
  pushed to the Redis list ``xxgk:captures``, which one ``xxgk archive-writer`` drains
  (``crawler.distributed.writer``); and documents are read by the workers' reader threads.
- **One crawl.** The first worker creates the crawl's identity in Redis, the others join it
  (``crawler.distributed.identity``); each waits for the writer to serve that crawl before its
  first request, and after its last one keeps reading until the writer says the crawl is finished.

The spiders are the ones of a single-machine crawl (their ``async def start()`` yields the sites'
columns; a column another worker queued first is filtered as a duplicate), and so is every
politeness setting — per worker: two workers on one portal double its request rate, so lower
``CONCURRENT_REQUESTS_PER_DOMAIN`` or give workers different sites when that matters.
"""
from __future__ import annotations

import signal
import time
import warnings

import redis
from scrapy import Request, signals
from scrapy.exceptions import DontCloseSpider
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from archive.records import Blocked, Capture
from crawler.distributed import identity, messages
from crawler.distributed.identity import CAPTURES, WORKERS, worker_name

HEARTBEAT_SECONDS = 2.0
POLL_SECONDS = 0.25
INFLIGHT = "xxgk_inflight"  # request meta: the in-flight key the request was taken under
WAIT_LINE_SECONDS = 30.0  # how often a waiting worker says what it waits for

# Pop the best request of a scrapy-redis priority queue (a sorted set) into a worker's in-flight
# hash, atomically, unless the worker holds its share already; its key there is
# "<spider>:<sha1 of the serialized request>".
_TAKE = """
if redis.call('hlen', KEYS[2]) >= tonumber(ARGV[2]) then return false end
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


def _alive_key(worker: str) -> str:
    return f"xxgk:alive:{worker}"


def _inflight_key(worker: str) -> str:
    return f"xxgk:inflight:{worker}"


class ReliableScheduler(Scheduler):
    """scrapy-redis's scheduler, keeping what this worker took until it is done (see the module)."""

    def open(self, spider):
        super().open(spider)
        self.worker = worker_name()
        settings = spider.crawler.settings
        self.ttl = int(settings.getfloat("XXGK_REDIS_WORKER_TTL", 15))
        self.max_inflight = settings.getint("XXGK_REDIS_MAX_INFLIGHT") or settings.getint("CONCURRENT_REQUESTS")
        self.server.sadd(WORKERS, self.worker)
        self._beat()
        self.heartbeat = task.LoopingCall(self._beat)
        self.heartbeat.start(HEARTBEAT_SECONDS, now=False)
        # Scrapy asks an idle engine for requests every 5 s only; meanwhile a busy worker, asking as
        # each response arrives, would take all the new links. So look at the queue more often.
        self.poll = task.LoopingCall(self._poll)
        self.poll.start(POLL_SECONDS, now=False)
        spider.crawler.signals.connect(self._idle, signal=signals.spider_idle)

    def close(self, reason):
        for loop in (self.heartbeat, self.poll):
            if loop.running:
                loop.stop()
        if reason == "finished":  # nothing of ours left in flight: say goodbye
            self.server.delete(_inflight_key(self.worker), _alive_key(self.worker))
            self.server.srem(WORKERS, self.worker)
        return super().close(reason)

    def next_request(self):
        # Taken from the queue and kept in flight in one step: a worker killed in between loses nothing.
        found = self.server.eval(_TAKE, 2, self.queue.key, _inflight_key(self.worker), f"{self.spider.name}:",
                                 self.max_inflight)
        if not found:
            return None
        key, data = found
        try:
            request = self.queue._decode_request(data)
        except (messages.BadMessage, ValueError, TypeError, KeyError, AttributeError) as exc:
            # Not one of ours (a crafted item, another version's): kept aside and counted, never run.
            messages.dead_letter(self.server, self.queue.key, data, f"{type(exc).__name__}: {exc}"[:300])
            self.server.hdel(_inflight_key(self.worker), key)
            self.spider.logger.warning("a request that is not one of ours was dead-lettered (%s)", exc)
            self.stats.inc_value("xxgk/redis/dead_letters")
            return None
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
            # A worker at its share took nothing meanwhile: ask for the next request now, not at
            # the engine's next heartbeat (seconds away).
            slot = self.spider.crawler.engine._slot
            if slot is not None:
                slot.nextcall.schedule()

    def _poll(self) -> None:
        slot = self.spider.crawler.engine._slot
        if slot is not None and self.server.zcard(self.queue.key):
            slot.nextcall.schedule()

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
                try:
                    priority = self.queue.serializer.loads(data).get("priority", 0)
                except (messages.BadMessage, AttributeError) as exc:
                    messages.dead_letter(self.server, self.queue.key, data, f"{type(exc).__name__}: {exc}"[:300])
                else:
                    self.server.zadd(self.queue.key, {data: -priority})  # as it was queued, undecoded
                    moved += 1
                self.server.hdel(_inflight_key(worker), key)
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
    """Hand a capture (bytes and provenance) or a blocked host to the archive writer, as data."""
    if isinstance(item, (Capture, Blocked)):
        server = crawler.engine._slot.scheduler.server
        server.rpush(CAPTURES, messages.pack_item(item))
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


_REDIS_URL = ""  # this worker's Redis (one crawl per process), for scrapy-redis's scheduler and dupefilter


def crawl_redis(**params):
    """scrapy-redis's client factory (``REDIS_PARAMS["redis_cls"]``): this worker's Redis."""
    params.pop("url", None)
    return redis.Redis.from_url(_REDIS_URL, **params)


def worker_settings(redis_url: str) -> dict:
    """What turns a crawl into a worker: the Redis scheduler and dupefilter, no archive."""
    from crawler import settings as base

    middlewares = {k: v for k, v in base.DOWNLOADER_MIDDLEWARES.items()
                   if k != "crawler.fetch.archive_middleware.ArchiveMiddleware"}  # no local archive to ask
    global _REDIS_URL
    _REDIS_URL = redis_url
    return {
        # Not REDIS_URL: Scrapy logs its settings at INFO, and the URL may hold a password.
        "REDIS_PARAMS": {"redis_cls": "crawler.distributed.worker.crawl_redis"},
        "SCHEDULER": "crawler.distributed.worker.ReliableScheduler",
        "SCHEDULER_SERIALIZER": "crawler.distributed.messages",  # data, never pickles
        "SCHEDULER_QUEUE_KEY": identity.QUEUE_KEY,
        "SCHEDULER_DUPEFILTER_KEY": identity.DUPEFILTER_KEY,
        "DUPEFILTER_KEY": identity.DUPEFILTER_KEY,
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # the frontier outlives any one worker
        "SCHEDULER_IDLE_BEFORE_CLOSE": 0,
        "ITEM_PIPELINES": {"crawler.distributed.worker.RedisCapturePipeline": 100},
        "SPIDER_MIDDLEWARES": {"crawler.distributed.worker.InflightDone": 1},
        "DOWNLOADER_MIDDLEWARES": {**middlewares, "crawler.distributed.validators.ConditionalFromRedis": 900,
                                   "crawler.distributed.worker.InflightFailed": 1},
    }


class Stopped(Exception):
    """SIGTERM or Ctrl-C while the worker waited (before its first request or after its last)."""


def _say(text: str) -> None:
    print(f"xxgk crawl (worker {worker_name()}): {text}", flush=True)


def _wait(what: str, ready, every: float = WAIT_LINE_SECONDS, poll: float = 0.5) -> None:
    """Wait until ``ready()`` returns true, saying what is awaited every ``every`` seconds."""
    said = None
    while True:
        status = ready()
        if status is True:
            return
        if said is None or time.monotonic() - said >= every:
            _say(f"{what}{': ' + status if isinstance(status, str) else ''}")
            said = time.monotonic()
        time.sleep(poll)


def run_worker(sites, redis_url: str, overrides: dict | None = None, *, command: str, readers: int,
               registry_problems: list[str] = ()) -> dict:
    """One worker of a distributed crawl: join (or start) the crawl in Redis, wait for its writer,
    crawl with the others, then read documents until the writer says the crawl is finished.
    Returns what it did; raises ``identity.RedisUnavailable`` (one line) or ``Stopped``."""
    from collections import defaultdict
    from dataclasses import replace

    from scrapy.settings import Settings

    from crawler import settings as default_settings
    from crawler.distributed.readers import Readers
    from crawler.run import SPIDERS, _Process, _spider_platform, quiet_expected_faults, settings_snapshot
    from crawler.sites import Site

    server = identity.connect(redis_url)
    rows = [{**s.extra, "id": s.id, "agency": s.agency, "start_url": s.start_url, "platform": s.platform} for s in sites]
    crawl, created = identity.join(server, command, settings_snapshot(sites, overrides), rows, list(registry_problems))
    if not created and sorted(r["id"] for r in crawl["sites"]) != sorted(r["id"] for r in rows):
        _say(f"joining crawl {crawl['id'][:8]} of {len(crawl['sites'])} sites (its registry, not --sites)")
    sites = [Site(str(r["id"]), r["agency"], r["start_url"], r["platform"],
                  {k: v for k, v in r.items() if k not in ("id", "agency", "start_url", "platform")}) for r in crawl["sites"]]

    def stop(*_):
        raise Stopped()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        def writer_ready():
            found, state, ready = identity.current(server)
            if found is None or found["id"] != crawl["id"] or state == identity.FINISHED:
                return True  # the crawl ended meanwhile: nothing left to wait for
            if ready == crawl["id"]:
                return True
            return "it is opening the run" if server.exists(identity.WRITER) else \
                "no writer yet: start `xxgk archive-writer` on the archive's machine"

        _wait(f"waiting for the archive writer to open crawl {crawl['id'][:8]}", writer_ready)
    except KeyboardInterrupt:
        raise Stopped() from None
    finally:
        signal.signal(signal.SIGTERM, previous)
    reading = Readers(server, readers) if readers else None
    if reading:
        reading.start()
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.update(worker_settings(redis_url), priority="project")
    settings.update(overrides or {}, priority="cmdline")
    by_platform = defaultdict(list)
    for site in sites:
        by_platform[_spider_platform(site)].append(replace(site, platform=_spider_platform(site)))
    quiet_expected_faults()
    # scrapy-redis still calls the deprecated Spider.log once a spider opens: not the operator's concern.
    warnings.filterwarnings("ignore", message=r"Spider\.log\(\) is deprecated")
    process = _Process(settings)
    crawlers = []
    for platform, group in by_platform.items():
        if platform in SPIDERS:
            crawler = process.create_crawler(SPIDERS[platform])
            crawlers.append(crawler)
            process.crawl(crawler, sites=group)
    _say(f"crawl {crawl['id'][:8]}: {len(sites)} sites; {readers} reader(s) in this process")
    if crawlers:
        process.start()
    total = lambda name: sum(c.stats.get_value(name, 0) for c in crawlers)  # noqa: E731
    done = {"crawl": crawl["id"], "requests": total("downloader/request_count"),
            "pushed": total("xxgk/redis/captures_pushed"), "requeued": total("xxgk/redis/requeued"),
            "dead_letters": total("xxgk/redis/dead_letters"), "read": 0, "interrupted": process.signalled}
    server.hincrby(identity.STATS, "requests", done["requests"])
    if not process.signalled:
        server.sadd(identity.DONE, worker_name())
    try:
        if not process.signalled:
            signal.signal(signal.SIGTERM, stop)
            _wait("frontier done; reading documents until the writer finishes the crawl",
                  lambda: _crawl_finished(server, crawl["id"], reading))
    except (KeyboardInterrupt, Stopped):
        done["interrupted"] = True
    finally:
        if reading:
            reading.stop()
            done["read"] = reading.read
    return done


def _crawl_finished(server, crawl_id: str, reading) -> bool | str:
    found, state, _ = identity.current(server)
    if found is None or found["id"] != crawl_id or state == identity.FINISHED:
        return True
    waiting = server.llen(CAPTURES) + server.llen(identity.WRITING)
    writer = server.get(identity.WRITER)
    parts = [f"{waiting} captures not stored yet" if waiting else "every capture stored"]
    if reading:
        parts.append(f"{reading.read} documents read here, {reading.waiting()} waiting")
    if writer is None:
        parts.append("no archive writer is running")
    return "; ".join(parts)
