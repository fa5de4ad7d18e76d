"""The one process that writes the archive of a distributed crawl (`xxgk archive-writer --redis URL`).

It serves one crawl at a time (``crawler.distributed.identity``): it waits for a crawl in Redis,
opens the archive run that carries the crawl's id (or reopens it, when restarted), registers the
crawl's sites, publishes what the archive holds for conditional requests
(``crawler.distributed.validators``) and says it is ready; workers start fetching then.

- **Storing.** Workers push captures to ``xxgk:captures``. The writer moves each to
  ``xxgk:captures:writing`` (BLMOVE, atomic), hands it to the single-machine crawl's writer thread
  (``crawler.store.archive_thread``: batches in one transaction, WARC copies, reports seen again)
  and removes it from ``writing`` once stored. A writer killed mid-write leaves captures in
  ``writing``; the next one stores them first. Storing is idempotent (a capture is its URL, status
  and bytes), so nothing is lost and nothing doubled. An item that is not one of ours (not a
  message, badly signed) goes to the dead-letter list, is counted as a storage error, and the writer
  goes on.
- **Reading.** The writer reads nothing: documents its archive has not read go to the readers on
  the workers' machines (``crawler.distributed.readers``), and it files their readings.
- **Ending.** When every worker said its frontier is done, nothing is queued, in flight, waiting to
  be stored or being read, the run is finished: reports of fully listed sites that no capture of
  this run holds are marked removed, the run's summary is computed as a single-machine crawl's,
  and the crawl is marked ``finished`` in Redis (workers waiting for it exit). SIGTERM and Ctrl-C
  end it as ``interrupted`` (the next writer carries the same run on).
"""
from __future__ import annotations

import itertools
import os
import queue
import signal
import socket
import time
from pathlib import Path

from archive import run_summary, warc_repair
from archive.records import Capture
from archive.store import Archive
from archive.warc import warc_folder
from crawler.distributed import identity, messages, validators
from crawler.distributed.identity import CAPTURES, WRITING
from crawler.distributed.readers import RemotePool
from crawler.store import extraction
from crawler.store.archive_thread import ArchiveThread

MAX_BACKLOG = 400  # captures handed to the writer thread and not stored yet (two of its batches)
BATCH = 100  # captures moved to ``writing`` in one round trip

# Up to ARGV[1] captures moved from the queue to ``writing``, atomically (LMOVE has no count).
_MOVE_BATCH = """
local moved = {}
for i = 1, tonumber(ARGV[1]) do
  local item = redis.call('lmove', KEYS[1], KEYS[2], 'LEFT', 'RIGHT')
  if not item then break end
  moved[i] = item
end
return moved
"""
WRITER_TTL = 30  # seconds: a writer silent this long is gone, and another may serve
DONE_FOR = 1.0  # seconds the crawl must look done before it is (a batch stored, its documents not yet sent)


class WriterBusy(Exception):
    """Another archive writer serves this Redis."""


