"""The archive on a real SQLite file: bytes first, idempotent writes, one report per agency-year."""
import hashlib
import json

import pytest

from archive.records import DETAIL, NETWORK_ERROR, OK, Capture
from archive import migrations
from archive.search import match_expression
from archive.store import Archive
from extractors.keys import GB2021, keys_for
from extractors.model import Check, Extraction


def capture(url="http://127.0.0.1:1/a.html", body=b"<html>report</html>", **kw):
    fields = dict(url=url, fetched_at="2026-01-01T00:00:00+00:00", site="s1", spider="trs", kind=DETAIL, flag=OK,
                  status=200, final_url=url, headers={"Content-Type": "text/html"}, body=body)
    fields.update(kw)
    return Capture(**fields)


def extraction(filled=3, failed=0, fmt="html"):
    keys = keys_for(GB2021)
    cells = {k: (i if i < filled else None) for i, k in enumerate(keys)}
    checks = tuple(Check("T4-SUM", f"g{i}", 1, 1 if i >= failed else 2, i >= failed) for i in range(3))
    return Extraction(is_report=True, agency="某某局", year=2021, template=GB2021, scope="organ", title="t",
                      cells=cells, raw={k: str(v) for k, v in cells.items() if v is not None}, checks=checks,
                      source_format=fmt, text="某某局2021年政府信息公开工作年度报告")


@pytest.fixture
def archive(tmp_path):
    a = Archive(tmp_path / "a.db")
    yield a
    a.close()


def test_capture_stores_bytes_on_disk_under_their_sha256(archive):
    run = archive.start_run("test", {})
    cid, new = archive.record_capture(capture(), run)
    row = archive.capture(cid)
    assert new and row["sha256"] == hashlib.sha256(b"<html>report</html>").hexdigest()
    assert archive.blobs.path_for(row["sha256"]).read_bytes() == b"<html>report</html>"
    assert json.loads(row["headers"]) == {"Content-Type": "text/html"}
    assert row["status"] == 200 and row["fetched_at"] and row["size"] == len(b"<html>report</html>")


def test_same_response_again_adds_nothing(archive):
    run1 = archive.start_run("test", {})
    archive.record_capture(capture(), run1)
    archive.finish_run(run1, requests=1)
    run2 = archive.start_run("test", {})
    cid, new = archive.record_capture(capture(fetched_at="2026-01-02T00:00:00+00:00"), run2)
    counts = archive.finish_run(run2, requests=1)
    assert not new
    assert counts == {"requests": 1, "new_captures": 0, "new_blobs": 0, "new_reports": 0, "errors": 0, "storage_errors": 0}
    row = archive.capture(cid)
    assert row["times_fetched"] == 2 and row["last_fetched_at"].startswith("2026-01-02")


def test_same_bytes_at_two_urls_are_one_blob(archive):
    run = archive.start_run("test", {})
    archive.record_capture(capture(url="http://127.0.0.1:1/a"), run)
    archive.record_capture(capture(url="http://127.0.0.1:1/b"), run)
    assert archive.db["captures"].count == 2 and archive.db["blobs"].count == 1


def test_failure_without_response_is_a_capture_with_its_error(archive):
    run = archive.start_run("test", {})
    cid, _ = archive.record_capture(capture(status=None, body=b"", flag=NETWORK_ERROR, error="ResponseFailed: data loss"), run)
    row = archive.capture(cid)
    assert row["sha256"] is None and row["error"] == "ResponseFailed: data loss"
    assert archive.finish_run(run, requests=1)["errors"] == 1


def test_report_cells_and_checks_are_stored_once(archive):
    run = archive.start_run("test", {})
    cid, _ = archive.record_capture(capture(), run)
    rid = archive.record_extraction(extraction(), capture_id=cid, run_id=run)
    assert rid == "某某局-2021-organ"
    assert archive.db["cells"].count == 200
    assert archive.db["cells"].get((rid, 1, "t2.regulation.repealed"))["value"] == 1
    assert archive.db["cells"].get((rid, 1, "t3.new.total"))["value"] is None  # blank stays null
    assert archive.db["checks"].count == 3
    assert archive.record_extraction(extraction(), capture_id=cid, run_id=run) == rid
    assert archive.db["cells"].count == 200 and archive.db["reports"].count == 1
    assert archive.finish_run(run, requests=1)["new_reports"] == 1


