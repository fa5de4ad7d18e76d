"""The archive's writer loop: a thread of the writer process (``crawler.store.archive_process``).

Storing a capture — its bytes in the blob folder, its row, its WARC copy (gzip), and for a report
page or attachment already read, its report marked seen again — is file and SQLite work. The crawl
process hands each capture to the writer process, whose receiving loop queues it here; what became
of each batch goes back through ``reply``.

- Batches: what arrives while one batch is written is written next, its rows in one transaction.
  Each batch's WARC copies are written once its rows are committed, and where they went is noted in
  a second transaction: a capture is in the archive before its WARC copy, the order an interrupted
  crawl already handles (its resumption serves such a capture from the archive, writing nothing).
- An error storing one capture (disk full) fails that capture alone: a batch that fails is rolled
  back and its captures stored one by one, each error reported to the pipeline that asked.
- Between batches this thread writes what the extraction pool read (``ExtractionFeeder.tick``), so
  the archive is written through one connection, the feeder's.
"""
from __future__ import annotations

import logging
import queue
import sqlite3
import threading
from dataclasses import dataclass, replace
from typing import Callable

from archive.records import ATTACHMENT, DETAIL, OK, Blocked, Capture
from archive.warc import WarcFiles, earlier_record, note_written, warc_folder, warcinfo
from crawler.store import extraction

logger = logging.getLogger(__name__)

# How long the thread waits for captures before it writes the pool's outcomes anyway (seconds).
TICK_SECONDS = 0.2
MAX_BATCH = 200


@dataclass(frozen=True)
class Stored:
    """What became of one item handed to the thread."""

    capture_id: int | None = None
    new: bool = False
    error: str | None = None  # not stored (disk full, the archive unwritable)
    warc: str | None = None  # the WARC record type holding (or pointing at) its payload
    warc_error: str | None = None
    seen_again: bool = False  # bytes read before as a report: that report was marked seen


@dataclass
class _Job:
    token: int  # the asker's, sent back with the outcome
    item: Capture | Blocked
    spider: str
    run_id: int


_STOP = object()


class ArchiveThread:
    """``reply`` is called from this thread with each batch's ``(token, Stored)`` pairs."""

    def __init__(self, feeder: extraction.ExtractionFeeder, reply: Callable[[list[tuple[int, Stored]]], None], *,
                 warc: bool = True, warc_max_bytes: int = 1_000_000_000):
        self.feeder = feeder
        self.archive = feeder.archive  # opened shared: this thread writes through it, then whoever drains
        self.reply = reply
        self.warc = warc
        self.warc_max_bytes = warc_max_bytes
        self.warc_files: dict[str, WarcFiles] = {}
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="xxgk-archive-writer", daemon=True)
        self._thread.start()

    def submit(self, token: int, item: Capture | Blocked, spider: str, run_id: int) -> None:
        """Queue ``item`` to be stored; its ``Stored`` comes back through ``reply`` with ``token``."""
        self._jobs.put(_Job(token, item, spider, run_id))

    def stop(self) -> None:
        """Store what is queued, write the pool's finished outcomes, close the WARC files, end the thread."""
        self._jobs.put(_STOP)
        self._thread.join()

    # --- the thread -----------------------------------------------------------------------------

    def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[_Job] = []
            try:
                job = self._jobs.get(timeout=TICK_SECONDS)
                while True:
                    if job is _STOP:
                        stopping = True
                        break
                    batch.append(job)
                    if len(batch) >= MAX_BATCH:
                        break
                    job = self._jobs.get_nowait()
            except queue.Empty:
                pass
            if batch:
                self._write(batch)
            try:
                self.feeder.tick()
            except Exception:  # noqa: BLE001 - a locked or full archive: the outcomes wait for the next tick
                logger.exception("writing extraction outcomes failed; retried on the next tick")
        for files in self.warc_files.values():
            files.close()

    def _write(self, batch: list[_Job]) -> None:
        try:
            with self.archive.transaction():
                results = [self._store(job) for job in batch]
        except (OSError, sqlite3.Error):
            results = []  # one capture failed the batch: store each alone, so only that one fails
            for job in batch:
                try:
                    with self.archive.transaction():
                        results.append(self._store(job))
                except (OSError, sqlite3.Error) as exc:
                    results.append(Stored(error=f"{type(exc).__name__}: {exc}"))
        except Exception as exc:  # a bug: logged, and every capture of the batch counted as not stored
            logger.exception("storing a batch of captures failed")
            results = [Stored(error=f"{type(exc).__name__}: {exc}")] * len(batch)
        if self.warc:
            results = self._copy_to_warc(batch, results)
        self.reply([(job.token, result) for job, result in zip(batch, results)])

    def _store(self, job: _Job) -> Stored:
        item = job.item
        if isinstance(item, Blocked):
            self.archive.block_host(item, job.run_id)
            return Stored()
        capture_id, new = self.archive.record_capture(item, job.run_id)
        seen_again = False
        if item.kind in (DETAIL, ATTACHMENT) and item.flag == OK:
            # Bytes read before as a report: that report is still there. (Bytes not read yet are
            # read by the pool, which finds them pending in the archive.)
            earlier = self.archive.extraction_outcome(self.archive.capture(capture_id)["sha256"])
            if earlier is not None and earlier["report_id"]:
                self.archive.touch_report(earlier["report_id"], item.fetched_at)
                seen_again = True
        return Stored(capture_id, new, seen_again=seen_again)

    def _copy_to_warc(self, batch: list[_Job], results: list[Stored]) -> list[Stored]:
        copied = []
        try:
            with self.archive.transaction():
                for job, result in zip(batch, results):
                    copied.append(self._copy(job, result))
                for files in self.warc_files.values():
                    files.flush()  # the records on disk before the pointers to them are committed
        except sqlite3.Error as exc:  # the records are written; where they went is not noted
            return [r if r.capture_id is None else replace(r, warc_error=f"{type(exc).__name__}: {exc}")
                    for r in results]
        return copied

    def _copy(self, job: _Job, result: Stored) -> Stored:
        item = job.item
        if result.capture_id is None or not isinstance(item, Capture) or not (item.rendered or item.wire):
            return result
        row = self.archive.capture(result.capture_id)
        files = self.warc_files.get(job.spider)
        if files is None:  # named after the run of its first capture (a plain `scrapy crawl` makes its own)
            run = self.archive.row("select * from crawl_runs where id = ?", [row["last_run_id"]])
            files = self.warc_files[job.spider] = WarcFiles(warc_folder(self.archive.path), f"r{run['id']:05d}-{job.spider}",
                                                            warcinfo(run, run["settings"]), self.warc_max_bytes)
        final_status = item.wire[-1]["status"] if item.wire else None
        try:
            written = files.write(item, row["sha256"], earlier_record(self.archive.db, row, final_status))
        except OSError as exc:  # disk full: counted like the archive's own errors
            return replace(result, warc_error=f"{type(exc).__name__}: {exc}")
        if written is None:
            return result
        note_written(self.archive.db, result.capture_id, written)
        return replace(result, warc=written.record_type)
