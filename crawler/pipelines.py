"""The glue between the crawl and the archive: bytes first, then numbers."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from scrapy.exceptions import DropItem
from twisted.internet import task

from archive.records import ATTACHMENT, DETAIL, OK, Blocked, Capture
from archive.store import Archive
from crawler import extraction

# How often the reactor writes what the pool has read and queues what was stored (seconds).
TICK_SECONDS = 0.2


@dataclass(frozen=True)
class StoredCapture:
    """A capture once its bytes and row are in the archive."""

    capture: Capture
    capture_id: int
    new: bool


class _ArchiveUser:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.path = crawler.settings.get("XXGK_ARCHIVE")
        self.run_id = crawler.settings.getint("XXGK_RUN_ID") or None
        self.archive: Archive | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.archive = Archive(self.path)

    def close_spider(self):
        self.archive.close()


class ArchivePipeline(_ArchiveUser):
    """Stores every capture's bytes and provenance before anything reads them.

    A plain ``scrapy crawl`` (no run id from `xxgk`) gets a crawl_runs row of its own.
    """

    def open_spider(self):
        super().open_spider()
        self.own_run = self.run_id is None
        if self.own_run:
            self.run_id = self.archive.start_run(f"scrapy crawl {self.crawler.spider.name}", {})

    def close_spider(self):
        if self.own_run:
            self.archive.finish_run(self.run_id, requests=self.stats.get_value("downloader/request_count", 0))
        super().close_spider()

    def process_item(self, item):
        if isinstance(item, Blocked):
            self.archive.block_host(item, self.run_id)
            return item
        if not isinstance(item, Capture):
            return item
        try:
            capture_id, new = self.archive.record_capture(item, self.run_id)
        except (OSError, sqlite3.Error) as exc:
            # Disk full, or the archive unwritable: an error of the run (counted; `xxgk` exits non-zero
            # and the run marks no report removed), never a silent loss.
            self.stats.inc_value("archive/storage_errors")
            if not self.stats.get_value("archive/storage_error"):
                self.stats.set_value("archive/storage_error", f"{type(exc).__name__}: {exc}")
            raise DropItem(f"not stored ({type(exc).__name__}: {exc}): {item.url}") from exc
        self.stats.inc_value("archive/captures_new" if new else "archive/captures_seen")
        if item.flag != OK:
            self.stats.inc_value(f"archive/{item.flag}")
        return StoredCapture(item, capture_id, new)


class ExtractPipeline(_ArchiveUser):
    """Reading documents, beside the downloads: bytes already read only mark their report seen again;
    new bytes are read by the extraction pool (``crawler.extraction``), which this pipeline ticks
    from the reactor so its outcomes are written in this process, the archive's one writer. (Bytes
    refused by a limit since raised, or whose reader crashed, are read again by the pool too.)

    Under `xxgk crawl` the run owns the pool and drains it after the last spider closes; under a
    plain ``scrapy crawl`` this pipeline drains it when the spider closes.
    """

    def open_spider(self):
        super().open_spider()
        self.feeder = extraction.feeder_for(self.path, workers=self.crawler.settings.getint("XXGK_EXTRACT_WORKERS") or None)
        if self.feeder.ticking is None:
            self.feeder.ticking = task.LoopingCall(self.feeder.tick)
            self.feeder.ticking.start(TICK_SECONDS, now=False)

    def close_spider(self):
        if not self.feeder.held:
            self.feeder.ticking.stop()
            self.feeder.drain()
            for name, value in self.feeder.counts.items():
                self.stats.set_value(f"extract/{name}", value)
            extraction.release(self.feeder)
        super().close_spider()

    def process_item(self, item):
        if not isinstance(item, StoredCapture):
            return item
        capture = item.capture
        if capture.kind not in (DETAIL, ATTACHMENT) or capture.flag != OK:
            return item
        earlier = self.archive.extraction_outcome(self.archive.capture(item.capture_id)["sha256"])
        if earlier is not None and earlier["report_id"]:
            self.archive.touch_report(earlier["report_id"], capture.fetched_at)
            self.stats.inc_value("extract/already_done")
        return item