def test_the_better_read_source_wins_in_any_order(tmp_path):
    """An HTML body and its attachment are one report; the numbers come from the better read."""
    chosen = []
    for order in (("good", "poor"), ("poor", "good")):
        a = Archive(tmp_path / f"{order[0]}.db")
        run = a.start_run("test", {})
        for name in order:
            cid, _ = a.record_capture(capture(url=f"http://127.0.0.1:1/{name}", body=name.encode()), run)
            a.record_extraction(extraction(filled=10 if name == "good" else 5, failed=0 if name == "good" else 1),
                                capture_id=cid, run_id=run)
        report = a.db["reports"].get("某某局-2021-organ")
        chosen.append(report["url"])
        assert a.db["report_sources"].count == 2
        a.close()
    assert chosen == ["http://127.0.0.1:1/good"] * 2


def _file_in_order(a, run, docs, order, day):
    """Capture and file ``docs`` (name -> (body, extraction)) in ``order``, as the pool finishes them."""
    for name in order:
        body, read = docs[name]
        cid, _ = a.record_capture(capture(url=f"http://127.0.0.1:1/{name}", body=body, fetched_at=f"2026-{day}T00:00:00+00:00"), run)
        a.record_extraction(read, capture_id=cid, run_id=run)


def test_the_same_numbers_from_a_page_and_its_attachment_have_one_source_in_any_order(tmp_path):
    """Both documents read alike: which one the report cites must not depend on which reader finished first."""
    chosen = set()
    for order in (("page", "file"), ("file", "page")):
        a = Archive(tmp_path / f"{order[0]}.db")
        _file_in_order(a, a.start_run("test", {}), {"page": (b"p", extraction()), "file": (b"f", extraction())}, order, "01-01")
        report = a.db["reports"].get("某某局-2021-organ")
        chosen.add((report["url"], report["version"]))
        assert [v["version"] for v in a.db["report_versions"].rows] == [1]
        a.close()
    assert len(chosen) == 1


@pytest.mark.parametrize("later", [("page", "file"), ("file", "page")])
@pytest.mark.parametrize("first", [("page", "file"), ("file", "page")])
def test_a_page_and_its_attachment_both_republished_are_one_new_version_in_any_order(tmp_path, first, later):
    """Version 1 read from both documents; both republished with new numbers, the attachment's read
    less well. Whatever order the readings arrive in, the new numbers are version 2 from the better
    document, and version 1 keeps the old numbers — an attachment's new reading never overwrites them."""
    a = Archive(tmp_path / "a.db")
    run1 = a.start_run("test", {})
    _file_in_order(a, run1, {"page": (b"p1", extraction(filled=3)), "file": (b"f1", extraction(filled=3))}, first, "01-01")
    run2 = a.start_run("test", {})
    _file_in_order(a, run2, {"page": (b"p2", extraction(filled=5)), "file": (b"f2", extraction(filled=5, failed=1))},
                   later, "02-01")
    rid = "某某局-2021-organ"
    report = a.db["reports"].get(rid)
    assert report["version"] == 2 and report["url"] == "http://127.0.0.1:1/page"
    versions = list(a.db.query("select version, run_id, reason from report_versions where report_id = ? order by version", [rid]))
    assert versions == [{"version": 1, "run_id": run1, "reason": "first"}, {"version": 2, "run_id": run2, "reason": "changed"}]
    def filled(version):
        return a.db.execute("select count(value) from cells where report_id = ? and version = ?", [rid, version]).fetchone()[0]
    assert (filled(1), filled(2)) == (3, 5)
    a.close()


def test_not_a_report_is_recorded_and_not_filed(archive):
    run = archive.start_run("test", {})
    cid, _ = archive.record_capture(capture(body=b"garbage"), run)
    assert archive.record_extraction(Extraction(is_report=False, reason="no report tables"), capture_id=cid, run_id=run) is None
    sha = archive.capture(cid)["sha256"]
    assert archive.extraction_outcome(sha)["reason"] == "no report tables"
    assert archive.db["reports"].count == 0


def test_report_text_is_searchable_in_chinese(archive):
    run = archive.start_run("test", {})
    cid, _ = archive.record_capture(capture(), run)
    archive.record_extraction(extraction(), capture_id=cid, run_id=run)
    for word in ("信息公开", "公开", "某"):  # any length of word (archive.search)
        hits = list(archive.db.query("select c.report_id from report_search s join report_card c on c.id = s.rowid "
                                     "where report_search match ?", [match_expression(word)]))
        assert hits == [{"report_id": "某某局-2021-organ"}], word


