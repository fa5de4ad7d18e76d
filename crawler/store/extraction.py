"""Extraction beside the downloads: documents the archive holds but has not read go to the pool,
and what the pool reads comes back here to be written — by this process, the archive's one writer.

The crawl stores bytes and provenance first (``ArchivePipeline``). This feeder then finds, in the
archive itself, every report page or attachment whose bytes have no extraction yet (``pending``),
hands them to an ``ExtractionPool`` of limited child processes, and files each outcome: a reading,
a crash (retried on the next crawl), or a limit hit (retried once the limit is raised). Because the
archive is the queue, a crawl that crashed leaves its documents pending for ``xxgk extract-pending``
or the next crawl, and nothing is read twice.

No Scrapy here: the crawl's writer process (``crawler.store.archive_process``) calls ``tick`` between
batches of captures, ``xxgk extract-pending`` and the Redis archive writer from a plain loop.
"""
from __future__ import annotations

import json
import time
from collections import deque
from pathlib import Path

from archive.records import ATTACHMENT, DETAIL, OK, document_filename
from archive.store import Archive
from extractors import EXTRACTOR_FAILED, EXTRACTOR_VERSION
from extractors.documents.limits import SETTINGS as LIMIT_SETTINGS
from extractors.documents.limits import Limits, limit_named
from extractors.isolation import MEMORY, TIME, ChildLimits, Job, Outcome
from extractors.pool import ExtractionPool

# Seconds of archive writes one tick may take: the crawl's writer thread runs it between batches of captures.
TICK_BUDGET = 0.05

_READABLE = f"c.kind in ('{DETAIL}', '{ATTACHMENT}') and c.flag = '{OK}' and c.sha256 is not null"


def pending_sql(limits: ChildLimits) -> tuple[str, dict]:
    """Captures whose bytes are waiting to be read (one row per capture; callers skip repeated sha256).

    Bytes with an extraction are settled, except a crash (retried) and a refusal by a limit whose
    setting is higher now (the readers' own limits and the child's memory and time).
    """
    values = {name: Limits.from_env().value_of(name) for name in LIMIT_SETTINGS}
    values |= {MEMORY: limits.value(MEMORY), TIME: limits.value(TIME)}
    now = "case e.limit_setting " + " ".join(f"when '{name}' then :v{n}" for n, name in enumerate(values)) + " end"
    retry = f"(e.outcome = 'failed' and e.limit_setting is null) or (e.limit_setting is not null and {now} > e.limit_value)"
    sql = (f"select c.id, c.sha256, c.url, c.final_url, c.headers, c.site from captures c where c.id > :after "
           f"and {_READABLE} and not exists (select 1 from extractions e where e.sha256 = c.sha256 and not ({retry})) "
           f"order by c.id")
    return sql, {f"v{n}": value for n, value in enumerate(values.values())}


def count_pending(archive: Archive, limits: ChildLimits | None = None) -> int:
    """Distinct documents not read yet (for progress displays and the crawl's summary)."""
    sql, params = pending_sql(limits or ChildLimits.from_env())
    return archive.db.execute(f"select count(distinct sha256) from ({sql})", {**params, "after": 0}).fetchone()[0]


