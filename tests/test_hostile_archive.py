"""Issue 12: the archive under faults and the crawl under signals — a disk that fills (a real write
failure: the crawl runs with RLIMIT_FSIZE, so a blob past it fails with EFBIG as a full disk fails
with ENOSPC), a crawl killed like the OOM killer kills, SIGTERM, two demos on one port, a challenge
served with status 200, and a document refused by a limit read again only when the limit is raised."""
from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import time

import pytest
import yaml

from archive.store import Archive
from crawler.fetch.browser import find_browser
from crawler.fetch.hosts import refusal
from crawler.sites import Site
from replica.server import Replica
from tests.crawl_helpers import ROOT, XXGK, child_processes, free_port, rows
from tests.hostile_server import TITLE, Portal, hanging, html, listing, raw

REPORT = "<p>本机关2023年度未收到政府信息公开申请。</p>"


def registry(path, *sites: tuple[str, str, str]) -> str:
    rows_ = [{"id": site_id, "agency": f"{site_id}局", "start_url": url, "platform": platform} for site_id, url, platform in sites]
    path.write_text(yaml.safe_dump(rows_, allow_unicode=True), encoding="utf-8")
    return str(path)


def crawl_args(sites: str, archive, *extra: str) -> list[str]:
    return [*XXGK, "crawl", "--sites", sites, "--archive", str(archive), "--set", "AUTOTHROTTLE_START_DELAY=0.2", *extra]


def integrity(archive) -> str:
    db = sqlite3.connect(archive)
    try:
        return db.execute("pragma integrity_check").fetchone()[0]
    finally:
        db.close()


