"""A 更正 notice re-publishing a report is the next version of that report, with its reason — in
whichever order the notice and the original reach the archive (real SQLite, real extractions of the
replica's own pages; the crawl through the replica is in test_recrawl.py)."""
from __future__ import annotations

import pytest

import extractors
from archive.records import ATTACHMENT, DETAIL, OK, Capture
from archive.store import Archive
from extract_helpers import portal_page
from replica import trs
from replica.portals import REPORT, build_world
from replica.render import render_html


@pytest.fixture(scope="module")
def pages():
    """(original title, original page, correction title, correction page, corrected model)."""
    portal = next(p for p in build_world(version=2).portals if p.id == "shangrao")
    site = trs.build(portal)
    [notice] = site.corrections
    [original] = [p for p in site.published if p.item.kind == REPORT and p.item.report.title in notice.item.title]
    return (original.item.title, site.pages.get(original.detail_path).body, original.item.report,
            notice.item.title, site.pages.get(notice.detail_path).body, notice.item.report)


def _file(archive: Archive, run: int, url: str, title: str, body: bytes, *, kind=DETAIL, referer=None, at="2026-03-05T00:00:00+00:00"):
    capture = Capture(url=url, final_url=url, fetched_at=at, site="shangrao", spider="trs", kind=kind, flag=OK, status=200,
                      headers={"Content-Type": "text/html; charset=utf-8"}, body=body, title=title, referer=referer)
    cid, _ = archive.record_capture(capture, run)
    return archive.record_extraction(extractors.extract(body, filename=url.rsplit("/", 1)[1]), capture_id=cid, run_id=run)


def _versions(archive: Archive, rid: str):
    return [(v["version"], v["reason"]) for v in archive.db.query(
        "select version, reason from report_versions where report_id = ? order by version", [rid])]


def _cells(archive: Archive, rid: str, version: int) -> dict:
    return {r["key"]: r["value"] for r in archive.db["cells"].rows_where("report_id = ? and version = ?", [rid, version])}


@pytest.mark.parametrize("order", ["original first", "correction first"])
def test_a_correction_is_the_next_version_whatever_the_order(tmp_path, pages, order):
    title, body, model, notice_title, notice_body, corrected = pages
    archive = Archive(tmp_path / "a.db")
    run = archive.start_run("test", {})
    docs = [("http://127.0.0.12/zfxxgknb/t1.html", title, body), ("http://127.0.0.12/zfxxgknb/t2.html", notice_title, notice_body)]
    if order == "correction first":
        docs.reverse()
    rids = {_file(archive, run, *doc) for doc in docs}
    [rid] = rids  # one report, not two
    report = archive.db["reports"].get(rid)
    assert _versions(archive, rid) == [(1, "first"), (2, "correction")]
    assert report["version"] == 2 and report["url"].endswith("t2.html")  # the correction is current
    assert _cells(archive, rid, 1) == model.cells and _cells(archive, rid, 2) == corrected.cells
    note = archive.db["report_versions"].get((rid, 2))["note"]
    assert note.startswith(notice_title) and "填报有误" in note  # the notice's title and its stated reason
    # both documents again, in both orders: nothing changes
    for doc in docs + docs[::-1]:
        _file(archive, run, *doc, at="2026-04-01T00:00:00+00:00")
    assert _versions(archive, rid) == [(1, "first"), (2, "correction")] and archive.db["reports"].get(rid)["version"] == 2
    archive.close()


def test_the_correction_pages_attachment_is_known_by_the_page_that_linked_it(tmp_path, pages):
    """An attachment named plainly ("附件.html") on a 更正 page is still the correction's document."""
    title, body, model, notice_title, notice_body, corrected = pages
    archive = Archive(tmp_path / "a.db")
    run = archive.start_run("test", {})
    rid = _file(archive, run, "http://127.0.0.12/zfxxgknb/t1.html", title, body)
    notice_url = "http://127.0.0.12/zfxxgknb/t2.html"
    archive.record_capture(Capture(url=notice_url, final_url=notice_url, fetched_at="2026-03-05T00:00:00+00:00",
                                   site="shangrao", spider="trs", kind=DETAIL, flag=OK, status=200,
                                   body=b"<html><body><p>see attachment</p></body></html>", title=notice_title), run)
    _file(archive, run, "http://127.0.0.12/zfxxgknb/P020260302.html", "附件", notice_body, kind=ATTACHMENT, referer=notice_url)
    assert _versions(archive, rid) == [(1, "first"), (2, "correction")]
    assert archive.db["report_versions"].get((rid, 2))["note"].startswith(notice_title)
    archive.close()


def test_a_report_page_republished_in_place_is_changed_not_corrected(tmp_path, pages):
    """New numbers under the report's own title and URL: a changed version, no correction reason."""
    title, body, model, notice_title, notice_body, corrected = pages
    archive = Archive(tmp_path / "a.db")
    run = archive.start_run("test", {})
    url = "http://127.0.0.12/zfxxgknb/t1.html"
    rid = _file(archive, run, url, title, body)
    republished = portal_page(render_html(corrected), title=title, site="上饶市工业和信息化局").encode("utf-8")
    _file(archive, run, url, title, republished, at="2026-04-01T00:00:00+00:00")
    assert _versions(archive, rid) == [(1, "first"), (2, "changed")]
    assert _cells(archive, rid, 2) == corrected.cells and archive.db["report_versions"].get((rid, 2))["note"] is None
    archive.close()
