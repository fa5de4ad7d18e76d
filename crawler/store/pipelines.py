"""The glue between the crawl and the archive: bytes first, then numbers.

Every capture goes to the archive's writer process (``crawler.store.archive_process``), which stores its
bytes, its row and its WARC copy; the pipeline returns the capture once it is stored. Documents are
read beside the downloads by the extraction pool, fed from the archive (``crawler.store.extraction``),
which the same process runs and whose outcomes it writes.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

from scrapy.exceptions import DropItem

from archive.records import OK, Blocked, Capture
from archive.store import Archive
from crawler.store import archive_process


@dataclass(frozen=True)
class StoredCapture:
    """A capture once its bytes and row are in the archive."""

    capture: Capture
    capture_id: int
    new: bool


class ArchivePipeline:
    """Stores every capture's bytes and provenance before anything reads them.

    A plain ``scrapy crawl`` (no run id from `xxgk`) gets a crawl_runs row of its own, and drains
    the extraction pool when its spider closes; under `xxgk crawl` the run drains it after the last
    spider closed.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.path = crawler.settings.get("XXGK_ARCHIVE")
        self.run_id = crawler.settings.getint("XXGK_RUN_ID") or None
        self.writer: archive_process.ArchiveProcess | None = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.own_run = self.run_id is None
        if self.own_run:
            archive = Archive(self.path)
            self.run_id = archive.start_run(f"scrapy crawl {self.crawler.spider.name}", {})
            archive.close()
        settings = self.crawler.settings
        self.writer = archive_process.open_writer(self.path, workers=settings.getint("XXGK_EXTRACT_WORKERS") or None,
                                                  warc=settings.getbool("XXGK_WARC_ENABLED", True),
                                                  warc_max_bytes=settings.getint("XXGK_WARC_MAX_BYTES"))

    def close_spider(self):
        if archive_process.release(self.writer) and not self.writer.held:
            finished = self.writer.finish(drain=True, drain_seconds=self.crawler.settings.getfloat("XXGK_DRAIN_TIMEOUT"))
            for name, value in finished["counts"].items():
                self.stats.set_value(f"extract/{name}", value)
            if finished.get("error"):
                self._storage_error(finished["error"])
        if self.own_run:
            archive = Archive(self.path)
            archive.finish_run(self.run_id, requests=self.stats.get_value("downloader/request_count", 0))
            archive.close()

    async def process_item(self, item):
        if not isinstance(item, (Capture, Blocked)):
            return item
        stored = await asyncio.wrap_future(self.writer.submit(item, self.crawler.spider.name, self.run_id))
        if isinstance(item, Blocked):
            return item
        if stored.error:
            # Disk full, or the archive unwritable: an error of the run (counted; `xxgk` exits non-zero
            # and the run marks no report removed), never a silent loss.
            self._storage_error(stored.error)
            raise DropItem(f"not stored ({stored.error}): {item.url}")
        self.stats.inc_value("archive/captures_new" if stored.new else "archive/captures_seen")
        if item.flag != OK:
            self.stats.inc_value(f"archive/{item.flag}")
        if stored.warc:
            self.stats.inc_value(f"warc/{stored.warc}")
        if stored.warc_error:
            self._storage_error(f"WARC copy: {stored.warc_error}")
        if stored.seen_again:
            self.stats.inc_value("extract/already_done")
        return StoredCapture(item, stored.capture_id, stored.new)

    def _storage_error(self, message: str) -> None:
        self.stats.inc_value("archive/storage_errors")
        if not self.stats.get_value("archive/storage_error"):
            self.stats.set_value("archive/storage_error", message)
