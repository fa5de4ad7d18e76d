"""Scrapy settings for every xxgk crawl. Environment variables override what differs per deploy."""
import os

from crawler.fetch.browser import launch_options
from extractors.documents.limits import Limits

BOT_NAME = "xxgk"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# An honest User-Agent: who we are and where to complain. Set XXGK_CONTACT_URL for your deploy.
XXGK_CONTACT_URL = os.environ.get("XXGK_CONTACT_URL", "https://github.com/xxgk-archive/xxgk-archive")
USER_AGENT = f"xxgk-archive/0.1 (+{XXGK_CONTACT_URL}; research archive of government disclosure reports)"

# Politeness: robots.txt, one or two requests at a time per host, AutoThrottle adapting to the server.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = float(os.environ.get("XXGK_START_DELAY", "1.0"))
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawler.fetch.throttle.RecrawlAutoThrottle": 0,  # 304s count as answers (see the module)
    "crawler.progress.ProgressExtension": 10,  # the live display / periodic lines of `xxgk crawl`
}
# Items and requests a response yields, processed at once. Scrapy starts this many asyncio tasks for
# every response (default 100: ~2 ms a page on the reactor); a page here yields one capture and at
# most a listing's links, and only the capture waits (for the archive's writer thread).
CONCURRENT_ITEMS = 8
DOWNLOAD_TIMEOUT = 60
# Names resolved from a hosts file of the crawl's own when XXGK_HOSTS names one (and from nothing
# else: no DNS query leaves the machine); Scrapy's caching resolver otherwise (crawler/fetch/resolver.py).
TWISTED_DNS_RESOLVER = "crawler.fetch.resolver.HostsFileResolver"  # Scrapy 2.19's name (DNS_RESOLVER is deprecated)
XXGK_HOSTS = os.environ.get("XXGK_HOSTS", "")
# One size limit for what is downloaded and what is read (XXGK_DOC_MAX_BYTES, extractors/documents/limits.py):
# a larger body, or a gzip body inflating past it, is refused and captured flagged "refused".
DOWNLOAD_MAXSIZE = Limits.from_env().max_bytes
DOWNLOAD_WARNSIZE = DOWNLOAD_MAXSIZE // 4

# Hostile portals (issue 12): redirects are held to the sites' hosts and end in a capture
# (crawler/fetch/redirect_guard.py); listings are paged while pages bring new links, up to this many pages
# per site; Retry-After is waited out up to this many seconds (crawler/fetch/retry_after.py).
REDIRECT_MAX_TIMES = 10
XXGK_MAX_LIST_PAGES = int(os.environ.get("XXGK_MAX_LIST_PAGES", "100"))
XXGK_RETRY_AFTER_MAX = float(os.environ.get("XXGK_RETRY_AFTER_MAX", "120"))
# The first SIGTERM / Ctrl-C lets requests in flight end for this many seconds, then stops the crawl.
XXGK_SHUTDOWN_GRACE = float(os.environ.get("XXGK_SHUTDOWN_GRACE", "5"))

# Every status reaches the spider, which records errors as captures instead of dropping them.
HTTPERROR_ALLOW_ALL = True
RETRY_ENABLED = True
RETRY_TIMES = 2

# The archive: where captures, blobs and reports go (see archive/).
XXGK_ARCHIVE = os.environ.get("XXGK_ARCHIVE", "archive.db")
XXGK_RUN_ID = None  # set by `xxgk crawl` / `xxgk demo` to the crawl_runs row of this invocation

# Conditional requests and resuming interrupted crawls, from the archive's record (see the module);
# requests to hosts found blocked are not sent.
DOWNLOADER_MIDDLEWARES = {
    "crawler.fetch.blocked_hosts.BlockedHostsMiddleware": 50,
    "crawler.fetch.retry_after.RetryAfterMiddleware": 560,  # sees 429/503 before RetryMiddleware (550)
    "crawler.fetch.redirect_guard.MetaRefreshGuard": 585,  # after decompression (590), before MetaRefresh (580)
    "crawler.fetch.redirect_guard.LocationGuard": 610,  # before RedirectMiddleware (600)
    "crawler.fetch.archive_middleware.ArchiveMiddleware": 900,
    "crawler.fetch.wire.WireMiddleware": 950,  # next to the downloader: requests as sent, responses as received
}

# Chromium through scrapy-playwright, only for requests that ask for it (meta "playwright"): JS-built
# listings and anti-bot challenges. Other requests go through Scrapy's own HTTP client. The browser
# is XXGK_BROWSER, else /usr/bin/chromium, else Playwright's own (see crawler/fetch/browser.py).
# Every render ends (crawler/fetch/render_limits.py): a page may navigate itself a few times only,
# and a render has XXGK_RENDER_TIMEOUT seconds, after which it fails, recorded like a timeout.
DOWNLOAD_HANDLERS = {
    "http": "crawler.fetch.render_limits.DeadlineDownloadHandler",
    "https": "crawler.fetch.render_limits.DeadlineDownloadHandler",
}
XXGK_RENDER_TIMEOUT = float(os.environ.get("XXGK_RENDER_TIMEOUT", "90"))
PLAYWRIGHT_BROWSER_TYPE = "chromium"
# One Playwright driver per crawl process, started when the first page needs a browser (see the module).
PLAYWRIGHT_BROWSER_PROVIDER = "crawler.fetch.browser.SharedDriverProvider"
PLAYWRIGHT_LAUNCH_OPTIONS = launch_options()
# One context, few pages: memory stays flat only when pages are closed and capped (crawler-probe).
PLAYWRIGHT_MAX_CONTEXTS = 1
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 4
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000

# WARC 1.1 copies of every capture in <archive>.warc/ (see archive/warc.py); files rotate at this size.
XXGK_WARC_ENABLED = os.environ.get("XXGK_WARC", "1") != "0"
XXGK_WARC_MAX_BYTES = int(os.environ.get("XXGK_WARC_MAX_BYTES", str(1_000_000_000)))

# Documents are read beside the downloads by this many child processes (default: one per core).
XXGK_EXTRACT_WORKERS = int(os.environ.get("XXGK_EXTRACT_WORKERS") or 0) or os.cpu_count()
# Seconds the end of a crawl may spend reading the documents still pending; the rest stay pending
# (the next crawl or `xxgk extract-pending` reads them), so a nightly crawl always ends.
XXGK_DRAIN_TIMEOUT = float(os.environ.get("XXGK_DRAIN_TIMEOUT", "3600"))

# A page's decoded text and parsed tree are dropped once its callback is done, not kept while its
# capture waits for the archive's writer (see the module).
SPIDER_MIDDLEWARES = {
    "crawler.fetch.parsed_pages.ReleaseParsedPages": 1,
}

# Bytes, rows and WARC copies stored by the archive's writer thread; documents read by the pool.
ITEM_PIPELINES = {
    "crawler.store.pipelines.ArchivePipeline": 100,
}

# Not wanted in a batch crawler: both listen on local ports.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# Scrapy's own log: warnings and errors only; `--verbose` (or XXGK_LOG_LEVEL=INFO) shows everything.
LOG_LEVEL = os.environ.get("XXGK_LOG_LEVEL", "WARNING")
FEED_EXPORT_ENCODING = "utf-8"