class ExtractionFeeder:
    """Feeds a pool from the archive's pending documents and writes back what it reads.

    ``agency_hints`` maps a site id to its agency, for reports that do not name themselves.
    """

    def __init__(self, archive_path: Path | str, *, workers: int | None = None, limits: ChildLimits | None = None,
                 agency_hints: dict[str, str] | None = None, pool: ExtractionPool | None = None):
        # Shared: during a crawl the archive's writer thread writes through it, then the run drains it.
        self.archive = Archive(archive_path, shared=True)
        self.limits = limits or ChildLimits.from_env()
        self.pool = pool or ExtractionPool(workers, self.limits)
        self.agency_hints = {**self._registered_agencies(), **(agency_hints or {})}
        self.after = 0  # captures up to this id have been looked at
        self.submitted: set[str] = set()
        self.finished: deque[Outcome] = deque()  # read by the pool, not written yet
        self.counts = {"report": 0, "not_report": 0, "failed": 0, "limit": 0}

    def _registered_agencies(self) -> dict[str, str]:
        """The agencies of the sites crawls registered in the archive (``sites``), by site id."""
        if not self.archive.db["sites"].exists():
            return {}
        return {site: agency for site, agency in self.archive.db.execute("select id, agency from sites where agency is not null")}

    # --- the loop -----------------------------------------------------------------------------

    def tick(self, budget: float = TICK_BUDGET) -> int:
        """Write what the pool finished, for at most ``budget`` seconds (the rest waits for the next
        tick: the crawl's reactor runs this), then queue what the archive holds unread. Returns
        outcomes written."""
        self.finished.extend(self.pool.take_done())
        written, start = 0, time.monotonic()
        while self.finished and (written == 0 or time.monotonic() - start < budget):
            self._write(self.finished.popleft())
            written += 1
        self._queue_pending()
        return written

    def drain(self, poll: float = 0.1, on_progress=None, seconds: float | None = None) -> bool:
        """Tick until nothing is pending or running (the end of a crawl, ``xxgk extract-pending``), or
        for at most ``seconds``. Returns whether everything was read; what was not stays pending in
        the archive (``close`` stops the readers), for the next crawl or ``xxgk extract-pending``."""
        deadline = None if seconds is None else time.monotonic() + seconds
        self.tick()
        while self.pool.busy or self.finished:
            if deadline is not None and time.monotonic() >= deadline:
                self.tick()  # what was read is written
                return False
            if not self.finished:
                time.sleep(poll)
            if self.tick(budget=1.0) and on_progress:
                on_progress(self.progress())
        return True

    def progress(self) -> dict:
        """Documents read so far by this feeder, and those waiting (queued or being read)."""
        return {**self.counts, "extracted": sum(self.counts.values()),
                "pending": self.pool.queued + self.pool.running + len(self.finished)}

    def close(self) -> None:
        self.pool.close()
        self.archive.close()

    # --- feeding and filing -------------------------------------------------------------------

    def _queue_pending(self) -> None:
        sql, params = pending_sql(self.limits)
        for row in self.archive.db.execute(sql, {**params, "after": self.after}).fetchall():
            self.after = max(self.after, row[0])
            capture_id, sha256, url, final_url, headers, site = row
            if sha256 in self.submitted:
                continue
            self.submitted.add(sha256)
            path = str(self.archive.blobs.path_for(sha256))
            headers = json.loads(headers or "{}")
            self.pool.submit(Job(path=path, filename=document_filename(headers, final_url or url),
                                 content_type=headers.get("Content-Type") or "", key=(sha256, capture_id, site)))

    def _write(self, outcome: Outcome) -> None:
        sha256, capture_id, site = outcome.job.key
        capture = self.archive.capture(capture_id)
        at = capture["fetched_at"]
        if outcome.status != "done":  # killed at a limit, or crashed: failed, with the limit if one
            self.archive.record_extraction_failure(sha256, outcome.reason, at, EXTRACTOR_VERSION)
            if outcome.limit:
                self.archive.note_limit(sha256, outcome.limit, outcome.limit_value)
            self.counts["limit" if outcome.limit else "failed"] += 1
            return
        result = outcome.extraction
        if not result.is_report and (result.reason or "").startswith(EXTRACTOR_FAILED):
            # An extractor bug, not a verdict on the document: recorded as failed, retried next crawl.
            self.archive.record_extraction_failure(sha256, result.reason, at, EXTRACTOR_VERSION)
            self.counts["failed"] += 1
            return
        rid = self.archive.record_extraction(result, capture_id=capture_id, run_id=capture["last_run_id"],
                                             agency_hint=self.agency_hints.get(site), extractor_version=EXTRACTOR_VERSION)
        if rid:
            # Seen by the run that fetched it last, whenever the bytes were first captured.
            self.archive.touch_report(rid, capture["last_fetched_at"])
        setting = None if result.is_report else limit_named(result.reason)
        if setting:  # refused by one of the readers' own limits: read again once it is raised
            self.archive.note_limit(sha256, setting, Limits.from_env().value_of(setting))
            self.counts["limit"] += 1
            return
        self.counts["report" if rid else "not_report"] += 1