def test_a_full_disk_is_an_error_of_the_run_and_removes_no_report(tmp_path):
    archive = tmp_path / "archive.db"
    Archive(archive).close()  # migrations done before the limit: the crawl's own writes meet it
    with Portal("127.0.0.71") as portal:
        portal.route("/a.html", html(REPORT, title=TITLE.format(agency="甲局")))
        portal.route("/b.html", html(REPORT, title=TITLE.format(agency="乙局")))
        portal.route("/big.pdf", raw(b"%PDF-1.4\n" + os.urandom(20 * 2**20)))  # incompressible, 20 MiB
        portal.route("/list/index.html", listing([("/a.html", TITLE.format(agency="甲局")), ("/b.html", TITLE.format(agency="乙局"))]))
        sites = registry(tmp_path / "sites.yaml", ("disk", portal.url("/list/index.html"), "generic"))
        first = subprocess.run(crawl_args(sites, archive), cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert first.returncode == 0, first.stderr[-2000:]

        # b.html leaves the column (it would be marked removed), a 20 MiB attachment arrives: past the file-size limit
        portal.route("/list/index.html", listing([("/a.html", TITLE.format(agency="甲局")), ("/big.pdf", TITLE.format(agency="丙局"))]))
        limit = max(archive.stat().st_size, 5 * 2**20) + 2**20

        def small_disk():
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        second = subprocess.run(crawl_args(sites, archive), cwd=ROOT, capture_output=True, text=True, timeout=300,
                                preexec_fn=small_disk)
    assert second.returncode == 2  # failed (docs/operators.md, "Exit codes")
    assert "could not be stored" in second.stderr and "File too large" in second.stderr, second.stderr[-2000:]
    [_, run] = rows(archive, "select * from crawl_runs order by id")
    assert run["storage_errors"] == 1 and run["errors"] >= 1 and run["status"] == "finished"
    assert not rows(archive, "select id from reports where removed_at is not null")
    assert not list((tmp_path / "archive.db.blobs" / ".tmp").iterdir())
    assert integrity(archive) == "ok"


def test_temporary_files_of_dead_writers_are_cleaned_on_open(tmp_path):
    archive = Archive(tmp_path / "archive.db")
    archive.blobs.put(b"one blob")
    dead = subprocess.Popen(["true"])  # a writer that is gone
    dead.wait()
    leftover = archive.blobs.tmp_dir / f"{'a' * 64}.{dead.pid}.tmp"
    leftover.write_bytes(b"half a blob")
    mine = archive.blobs.tmp_dir / f"{'b' * 64}.{os.getpid()}.tmp"  # a live writer's: left alone
    mine.write_bytes(b"being written")
    archive.close()
    Archive(tmp_path / "archive.db").close()
    assert not leftover.exists() and mine.exists()


def test_a_crawl_killed_like_the_oom_killer_does_is_marked_interrupted_on_next_open(tmp_path):
    archive = tmp_path / "archive.db"
    with Portal("127.0.0.72") as portal:
        portal.route("/slow.html", hanging(120))
        portal.route("/list/index.html", listing([("/slow.html", TITLE.format(agency="慢局"))]))
        sites = registry(tmp_path / "sites.yaml", ("slow", portal.url("/list/index.html"), "generic"))
        victim = subprocess.Popen(crawl_args(sites, archive), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not portal.hits["/slow.html"]:
                time.sleep(0.2)
            assert rows(archive, "select status from crawl_runs") == [{"status": "running"}]
        finally:
            victim.send_signal(signal.SIGKILL)  # what the OOM killer sends
            victim.wait()
    Archive(archive).close()  # any later open: `xxgk serve`, a crawl, a query through the archive
    assert rows(archive, "select status from crawl_runs") == [{"status": "interrupted"}]
    assert integrity(archive) == "ok"


def test_the_first_sigterm_ends_the_crawl_within_seconds_and_marks_it_interrupted(tmp_path):
    archive = tmp_path / "archive.db"
    with Portal("127.0.0.73") as pages, Portal("127.0.0.74") as slow:
        def page(request):  # a column claiming 100,000 pages, each with a row of its own
            number = request.path.rsplit("_", 1)[-1].split(".")[0] if "_" in request.path else "0"
            return listing([(f"./n{number}.html", f"通知{number}")], '<script>createPageHTML(100000, 0, "index", "html");</script>')(request)
        pages.route("/col/index.html", page)
        pages.route("/col/*", page)
        slow.route("/slow.html", hanging(300))
        slow.route("/list/index.html", listing([("/slow.html", TITLE.format(agency="慢局"))]))
        sites = registry(tmp_path / "sites.yaml", ("pages", pages.url("/col/index.html"), "trs"),
                         ("slow", slow.url("/list/index.html"), "generic"))
        crawl = subprocess.Popen(crawl_args(sites, archive, "--set", "XXGK_MAX_LIST_PAGES=100000"), cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not (slow.hits["/slow.html"] and pages.hits["/col/index_3.html"]):
                time.sleep(0.2)
            crawl.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            out, err = crawl.communicate(timeout=60)  # a stuck download alone would hold it 60 s and more
            took = time.monotonic() - signalled
        finally:
            if crawl.poll() is None:
                crawl.kill()
    assert crawl.returncode == 130 and "interrupted" in err, err[-2000:]
    assert took < 30, f"took {took:.1f} s to stop"
    [run] = rows(archive, "select * from crawl_runs")
    assert run["status"] == "interrupted" and run["finished_at"]
    assert integrity(archive) == "ok"


def _writer_of(pid: int) -> int | None:
    """The crawl's archive writer process (``crawler.store.archive_process``): the child multiprocessing spawned."""
    return next(iter(child_processes(pid, b"spawn_main")), None)


def _wait_for(condition, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not condition():
        time.sleep(0.2)


def test_ctrl_c_reaches_the_writer_too_and_everything_captured_is_stored_with_whole_warc_records(tmp_path):
    """A terminal's Ctrl-C signals the whole process group: the writer ignores it, stores what the
    crawl sent, closes its WARC files, and only then ends."""
    from warcio.archiveiterator import ArchiveIterator

    archive = tmp_path / "archive.db"
    with Portal("127.0.0.77") as portal, Portal("127.0.0.78") as slow:
        portal.route("/big.pdf", raw(b"%PDF-1.4\n" + os.urandom(4 * 2**20)))
        portal.route("/list/index.html", listing([(f"/r{n}.html", TITLE.format(agency=f"{n}局")) for n in range(30)]
                                                 + [("/big.pdf", TITLE.format(agency="大局"))]))
        portal.route("/r*", html(REPORT))
        slow.route("/slow.html", hanging(300))
        slow.route("/list/index.html", listing([("/slow.html", TITLE.format(agency="慢局"))]))
        sites = registry(tmp_path / "sites.yaml", ("many", portal.url("/list/index.html"), "generic"),
                         ("slow", slow.url("/list/index.html"), "generic"))
        crawl = subprocess.Popen(crawl_args(sites, archive, "--set", "AUTOTHROTTLE_ENABLED=False"), cwd=ROOT,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            _wait_for(lambda: slow.hits["/slow.html"] and portal.hits["/big.pdf"])
            writer = _writer_of(crawl.pid)
            assert writer is not None
            os.killpg(crawl.pid, signal.SIGINT)  # what a terminal sends on Ctrl-C: every process of the group
            out, err = crawl.communicate(timeout=60)
        finally:
            if crawl.poll() is None:
                os.killpg(crawl.pid, signal.SIGKILL)
    assert crawl.returncode == 130 and "interrupted" in err, err[-2000:]
    assert not os.path.exists(f"/proc/{writer}")  # it ended with the crawl
    stored = {r["url"].rsplit("/", 1)[1] for r in rows(archive, "select url from captures where flag = 'ok'")}
    assert "big.pdf" in stored  # fetched before the signal: stored, though the writer was signalled too
    records = 0
    for warc in (tmp_path / "archive.db.warc").glob("*.warc.gz"):
        with open(warc, "rb") as fh:
            for record in ArchiveIterator(fh):  # a record cut short raises here
                record.content_stream().read()
                records += 1
    assert records >= 2 * len(stored)  # a request and a response each
    assert integrity(archive) == "ok"


def test_a_writer_process_that_dies_fails_the_captures_it_did_not_store_and_the_crawl_still_ends(tmp_path):
    archive = tmp_path / "archive.db"
    with Portal("127.0.0.79") as portal:
        portal.route("/a.html", html(REPORT, title=TITLE.format(agency="甲局")))
        portal.route("/late.html", hanging(4))  # answers after the writer is gone
        portal.route("/list/index.html", listing([("/a.html", TITLE.format(agency="甲局")),
                                                  ("/late.html", TITLE.format(agency="晚局"))]))
        sites = registry(tmp_path / "sites.yaml", ("dies", portal.url("/list/index.html"), "generic"))
        crawl = subprocess.Popen(crawl_args(sites, archive), cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
        try:
            _wait_for(lambda: portal.hits["/late.html"] and rows(archive, "select id from captures where url like '%/a.html'"))
            os.kill(_writer_of(crawl.pid), signal.SIGKILL)  # the OOM killer's choice
            out, err = crawl.communicate(timeout=120)
        finally:
            if crawl.poll() is None:
                crawl.kill()
    assert crawl.returncode == 2 and "could not be stored" in err and "archive writer process" in err, err[-2000:]
    [run] = rows(archive, "select * from crawl_runs")
    assert run["storage_errors"] >= 1 and run["status"] == "finished"
    assert not rows(archive, "select id from captures where url like '%/late.html'")
    assert integrity(archive) == "ok"


def test_a_crawl_killed_with_kill_9_leaves_the_archive_locked_until_its_writer_has_stored_what_it_received(tmp_path):
    """The crawl holds the archive's lock, and its writer process shares it: after a ``kill -9`` of
    the crawl, the writer stores what it had received under that lock, in its own name, and no
    other writer starts before it is done."""
    from archive.lock import ArchiveLock, ArchiveLocked

    archive = tmp_path / "archive.db"
    with Portal("127.0.0.80") as portal:
        portal.route("/a.html", html(REPORT, title=TITLE.format(agency="甲局")))
        portal.route("/late.html", hanging(4))
        portal.route("/list/index.html", listing([("/a.html", TITLE.format(agency="甲局")),
                                                  ("/late.html", TITLE.format(agency="晚局"))]))
        sites = registry(tmp_path / "sites.yaml", ("orphan", portal.url("/list/index.html"), "generic"))
        with open(tmp_path / "crawl.err", "w") as err:  # not a pipe: the orphaned writer would hold it open
            crawl = subprocess.Popen(crawl_args(sites, archive), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err,
                                     start_new_session=True)
        db = None
        try:
            _wait_for(lambda: portal.hits["/late.html"] and rows(archive, "select id from captures where url like '%/a.html'"))
            writer = _writer_of(crawl.pid)
            db = sqlite3.connect(archive, timeout=60, isolation_level=None)
            db.execute("begin immediate")  # the writer cannot store the late page until this ends
            time.sleep(8)  # the late page answered (after 4 s) and sent to the writer
            crawl.kill()  # the crawl alone, with SIGKILL: its writer is left behind
            crawl.wait(timeout=60)
            holders = []
            for _ in range(10):  # the writer carries on storing: the archive stays locked, in its name
                with pytest.raises(ArchiveLocked) as locked:
                    with ArchiveLock(archive, "a second writer"):
                        pass
                holders.append(locked.value.holder.get("pid"))
                time.sleep(0.3)
            assert os.path.exists(f"/proc/{writer}")
            assert holders[-1] == writer, holders
            db.execute("rollback")
            _wait_for(lambda: not os.path.exists(f"/proc/{writer}"), 60)
            assert not os.path.exists(f"/proc/{writer}"), (tmp_path / "crawl.err").read_text()[-2000:]
        finally:
            if db is not None:
                db.close()
            try:
                os.killpg(crawl.pid, signal.SIGKILL)  # whatever is left of the crawl's process group
            except ProcessLookupError:
                pass
    with ArchiveLock(archive, "a second writer") as lock:  # free once the writer is done
        assert lock.recovered["pid"] == writer
    assert rows(archive, "select id from captures where url like '%/late.html'")  # what it had received is stored
    assert integrity(archive) == "ok"


def test_two_demos_on_one_port_get_a_one_line_message(tmp_path):
    port = free_port()
    with Replica.start(port=port):  # the first demo's portals
        done = subprocess.run([*XXGK, "demo", "--port", str(port), "--archive", str(tmp_path / "a.db")], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and f"port {port} is busy" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.skipif(find_browser() is None and not __import__("shutil").which("chromium"), reason="no Chromium")
def test_a_challenge_answered_with_status_200_is_detected_by_its_content(tmp_path):
    # 瑞数's bootstrap as portals serve it: state in $_ts, scripts marked r='m', no content at all
    challenge = ("<meta id='kLq2' content='x91' r='m'><script type='text/javascript' r='m'>$_ts=window['$_ts'];"
                 "if(!$_ts)$_ts=window['$_ts']={};$_ts.nsd=40517;$_ts.cd='qrGcr';</script>"
                 "<script type='text/javascript' charset='utf-8' src='/Kq3v/f.b91c.js' r='m'></script>")
    archive = tmp_path / "archive.db"
    with Portal("127.0.0.75") as guarded, Portal("127.0.0.76") as plain:
        guarded.route("/list/index.html", html(challenge))
        plain.route("/a.html", html(REPORT, title=TITLE.format(agency="甲局")))
        plain.route("/list/index.html", listing([("/a.html", TITLE.format(agency="甲局"))]))
        sites = registry(tmp_path / "sites.yaml", ("guarded", guarded.url("/list/index.html"), "generic"),
                         ("plain", plain.url("/list/index.html"), "generic"))
        done = subprocess.run(crawl_args(sites, archive), cwd=ROOT, capture_output=True, text=True, timeout=300)
    # the crawl ends; a newly blocked host fails its health check (docs/operators.md, "Exit codes")
    assert done.returncode == 2 and "FAILED guarded: newly_blocked: host 127.0.0.75" in done.stdout, done.stderr[-2000:]
    flagged = rows(archive, "select * from captures where site = 'guarded' and status = 200")
    assert flagged and all(c["flag"] == "challenge" and c["error"] == "anti-bot page: ruishu" for c in flagged)
    [blocked] = rows(archive, "select * from blocked_hosts")
    assert blocked["host"] == "127.0.0.75" and blocked["capture_id"] == flagged[0]["id"]
    assert rows(archive, "select * from captures where site = 'plain' and kind = 'detail' and flag = 'ok'")
    assert integrity(archive) == "ok"


def test_a_document_refused_by_a_limit_is_read_again_only_when_the_limit_is_raised(tmp_path):
    from tests.hostile_files import _docx_parts, _package, _W

    # a 2000-column table: over a cell limit of 1000, under one of 5000
    document = (f'<?xml version="1.0" encoding="UTF-8"?><w:document {_W}><w:body><w:tbl><w:tr>'
                + "<w:tc><w:p/></w:tc>" * 2000 + "</w:tr></w:tbl></w:body></w:document>")
    archive = tmp_path / "archive.db"
    with Portal("127.0.0.77") as portal:
        portal.route("/wide.docx", raw(_package({**_docx_parts(), "word/document.xml": document})))
        portal.route("/list/index.html", listing([("/wide.docx", TITLE.format(agency="宽表局"))]))
        sites = registry(tmp_path / "sites.yaml", ("wide", portal.url("/list/index.html"), "generic"))

        def crawl(cells: int) -> dict:
            done = subprocess.run(crawl_args(sites, archive), cwd=ROOT, capture_output=True, text=True, timeout=300,
                                  env={**os.environ, "XXGK_DOC_MAX_CELLS": str(cells)})
            assert done.returncode == 0, done.stderr[-2000:]
            [extraction] = rows(archive, "select * from extractions")
            return extraction

        first = crawl(1000)
        assert first["limit_setting"] == "XXGK_DOC_MAX_CELLS" and first["limit_value"] == 1000
        assert crawl(1000)["extracted_at"] == first["extracted_at"]  # not read again
        raised = crawl(5000)
    assert raised["limit_setting"] is None and "XXGK_DOC_MAX_CELLS" not in (raised["reason"] or "")


def test_redirect_and_link_hosts_follow_the_registry():
    site = Site("s", "某局", "http://www.example.gov.cn/col/index.html", "generic", {"hosts": "files.example.com"})
    assert refusal("http://files.example.com/a.pdf", site) is None  # allowed by the registry row
    assert refusal("http://www.other.gov.cn/a.html", site) is None
    assert "off-site" in refusal("http://mirror.example.net/a.html", site)
    assert "private" in refusal("http://10.1.2.3/a.html", site)
    assert "private" in refusal("http://[::1]:8080/a.html", site)
    assert "private" in refusal("http://169.254.169.254/latest/meta-data/", site)  # link-local: cloud metadata
    assert "private" in refusal("http://localhost/a.html", site)
    assert "http(s)" in refusal("file:///etc/passwd", site)
    own = Site("r", "某局", "http://127.0.0.11:8642/col/index.html", "trs")
    assert refusal("http://127.0.0.11:8642/t1.html", own) is None  # the site's own host, private or not
    assert "private" in refusal("http://127.0.0.12:8642/t1.html", own)
    assert "private" in refusal("http://10.0.0.1/x", Site("t", "某局", "http://a.gov.cn/", "trs", {"hosts": ["10.0.0.1"]}))
