"""`xxgk reextract`: an archive read by an older extractor re-read from its own blobs, no network.

The "previous extractor" is the real one with an older behaviour put back: it did not know the
typing slip "3.其它" for table 三's "3.其他" row, so reports printing it lost that row. The archive is built by
filing that extractor's readings of real corpus documents; re-extraction must then add a version
to exactly the reports whose numbers the current extractor reads differently (computed here by
comparing the two readings directly), keep the old version's cells, and change nothing when run
again.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import extractors
from archive.records import DETAIL, OK, Capture
from archive.reextract import documents, reextract
from archive.store import Archive
from commands.main import main
from extractors import labels, tables
from extractors.keys import GB2021

CORPUS = Path(__file__).parent / "corpus"
# gb2021 reports printing "3.其它" (the designed layouts' typos; a blank row reads the same either
# way), and others without it.
FILES = ("t21-inline-quirks.txt", "t21-html-gbk-quirks.html", "t21-html-slash.html", "t21-html.html",
         "t19-tabbed-quirks.txt", "t19-html-dash.html", "ff-html.html", "t21-pdfraw.txt")
OLD_VERSION = 0


def _old_extract(data: bytes, *, filename: str = "", content_type: str = ""):
    """The previous extractor: "其它" was not a spelling of 其他 to it, and it did not name a row by
    its numbering when the words matched nothing."""
    rules = labels.T3_ROW_RULES[GB2021]
    numbered_row = tables._numbered_row
    assert rules[-1][0] == "other.misc"
    labels.T3_ROW_RULES[GB2021] = rules[:-1] + (("other.misc", re.compile(r"其他")),)
    tables._numbered_row = lambda *args: None
    try:
        return extractors.extract(data, filename=filename, content_type=content_type)
    finally:
        labels.T3_ROW_RULES[GB2021] = rules
        tables._numbered_row = numbered_row


def _build_old_archive(path: Path) -> dict[str, str]:
    """Crawl-like filing of every file with the old extractor; returns {file name: report id}."""
    archive = Archive(path)
    run = archive.start_run("old crawl", {})
    rids = {}
    for i, name in enumerate(FILES):
        data = (CORPUS / name).read_bytes()
        url = f"http://127.0.0.5:8642/nb/t2024010{i}_{i}/{name}"
        capture = Capture(url=url, final_url=url, fetched_at="2025-02-01T00:00:00+00:00", site="old-site", spider="trs",
                          kind=DETAIL, flag=OK, status=200, headers={"Content-Type": "application/octet-stream"}, body=data)
        cid, _ = archive.record_capture(capture, run)
        rids[name] = archive.record_extraction(_old_extract(data, filename=name), capture_id=cid, run_id=run,
                                               extractor_version=OLD_VERSION)
    # One document read before versions were recorded at all: null counts as oldest.
    archive.db.execute("update extractions set extractor_version = null where report_id = ?", [rids[FILES[-1]]])
    archive.db.conn.commit()
    archive.finish_run(run, requests=len(FILES))
    archive.close()
    return rids


def _cells(archive: Archive, rid: str, version: int) -> dict:
    return {r["key"]: r["value"] for r in archive.db["cells"].rows_where("report_id = ? and version = ?", [rid, version])}


def test_reextract_adds_versions_exactly_where_the_numbers_changed(tmp_path):
    path = tmp_path / "old.db"
    rids = _build_old_archive(path)
    old = {name: _old_extract((CORPUS / name).read_bytes(), filename=name) for name in FILES}
    new = {name: extractors.extract((CORPUS / name).read_bytes(), filename=name) for name in FILES}
    differing = {name: sum(old[name].cells[k] != new[name].cells[k] for k in new[name].cells) for name in FILES}
    expected = {rids[name]: n for name, n in differing.items() if n}
    assert 0 < len(expected) < len(FILES) and all(rids.values())  # some readings change, some do not

    archive = Archive(path)
    run = archive.start_run("xxgk reextract", {})
    summary = reextract(archive, extractors.extract, extractors.EXTRACTOR_VERSION, run_id=run,
                        docs=documents(archive, older_than=extractors.EXTRACTOR_VERSION))
    assert summary.documents == len(FILES) and summary.failed == 0
    assert {rid: n for rid, v, n in summary.versions_added} == expected
    assert all(v == 2 for _, v, _ in summary.versions_added)
    for name, rid in rids.items():
        report = archive.db["reports"].get(rid)
        if rid in expected:
            assert report["version"] == 2
            assert _cells(archive, rid, 1) == old[name].cells  # the old reading stays, as version 1
            assert _cells(archive, rid, 2) == new[name].cells
            row = archive.db["report_versions"].get((rid, 2))
            assert (row["reason"], row["extractor_version"], row["run_id"]) == ("reextracted", extractors.EXTRACTOR_VERSION, run)
            assert row["note"] == f"extractor {OLD_VERSION} → {extractors.EXTRACTOR_VERSION}"
            assert report["last_seen"] == "2025-02-01T00:00:00+00:00"  # re-reading is not seeing it on the portal
        else:
            assert report["version"] == 1 and archive.db["report_versions"].count_where("report_id = ?", [rid]) == 1
    versions = {r["extractor_version"] for r in archive.db["extractions"].rows}
    assert versions == {extractors.EXTRACTOR_VERSION}
    assert documents(archive, older_than=extractors.EXTRACTOR_VERSION) == []
    again = reextract(archive, extractors.extract, extractors.EXTRACTOR_VERSION, run_id=run,
                      docs=documents(archive, older_than=None))  # --all: every document read again
    assert again.documents == len(FILES) and again.versions_added == []
    archive.close()


def test_reextract_command_prints_what_changed_and_is_idempotent(tmp_path, capsys):
    path = tmp_path / "old.db"
    rids = _build_old_archive(path)
    assert main(["reextract", "--archive", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"Re-reading {len(FILES)} documents read by an extractor older than {extractors.EXTRACTOR_VERSION}" in out
    assert f"{len(FILES)} documents re-read ({len(FILES)} reports), 1 version added, 7 cells changed" in out
    assert f"  {rids['t21-inline-quirks.txt']}: version 2, 7 cells changed" in out
    archive = Archive(path)
    cells = archive.db.execute("select count(*) from cells").fetchone()[0]
    archive.close()
    assert main(["reextract", "--archive", str(path)]) == 0
    assert "Re-reading 0 documents" in capsys.readouterr().out
    assert main(["reextract", "--archive", str(path), "--all"]) == 0
    out = capsys.readouterr().out
    assert "0 versions added, 0 cells changed, 0 new reports" in out
    archive = Archive(path)
    assert archive.db.execute("select count(*) from cells").fetchone()[0] == cells
    assert [r["command"] for r in archive.db["crawl_runs"].rows] == ["old crawl"] + ["xxgk reextract"] * 3
    archive.close()


def test_reextract_of_a_missing_archive_is_a_clear_error(tmp_path, capsys):
    assert main(["reextract", "--archive", str(tmp_path / "none.db")]) == 2
    assert "no archive at" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["reextract", "--all", "--older-than", "1"]])
def test_all_and_older_than_exclude_each_other(argv, capsys):
    with pytest.raises(SystemExit):
        main(argv)
    assert "not allowed with argument" in capsys.readouterr().err


def test_a_document_that_now_reads_as_another_report_is_said(tmp_path, capsys):
    """An older extractor kept a page-dump label in the agency ("标题:…", as the 平潭 sample once
    read): the newer reading files the document under the right report, and the command says which
    report it left (that report keeps its numbers: nothing is deleted)."""
    import dataclasses

    name = "t21-html.html"
    data = (CORPUS / name).read_bytes()
    path = tmp_path / "old.db"
    archive = Archive(path)
    run = archive.start_run("old crawl", {})
    url = f"http://127.0.0.5:8642/nb/{name}"
    cid, _ = archive.record_capture(Capture(url=url, final_url=url, fetched_at="2025-02-01T00:00:00+00:00", site="old-site",
                                            spider="trs", kind=DETAIL, flag=OK, status=200, body=data), run)
    right = extractors.extract(data, filename=name)
    old_rid = archive.record_extraction(dataclasses.replace(right, agency="标题:" + right.agency), capture_id=cid,
                                        run_id=run, extractor_version=OLD_VERSION)
    archive.finish_run(run, requests=1)
    archive.close()
    assert main(["reextract", "--archive", str(path)]) == 0
    out = capsys.readouterr().out
    archive = Archive(path)
    [new_rid] = [r["id"] for r in archive.db["reports"].rows if r["id"] != old_rid]
    assert archive.db["reports"].get(new_rid)["agency"] == right.agency
    assert f"  {old_rid} → {new_rid}: a document of {old_rid} now reads as {new_rid}" in out
    assert archive.db["cells"].count_where("report_id = ?", [old_rid]) == len(right.cells)  # kept
    archive.close()
