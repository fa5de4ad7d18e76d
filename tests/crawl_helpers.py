"""Running `xxgk crawl` for real against a running replica, and reading the archive back."""
from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
XXGK = [sys.executable, "-m", "commands"]


def xxgk(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run([*XXGK, *args], cwd=ROOT, capture_output=True, text=True, timeout=900)
    if check:
        assert done.returncode == 0, done.stderr[-3000:]
    return done


def write_registry(path: Path, sites) -> Path:
    rows = [{"id": s.id, "agency": s.agency, "start_url": s.start_url, "platform": s.platform,
             "needs_browser": s.needs_browser} for s in sites]
    path.write_text(yaml.safe_dump(rows, allow_unicode=True), encoding="utf-8")
    return path


def crawl(registry: Path, archive: Path) -> subprocess.CompletedProcess:
    """A crawl that ran to its end, whatever its health checks said (exit 0 ok, 1 warnings, 2 failed)."""
    done = xxgk("crawl", "--sites", str(registry), "--archive", str(archive), check=False)
    assert done.returncode in (0, 1, 2) and "\nCrawl run " in done.stdout, done.stderr[-3000:]
    return done


def rows(archive: Path, sql: str, params=()) -> list[dict]:
    db = sqlite3.connect(archive)
    db.row_factory = sqlite3.Row
    found = [dict(r) for r in db.execute(sql, params)]
    db.close()
    return found


def counts(archive: Path) -> dict:
    return {t: rows(archive, f"select count(*) as n from {t}")[0]["n"] for t in ("reports", "blobs", "cells", "captures", "checks")}


def cells_of(archive: Path, report_id: str, version: int | None = None) -> dict:
    sql = "select key, value from cells where report_id = ? and version = coalesce(?, (select version from reports where id = ?))"
    return {r["key"]: r["value"] for r in rows(archive, sql, [report_id, version, report_id])}


def report_id(truth) -> str:
    return f"{truth.agency}-{truth.year}-{truth.scope}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_processes(pid: int, marker: bytes) -> list[int]:
    """The children of process ``pid`` whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid and marker in command:
            found.append(int(entry.name))
    return found


def playwright_drivers(pid: int) -> int:
    """How many Playwright node drivers (``cli.js run-driver``) process ``pid`` has running now."""
    return len(child_processes(pid, b"run-driver"))
