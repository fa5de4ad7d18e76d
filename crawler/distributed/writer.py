"""The one process that writes the archive of a distributed crawl (`xxgk archive-writer --redis URL`).

Workers (``crawler.distributed.worker``) push captures to the Redis list ``xxgk:captures``. The writer
moves one at a time to ``xxgk:captures:writing`` (BLMOVE, atomic), stores it — bytes first, as in a
single-machine crawl — and only then removes it there. A writer killed mid-write leaves the
capture in ``writing``; the next writer stores what it finds there first. Storing is idempotent
(a capture is identified by its URL, status and bytes), so nothing is lost and nothing doubled.

The writer also reads what it stored: its extraction pool (``crawler.store.extraction``) is fed from
the archive as in a single-machine crawl, and it writes the WARC copy of each capture.
"""
from __future__ import annotations

import pickle
import signal
import time
from pathlib import Path

import redis

from archive.records import ATTACHMENT, DETAIL, OK, Blocked, Capture
from archive.store import Archive
from crawler.store import extraction
from crawler.distributed.worker import CAPTURES, WORKERS, _alive_key

WRITING = CAPTURES + ":writing"


class ArchiveWriter:
    def __init__(self, archive_path: Path, redis_url: str, *, workers: int | None = None, warc: bool = True,
                 warc_max_bytes: int = 1_000_000_000):
        self.path = Path(archive_path)
        self.server = redis.Redis.from_url(redis_url)
        self.archive = Archive(self.path)
        command = f"xxgk archive-writer --redis {redis_url}"
        self.run_id = self.archive.start_run(command, {"redis": redis_url})
        self.feeder = extraction.ExtractionFeeder(self.path, workers=workers)
        self.stored = 0
        self.stopping = False
        self.warc = None
        if warc:
            from archive.warc import WarcFiles, warc_folder, warcinfo

            run = self.archive.db["crawl_runs"].get(self.run_id)
            self.warc = WarcFiles(warc_folder(self.path), f"r{self.run_id:05d}-redis", warcinfo(run, run["settings"]),
                                  warc_max_bytes)

    def run(self, *, until_idle: float | None = None) -> dict:
        """Store captures until stopped (SIGTERM/SIGINT) or, with ``until_idle``, until captures were
        stored and then no worker has been alive, nothing queued and nothing extracting for that many
        seconds."""
        signal.signal(signal.SIGTERM, self._stop)
        idle_since = None
        for data in self.server.lrange(WRITING, 0, -1):  # what a killed writer had taken
            self._store(data)
        while not self.stopping:
            data = self.server.blmove(CAPTURES, WRITING, 0.5, "LEFT", "RIGHT")
            if data is not None:
                self._store(data)
                idle_since = None
            self.feeder.tick()
            if until_idle is not None and data is None:
                if self._crawl_over() and not (self.feeder.pool.busy or self.feeder.finished):
                    idle_since = idle_since or time.monotonic()
                    if time.monotonic() - idle_since >= until_idle:
                        break
                else:
                    idle_since = None
        return self.finish(complete=not self.stopping)

    def finish(self, *, complete: bool) -> dict:
        self.feeder.drain()
        if self.warc is not None:
            self.warc.close()
        removed = self.archive.mark_removed(self.run_id) if complete else 0
        counts = self.archive.finish_run(self.run_id, requests=self.stored,
                                         status="finished" if complete else "interrupted")
        progress = self.feeder.progress()
        self.feeder.close()
        self.archive.close()
        return {"run_id": self.run_id, "removed": removed, **counts, "extracted": progress["extracted"],
                "pending": 0, "stored": self.stored}

    def _stop(self, *_) -> None:
        self.stopping = True

    def _crawl_over(self) -> bool:
        """Work was done, no worker is alive and no request waits: the frontier is exhausted."""
        for worker in self.server.smembers(WORKERS):
            if self.server.exists(_alive_key(worker.decode())):
                return False
        return self.stored > 0 and not any(self.server.zcard(key) for key in self.server.scan_iter("*:requests"))

    def _store(self, data: bytes) -> None:
        item = pickle.loads(data)  # from our own workers, through our own Redis
        if isinstance(item, Blocked):
            self.archive.block_host(item, self.run_id)
        elif isinstance(item, Capture):
            capture_id, new = self.archive.record_capture(item, self.run_id)
            if item.kind in (DETAIL, ATTACHMENT) and item.flag == OK:
                self._seen_again(capture_id, item)
            if self.warc is not None and (item.wire or item.rendered):
                self._write_warc(item, capture_id)
        self.server.lrem(WRITING, 1, data)
        self.stored += 1

    def _seen_again(self, capture_id: int, item: Capture) -> None:
        """Bytes already read: their report was seen again (the pool reads new bytes on its own)."""
        earlier = self.archive.extraction_outcome(self.archive.capture(capture_id)["sha256"])
        if earlier is not None and earlier["report_id"]:
            self.archive.touch_report(earlier["report_id"], item.fetched_at)

    def _write_warc(self, item: Capture, capture_id: int) -> None:
        from archive.warc import earlier_record, note_written

        row = self.archive.capture(capture_id)
        final_status = item.wire[-1]["status"] if item.wire else None
        written = self.warc.write(item, row["sha256"], earlier_record(self.archive.db, row, final_status))
        if written is not None:
            self.warc.flush()  # on disk before the pointer to it is committed
            note_written(self.archive.db, capture_id, written)
