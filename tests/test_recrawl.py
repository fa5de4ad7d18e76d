"""Time: incremental recrawls (conditional requests), changed and removed reports, and a crawl that
survives kill -9 — real crawls of the real replica into a real archive."""
import os
import signal
import sqlite3
import subprocess
import time

import pytest

from replica.portals import CORRECTION, build_world
from replica.server import Replica
from tests.crawl_helpers import XXGK, ROOT, cells_of, counts, crawl, free_port, report_id, rows, write_registry


@pytest.fixture(scope="module")
def timeline(tmp_path_factory):
    """One archive crawled three times: the world as published, unchanged, then at version 2."""
    tmp = tmp_path_factory.mktemp("timeline")
    archive, port = tmp / "archive.db", free_port()
    found = {}
    with Replica.start(port=port) as replica:
        registry = write_registry(tmp / "sites.yaml", replica.sites)
        crawl(registry, archive)
        found["after_first"] = counts(archive)
        found["truth_v1"] = replica.truth
        replica.reset_stats()
        found["second_out"] = crawl(registry, archive).stdout
        found["second_stats"] = replica.stats()
        found["after_second"] = counts(archive)
    with Replica.start(build_world(version=2), port=port) as replica:
        crawl(registry, archive)
        found["changes"] = replica.changes
        found["truth_v2"] = replica.truth
        found["corrections"] = [item for p in replica.world.portals for item in p.items if item.kind == CORRECTION]
    found["archive"] = archive
    return found


def test_an_unchanged_recrawl_asks_conditionally_and_stores_nothing(timeline):
    stats = timeline["second_stats"]
    assert stats.total_conditional > 0 and stats.total_not_modified > 0
    assert timeline["after_second"] == timeline["after_first"]
    [run] = rows(timeline["archive"], "select * from crawl_runs where id = 2")
    assert (run["new_captures"], run["new_blobs"], run["new_reports"]) == (0, 0, 0)


def test_a_changed_report_gets_a_new_version_and_keeps_the_old(timeline):
    [change] = [c for c in timeline["changes"] if c.kind == "changed"]
    [old] = [t for t in timeline["truth_v1"] if t.url == change.url or t.attachment_url == change.url]
    [new] = [t for t in timeline["truth_v2"] if t.url == change.url or t.attachment_url == change.url]
    rid = report_id(new)
    [report] = rows(timeline["archive"], "select * from reports where id = ?", [rid])
    assert report["version"] == 2 and report["removed_at"] is None
    assert cells_of(timeline["archive"], rid, 1) == pytest.approx(old.cells)
    assert cells_of(timeline["archive"], rid, 2) == pytest.approx(new.cells)
    versions = rows(timeline["archive"], "select * from report_versions where report_id = ? order by version", [rid])
    assert [v["run_id"] for v in versions] == [1, 3] and versions[0]["sha256"] != versions[1]["sha256"]


def test_a_correction_notice_is_the_reports_next_version_with_its_reason(timeline):
    """Version 2 of the world lists a 更正 notice beside the report it corrects: the crawl reads the
    notice, files the corrected numbers as version 2 of that report (not as a second report), and
    keeps the original's as version 1."""
    [change] = [c for c in timeline["changes"] if c.kind == "corrected"]
    [notice] = timeline["corrections"]
    [original] = [t for t in timeline["truth_v1"] if t.title in change.title]
    rid = report_id(original)
    [report] = rows(timeline["archive"], "select * from reports where id = ?", [rid])
    assert report["version"] == 2 and report["url"] == change.url
    assert cells_of(timeline["archive"], rid, 1) == pytest.approx(original.cells)
    assert cells_of(timeline["archive"], rid, 2) == pytest.approx(notice.report.cells) != original.cells
    versions = rows(timeline["archive"], "select * from report_versions where report_id = ? order by version", [rid])
    assert [(v["version"], v["reason"], v["run_id"]) for v in versions] == [(1, "first", 1), (2, "correction", 3)]
    assert versions[1]["note"].startswith(change.title) and "现予以更正" in versions[1]["note"]
    assert not rows(timeline["archive"], "select id from reports where title like '%更正%' and id != ?", [rid])


def test_a_report_gone_from_its_column_is_marked_removed_not_deleted(timeline):
    [change] = [c for c in timeline["changes"] if c.kind == "removed"]
    [gone] = [t for t in timeline["truth_v1"] if t.url == change.url]
    [report] = rows(timeline["archive"], "select * from reports where id = ?", [report_id(gone)])
    assert report["removed_at"] is not None
    assert cells_of(timeline["archive"], report_id(gone)) == pytest.approx(gone.cells)
    assert len(rows(timeline["archive"], "select id from reports where removed_at is not null")) == 1


def test_an_added_report_is_found(timeline):
    [change] = [c for c in timeline["changes"] if c.kind == "added"]
    [added] = [t for t in timeline["truth_v2"] if t.url == change.url]
    assert cells_of(timeline["archive"], report_id(added)) == pytest.approx(added.cells)


def test_a_crawl_killed_mid_way_resumes_without_losing_or_repeating(tmp_path):
    archive = tmp_path / "archive.db"
    with Replica.start() as replica:
        registry = write_registry(tmp_path / "sites.yaml", replica.sites)
        # Slow enough to be caught mid-way: one request at a time, a fixed delay.
        slow = ["--set", "AUTOTHROTTLE_ENABLED=False", "--set", "DOWNLOAD_DELAY=0.3", "--set", "CONCURRENT_REQUESTS_PER_DOMAIN=1"]
        args = [*XXGK, "crawl", "--sites", str(registry), "--archive", str(archive), *slow]
        victim = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline and _details_captured(archive) < 8:
            time.sleep(0.1)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait()
        before = {r["url"] for r in rows(archive, "select url from captures where kind in ('detail', 'attachment') and flag = 'ok'")}
        assert 8 <= len(before) and not rows(archive, "select id from crawl_runs where status = 'finished'")
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        stats = replica.stats()
        truth = replica.truth
    [first, second] = rows(archive, "select * from crawl_runs order by id")
    assert first["status"] == "interrupted" and second["resumed_from"] == first["id"] and second["status"] == "finished"
    for url in before:  # what the killed run had captured was not fetched again
        assert stats.requests[url] == 1, url
    for t in truth:  # nothing lost
        assert cells_of(archive, report_id(t)) == pytest.approx(t.cells), report_id(t)
    duplicates = rows(archive, "select url, final_url, status, sha256, count(*) n from captures group by 1, 2, 3, 4 having n > 1")
    assert duplicates == []


def _details_captured(archive) -> int:
    try:
        db = sqlite3.connect(archive, timeout=1)
        n = db.execute("select count(*) from captures where kind in ('detail', 'attachment')").fetchone()[0]
        db.close()
        return n
    except sqlite3.Error:  # not created yet
        return 0
