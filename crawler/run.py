"""Run one crawl of a list of sites into an archive: the one code path of `xxgk crawl` and `xxgk demo`."""
from __future__ import annotations

import gc
import logging
import os
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archive.store import Archive
from archive import run_summary, warc_repair
from archive.warc import warc_folder
from crawler import progress
from crawler.store import archive_process, extraction
from crawler import settings as default_settings
from crawler.fetch.resolver import chromium_args, read_hosts
from crawler.sites import Site
from spiders.generic import GenericSpider
from spiders.gkmlpt import GkmlptSpider
from spiders.hanweb import HanwebSpider
from spiders.trs import TrsSpider

SPIDERS = {spider.platform: spider for spider in (TrsSpider, HanwebSpider, GkmlptSpider, GenericSpider)}


def build_settings(archive_path: Path, run_id: int, overrides: dict | None = None) -> Settings:
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.update(overrides or {}, priority="cmdline")
    settings.set("XXGK_ARCHIVE", str(archive_path), priority="cmdline")
    settings.set("XXGK_RUN_ID", run_id, priority="cmdline")
    if settings.get("XXGK_HOSTS"):  # Chromium resolves the same names the same way
        options = dict(settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"))
        options["args"] = [*options.get("args", []), *chromium_args(read_hosts(settings.get("XXGK_HOSTS")))]
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", options, priority="cmdline")
    return settings


def settings_snapshot(sites: list[Site], overrides: dict | None = None) -> dict:
    """What a crawl run records as its settings: every setting, the overrides, the sites."""
    snapshot = {k: getattr(default_settings, k) for k in dir(default_settings) if k.isupper()}
    snapshot.update(overrides or {})
    snapshot["sites"] = [s.start_url for s in sites]
    snapshot["robots_ignored_for"] = [s.id for s in sites if s.ignores_robots]
    return snapshot


def run_crawl(sites: list[Site], archive_path: Path, *, command: str, overrides: dict | None = None,
              verbose: bool = False, registry_problems: list[str] = ()) -> dict:
    """Crawl ``sites`` (one spider per platform, all in one process) and return the run's counts
    and its summary (per site, with the health checks; see archive/run_summary.py).
    ``registry_problems``: the registry rows skipped as unusable, one line each; each is a warning of
    the run, and the list is kept in its counts and summary (``registry_problems``).

    The archive's crawl_runs row is opened before the first request and closed with counts read
    back from the archive itself, so they say what was really stored. ``verbose``: Scrapy's own log
    at INFO instead of a progress display.
    """
    archive = Archive(archive_path)
    run_id = archive.start_run(command, settings_snapshot(sites, overrides))
    # A run killed while writing may have cut its last WARC record: truncated before anything is written.
    for torn in warc_repair.repair_unfinished_runs(archive.db, warc_folder(archive_path)):
        print(f"xxgk: warning: {torn}; repaired (the cut bytes kept as {torn.file.name}.torn-{torn.whole})",
              file=sys.stderr, flush=True)
    # The registry rows this crawl uses: who and where each site is, so reports keep their agency.
    archive.register_sites([{**s.extra, "id": s.id, "agency": s.agency, "start_url": s.start_url,
                             "platform": s.platform} for s in sites], run_id)
    by_platform: dict[str, list[Site]] = defaultdict(list)
    for site in sites:
        by_platform[_spider_platform(site)].append(replace(site, platform=_spider_platform(site)))
    board = progress.open_board(run_id, [s.id for s in sites])
    display = progress.Display(board, live=sys.stderr.isatty() and not verbose,
                               interval=float(os.environ.get("XXGK_PROGRESS_INTERVAL", "30")))
    display.start_screen()
    settings = build_settings(archive_path, run_id, overrides)
    if verbose and "XXGK_LOG_LEVEL" not in os.environ:
        settings.set("LOG_LEVEL", "INFO", priority="cmdline")
    quiet_expected_faults()
    process = _Process(settings)
    crawlers = []
    for platform, group in by_platform.items():
        if platform not in SPIDERS:  # a registry platform whose spider is not written yet: skip, never crash
            print(f"xxgk: warning: no spider for platform {platform!r} yet; skipping {len(group)} site(s): "
                  f"{', '.join(s.id for s in group)}", file=sys.stderr, flush=True)
            continue
        crawler = process.create_crawler(SPIDERS[platform])
        crawlers.append(crawler)
        process.crawl(crawler, sites=group)
    display.start_ticks()
    # The run's writer process (and extraction pool), shared by every spider; drained after the last one closes.
    writer = archive_process.open_writer(archive_path, agency_hints={s.id: s.agency for s in sites},
                                         workers=process.settings.getint("XXGK_EXTRACT_WORKERS") or None,
                                         warc=process.settings.getbool("XXGK_WARC_ENABLED", True),
                                         warc_max_bytes=process.settings.getint("XXGK_WARC_MAX_BYTES"))
    writer.held = True
    interrupted = True
    try:
        # Everything imported so far lives as long as the process: out of the garbage collector's
        # sight, its full collections during the crawl take half the time (0.45 s -> 0.2 s a 750-page crawl).
        gc.freeze()
        if crawlers:
            process.start()
        # SIGTERM / Ctrl-C: the run is interrupted, and the next run of the same command resumes it.
        interrupted = process.signalled or any(c.stats.get_value("finish_reason") == "shutdown" for c in crawlers)
    finally:
        archive_process.release(writer)
        # What was captured is stored; what is read is written; an interrupted run leaves the rest pending.
        finished = writer.finish(drain=not interrupted, drain_seconds=process.settings.getfloat("XXGK_DRAIN_TIMEOUT"))
        display.stop()
        progress.close_board(run_id)
    requests = sum(c.stats.get_value("downloader/request_count", 0) for c in crawlers)
    storage_errors = sum(c.stats.get_value("archive/storage_errors", 0) for c in crawlers) + bool(finished.get("error"))
    # A run that did not see or could not store everything cannot tell a removed report from a missed one.
    removed = 0 if interrupted or storage_errors else archive.mark_removed(run_id)
    counts = archive.finish_run(run_id, requests=requests, storage_errors=storage_errors,
                                status="interrupted" if interrupted else "finished")
    first_error = next((c.stats.get_value("archive/storage_error") for c in crawlers
                        if c.stats.get_value("archive/storage_error")), finished.get("error"))
    summary = run_summary.summarize(archive.db, run_id, [{"id": s.id, "start_url": s.start_url} for s in sites],
                                    interrupted=interrupted, storage_errors=storage_errors,
                                    registry_problems=list(registry_problems))
    pending = extraction.count_pending(archive)
    if finished.get("drain_stopped"):  # recorded and counted (pending), and the crawl ends all the same
        print(f"xxgk: warning: {pending} document(s) not read within XXGK_DRAIN_TIMEOUT "
              f"({process.settings.getfloat('XXGK_DRAIN_TIMEOUT'):g} s); `xxgk extract-pending` or the next crawl reads them",
              file=sys.stderr, flush=True)
    archive.close()
    return {"run_id": run_id, "removed": removed, "interrupted": interrupted, "storage_error": first_error, **counts,
            "summary": summary, "seconds": time.monotonic() - board.started, "extracted": finished["progress"]["extracted"],
            "pending": pending, "registry_problems": list(registry_problems)}


class _Process(CrawlerProcess):
    """Scrapy's first shutdown signal closes the spiders gracefully, which waits for every request in
    flight — up to DOWNLOAD_TIMEOUT on a slow server, longer behind a long queue. Here the first
    signal also stops the crawl outright after XXGK_SHUTDOWN_GRACE seconds, so `kill` (a deploy,
    systemd) ends it within a few seconds; what was captured is committed already."""

    signalled = False

    def _signal_shutdown(self, signum, frame) -> None:
        from twisted.internet import reactor

        self.signalled = True
        super()._signal_shutdown(signum, frame)
        grace = self.settings.getfloat("XXGK_SHUTDOWN_GRACE")
        reactor.callFromThread(reactor.callLater, grace, self._stop_reactor)


class _ExpectedFault(logging.Filter):
    """A 500 after its retries, a response cut short: expected of real portals, recorded as
    captures and counted in the summary, so not printed as errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        return not (message.startswith("Gave up retrying") or message.startswith("Got data loss"))


def quiet_expected_faults() -> None:
    for name in ("scrapy.downloadermiddlewares.retry", "scrapy.core.downloader.handlers.http11"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _ExpectedFault) for f in logger.filters):
            logger.addFilter(_ExpectedFault())


def _spider_platform(site: Site) -> str:
    """Which spider crawls a site. A site known only by its home page needs its column found first,
    which the generic spider does on any platform; gkmlpt's column is at a fixed path, so its own
    spider starts from the home page itself."""
    if site.extra.get("start_from_home") and site.platform not in ("gkmlpt", "generic"):
        return "generic"
    return site.platform
