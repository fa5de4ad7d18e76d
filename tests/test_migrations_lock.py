"""Migrations on a fresh archive: run once under a lock whoever opens it, and atomically."""
from __future__ import annotations

import subprocess
import sys
import time

from archive import migrations
from archive.store import Archive
from tests.crawl_helpers import ROOT, rows

OPEN = "import sys; from archive.store import Archive; Archive(sys.argv[1]).close()"


def test_two_processes_opening_a_fresh_archive_run_the_migrations_once(tmp_path):
    # Several writers start on the same fresh archive at once, five times over.
    for attempt in range(5):
        path = tmp_path / f"fresh{attempt}.db"
        procs = [subprocess.Popen([sys.executable, "-c", OPEN, str(path)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
                 for _ in range(4)]
        for proc in procs:
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err[-2000:]
        names = [r["name"] for r in rows(path, "select name from _migrations")]
        assert names == [m.__name__ for m in migrations.MIGRATIONS]


def test_a_process_killed_while_migrating_leaves_an_archive_the_next_one_opens(tmp_path):
    # kill -9 at different moments of the migrations of a fresh archive; the next open completes them
    for attempt, delay in enumerate((0.6, 0.9, 1.2, 1.6, 2.2)):
        path = tmp_path / f"killed{attempt}.db"
        proc = subprocess.Popen([sys.executable, "-c", OPEN, str(path)], cwd=ROOT)
        time.sleep(delay)
        proc.kill()
        proc.wait()
        Archive(path).close()
        names = [r["name"] for r in rows(path, "select name from _migrations")]
        assert names == [m.__name__ for m in migrations.MIGRATIONS]
