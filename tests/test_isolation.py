"""Documents read in child processes under hard limits, by a pool fed from the archive.

The hostile files are built here; the good ones are real reports from ../shared/samples (someone
else's bytes). Every child really runs: limits are the kernel's (RLIMIT_AS) and a real kill.
"""
from __future__ import annotations

import importlib
import multiprocessing
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from PIL import Image

from archive.records import ATTACHMENT, DETAIL, OK, Capture
from archive.store import Archive
from crawler.store.extraction import ExtractionFeeder, count_pending
from extractors.isolation import MEMORY, TIME, ChildLimits, Job, read_isolated, start_child
from extractors.pool import PRELOAD, ExtractionPool
from tests.crawl_helpers import ROOT, XXGK, rows

REAL = ROOT.parent / "shared" / "samples" / "real"
HUAIAN = REAL / "huaian-2024.pdf"
SHANGHAI = REAL / "shanghai-szfbgt-2019.html"

# One blank page of 14400 × 14400 pt: 553 bytes that PDFium renders for OCR as gigabytes of pixels.
HUGE_PAGE_PDF = b"""%PDF-1.4
1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 14400 14400]>>endobj
trailer<</Root 1 0 R>>
%%EOF"""

LIMITS = ChildLimits(memory_mb=512, timeout=4, grace=0)
# The readers' own caps (pixels before rendering, pages of a cut picture) stop these files early; the
# hard limits are what is left when such a check is missing or wrong, so the tests lift the caps.
NO_CAPS = {"XXGK_DOC_MAX_PIXELS": str(10**12), "XXGK_DOC_MAX_PAGES": str(10**6)}


@pytest.fixture(autouse=True, scope="module")
def readers_imported():
    """As in the pool's forkserver: the readers are imported before a child is forked, so a child's
    memory limit counts what it reads, not the imports (OpenCV 5 alone nears 512 MiB of address
    space). Without this the time-limit and crash tests passed only after another test's imports."""
    for name in PRELOAD:
        if name != "extractors.forkserver_priority":  # that one would lower this process's own priority
            importlib.import_module(name)


@pytest.fixture
def no_caps(monkeypatch):
    for name, value in NO_CAPS.items():
        monkeypatch.setenv(name, value)


def real_samples() -> None:
    if not (HUAIAN.exists() and SHANGHAI.exists()):
        if os.environ.get("CI") == "true":
            pytest.fail("../shared/samples/real is missing")
        pytest.skip("../shared/samples/real is not beside this checkout")


@pytest.fixture(scope="module")
def tall_png(tmp_path_factory) -> Path:
    """A blank picture 100 × 200,000 px (a few KB): cut into ~1,400 pages for OCR, it runs for minutes."""
    path = tmp_path_factory.mktemp("hostile") / "tall.png"
    Image.new("L", (100, 200_000), 255).save(path)
    return path


def test_a_document_that_maps_too_much_memory_is_stopped_by_the_memory_limit(tmp_path, no_caps):
    path = tmp_path / "page.pdf"
    path.write_bytes(HUGE_PAGE_PDF)
    outcome = read_isolated(Job(str(path), "page.pdf"), LIMITS)
    assert outcome.status == "limit" and outcome.limit == MEMORY and outcome.limit_value == 512
    assert "XXGK_DOC_MEMORY" in outcome.reason


def test_a_document_that_runs_too_long_is_killed_at_the_time_limit(tall_png, no_caps):
    started = time.monotonic()
    outcome = read_isolated(Job(str(tall_png), "tall.png"), LIMITS)
    assert outcome.status == "limit" and outcome.limit == TIME and outcome.limit_value == 4
    assert time.monotonic() - started < 4 + 20  # killed, not left to run for minutes
    assert "XXGK_DOC_TIMEOUT" in outcome.reason


def test_a_reader_that_dies_is_a_crash_named_by_its_signal(tall_png, no_caps):
    child = start_child(Job(str(tall_png), "tall.png"), ChildLimits(memory_mb=512, timeout=60))
    time.sleep(1.0)
    os.kill(child.process.pid, signal.SIGSEGV)  # what a C library's bad pointer does to the reader
    outcome = None
    while outcome is None:
        outcome = child.poll(timeout=1)
    assert outcome.status == "crashed" and "SIGSEGV" in outcome.reason and outcome.reason.startswith("extractor failed")


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="Linux only")
def test_a_reader_runs_only_on_cpu_nothing_else_wants(tall_png, no_caps):
    """Readers yield the CPU to the crawl and its writer: SCHED_IDLE, not only a high niceness."""
    child = start_child(Job(str(tall_png), "tall.png"), ChildLimits(memory_mb=4096, timeout=60))  # minutes of OCR
    try:
        time.sleep(1.0)
        assert os.sched_getscheduler(child.process.pid) == os.SCHED_IDLE
        assert os.getpriority(os.PRIO_PROCESS, child.process.pid) > os.getpriority(os.PRIO_PROCESS, 0)
        assert os.sched_getscheduler(0) != os.SCHED_IDLE  # the process that started it keeps its own
    finally:
        os.kill(child.process.pid, signal.SIGKILL)
        while child.poll(timeout=1) is None:
            pass


def test_a_real_report_reads_the_same_in_a_child():
    real_samples()
    outcome = read_isolated(Job(str(HUAIAN), HUAIAN.name), ChildLimits())
    assert outcome.status == "done"
    assert outcome.extraction.is_report and outcome.extraction.year == 2024
    assert sum(v is not None for v in outcome.extraction.cells.values()) == 200


