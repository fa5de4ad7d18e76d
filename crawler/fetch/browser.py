"""Which Chromium the crawler drives, how it is launched, and one Playwright driver per process.

Looked for in this order: the ``XXGK_BROWSER`` setting (or environment variable), Debian's
``/usr/bin/chromium``, then Playwright's own download (``playwright install chromium``), which is
what Playwright uses when no executable is named.

scrapy-playwright starts Playwright's node driver (~150 MB) when each crawler's engine starts, and
a crawl runs one crawler per platform: four drivers, usually for no page at all.
``SharedDriverProvider`` (``PLAYWRIGHT_BROWSER_PROVIDER``) starts one driver for the whole
process, the first time a page needs a browser, and stops it when the last crawler that used it
closes.
"""
from __future__ import annotations

import asyncio
import os
import shutil

from playwright.async_api import Browser, BrowserContext, PlaywrightContextManager
from scrapy_playwright.provider import PlaywrightBrowserProvider

DEBIAN_CHROMIUM = "/usr/bin/chromium"

# Flags for a headless crawler browser: no GPU, no sandbox (containers run as root), and no
# background traffic of its own (update checks, sync, first-run pages) — it talks to the portals only.
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def find_browser(setting: str | None = None) -> str | None:
    """The Chromium executable to launch, or None to let Playwright use its own."""
    chosen = setting or os.environ.get("XXGK_BROWSER")
    if chosen:
        found = shutil.which(chosen) or (chosen if os.path.exists(chosen) else None)
        if not found:
            raise FileNotFoundError(f"XXGK_BROWSER={chosen!r}: no such executable")
        return found
    return DEBIAN_CHROMIUM if os.path.exists(DEBIAN_CHROMIUM) else None


def launch_options(setting: str | None = None) -> dict:
    options: dict = {"headless": True, "args": list(BROWSER_ARGS)}
    executable = find_browser(setting)
    if executable:
        options["executable_path"] = executable
    return options


class _Driver:
    """The process's Playwright driver, started on first use, stopped when its last user closes."""

    manager: PlaywrightContextManager | None = None
    playwright = None
    users = 0
    lock: asyncio.Lock | None = None

    @classmethod
    async def acquire(cls):
        cls.lock = cls.lock or asyncio.Lock()
        async with cls.lock:
            if cls.playwright is None:
                cls.manager = PlaywrightContextManager()
                cls.playwright = await cls.manager.start()
            cls.users += 1
            return cls.playwright

    @classmethod
    async def release(cls) -> None:
        from crawler.fetch.render_limits import CLOSE_SECONDS, within

        async with cls.lock:
            cls.users -= 1
            if cls.users == 0 and cls.manager is not None:
                manager, cls.manager, cls.playwright = cls.manager, None, None
                # Bounded, as every wait at a crawl's end: a driver that will not stop is left to
                # end with this process (its pipe closes), not waited for.
                await within(manager.__aexit__(), CLOSE_SECONDS)


class SharedDriverProvider(PlaywrightBrowserProvider):
    """scrapy-playwright's provider, with the driver shared and started only when a page needs it."""

    def __init__(self, config) -> None:
        super().__init__(config)
        self._acquired = False

    async def start(self) -> None:
        """Nothing yet: no driver until a page needs a browser."""

    async def _driver(self) -> None:
        if not self._acquired:
            playwright = await _Driver.acquire()
            self._acquired = True
            self.browser_type = getattr(playwright, self.config.browser_type_name)

    async def launch_browser(self) -> Browser:
        await self._driver()
        return await super().launch_browser()

    async def launch_persistent_context(self, context_kwargs: dict) -> BrowserContext:
        await self._driver()
        return await super().launch_persistent_context(context_kwargs)

    async def close(self) -> None:
        if self._acquired:
            self._acquired = False
            await _Driver.release()
