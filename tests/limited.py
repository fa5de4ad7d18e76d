"""Running a command in a child whose memory is capped, so a regression fails fast (issue 12).

RLIMIT_AS caps a plain Python child (`xxgk extract`). A crawl is capped with RLIMIT_DATA instead:
Chromium and Playwright's Node driver reserve many GB of address space they never touch (V8's
cage), which RLIMIT_AS counts and RLIMIT_DATA, counting only writable private memory, does not.
Children inherit the cap (LibreOffice, Tesseract).
"""
from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
XXGK = [sys.executable, "-m", "commands"]
GIB = 2**30


def capped(limit: int, *, data_only: bool = False):
    which = resource.RLIMIT_DATA if data_only else resource.RLIMIT_AS

    def set_limit() -> None:
        resource.setrlimit(which, (limit, limit))

    return set_limit


def xxgk_capped(*args: str, memory: int = GIB, data_only: bool = False, timeout: float = 300,
                env: dict | None = None) -> subprocess.CompletedProcess:
    """`xxgk …` under a memory cap; the caller checks the exit status."""
    return subprocess.run([*XXGK, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env,
                          preexec_fn=capped(memory, data_only=data_only))
