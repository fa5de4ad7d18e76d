"""Which Chromium the crawler drives, and how it is launched.

Looked for in this order: the ``XXGK_BROWSER`` setting (or environment variable), Debian's
``/usr/bin/chromium``, then Playwright's own download (``playwright install chromium``), which is
what Playwright uses when no executable is named.
"""
from __future__ import annotations

import os
import shutil

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
