"""One distributed crawl, whatever the machines: its identity and its state, kept in Redis.

The first worker of a crawl creates it (``join``): an id, when it started, its command, its settings
and its registry rows. Every other worker joins that crawl and crawls its registry; the archive
writer opens (or, restarted, reopens) the archive run that carries its id, registers its sites and
dates the run from its start. So the archive of a distributed crawl is the archive a single-machine
crawl of the same registry makes: the same sites rows, agencies, report ids and run summary, and
which reports are removed never depends on when a writer started or how often.

State, in the hash ``xxgk:crawl``: ``crawling`` until the writer has stored and read everything and
the workers said they are done (the set ``xxgk:crawl:done``), then ``finished``. A worker started
after that begins a new crawl: the last one's frontier (queues, duplicate filter) is cleared first.
"""
from __future__ import annotations

import json
import os
import socket
import uuid
from datetime import datetime, timezone

import redis

CRAWL = "xxgk:crawl"  # hash: identity (JSON), state, ready (the crawl id the writer serves)
DONE = "xxgk:crawl:done"  # set of workers whose frontier is exhausted
STATS = "xxgk:crawl:stats"  # hash: requests (the workers' downloader requests)
WRITER = "xxgk:writer"  # the serving writer: who, refreshed while it runs
WORKERS = "xxgk:workers"  # set of crawl workers registered and not gone
CAPTURES = "xxgk:captures"  # list of captures and blocked hosts (messages), drained by the archive writer
WRITING = CAPTURES + ":writing"
SPIDERS = ("trs", "hanweb", "gkmlpt", "generic")
QUEUE_KEY = "xxgk:%(spider)s:requests"
DUPEFILTER_KEY = "xxgk:%(spider)s:dupefilter"
CRAWLING, FINISHED = "crawling", "finished"

# A crawl is created when there is none or the last one finished; then the last one's frontier goes.
_JOIN = """
local state = redis.call('hget', KEYS[1], 'state')
if state == false or state == 'finished' then
  for i = 2, #KEYS do redis.call('del', KEYS[i]) end
  redis.call('hset', KEYS[1], 'identity', ARGV[1], 'state', 'crawling')
  return {1, ARGV[1]}
end
return {0, redis.call('hget', KEYS[1], 'identity')}
"""


class RedisUnavailable(Exception):
    """Redis could not be reached or refused us: said in one line, never a traceback."""


def connect(url: str) -> redis.Redis:
    """A client for ``url``, checked with a PING (the password and TLS are checked there too)."""
    try:
        server = redis.Redis.from_url(url, socket_connect_timeout=10, health_check_interval=30)
        server.ping()
    except (redis.RedisError, OSError, ValueError) as exc:
        raise RedisUnavailable(_why(exc)) from None
    return server


def _why(exc: Exception) -> str:
    if isinstance(exc, redis.AuthenticationError) or "NOAUTH" in str(exc) or "WRONGPASS" in str(exc):
        return "Redis refused the password (the URL's password, redis://:PASSWORD@host)"
    from archive.redact import redact

    return redact(f"{type(exc).__name__}: {exc}")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def frontier_keys() -> list[str]:
    """Everything of a crawl besides its identity, cleared when the next crawl begins."""
    keys = [DONE, STATS, WORKERS]
    for spider in SPIDERS:
        keys += [QUEUE_KEY % {"spider": spider}, DUPEFILTER_KEY % {"spider": spider}]
    return keys


def join(server: redis.Redis, command: str, settings: dict, sites: list[dict],
         registry_problems: list[str] = ()) -> tuple[dict, bool]:
    """The crawl to work on: the one going on, or a new one of ``sites`` (and the registry rows that
    were skipped as unusable, which its summary lists). Returns (identity, created)."""
    from archive.redact import redact

    identity = {"id": uuid.uuid4().hex, "started_at": now(), "command": redact(command),
                "settings": json.loads(redact(json.dumps(settings, ensure_ascii=False, default=str))), "sites": sites,
                "registry_problems": list(registry_problems)}
    created, text = server.eval(_JOIN, 1 + len(frontier_keys()), CRAWL, *frontier_keys(),
                                json.dumps(identity, ensure_ascii=False))
    return json.loads(text), bool(created)


def current(server: redis.Redis) -> tuple[dict | None, str | None, str | None]:
    """(identity, state, the crawl id the writer is ready for) of the crawl in Redis, if any."""
    identity, state, ready = server.hmget(CRAWL, "identity", "state", "ready")
    return (json.loads(identity) if identity else None, state.decode() if state else None,
            ready.decode() if ready else None)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"
