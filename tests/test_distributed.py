"""A distributed crawl on a real redis-server: two `xxgk crawl --redis` workers and one
`xxgk archive-writer`, on the replica; workers and the writer killed mid-crawl."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
import redis

from replica.mixed import build_mixed_world
from replica.server import Replica
from tests.crawl_helpers import ROOT, XXGK, cells_of, free_port, report_id, rows, write_registry

pytestmark = pytest.mark.skipif(not shutil.which("redis-server") and os.environ.get("CI") != "true",
                                reason="redis-server is not installed")

@pytest.fixture
def redis_url(tmp_path):
    port = free_port()
    server = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                               "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(timeout=20)


@pytest.fixture
def replica():
    # Columns of HTML pages and attachments (PDF, DOCX, DOC, XLSX) on three hosts: work enough for two.
    with Replica.start(build_mixed_world(hosts=3, reports_per_host=30, scans=0)) as running:
        yield running


ENV = {**os.environ, "XXGK_START_DELAY": "0.05", "XXGK_EXTRACT_WORKERS": "1"}


def worker(registry, url: str) -> subprocess.Popen:
    # A short heartbeat lifetime, so a killed worker's requests come back within seconds; few requests
    # taken at a time, so one worker does not take the whole frontier of a small crawl.
    return subprocess.Popen([*XXGK, "crawl", "--sites", str(registry), "--redis", url, "--set", "XXGK_REDIS_WORKER_TTL=4",
                             "--set", "CONCURRENT_REQUESTS=3"],
                            cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def writer(archive, url: str) -> subprocess.Popen:
    return subprocess.Popen([*XXGK, "archive-writer", "--redis", url, "--archive", str(archive), "--until-idle", "3"],
                            cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen, timeout: float = 600) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err[-3000:]
    return out


def assert_full_set(replica, archive) -> None:
    for truth in replica.truth:
        assert cells_of(archive, report_id(truth)) == pytest.approx(truth.cells), report_id(truth)
    # every report once, no capture twice (a capture is one URL answering one way)
    assert len(rows(archive, "select id from reports")) == len(replica.truth)
    twice = rows(archive, "select url, count(*) as n from captures group by url, final_url, status, sha256 having n > 1")
    assert twice == []


def test_two_workers_and_a_writer_archive_every_report_once(tmp_path, redis_url, replica):
    registry = write_registry(tmp_path / "sites.yaml", replica.sites)
    archive = tmp_path / "archive.db"
    store = writer(archive, redis_url)
    workers = [worker(registry, redis_url), worker(registry, redis_url)]
    outs = [finished(w) for w in workers]
    summary = finished(store)
    assert_full_set(replica, archive)
    # no URL was fetched twice between them (which worker takes how much depends on when each starts:
    # one that starts after the other emptied the shared queue pushes nothing, and that is right)
    assert all("captures pushed" in out for out in outs)
    pushed = [int(out.split(" captures pushed")[0].rsplit(" ", 1)[1]) for out in outs]
    assert sum(pushed) > 0, outs
    assert rows(archive, "select count(*) as n from captures where times_fetched > 1")[0]["n"] == 0
    assert "Archive writer run 1:" in summary
    assert redis.Redis.from_url(redis_url).llen("xxgk:captures") == 0


def test_a_killed_worker_and_a_killed_writer_lose_nothing(tmp_path, redis_url, replica):
    registry = write_registry(tmp_path / "sites.yaml", replica.sites)
    archive = tmp_path / "archive.db"
    server = redis.Redis.from_url(redis_url)
    store = writer(archive, redis_url)
    doomed, survivor = worker(registry, redis_url), worker(registry, redis_url)
    # Once work is under way (some captures pushed), kill one worker and the writer outright.
    deadline = time.monotonic() + 300
    while server.llen("xxgk:captures") + len(rows_or_empty(archive)) < 30:
        assert time.monotonic() < deadline and doomed.poll() is None, "the crawl never got going"
        time.sleep(0.05)
    doomed.send_signal(signal.SIGKILL)
    store.send_signal(signal.SIGKILL)
    doomed.communicate()
    store.communicate()
    time.sleep(1)
    restarted = writer(archive, redis_url)  # a new writer finds what the old one had taken
    out = finished(survivor)
    finished(restarted)
    assert_full_set(replica, archive)
    runs = rows(archive, "select status from crawl_runs order by id")
    assert [r["status"] for r in runs] == ["interrupted", "finished"]
    assert "put back" in out


def rows_or_empty(archive) -> list:
    try:
        return rows(archive, "select id from captures")
    except Exception:  # not created yet, or being migrated
        return []
