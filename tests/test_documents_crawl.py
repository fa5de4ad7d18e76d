"""End to end: report attachments in every document format, crawled from the replica and archived."""
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from extractors.documents import ocr, word_convert
from replica.server import Replica

ROOT = Path(__file__).resolve().parents[1]
# the replica's two sites whose reports come as attachments in every format (replica.portals)
SITES = ("tuoli", "hualong")

pytestmark = pytest.mark.skipif(not (word_convert.available() and ocr.available()),
                                reason="LibreOffice or Tesseract is not installed")


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("documents-crawl")
    with Replica.start() as replica:
        sites = [s for s in replica.sites if s.id in SITES]
        registry = tmp / "sites.yaml"
        registry.write_text(yaml.safe_dump([{"id": s.id, "agency": s.agency, "start_url": s.start_url,
                                             "platform": s.platform} for s in sites], allow_unicode=True), encoding="utf-8")
        archive = tmp / "archive.db"
        done = subprocess.run([sys.executable, "-m", "commands", "crawl", "--sites", str(registry), "--archive", str(archive)],
                              cwd=ROOT, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        truth = [t for t in replica.truth if t.site_id in SITES]
        db = sqlite3.connect(archive)
        db.row_factory = sqlite3.Row
        yield truth, db
        db.close()


def test_every_attachment_format_is_archived_with_its_numbers(crawled):
    truth, db = crawled
    formats = set()
    for report in truth:
        rid = f"{report.agency}-{report.year}-{report.scope}"
        row = db.execute("select * from reports where id = ?", [rid]).fetchone()
        assert row is not None, rid
        cells = {r["key"]: r["value"] for r in db.execute("select key, value from cells where report_id = ? and version = ?",
                                                           [rid, row["version"]])}
        assert cells == pytest.approx(report.model.cells), rid
        formats.add(row["source_format"])
    assert formats >= {"pdf", "docx", "doc", "xlsx", "xls"}


def test_numbers_from_a_scan_are_flagged_with_a_confidence(crawled):
    truth, db = crawled
    [scan] = [t for t in truth if t.layout == "scan"]
    row = db.execute("select source_format, ocr_confidence from reports where agency = ? and year = ?",
                     [scan.agency, scan.year]).fetchone()
    assert row["source_format"] == "pdf" and 0 < row["ocr_confidence"] <= 1
    assert db.execute("select count(*) from reports where ocr_confidence is not null").fetchone()[0] == 1


def test_a_report_with_a_body_and_a_pdf_keeps_both_and_says_which_gave_the_numbers(crawled):
    truth, db = crawled
    [both] = [t for t in truth if t.in_body and t.layout == "pdf"]
    rid = f"{both.agency}-{both.year}-{both.scope}"
    sources = db.execute("select source_format, used from report_sources where report_id = ?", [rid]).fetchall()
    assert sorted(s["source_format"] for s in sources) == ["html", "pdf"]
    assert sum(s["used"] for s in sources) == 1
    [used] = [s["source_format"] for s in sources if s["used"]]
    assert db.execute("select source_format from reports where id = ?", [rid]).fetchone()[0] == used


def test_attachments_behind_downfile_jsp_are_read_by_their_bytes(crawled):
    truth, db = crawled
    [pdf] = [t for t in truth if t.attachment_url and "downfile.jsp" in t.attachment_url]
    row = db.execute("select source_format, url from reports where agency = ? and year = ?", [pdf.agency, pdf.year]).fetchone()
    assert row["source_format"] == "pdf" and "downfile.jsp" in row["url"]
