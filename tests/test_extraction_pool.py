"""Downloads never wait for extraction: documents are read by a pool of limited child processes
fed from the archive, and what they read is written by the crawl process (the one writer)."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time

import pytest

from extractors.documents import ocr, word_convert
from replica.mixed import build_mixed_world
from replica.server import Replica
from tests.crawl_helpers import ROOT, XXGK, cells_of, playwright_drivers, report_id, rows, write_registry

needs_tools = pytest.mark.skipif(not (word_convert.available() and ocr.available()),
                                 reason="LibreOffice or Tesseract is not installed")


def _poll(archive, scan_urls: list[str]) -> tuple[int, int] | None:
    """(detail pages stored, scans read) as the archive says now; None while it is being created."""
    try:
        db = sqlite3.connect(f"file:{archive}?mode=ro", uri=True, timeout=1)
        details = db.execute("select count(*) from captures where kind = 'detail'").fetchone()[0]
        read = db.execute(
            f"select count(*) from captures c join extractions e on e.sha256 = c.sha256 "
            f"where c.url in ({', '.join('?' * len(scan_urls))})", scan_urls).fetchone()[0]
        db.close()
        return details, read
    except sqlite3.OperationalError:
        return None


@needs_tools
def test_html_pages_are_fetched_while_scans_are_read_and_everything_is_read_by_the_end(tmp_path):
    # Three columns whose newest row is a scanned PDF (OCR: seconds each), then dozens of HTML pages.
    world = build_mixed_world(hosts=3, reports_per_host=16, scans=2, scans_first=True)
    with Replica.start(world) as replica:
        registry = write_registry(tmp_path / "sites.yaml", replica.sites)
        archive = tmp_path / "archive.db"
        scan_urls = [t.attachment_url for t in replica.truth if t.layout == "scan"]
        detail_pages = len(replica.truth)  # every report has its page, body or not
        env = {**os.environ, "XXGK_EXTRACT_WORKERS": "2", "XXGK_START_DELAY": "0.1"}
        crawl = subprocess.Popen([*XXGK, "crawl", "--sites", str(registry), "--archive", str(archive)], cwd=ROOT,
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        timeline = []  # (seconds, detail pages stored, scans read)
        drivers = []  # no page here needs a browser: no Playwright driver is started
        start = time.monotonic()
        while crawl.poll() is None:
            drivers.append(playwright_drivers(crawl.pid))
            seen = _poll(archive, scan_urls)
            if seen:
                timeline.append((time.monotonic() - start, *seen))
            time.sleep(0.2)
            assert time.monotonic() - start < 900, "crawl took too long"
        out, err = crawl.communicate()
        assert crawl.returncode == 0, err[-3000:]
        assert max(drivers) == 0

        # Every report page was stored before the last scan had been read: downloads did not wait.
        all_stored = next(t for t, details, _ in timeline if details >= detail_pages)
        scans_read = next((t for t, _, read in timeline if read == len(scan_urls)), float("inf"))
        assert all_stored < scans_read, timeline
        # And while the first scans were read, report pages kept arriving.
        during = [details for t, details, read in timeline if read == 0]
        assert during and during[-1] - during[0] >= detail_pages // 2, timeline

        # Every document was read by the end, with its exact numbers.
        for truth in replica.truth:
            assert cells_of(archive, report_id(truth)) == pytest.approx(truth.cells), report_id(truth)
        assert rows(archive, "select count(*) as n from extractions where outcome = 'failed'")[0]["n"] == 0
        assert "Documents read by the extraction pool:" in out and "still waiting" not in out
