"""Every browser render ends, whatever the page does (issue 21).

What hung crawls, measured on a 瑞数-style page at status 200 whose script sets a cookie and calls
``location.reload()`` on every load: Chromium navigates for ever (5,398 loads in 4 minutes, ~30 % of
a core); ``goto`` and ``wait_for_load_state`` time out; and ``page.close()`` did not return in 2 of
4 tries (15 s each, then given up). A spider callback awaiting it (the challenge's errback) never
ended, so the engine never went idle, the crawl never closed, and its browser kept reloading.
scrapy-playwright's own ``page.close()`` after a render has no deadline either, and a page that is
never closed holds one of the context's page slots for good.

So, outside the code it limits:
- a page may navigate its main frame ``MAX_NAVIGATIONS`` times in one render; later navigations
  are aborted (the page then sits on Chromium's error page, quiet) and the render is flagged;
- a render has ``XXGK_RENDER_TIMEOUT`` seconds from its request to its response
  (``DeadlineDownloadHandler``); past it the render is abandoned, its page closed, and the request
  fails with ``RenderOverrun``, which the spider records as a capture (or a blocked host) and counts;
- closing a page has ``CLOSE_SECONDS``; past it its context is closed, and past that the
  browser's processes are killed (scrapy-playwright launches a new browser for the next render);
- the browser and driver at a crawl's end get ``CLOSE_SECONDS`` each, then their processes are killed.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path

from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

logger = logging.getLogger(__name__)

# Navigations of a page's main frame in one render: a cookie challenge needs one or two reloads.
MAX_NAVIGATIONS = 8
# Seconds for a page (then its context, then the browser) to close before the next step is taken.
CLOSE_SECONDS = 10.0
# Where the route guard notes that it stopped a page (request meta).
STOPPED = "xxgk_render_stopped"
_PAGE = "xxgk_render_page"


class RenderOverrun(Exception):
    """A browser render that did not end within XXGK_RENDER_TIMEOUT."""


async def within(awaitable, seconds: float) -> tuple[bool, object]:
    """``(True, result)`` when ``awaitable`` ends within ``seconds``, else ``(False, None)`` and it
    is cancelled (not awaited: a Playwright call stuck in the browser must not hold the caller)."""
    task = asyncio.ensure_future(awaitable)
    done, _ = await asyncio.wait({task}, timeout=seconds)
    if task in done:
        return True, task.result()
    task.cancel()
    task.add_done_callback(lambda t: t.cancelled() or t.exception())  # nothing left unretrieved
    return False, None


async def guard_navigations(page, request) -> None:
    """scrapy-playwright's page init callback: count the main frame's navigations, abort those past
    ``MAX_NAVIGATIONS``. Registered after scrapy-playwright's own route, so it is asked first."""
    request.meta[_PAGE] = page
    seen = 0

    async def route(route) -> None:
        nonlocal seen
        asked = route.request
        if asked.is_navigation_request() and asked.frame.parent_frame is None:
            seen += 1
            if seen > MAX_NAVIGATIONS:
                request.meta[STOPPED] = f"page navigated more than {MAX_NAVIGATIONS} times (reloading itself?)"
                await route.abort()
                return
        await route.fallback()

    await page.route("**", route)


async def close_page(page, seconds: float = CLOSE_SECONDS) -> str | None:
    """Close ``page`` within ``seconds``; failing that its context, then the browser's processes.
    Returns what more than closing the page it took (None: the page closed)."""
    if page is None or page.is_closed():
        return None
    closed, _ = await within(page.close(), seconds)
    if closed:
        return None
    closed, _ = await within(page.context.close(), seconds)
    if closed:
        logger.warning("a page did not close within %g s; its browser context was closed", seconds)
        return "context closed"
    killed = kill_browser_processes()
    logger.warning("a page and its context did not close within %g s each; killed %d browser processes",
                   seconds, killed)
    return "browser killed"


def kill_browser_processes() -> int:
    """SIGKILL every Chromium process descending from this one (the crawl's browser, started by
    Playwright's driver); returns how many. The driver notices the browser is gone."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    killed, todo = 0, list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        try:
            program = (Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0", 1)[0]).rsplit(b"/", 1)[-1]
        except OSError:
            continue
        if b"chrom" in program or b"headless_shell" in program:
            try:
                os.kill(pid, signal.SIGKILL)
                killed += 1
            except ProcessLookupError:
                pass
    return killed


class DeadlineDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler with a hard deadline on each render and on its own closing."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.render_timeout = crawler.settings.getfloat("XXGK_RENDER_TIMEOUT")

    async def _download_request(self, request, spider=None):
        request.meta.setdefault("playwright_page_init_callback", "crawler.fetch.render_limits.guard_navigations")
        try:
            finished, response = await within(super()._download_request(request, spider), self.render_timeout)
        except Exception as exc:
            request.meta.pop(_PAGE, None)
            if not request.meta.get(STOPPED):
                raise
            # What failed is the page stopped mid-way (Chromium's error page has no cookies, no load):
            # say why, in one line, not the browser's stack.
            self.stats.inc_value("xxgk/render_stopped")
            raise RenderOverrun(f"browser render stopped: {request.meta[STOPPED]}") from exc
        page = request.meta.pop(_PAGE, None)
        if finished:
            if request.meta.get(STOPPED):
                self.stats.inc_value("xxgk/render_stopped")
            return response
        self.stats.inc_value("xxgk/render_overruns")
        took = await close_page(page)
        if took:
            self.stats.inc_value("xxgk/render_close_escalations")
        raise RenderOverrun(f"browser render overran XXGK_RENDER_TIMEOUT ({self.render_timeout:g} s)"
                            + (f"; {request.meta[STOPPED]}" if request.meta.get(STOPPED) else "")
                            + (f"; its page would not close ({took})" if took else ""))

    async def _close(self) -> None:
        closed, _ = await within(super()._close(), 2 * CLOSE_SECONDS)
        if not closed:
            killed = kill_browser_processes()
            logger.warning("the browser did not close within %g s at the crawl's end; killed %d processes",
                           2 * CLOSE_SECONDS, killed)
            provider = getattr(self, "browser_provider", None)
            if provider is not None:
                await within(provider.close(), CLOSE_SECONDS)