def _store(archive: Archive, run: int, url: str, body: bytes, kind: str, content_type: str) -> None:
    archive.record_capture(Capture(url=url, fetched_at="2026-01-01T00:00:00+00:00", site="s1", spider="trs",
                                   kind=kind, flag=OK, status=200, final_url=url,
                                   headers={"Content-Type": content_type}, body=body, agency_hint="淮安市人民政府"), run)


@pytest.fixture
def unread_archive(tmp_path, tall_png) -> Path:
    """An archive whose crawl stored four documents and died before reading any."""
    real_samples()
    path = tmp_path / "archive.db"
    archive = Archive(path)
    run = archive.start_run("xxgk crawl --sites x", {})
    _store(archive, run, "http://127.0.0.1:1/a/report.html", SHANGHAI.read_bytes(), DETAIL, "text/html")
    _store(archive, run, "http://127.0.0.1:1/a/huaian.pdf", HUAIAN.read_bytes(), ATTACHMENT, "application/pdf")
    _store(archive, run, "http://127.0.0.1:1/a/page.pdf", HUGE_PAGE_PDF, ATTACHMENT, "application/pdf")
    _store(archive, run, "http://127.0.0.1:1/a/tall.png", tall_png.read_bytes(), ATTACHMENT, "image/png")
    archive.close()
    return path


def test_the_pool_records_limits_and_reads_the_rest(unread_archive, no_caps):
    # Forked from this process, so the children see the lifted caps (a forkserver keeps its start's).
    pool = ExtractionPool(2, LIMITS, context=multiprocessing.get_context("fork"))
    feeder = ExtractionFeeder(unread_archive, limits=LIMITS, pool=pool)
    try:
        assert count_pending(feeder.archive, LIMITS) == 4
        feeder.drain()
        assert feeder.progress() == {"report": 2, "not_report": 0, "failed": 0, "limit": 2, "extracted": 4, "pending": 0}
    finally:
        feeder.close()
    found = {r["url"]: r for r in rows(unread_archive, "select c.url, e.* from extractions e join captures c on c.sha256 = e.sha256")}
    assert found["http://127.0.0.1:1/a/page.pdf"]["limit_setting"] == MEMORY
    assert found["http://127.0.0.1:1/a/tall.png"]["limit_setting"] == TIME
    assert found["http://127.0.0.1:1/a/tall.png"]["outcome"] == "failed"
    assert {r["id"] for r in rows(unread_archive, "select id from reports")} == {
        "上海市人民政府办公厅-2019-organ", "淮安市人民政府-2024-region"}
    archive = Archive(unread_archive)
    try:
        assert count_pending(archive, LIMITS) == 0  # a limit hit is not retried at the same limit…
        assert count_pending(archive, ChildLimits(memory_mb=1024, timeout=4)) == 1  # …but once it is raised
        assert count_pending(archive, ChildLimits(memory_mb=512, timeout=10)) == 1
        assert count_pending(archive, ChildLimits(memory_mb=4096, timeout=10)) == 2
    finally:
        archive.close()


def test_the_end_of_a_crawl_stops_reading_at_its_deadline_leaving_the_rest_pending(unread_archive, no_caps):
    """XXGK_DRAIN_TIMEOUT: a drain that would outlast it stops there; what is unread stays pending."""
    slow = ChildLimits(memory_mb=4096, timeout=60, grace=0)  # the tall PNG alone is minutes of OCR
    pool = ExtractionPool(1, slow, context=multiprocessing.get_context("fork"))
    feeder = ExtractionFeeder(unread_archive, limits=slow, pool=pool)
    try:
        assert feeder.drain(seconds=3) is False  # it returned at the deadline, the PNG not read
    finally:
        feeder.close()  # the reader still running is killed
    archive = Archive(unread_archive)
    try:
        assert count_pending(archive, slow) >= 1  # left for the next crawl or `xxgk extract-pending`
    finally:
        archive.close()


def test_extract_pending_reads_what_a_dead_crawl_left(tmp_path):
    real_samples()
    path = tmp_path / "archive.db"
    archive = Archive(path)
    run = archive.start_run("xxgk crawl --sites x", {})
    _store(archive, run, "http://127.0.0.1:1/a/report.html", SHANGHAI.read_bytes(), DETAIL, "text/html")
    _store(archive, run, "http://127.0.0.1:1/a/huaian.pdf", HUAIAN.read_bytes(), ATTACHMENT, "application/pdf")
    _store(archive, run, "http://127.0.0.1:1/a/page.pdf", HUGE_PAGE_PDF, ATTACHMENT, "application/pdf")
    archive.close()
    env = {**os.environ, **NO_CAPS, "XXGK_DOC_MEMORY": "512", "XXGK_EXTRACT_WORKERS": "2"}
    run = lambda: subprocess.run([*XXGK, "extract-pending", "--archive", str(path)], cwd=ROOT, env=env,  # noqa: E731
                                 capture_output=True, text=True, timeout=300)
    first = run()
    assert first.returncode == 0, first.stderr[-2000:]
    assert "3 documents to read" in first.stdout
    assert "2 reports, 0 not reports, 0 failed, 1 stopped by a limit; 0 still pending" in first.stdout
    assert "0 documents to read" in run().stdout
    env["XXGK_DOC_MEMORY"] = "1024"  # raised: the document stopped by it is read again
    assert "1 documents to read" in run().stdout
