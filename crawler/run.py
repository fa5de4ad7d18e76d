"""Run one crawl of a list of sites into an archive: the one code path of `xxgk crawl` and `xxgk demo`."""
from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from archive.store import Archive
from crawler import settings as default_settings
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
    return settings


def run_crawl(sites: list[Site], archive_path: Path, *, command: str, overrides: dict | None = None) -> dict:
    """Crawl ``sites`` (one spider per platform, all in one process) and return the run's counts.

    The archive's crawl_runs row is opened before the first request and closed with counts read
    back from the archive itself, so they say what was really stored.
    """
    archive = Archive(archive_path)
    snapshot = {k: getattr(default_settings, k) for k in dir(default_settings) if k.isupper()}
    snapshot.update(overrides or {})
    snapshot["sites"] = [s.start_url for s in sites]
    snapshot["robots_ignored_for"] = [s.id for s in sites if s.ignores_robots]
    run_id = archive.start_run(command, snapshot)
    # The registry rows this crawl uses: who and where each site is, so reports keep their agency.
    archive.register_sites([{**s.extra, "id": s.id, "agency": s.agency, "start_url": s.start_url,
                             "platform": s.platform} for s in sites], run_id)
    by_platform: dict[str, list[Site]] = defaultdict(list)
    for site in sites:
        by_platform[_spider_platform(site)].append(replace(site, platform=_spider_platform(site)))
    settings = build_settings(archive_path, run_id, overrides)
    process = _Process(settings, install_root_handler=True)
    crawlers = []
    for platform, group in by_platform.items():
        if platform not in SPIDERS:  # a registry platform whose spider is not written yet: skip, never crash
            print(f"xxgk: warning: no spider for platform {platform!r} yet; skipping {len(group)} site(s): "
                  f"{', '.join(s.id for s in group)}", file=sys.stderr, flush=True)
            continue
        crawler = process.create_crawler(SPIDERS[platform])
        crawlers.append(crawler)
        process.crawl(crawler, sites=group)
    if crawlers:
        process.start()
    requests = sum(c.stats.get_value("downloader/request_count", 0) for c in crawlers)
    storage_errors = sum(c.stats.get_value("archive/storage_errors", 0) for c in crawlers)
    # SIGTERM / Ctrl-C: the run is interrupted, and the next run of the same command resumes it.
    interrupted = process.signalled or any(c.stats.get_value("finish_reason") == "shutdown" for c in crawlers)
    # A run that did not see or could not store everything cannot tell a removed report from a missed one.
    removed = 0 if interrupted or storage_errors else archive.mark_removed(run_id)
    counts = archive.finish_run(run_id, requests=requests, storage_errors=storage_errors,
                                status="interrupted" if interrupted else "finished")
    archive.close()
    first_error = next((c.stats.get_value("archive/storage_error") for c in crawlers
                        if c.stats.get_value("archive/storage_error")), None)
    return {"run_id": run_id, "removed": removed, "interrupted": interrupted, "storage_error": first_error, **counts}


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


def _spider_platform(site: Site) -> str:
    """Which spider crawls a site. A site known only by its home page needs its column found first,
    which the generic spider does on any platform; gkmlpt's column is at a fixed path, so its own
    spider starts from the home page itself."""
    if site.extra.get("start_from_home") and site.platform not in ("gkmlpt", "generic"):
        return "generic"
    return site.platform