def test_reopening_applies_no_migration_twice(tmp_path):
    Archive(tmp_path / "x.db").close()
    a = Archive(tmp_path / "x.db")
    assert [r["name"] for r in a.db["_migrations"].rows] == [m.__name__ for m in migrations.MIGRATIONS]
    a.close()


def test_an_archive_from_before_versions_is_upgraded_with_its_numbers(tmp_path):
    """Open an archive written by the first two migrations: m003 moves its cells to version 1."""
    import sqlite_utils

    db = sqlite_utils.Database(tmp_path / "old.db")
    migrations.MIGRATIONS[0](db)
    migrations.MIGRATIONS[1](db)
    db["_migrations"].insert_all([{"name": m.__name__, "applied_at": "x"} for m in migrations.MIGRATIONS[:2]], pk="name")
    db["reports"].insert({"id": "某局-2020-organ", "agency": "某局", "year": 2020, "sha256": "ab", "capture_id": 1,
                          "url": "http://127.0.0.1/r", "first_run_id": 1, "first_seen": "2021-01-01"})
    db["cells"].insert({"report_id": "某局-2020-organ", "key": "t3.new.total", "tbl": "t3", "value": 7, "raw": "7"})
    db.close()
    a = Archive(tmp_path / "old.db")
    assert a.db["cells"].get(("某局-2020-organ", 1, "t3.new.total"))["value"] == 7
    assert a.db["report_versions"].get(("某局-2020-organ", 1))["url"] == "http://127.0.0.1/r"
    assert list(a.db.query("select value, version from report_numbers")) == [{"value": 7, "version": 1}]
    a.close()


def test_a_changed_report_at_its_url_gets_a_new_version_and_keeps_the_old(archive):
    run1 = archive.start_run("test", {})
    cid, _ = archive.record_capture(capture(body=b"v1"), run1)
    rid = archive.record_extraction(extraction(filled=3), capture_id=cid, run_id=run1)
    run2 = archive.start_run("test", {})
    cid2, _ = archive.record_capture(capture(body=b"v2", fetched_at="2026-02-01T00:00:00+00:00"), run2)
    archive.record_extraction(extraction(filled=4), capture_id=cid2, run_id=run2)
    report = archive.db["reports"].get(rid)
    assert report["version"] == 2 and report["capture_id"] == cid2
    assert archive.db["cells"].get((rid, 1, "t2.normative.issued"))["value"] is None  # version 1 as it was
    assert archive.db["cells"].get((rid, 2, "t2.normative.issued"))["value"] == 3
    assert [v["run_id"] for v in archive.db["report_versions"].rows_where(order_by="version")] == [run1, run2]
    assert archive.finish_run(run2, requests=1)["new_reports"] == 0


def test_new_bytes_with_the_same_numbers_are_not_a_new_version(archive):
    run = archive.start_run("test", {})
    cid, _ = archive.record_capture(capture(body=b"<p>visits: 1</p>"), run)
    rid = archive.record_extraction(extraction(), capture_id=cid, run_id=run)
    cid2, _ = archive.record_capture(capture(body=b"<p>visits: 2</p>"), run)
    archive.record_extraction(extraction(), capture_id=cid2, run_id=run)
    assert archive.db["reports"].get(rid)["version"] == 1 and archive.db["report_versions"].count == 1


def test_a_report_gone_from_a_fully_listed_site_is_marked_removed_not_deleted(archive):
    run1 = archive.start_run("test", {})
    archive.db["crawl_runs"].update(run1, {"started_at": "2025-12-31T00:00:00+00:00"})
    archive.record_capture(capture(url="http://127.0.0.1:1/list", kind="listing", body=b"list v1"), run1)
    cid, _ = archive.record_capture(capture(), run1)
    rid = archive.record_extraction(extraction(), capture_id=cid, run_id=run1)
    assert archive.mark_removed(run1) == 0
    run2 = archive.start_run("test", {})
    archive.db["crawl_runs"].update(run2, {"started_at": "2026-03-01T00:00:00+00:00"})
    archive.record_capture(capture(url="http://127.0.0.1:1/list", kind="listing", body=b"list v2",
                                   fetched_at="2026-03-01T00:00:01+00:00"), run2)
    assert archive.mark_removed(run2) == 1
    assert archive.db["reports"].get(rid)["removed_at"] and archive.db["cells"].count == 200
    archive.touch_report(rid, "2026-04-01T00:00:00+00:00")  # listed again later
    assert archive.db["reports"].get(rid)["removed_at"] is None


