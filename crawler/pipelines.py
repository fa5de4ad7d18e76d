"""The glue between the crawl and the archive: bytes first, then numbers."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from archive.records import ATTACHMENT, DETAIL, OK, Blocked, Capture
from archive.store import Archive
from scrapy.exceptions import DropItem

import extractors
from extractors.documents.limits import Limits, limit_named


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
    """Reads report pages and attachments into numbers; bytes already read are not read again."""

    def open_spider(self):
        super().open_spider()
        if self.run_id is None:  # a plain `scrapy crawl`: ArchivePipeline made the run
            self.run_id = self.archive.db.execute("select max(id) from crawl_runs").fetchone()[0]

    def process_item(self, item):
        if not isinstance(item, StoredCapture):
            return item
        capture = item.capture
        if capture.kind not in (DETAIL, ATTACHMENT) or capture.flag != OK:
            return item
        sha256 = self.archive.capture(item.capture_id)["sha256"]
        earlier = self.archive.extraction_outcome(sha256)
        if earlier is not None and earlier["outcome"] != "failed" and not _limit_raised(earlier):
            # a crash is retried next time, and a document refused by a limit once that limit is raised
            if earlier["report_id"]:
                self.archive.touch_report(earlier["report_id"], capture.fetched_at)
            self.stats.inc_value("extract/already_done")
            return item
        result = extractors.extract(capture.body, filename=capture.filename, content_type=capture.content_type or "")
        if not result.is_report and (result.reason or "").startswith(extractors.EXTRACTOR_FAILED):
            # An extractor bug, not a verdict on the document: recorded as failed, retried next crawl.
            self.archive.record_extraction_failure(sha256, result.reason, capture.fetched_at, extractors.EXTRACTOR_VERSION)
            self.stats.inc_value("extract/failed")
            return item
        rid = self.archive.record_extraction(result, capture_id=item.capture_id, run_id=self.run_id, agency_hint=capture.agency_hint,
                                             extractor_version=extractors.EXTRACTOR_VERSION)
        self.stats.inc_value("extract/report" if rid else "extract/not_report")
        setting = None if result.is_report else limit_named(result.reason)
        if setting:
            self.archive.note_limit(sha256, setting, Limits.from_env().value_of(setting))
            self.stats.inc_value("extract/over_limit")
        return item


def _limit_raised(earlier: dict) -> bool:
    """The document was refused by a limit that is higher now."""
    setting = earlier.get("limit_setting")
    return bool(setting) and (Limits.from_env().value_of(setting) or 0) > (earlier.get("limit_value") or 0)