class ArchiveWriter:
    def __init__(self, archive_path: Path, server, *, warc: bool = True, warc_max_bytes: int = 1_000_000_000,
                 say=print, progress_every: float | None = None):
        self.path = Path(archive_path)
        self.server = server
        self.warc, self.warc_max_bytes = warc, warc_max_bytes
        self.say = say
        self.progress_every = progress_every or float(os.environ.get("XXGK_PROGRESS_INTERVAL", "30"))
        self.me = f"{socket.gethostname()}:{os.getpid()}"
        self.stopping = False
        self.stored = self.storage_errors = self.dead = 0
        self.first_error: str | None = None
        self._tokens = itertools.count()
        self._taken: dict[int, bytes] = {}  # token → the raw item in ``writing``, until stored
        self._replies: queue.SimpleQueue = queue.SimpleQueue()

    # --- the writer's life ----------------------------------------------------------------------

    def serve(self, *, until_idle: float | None = None) -> dict | None:
        """Serve the crawl in Redis to its end (or SIGTERM / Ctrl-C). None when no crawl came within
        ``until_idle`` seconds; else the run's counts and summary, as ``run_crawl`` returns them."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._stop)
        self._claim()
        try:
            crawl = self._wait_for_crawl(until_idle)
            if crawl is None:
                return None
            return self._serve(crawl, until_idle)
        finally:
            if self.server.get(identity.WRITER) == self.me.encode():
                self.server.delete(identity.WRITER)

    def _claim(self) -> None:
        """Become the one writer of this Redis. A writer that was killed holds the role until its
        key expires (``WRITER_TTL``), or at once when it ran on this machine and its process is gone."""
        from archive.blobs import process_alive

        deadline = time.monotonic() + WRITER_TTL + 5
        while not self.server.set(identity.WRITER, self.me, nx=True, ex=WRITER_TTL):
            holder = (self.server.get(identity.WRITER) or b"?").decode()
            host, _, pid = holder.rpartition(":")
            if host == socket.gethostname() and pid.isdigit() and not process_alive(int(pid)):
                self.server.delete(identity.WRITER)
                continue
            if time.monotonic() > deadline or self.stopping:
                raise WriterBusy(f"another archive writer ({holder}) serves this Redis")
            time.sleep(0.5)

    def _stop(self, *_) -> None:
        self.stopping = True

    def _alive(self) -> None:
        self.server.set(identity.WRITER, self.me, ex=WRITER_TTL)

    def _wait_for_crawl(self, until_idle: float | None) -> dict | None:
        started, said = time.monotonic(), False
        while not self.stopping:
            self._alive()
            crawl, state, _ = identity.current(self.server)
            if crawl is not None and state == identity.CRAWLING:
                return crawl
            if not said:
                self.say("Archive writer: waiting for a crawl (start `xxgk crawl --sites FILE --redis URL` workers) …")
                said = True
            if until_idle is not None and time.monotonic() - started >= until_idle:
                self.say(f"Archive writer: no crawl to serve for {until_idle:g} s; nothing to do.")
                return None
            time.sleep(0.5)
        self.say("Archive writer: stopped before a crawl came; nothing stored.")
        return None

    def _serve(self, crawl: dict, until_idle: float | None) -> dict:
        started = time.monotonic()
        sites = crawl["sites"]
        self.pool = RemotePool(self.server, on_dead_letter=self._dead_letter)
        self.feeder = extraction.ExtractionFeeder(self.path, pool=self.pool,
                                                  agency_hints={str(s["id"]): s["agency"] for s in sites})
        archive = self.feeder.archive
        self.run_id, resumed = self._open_run(archive, crawl)
        # A writer killed while writing may have cut its last WARC record: truncated before anything is written.
        for torn in warc_repair.repair_unfinished_runs(archive.db, warc_folder(self.path)):
            self.say(f"Archive writer: warning: {torn}; repaired (the cut bytes kept as {torn.file.name}.torn-{torn.whole})")
        archive.register_sites(sites, self.run_id)
        published = validators.publish(self.server, archive.db, [str(s["id"]) for s in sites])
        self.server.hset(identity.CRAWL, "ready", crawl["id"])
        self.say(f"Archive writer: {'carrying on' if resumed else 'serving'} crawl {crawl['id'][:8]} "
                 f"({len(sites)} sites) as run {self.run_id} of {self.path}; "
                 f"{published} URLs' validators published for conditional requests.")
        bodies = validators.BodyServer(self.server, archive.blobs)
        self.thread = ArchiveThread(self.feeder, self._replies.put, warc=self.warc, warc_max_bytes=self.warc_max_bytes)
        for raw in self.server.lrange(WRITING, 0, -1):  # what a killed writer had taken
            self._take(raw)
        complete = self._loop(until_idle)
        self.thread.stop()  # what was handed over is stored, the WARC files closed
        self._collect()
        bodies.stop()
        return self._finish(crawl, complete, started)

    def _open_run(self, archive: Archive, crawl: dict) -> tuple[int, bool]:
        """The run of this crawl: the one a writer opened before (reopened), or a new one dated
        from the crawl's start, not the writer's."""
        found = archive.db.execute("select id from crawl_runs where json_extract(settings, '$.XXGK_CRAWL_ID') = ? "
                                   "order by id desc limit 1", [crawl["id"]]).fetchone()
        if found:
            with archive.transaction():
                archive.db.execute("update crawl_runs set status = 'running', finished_at = null, pid = ?, host = ? "
                                   "where id = ?", [os.getpid(), socket.gethostname(), found[0]])
            return found[0], True
        run_id = archive.start_run(crawl["command"], {**crawl["settings"], "XXGK_CRAWL_ID": crawl["id"]})
        with archive.transaction():
            archive.db.execute("update crawl_runs set started_at = ? where id = ?", [crawl["started_at"], run_id])
        return run_id, False

    def _loop(self, until_idle: float | None) -> bool:
        """Store and file until the crawl is done (True) or the writer is stopped (False)."""
        said = alive = time.monotonic()
        looked_done = idle_since = None
        while not self.stopping:
            if time.monotonic() - alive >= 1:
                self._alive()
                alive = time.monotonic()
            raw = None
            if len(self._taken) < MAX_BACKLOG:
                # A batch in one round trip; when there is none, wait for the next capture.
                batch = self.server.eval(_MOVE_BATCH, 2, CAPTURES, WRITING, BATCH) or []
                if not batch:
                    found = self.server.blmove(CAPTURES, WRITING, 0.2, "LEFT", "RIGHT")
                    batch = [found] if found is not None else []
                for raw in batch:
                    self._take(raw)
            else:
                time.sleep(0.05)
            self._collect()
            if time.monotonic() - said >= self.progress_every:
                self.say(self._progress())
                said = time.monotonic()
            if raw is not None:
                looked_done = idle_since = None
                continue
            if self._crawl_done():
                looked_done = looked_done or time.monotonic()
                if time.monotonic() - looked_done >= DONE_FOR:
                    return True
            else:
                looked_done = None
            if until_idle is not None and not self._worker_alive():
                idle_since = idle_since or time.monotonic()
                if time.monotonic() - idle_since >= until_idle:
                    self.say(f"Archive writer: no worker alive for {until_idle:g} s and the crawl is not done; stopping.")
                    return False
            else:
                idle_since = None
        return False

    # --- storing --------------------------------------------------------------------------------

    def _take(self, raw: bytes) -> None:
        try:
            item = messages.unpack_item(raw)
        except messages.BadMessage as exc:
            messages.dead_letter(self.server, CAPTURES, raw, str(exc))
            self.server.lrem(WRITING, 1, raw)
            self._dead_letter(f"{CAPTURES}: {exc}")
            return
        token = next(self._tokens)
        self._taken[token] = raw
        self.thread.submit(token, item, item.spider if isinstance(item, Capture) else "blocked", self.run_id)

    def _collect(self) -> None:
        """Captures the thread stored leave ``writing``; those it could not store are counted."""
        while True:
            try:
                pairs = self._replies.get_nowait()
            except queue.Empty:
                return
            done = self.server.pipeline(transaction=False)
            for token, stored in pairs:
                raw = self._taken.pop(token)
                if stored.error or stored.warc_error:
                    self.storage_errors += 1
                    self.first_error = self.first_error or stored.error or f"WARC copy: {stored.warc_error}"
                if not stored.error:
                    self.stored += 1
                    done.lrem(WRITING, 1, raw)
            done.execute()

    def _dead_letter(self, error: str) -> None:
        self.dead += 1
        self.first_error = self.first_error or f"dead-lettered: {error}"
        self.say(f"Archive writer: warning: an item that is not one of ours was dead-lettered ({error})")

    # --- where the crawl is ---------------------------------------------------------------------

    def _queued_requests(self) -> int:
        return sum(self.server.zcard(identity.QUEUE_KEY % {"spider": s}) for s in identity.SPIDERS)

    def _in_flight(self) -> int:
        return sum(self.server.hlen(key) for key in self.server.scan_iter("xxgk:inflight:*"))

    def _worker_alive(self) -> bool:
        return any(True for _ in self.server.scan_iter("xxgk:alive:*"))

    def _crawl_done(self) -> bool:
        """Every worker said its frontier is done, and nothing is queued, in flight, waiting to be
        stored or being read."""
        if self._taken or self.server.llen(CAPTURES) or self.server.llen(WRITING):
            return False
        done = self.server.smembers(identity.DONE)
        for worker in self.server.smembers(identity.WORKERS) - done:
            name = worker.decode()
            if self.server.exists(f"xxgk:alive:{name}") or self.server.hlen(f"xxgk:inflight:{name}"):
                return False  # crawling, or gone with requests a live worker will put back
            self.server.srem(identity.WORKERS, worker)  # gone, holding nothing
        if not done:
            return False
        if self._queued_requests() or self._in_flight():
            return False
        return not (self.pool.busy or self.feeder.finished)

    def _progress(self) -> str:
        waiting = self.server.llen(CAPTURES)
        read = sum(self.pool.readers.values())
        crawling = len(self.server.smembers(identity.WORKERS) - self.server.smembers(identity.DONE))
        return (f"Archive writer, run {self.run_id}: {self.stored} captures stored, {waiting} waiting in Redis; "
                f"documents: {read} read, {self.pool.running} being read; workers: {crawling} crawling, "
                f"{self.server.scard(identity.DONE)} done; {self._queued_requests()} requests queued, "
                f"{self._in_flight()} in flight.")

    # --- the end --------------------------------------------------------------------------------

    def _finish(self, crawl: dict, complete: bool, started: float) -> dict:
        archive = self.feeder.archive
        errors = self.storage_errors + self.dead
        # A run that did not see or could not store everything cannot tell a removed report from a missed one.
        removed = archive.mark_removed(self.run_id) if complete and not errors else 0
        requests = int(self.server.hget(identity.STATS, "requests") or 0)
        counts = archive.finish_run(self.run_id, requests=requests, storage_errors=errors,
                                    status="finished" if complete else "interrupted")
        sites = [{"id": str(s["id"]), "start_url": s["start_url"]} for s in crawl["sites"]]
        problems = crawl.get("registry_problems") or []
        summary = run_summary.summarize(archive.db, self.run_id, sites, interrupted=not complete, storage_errors=errors,
                                        registry_problems=problems)
        pending = extraction.count_pending(archive)
        progress = self.feeder.progress()
        self.feeder.close()
        if complete:
            self.server.hset(identity.CRAWL, "state", identity.FINISHED)
            self.server.delete(validators.VALIDATORS)
        return {"run_id": self.run_id, "removed": removed, "interrupted": not complete, "storage_error": self.first_error,
                **counts, "summary": summary, "seconds": time.monotonic() - started,
                "extracted": progress["extracted"], "pending": pending, "stored": self.stored,
                "readers": dict(self.pool.readers), "dead_letters": self.dead, "registry_problems": problems,
                "crawl": crawl["id"]}