def test_a_failed_listing_page_never_marks_reports_removed(archive):
    run1 = archive.start_run("test", {})
    cid, _ = archive.record_capture(capture(), run1)
    archive.record_extraction(extraction(), capture_id=cid, run_id=run1)
    run2 = archive.start_run("test", {})
    archive.db["crawl_runs"].update(run2, {"started_at": "2026-03-01T00:00:00+00:00"})
    archive.record_capture(capture(url="http://127.0.0.1:1/list", kind="listing", body=b"", status=500, flag="http_error"), run2)
    assert archive.mark_removed(run2) == 0


def test_cross_year_checks_compare_consecutive_reports(archive):
    run = archive.start_run("test", {})

    def report(year, carried_in, carried_over, in_force, issued=1, repealed=0):
        cells = dict(extraction().cells)
        cells.update({"t3.carried_in.total": carried_in, "t3.carried_over.total": carried_over,
                      "t2.regulation.in_force": in_force, "t2.regulation.issued": issued, "t2.regulation.repealed": repealed})
        cid, _ = archive.record_capture(capture(url=f"http://127.0.0.1:1/{year}", body=str(year).encode()), run)
        ex = extraction()
        archive.record_extraction(Extraction(**{**ex.__dict__, "year": year, "cells": cells}), capture_id=cid, run_id=run)

    report(2021, carried_in=0, carried_over=3, in_force=10)
    report(2022, carried_in=3, carried_over=5, in_force=11)  # 10 + 1 - 0: agrees
    report(2023, carried_in=4, carried_over=0, in_force=20)  # 5 carried over, 4 carried in; 11 + 1 ≠ 20
    found = {(r["year"], r["rule"], r["subject"]): bool(r["passed"]) for r in archive.db.query("select * from cross_year_checks")}
    assert found[(2022, "T3-CARRY", "total")] and found[(2022, "T2-STOCK", "regulation")]
    assert not found[(2023, "T3-CARRY", "total")] and not found[(2023, "T2-STOCK", "regulation")]
    archive.finish_run(run, requests=3)  # stores the view's rows in checks; the summary counts those
    assert archive.summary()["cross_year_failed"] == 2

def test_a_crawls_end_rewrites_only_the_cross_year_rows_that_changed(archive):
    """A new version of 2022 (it carried 9 over, not 5) changes its own T2 check and 2023's T3 one;
    every other stored row stays the row it was (same rowid), and none is left for the old version."""
    def report(run, year, carried_over, body=b""):
        cells = dict(extraction().cells)
        cells.update({"t3.carried_in.total": 5, "t3.carried_over.total": carried_over, "t2.regulation.in_force": 10,
                      "t2.regulation.issued": 0, "t2.regulation.repealed": 0})
        cid, _ = archive.record_capture(capture(url=f"http://127.0.0.1:1/{year}", body=f"{year}{body}".encode()), run)
        archive.record_extraction(Extraction(**{**extraction().__dict__, "year": year, "cells": cells}), capture_id=cid, run_id=run)

    def stored():
        return {(r["report_id"][-10:], r["rule"]): (r["rowid"], r["version"], r["left"], r["right"], r["passed"])
                for r in archive.db.query("select rowid, * from checks where rule in ('T3-CARRY', 'T2-STOCK')")}

    run = archive.start_run("test", {})
    for year in (2021, 2022, 2023, 2024):
        report(run, year, carried_over=5)
    archive.finish_run(run, requests=4)
    before = stored()
    assert len(before) == 6 and all(row[4] for row in before.values())  # T3 and T2 for 2022, 2023, 2024
    run = archive.start_run("test", {})
    report(run, 2022, carried_over=9, body=b"v2")
    assert archive.finish_run(run, requests=1)
    after = stored()
    assert after[("2023-organ", "T3-CARRY")][2:] == (9, 5, 0)  # 2022 carried 9 over, 2023 says 5 came in
    assert after[("2022-organ", "T2-STOCK")][1] == 2  # under 2022's new version
    unchanged = set(before) - {("2023-organ", "T3-CARRY"), ("2022-organ", "T2-STOCK"), ("2022-organ", "T3-CARRY")}
    assert {k: after[k] for k in unchanged} == {k: before[k] for k in unchanged}
    assert archive.db.execute("select count(*) from checks where rule in ('T3-CARRY', 'T2-STOCK')").fetchone()[0] == 6
