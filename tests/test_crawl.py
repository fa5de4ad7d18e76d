"""End to end: a real Scrapy crawl of the real portal replica into a real SQLite archive."""
import hashlib
import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from replica.server import Replica

XXGK = [sys.executable, "-m", "commands"]
ROOT = Path(__file__).resolve().parents[1]


def xxgk(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([*XXGK, *args], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The replica crawled twice into one archive; yields (replica, db path, first and second run outputs)."""
    tmp = tmp_path_factory.mktemp("crawl")
    with Replica.start() as replica:
        registry = tmp / "sites.yaml"
        rows = [{"id": s.id, "agency": s.agency, "start_url": s.start_url, "platform": s.platform} for s in replica.sites]
        registry.write_text(yaml.safe_dump(rows, allow_unicode=True), encoding="utf-8")
        archive = tmp / "archive.db"
        first = xxgk("crawl", "--sites", str(registry), "--archive", str(archive))
        counts_after_first = _counts(archive)
        second = xxgk("crawl", "--sites", str(registry), "--archive", str(archive))
        yield replica, archive, counts_after_first, first.stdout, second.stdout


def _counts(archive: Path) -> dict:
    db = sqlite3.connect(archive)
    counts = {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in ("reports", "blobs", "cells", "captures", "checks")}
    db.close()
    return counts


def _rows(archive: Path, sql: str, params=()) -> list[dict]:
    db = sqlite3.connect(archive)
    db.row_factory = sqlite3.Row
    rows = [dict(r) for r in db.execute(sql, params)]
    db.close()
    return rows


def test_every_true_report_is_archived_with_its_exact_numbers(crawled):
    replica, archive, *_ = crawled
    assert len(replica.truth) >= 10
    for truth in replica.truth:
        rid = f"{truth.agency}-{truth.year}-{truth.scope}"
        [report] = _rows(archive, "select * from reports where id = ?", [rid])
        assert report["template"] == truth.template, rid
        cells = {r["key"]: r["value"] for r in _rows(archive, "select key, value from cells where report_id = ?", [rid])}
        assert cells == pytest.approx(truth.cells), rid


def test_companion_pages_and_notices_are_not_reports(crawled):
    replica, archive, *_ = crawled
    assert _counts(archive)["reports"] == len(replica.truth)


def test_every_report_links_to_a_capture_whose_bytes_are_on_disk(crawled):
    _, archive, *_ = crawled
    rows = _rows(archive, "select r.id, c.* from reports r join captures c on c.id = r.capture_id")
    assert len(rows) == _counts(archive)["reports"]
    blobs = archive.with_name(archive.name + ".blobs")
    for row in rows:
        assert row["url"].startswith("http://127.") and row["status"] == 200 and row["fetched_at"]
        assert json.loads(row["headers"])["Content-Type"]
        body = (blobs / row["sha256"][:2] / row["sha256"][2:4] / row["sha256"]).read_bytes()
        assert hashlib.sha256(body).hexdigest() == row["sha256"]


def test_faults_are_recorded_as_captures_and_the_crawl_completes(crawled):
    replica, archive, *_ = crawled
    assert {f.kind for f in replica.faults} >= {"404", "500", "truncated"}
    for fault in replica.faults:
        [capture] = _rows(archive, "select * from captures where url = ?", [fault.url])
        if fault.kind == "truncated":
            assert capture["flag"] == "network_error" and capture["status"] is None
            assert "ResponseDataLossError" in capture["error"]
        else:
            assert capture["flag"] == "http_error" and capture["status"] == int(fault.kind)
    [run] = _rows(archive, "select * from crawl_runs where id = 1")
    assert run["status"] == "finished" and run["errors"] == len(replica.faults)


def test_a_second_crawl_adds_a_run_and_nothing_else(crawled):
    _, archive, first_counts, _, second_out = crawled
    assert _counts(archive) == first_counts
    [run] = _rows(archive, "select * from crawl_runs where id = 2")
    assert (run["new_captures"], run["new_blobs"], run["new_reports"]) == (0, 0, 0)
    assert run["requests"] > 0
    assert "0 new captures, 0 new blobs, 0 new reports" in second_out


def test_only_official_hosts_are_fetched(crawled):
    replica, archive, *_ = crawled
    hosts = {s.base_url for s in replica.sites}
    for row in _rows(archive, "select url from captures"):
        assert any(row["url"].startswith(h) for h in hosts), row["url"]


def test_demo_crawls_the_replica_and_says_how_to_browse(tmp_path):
    with socket.socket() as s:  # a free port for the demo's replica
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = xxgk("demo", "--archive", str(tmp_path / "demo.db"), "--port", str(port)).stdout
    assert "xxgk serve --archive" in out
    assert _counts(tmp_path / "demo.db")["reports"] >= 10


def test_crawl_with_a_broken_registry_says_why(tmp_path):
    registry = tmp_path / "sites.csv"
    registry.write_text("id,agency,start_url,platform\nx,某局,ftp://nowhere,trs\n", encoding="utf-8")
    done = subprocess.run([*XXGK, "crawl", "--sites", str(registry), "--archive", str(tmp_path / "a.db")],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2 and "start_url must be http(s)" in done.stderr


def test_serve_shows_numbers_beside_their_original_and_archived_copy(crawled):
    _, archive, *_ = crawled
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([*XXGK, "serve", "--archive", str(archive), "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        rows = _get_json(f"{base}/{archive.stem}/report_numbers.json?_shape=array&key=t3.new.total&_size=max")
        assert len(rows) == _counts(archive)["reports"] - 1  # all but the freeform report have t3.new.total
        row = rows[0]
        assert row["original_url"].startswith("http://127.") and row["label"].endswith("总计")
        body = urllib.request.urlopen(base + row["archived_copy"], timeout=10).read()
        [report] = _rows(archive, "select sha256 from reports where id = ?", [row["report_id"]])
        assert hashlib.sha256(body).hexdigest() == report["sha256"]
        meta = _get_json(f"{base}/-/metadata.json")
        assert "reports" in meta["databases"][archive.stem]["tables"]
    finally:
        server.terminate()
        server.wait(timeout=10)


def _get_json(url: str, wait: float = 60):
    deadline = time.monotonic() + wait  # Datasette takes a moment to start listening (seconds on a loaded machine)
    while time.monotonic() < deadline:
        try:
            return json.load(urllib.request.urlopen(url, timeout=10))
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise AssertionError(f"no answer from {url}")
