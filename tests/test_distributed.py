"""Distributed crawls on a real redis-server (each test starts its own on a free port): one
`xxgk archive-writer`, `xxgk crawl --redis` workers and `xxgk read-documents` readers on the
replica — the same archive as one machine's, readers and writers killed mid-work, hostile items
on every queue, passwords, and recrawls that download nothing."""
from __future__ import annotations

import contextlib
import gzip
import json
import os
import pickle
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
import yaml

from crawler.distributed import messages
from replica.mixed import build_mixed_world
from replica.portals import build_world
from replica.server import Replica
from tests.crawl_helpers import ROOT, XXGK, cells_of, free_port, report_id, rows

pytestmark = pytest.mark.skipif(not shutil.which("redis-server") and os.environ.get("CI") != "true",
                                reason="redis-server is not installed")

PASSWORD = "s3cr3t-Pa55word-for-tests"
ENV = {**os.environ, "XXGK_START_DELAY": "0.05", "XXGK_EXTRACT_WORKERS": "1", "XXGK_PROGRESS_INTERVAL": "2",
       "XXGK_READER_HEARTBEAT": "3"}


@contextlib.contextmanager
def redis_server(folder: Path, password: str | None = None):
    port = free_port()
    args = ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
            "--dir", str(folder)]
    server = subprocess.Popen(args + (["--requirepass", password] if password else []), stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
    try:
        yield f"redis://:{password}@127.0.0.1:{port}/0" if password else f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture
def redis_url(tmp_path):
    with redis_server(tmp_path) as url:
        yield url


def write_registry(path: Path, sites, *, places: bool = False) -> Path:
    """The replica's registry; with ``places``, each site's region code and level, as an operator's
    registry has them (report ids then start with the region code)."""
    rows_ = [{"id": s.id, "agency": s.agency, "start_url": s.start_url, "platform": s.platform}
             | ({"region_code": s.region_code, "level": s.level} if places else {}) for s in sites]
    path.write_text(yaml.safe_dump(rows_, allow_unicode=True), encoding="utf-8")
    return path


_STARTED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _no_process_left():
    """A test that fails mid-crawl leaves no worker waiting for a writer that will never finish."""
    yield
    while _STARTED:
        process = _STARTED.pop()
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()


def start(*args: str, env: dict | None = None) -> subprocess.Popen:
    process = subprocess.Popen([*XXGK, *args], cwd=ROOT, env=env or ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    _STARTED.append(process)
    return process


def writer(archive: Path, url: str, *extra: str, env: dict | None = None) -> subprocess.Popen:
    return start("archive-writer", "--redis", url, "--archive", str(archive), *extra, env=env)


def worker(registry: Path, url: str, *extra: str, readers: int = 1, env: dict | None = None) -> subprocess.Popen:
    return start("crawl", "--sites", str(registry), "--redis", url, "--readers", str(readers), *extra, env=env)


def ended(process: subprocess.Popen, codes=(0, 1), timeout: float = 600) -> str:
    """Its stdout and stderr, once it exited with one of ``codes`` (1: finished with warnings)."""
    out, err = process.communicate(timeout=timeout)
    assert process.returncode in codes, f"exit {process.returncode}: {err[-3000:]} {out[-2000:]}"
    return out + err


def wait_for(condition, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(0.05)
    return found


def distributed(registry: Path, archive: Path, url: str, workers: int = 2, env: dict | None = None) -> tuple[str, list[str]]:
    """A writer and ``workers`` workers to the end: (writer's output, workers' outputs)."""
    store = writer(archive, url, env=env)
    crew = [worker(registry, url, env=env) for _ in range(workers)]
    return ended(store), [ended(w) for w in crew]


# --- one crawl of the replica, on one machine and distributed; then recrawled ----------------------

@pytest.fixture(scope="module")
def twin(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("twin")
    found = {"tmp": tmp}
    with Replica.start(build_world(), port=free_port()) as replica, redis_server(tmp, PASSWORD) as url:
        registry = write_registry(tmp / "sites.yaml", replica.sites, places=True)
        single = subprocess.run([*XXGK, "crawl", "--sites", str(registry), "--archive", str(tmp / "single.db")],
                                cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=600)
        assert single.returncode in (0, 1), single.stderr[-3000:]
        store = writer(tmp / "distributed.db", url)
        crew = [worker(registry, url), worker(registry, url)]
        lock = tmp / "distributed.db.lock"
        found["lock"] = wait_for(lambda: lock.exists() and lock.read_text(), "the writer's lock named")
        found["writer"], found["workers"] = ended(store), [ended(w) for w in crew]
        found["pids"] = [w.pid for w in crew], store.pid
        replica.reset_stats()
        # Scrapy's own log at INFO (it lists the settings): still no password
        found["rewriter"], found["reworkers"] = distributed(registry, tmp / "distributed.db", url,
                                                            env={**ENV, "XXGK_LOG_LEVEL": "INFO"})
        found["restats"] = replica.stats()
        found["faults"] = {f.url for f in replica.faults}
        found["truth"] = replica.truth
    return found


def _rows(archive: Path, sql: str) -> list[dict]:
    return rows(archive, sql)


SAME = {  # what must be equal, row for row: no run ids, times or capture ids (they follow arrival order)
    "reports": "select id, agency, agency_id, region_code, level, year, scope, template, title, url, site, "
               "source_format, sha256, cells_filled, checks_failed, version, content_hash, removed_at is null as kept "
               "from reports order by id",
    "agencies": "select id, name, region_code, level, parent_id, sites, names from agencies order by id",
    "cells": "select report_id, version, key, value, raw from cells order by report_id, version, key",
    "checks": 'select report_id, version, rule, subject, "left", "right", passed from checks '
              "order by report_id, version, rule, subject",
    "sites": "select id, agency, region_code, level, home_url, start_url, platform, registry from sites order by id",
}


def test_a_distributed_crawl_makes_the_single_machine_crawls_archive(twin):
    single, spread = twin["tmp"] / "single.db", twin["tmp"] / "distributed.db"
    for table, sql in SAME.items():
        assert _rows(spread, sql) == _rows(single, sql), table
    assert len(_rows(spread, SAME["reports"])) == len(twin["truth"]) == 31
    assert {r["region_code"] for r in _rows(spread, "select region_code from reports")} - {None} == \
        {r["region_code"] for r in _rows(single, "select region_code from reports")} - {None} != set()
    # the run summary, per site, as one machine's (times aside)
    summaries = [json.loads(_rows(db, "select summary from crawl_runs where id = 1")[0]["summary"]) for db in (single, spread)]
    for summary in summaries:
        for site in summary["sites"].values():
            site.pop("seconds")
        summary.pop("thresholds")
    assert summaries[0] == summaries[1]
    [run] = _rows(spread, "select status, started_at, settings from crawl_runs where id = 1")
    assert run["status"] == "finished" and json.loads(run["settings"])["XXGK_CRAWL_ID"]
    # both workers took part: neither took the whole queue
    requests = [int(out.split("Worker done")[1].split(": ")[1].split(" requests")[0]) for out in twin["workers"]]
    assert all(n > 0 for n in requests), twin["workers"]
    assert "crawl finished." in twin["writer"] and "Crawl run 1:" in twin["writer"]


def test_documents_are_read_by_the_workers_not_the_writer(twin):
    spread = twin["tmp"] / "distributed.db"
    workers, writer_pid = twin["pids"]
    line = next(line for line in twin["writer"].splitlines() if "documents read by" in line)
    readers = {name.split(" ×")[0].rsplit(":", 1)[1]: int(name.split(" ×")[1])
               for name in line.split("reader(s): ")[1].split(";")[0].split(", ")}
    assert set(readers) <= {str(pid) for pid in workers} and str(writer_pid) not in readers
    read = _rows(spread, "select count(*) as n from extractions")[0]["n"]
    assert sum(readers.values()) == read > 0
    assert _rows(spread, "select count(*) as n from extractions where outcome = 'failed'")[0]["n"] == 0


def test_a_password_never_appears_in_output_the_lock_the_archive_or_a_warc(twin):
    tmp = twin["tmp"]
    shown = "\n".join([twin["writer"], *twin["workers"], twin["rewriter"], *twin["reworkers"], twin["lock"]])
    assert PASSWORD not in shown and "redis://:***@127.0.0.1" in shown
    files = [p for found in tmp.glob("distributed.db*") for p in ([found] if found.is_file() else found.rglob("*"))
             if p.is_file()]
    assert any(p.suffix == ".gz" for p in files)
    for path in files:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        assert PASSWORD.encode() not in data, path
    commands = [r["command"] for r in _rows(tmp / "distributed.db", "select command from crawl_runs")]
    assert commands and all("redis://:***@" in c for c in commands)


def test_an_unchanged_replica_recrawled_with_workers_fetches_304s_only(twin):
    stats = twin["restats"]
    bodies = {url for (url, status) in stats.statuses if status == 200}
    # robots.txt, the planted faults, and Hanweb's listing POSTs (never conditional, as on one machine)
    assert {u for u in bodies if not u.endswith("/robots.txt") and "dataproxy.jsp" not in u} <= twin["faults"]
    assert stats.total_not_modified > 25
    spread = twin["tmp"] / "distributed.db"
    [run] = _rows(spread, "select * from crawl_runs where id = 2")
    assert (run["status"], run["new_captures"], run["new_blobs"], run["new_reports"]) == ("finished", 0, 0, 0)
    assert _rows(spread, "select count(*) as n from reports where removed_at is not null")[0]["n"] == 0


# --- readers and writers killed mid-work ---------------------------------------------------------

def test_a_reader_killed_mid_document_leaves_every_document_read_once(tmp_path, redis_url):
    server = redis.Redis.from_url(redis_url)
    with Replica.start(build_mixed_world(hosts=2, reports_per_host=10, scans=0)) as replica:
        registry = write_registry(tmp_path / "sites.yaml", replica.sites)
        store = writer(tmp_path / "archive.db", redis_url)
        crawl = worker(registry, redis_url, readers=0)  # fetches only: every document goes to the readers
        doomed = start("read-documents", "--redis", redis_url, "--readers", "1")
        held = wait_for(lambda: [k for k in server.scan_iter("xxgk:dramatiq:__acks__.*") if server.scard(k)],
                        "the reader holding a document")
        task_id = server.smembers(held[0]).pop()
        os.killpg(doomed.pid, signal.SIGKILL)  # the reader and whatever it was running
        doomed.communicate()
        task = json.loads(server.hget("xxgk:dramatiq:xxgk-read.msgs", task_id))
        survivor = start("read-documents", "--redis", redis_url, "--readers", "1")
        out = ended(store)
        ended(crawl)
        assert "the crawl is finished" in ended(survivor)
    archive = tmp_path / "archive.db"
    sha256 = task["args"][0]["sha256"]
    [reading] = _rows(archive, f"select * from extractions where sha256 = '{sha256}'")
    assert reading["outcome"] in ("report", "not_report")
    documents = _rows(archive, "select count(distinct sha256) as n from captures where kind in ('detail', 'attachment') "
                               "and flag = 'ok'")[0]["n"]
    assert _rows(archive, "select count(*) as n from extractions where outcome != 'failed'")[0]["n"] == documents
    assert sum(int(n) for n in server.hvals("xxgk:read:by")) >= documents
    for truth in replica.truth:
        assert cells_of(archive, report_id(truth)) == pytest.approx(truth.cells), report_id(truth)
    assert "1 reader(s)" in out or "2 reader(s)" in out


def test_a_killed_worker_and_a_killed_writer_lose_nothing_and_remove_nothing(tmp_path, redis_url):
    """A recrawl (conditional requests, 304s) of an archive one machine made: a worker and the
    writer killed mid-crawl, the writer restarted; the run carries on and marks no report removed."""
    server = redis.Redis.from_url(redis_url)
    archive = tmp_path / "archive.db"
    with Replica.start(build_mixed_world(hosts=3, reports_per_host=12, scans=0)) as replica:
        registry = write_registry(tmp_path / "sites.yaml", replica.sites)
        first = subprocess.run([*XXGK, "crawl", "--sites", str(registry), "--archive", str(archive)], cwd=ROOT, env=ENV,
                               capture_output=True, text=True, timeout=600)
        assert first.returncode in (0, 1), first.stderr[-3000:]
        slow = ("--set", "CONCURRENT_REQUESTS=2", "--set", "XXGK_REDIS_WORKER_TTL=3")
        store = writer(archive, redis_url)
        doomed, survivor = worker(registry, redis_url, *slow), worker(registry, redis_url, *slow)
        wait_for(lambda: len(_rows(archive, "select id from captures where last_run_id = 2")) >= 15, "work under way")
        doomed.send_signal(signal.SIGKILL)
        store.send_signal(signal.SIGKILL)
        doomed.communicate()
        store.communicate()
        restarted = writer(archive, redis_url)
        out = ended(restarted)
        assert "put back" in ended(survivor)
        for truth in replica.truth:
            assert cells_of(archive, report_id(truth)) == pytest.approx(truth.cells), report_id(truth)
    assert "carrying on crawl" in out and "0 marked removed" in out
    runs = _rows(archive, "select id, status from crawl_runs order by id")
    assert [(r["id"], r["status"]) for r in runs] == [(1, "finished"), (2, "finished")]
    assert _rows(archive, "select count(*) as n from reports where removed_at is not null")[0]["n"] == 0
    assert len(_rows(archive, "select id from reports")) == len(replica.truth)
    assert server.llen("xxgk:captures") == server.llen("xxgk:captures:writing") == 0


# --- nothing executable, nothing secret, one line when Redis says no --------------------------------

class _Planted:
    """Unpickled, it would create the marker file: proof that a pickle ran."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_a_crafted_pickle_on_any_queue_runs_nothing_and_is_dead_lettered(tmp_path, redis_url):
    env = {**ENV, "XXGK_REDIS_SECRET": "shared-secret"}
    server = redis.Redis.from_url(redis_url)
    marker = tmp_path / "ran"
    evil = pickle.dumps(_Planted(marker))
    with Replica.start(build_mixed_world(hosts=2, reports_per_host=4, scans=0)) as replica:  # TRS portals
        registry = write_registry(tmp_path / "sites.yaml", replica.sites)
        crawl = worker(registry, redis_url, env=env)  # creates the crawl, then waits for the writer
        wait_for(lambda: server.hget("xxgk:crawl", "identity"), "the crawl created")
        server.zadd("xxgk:trs:requests", {evil: -1000})
        server.rpush("xxgk:captures", evil)
        os.environ.pop("XXGK_REDIS_SECRET", None)
        unsigned = messages.pack_item(messages.Blocked(host="x", site="x", url="http://x/", reason="forged", at="now"))
        server.rpush("xxgk:captures", unsigned)
        server.rpush("xxgk:readings", evil)
        server.hset("xxgk:dramatiq:xxgk-read.msgs", "planted", evil)
        server.rpush("xxgk:dramatiq:xxgk-read", "planted")
        server.rpush("xxgk:wants", evil)
        store = writer(tmp_path / "archive.db", redis_url, env=env)
        wait_for(lambda: server.hget("xxgk:crawl", "ready"), "the writer ready")
        for truth in replica.truth:  # validators are looked up for every report page
            server.hset("xxgk:validators", truth.url, evil)
        out = ended(store, codes=(2,))  # items it could not store: the run failed, and says why
        ended(crawl)
    assert not marker.exists()
    dead = messages.dead_letters(server)
    for queue in ("xxgk:captures", "xxgk:readings", "xxgk-read", "xxgk:wants", "xxgk:validators"):
        assert dead.get(queue), (queue, dead)
    assert dead.get("xxgk:trs:requests") == 1, dead
    assert dead["xxgk:captures"] == 2  # the pickle and the unsigned item
    records = [json.loads(r) for r in server.lrange("xxgk:dead", 0, -1)]
    assert any("unsigned" in r["error"] for r in records)
    assert "dead-lettered" in out and "Traceback" not in out
    [run] = _rows(tmp_path / "archive.db", "select status, storage_errors from crawl_runs")
    assert run["status"] == "finished" and run["storage_errors"] >= 3
    assert len(_rows(tmp_path / "archive.db", "select id from reports")) == len(replica.truth)


def test_a_wrong_password_makes_the_worker_and_the_writer_exit_non_zero_in_one_line(tmp_path):
    with redis_server(tmp_path, PASSWORD) as url:
        wrong = url.replace(PASSWORD, "not-the-password")
        registry = tmp_path / "sites.yaml"
        registry.write_text("- {id: one, agency: 某县人民政府, start_url: 'http://127.0.0.1:9/', platform: trs}\n", encoding="utf-8")
        for process in (worker(registry, wrong), writer(tmp_path / "archive.db", wrong)):
            out, err = process.communicate(timeout=60)
            assert process.returncode == 2, err
            assert len(err.strip().splitlines()) == 1 and "password" in err and "Traceback" not in err, err
            assert "not-the-password" not in out + err and "redis://:***@" in err


def test_the_writer_until_idle_ends_when_there_is_nothing_to_do(tmp_path, redis_url):
    began = time.monotonic()
    out = ended(writer(tmp_path / "archive.db", redis_url, "--until-idle", "1"), codes=(0,), timeout=60)
    assert "nothing to do" in out and time.monotonic() - began < 30
    assert not redis.Redis.from_url(redis_url).exists("xxgk:writer")


def test_ctrl_c_ends_the_writer_with_a_summary_and_the_run_interrupted(tmp_path, redis_url):
    server = redis.Redis.from_url(redis_url)
    with Replica.start(build_world()) as replica:
        registry = write_registry(tmp_path / "sites.yaml", replica.sites)
        store = writer(tmp_path / "archive.db", redis_url)
        crawl = worker(registry, redis_url, "--set", "CONCURRENT_REQUESTS=1", readers=0)
        wait_for(lambda: server.hget("xxgk:crawl", "ready"), "the writer ready")
        store.send_signal(signal.SIGINT)
        out = ended(store, codes=(130,))
        crawl.send_signal(signal.SIGTERM)
        crawl.communicate(timeout=120)
    assert "Traceback" not in out and "interrupted" in out and "Crawl run 1: failed" in out
    [run] = _rows(tmp_path / "archive.db", "select status from crawl_runs")
    assert run["status"] == "interrupted"
