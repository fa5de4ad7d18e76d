"""Writes every stored capture to the archive's WARC files (see archive/warc.py).

The writing (record building, gzip) runs on one thread of its own, so the crawl's event loop only
waits for it where an item must: the capture row is pointed at its record once it is written.
Each crawler (one per platform) writes its own files: ``r<run>-<spider>-<n>.warc.gz``.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from archive.store import Archive
from archive.warc import WarcFiles, earlier_record, note_written, warc_folder, warcinfo
from crawler.pipelines import StoredCapture


class WarcPipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.path = crawler.settings.get("XXGK_ARCHIVE")
        self.enabled = crawler.settings.getbool("XXGK_WARC_ENABLED", True)
        self.max_bytes = crawler.settings.getint("XXGK_WARC_MAX_BYTES")
        self.archive: Archive | None = None
        self.files: WarcFiles | None = None
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warc")

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        self.archive = Archive(self.path)

    def close_spider(self):
        if self.files is not None:
            self.thread.submit(self.files.close).result()
        self.thread.shutdown()
        self.archive.close()

    async def process_item(self, item):
        if not self.enabled or not isinstance(item, StoredCapture):
            return item
        capture = item.capture
        if not capture.rendered and not capture.wire:
            return item
        row = self.archive.capture(item.capture_id)
        if self.files is None:  # the run is known from the first capture (a plain `scrapy crawl` makes its own)
            run = self.archive.db["crawl_runs"].get(row["last_run_id"])
            prefix = f"r{run['id']:05d}-{self.crawler.spider.name}"
            self.files = WarcFiles(warc_folder(self.path), prefix, warcinfo(run, run["settings"]), self.max_bytes)
        final_status = capture.wire[-1]["status"] if capture.wire else None
        earlier = earlier_record(self.archive.db, row, final_status)
        future = self.thread.submit(self.files.write, capture, row["sha256"], earlier)
        try:
            written = await asyncio.wrap_future(future)
        except OSError as exc:  # disk full: an error of the run, counted like the archive's own (crawler.pipelines)
            self.stats.inc_value("archive/storage_errors")
            if not self.stats.get_value("archive/storage_error"):
                self.stats.set_value("archive/storage_error", f"WARC copy: {type(exc).__name__}: {exc}")
            return item
        if written is not None:
            self.stats.inc_value(f"warc/{written.record_type}")
            note_written(self.archive.db, item.capture_id, written)
        return item
