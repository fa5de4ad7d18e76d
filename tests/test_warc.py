"""WARC copies of a real crawl of the replica, read back with warcio; revisits on a recrawl; WACZ."""
import gzip
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from email.utils import parsedate_to_datetime
from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.warcwriter import WARCWriter

from archive.records import Capture
from archive.warc import SERVER_NOT_MODIFIED, WarcFiles, payload_digest
from replica.portals import build_world
from replica.server import Replica
from tests.crawl_helpers import crawl, free_port, rows, write_registry, xxgk

MAX_BYTES = 300_000  # small, so the demo crawl's WARC output rotates into several files


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("warc")
    with Replica.start() as replica:
        registry = write_registry(tmp / "sites.yaml", replica.sites)
        archive = tmp / "archive.db"
        xxgk("crawl", "--sites", str(registry), "--archive", str(archive), "--set", f"XXGK_WARC_MAX_BYTES={MAX_BYTES}")
        first_files = sorted(p.name for p in (tmp / "archive.db.warc").iterdir())
        crawl(registry, archive)
        yield replica, archive, first_files


def records(path: Path) -> list:
    """Every record of one WARC file, with its offset, headers and (decoded) payload."""
    found = []
    with open(path, "rb") as fh:
        it = ArchiveIterator(fh)
        for record in it:
            payload = record.content_stream().read()  # before the offset: asking it reads to the end
            found.append({
                "offset": it.get_record_offset(),
                "type": record.rec_type,
                "headers": dict(record.rec_headers.headers),
                "status": record.http_headers.get_statuscode() if record.http_headers else None,
                "http": dict(record.http_headers.headers) if record.http_headers else {},
                "payload": payload,
            })
    return found


def all_records(archive: Path) -> dict[str, list]:
    folder = archive.with_name(archive.name + ".warc")
    return {p.name: records(p) for p in sorted(folder.glob("*.warc.gz"))}


def test_every_report_page_in_the_warc_is_its_blob_byte_for_byte(crawled):
    _, archive, _ = crawled
    by_file = all_records(archive)
    reports = rows(archive, "select r.id, r.sha256, c.warc_file, c.warc_offset, c.warc_record_id, c.warc_type, "
                            "coalesce(c.final_url, c.url) as url from reports r join captures c on c.id = r.capture_id")
    assert len(reports) >= 10
    blobs = archive.with_name(archive.name + ".blobs")
    for report in reports:
        assert report["warc_type"] == "response", report["id"]
        [record] = [r for r in by_file[report["warc_file"]] if r["offset"] == report["warc_offset"]]
        assert record["headers"]["WARC-Record-ID"] == report["warc_record_id"]
        assert record["headers"]["WARC-Target-URI"] == report["url"]
        assert record["headers"]["WARC-Payload-Digest"] == payload_digest(report["sha256"])
        assert hashlib.sha256(record["payload"]).hexdigest() == report["sha256"]
        blob = (blobs / report["sha256"][:2] / report["sha256"][2:4] / report["sha256"]).read_bytes()
        assert record["payload"] == blob
        assert record["http"]["Content-Length"] == str(len(blob))


def test_files_rotate_by_size_each_opening_with_the_runs_warcinfo(crawled):
    _, archive, first_files = crawled
    folder = archive.with_name(archive.name + ".warc")
    run1 = [name for name in first_files if name.startswith("r00001-")]
    assert len(run1) >= 3, run1
    for name in run1:
        recs = records(folder / name)
        assert recs[0]["type"] == "warcinfo"
        info = dict(line.split(": ", 1) for line in recs[0]["payload"].decode().strip().split("\r\n"))
        assert info["xxgk-run-id"] == "1" and info["format"] == "WARC File Format 1.1"
        assert json.loads(info["xxgk-settings"])["ROBOTSTXT_OBEY"] is True
        # A file is closed once past the limit: it holds at most one capture's records beyond it.
        assert (folder / name).stat().st_size < MAX_BYTES + 2_000_000
    assert all(r["headers"]["WARC-Type"] != "warcinfo" or r["offset"] == 0
               for recs in all_records(archive).values() for r in recs)


def test_requests_and_responses_name_each_other(crawled):
    _, archive, _ = crawled
    every = [r for recs in all_records(archive).values() for r in recs]
    by_id = {r["headers"]["WARC-Record-ID"]: r for r in every}
    requests = [r for r in every if r["type"] == "request"]
    assert requests
    for request in requests:
        answer = by_id[request["headers"]["WARC-Concurrent-To"]]
        assert answer["type"] in ("response", "revisit")
        assert answer["headers"]["WARC-Concurrent-To"] == request["headers"]["WARC-Record-ID"]
        assert answer["headers"]["WARC-Target-URI"] == request["headers"]["WARC-Target-URI"]
        assert request["http"]["User-Agent"].startswith("xxgk-archive/")


def test_the_redirect_chain_is_recorded_hop_by_hop(tmp_path):
    with Replica.start(build_world(hard=True)) as replica:
        [fault] = [f for f in replica.faults if f.kind == "redirect"]
        registry = write_registry(tmp_path / "sites.yaml", [s for s in replica.sites if s.id == fault.site_id])
        archive = tmp_path / "archive.db"
        crawl(registry, archive)
    every = [r for recs in all_records(archive).values() for r in recs]
    [first] = [r for r in every if r["type"] == "response" and r["headers"]["WARC-Target-URI"] == fault.url]
    assert first["status"] == "301"
    [second] = [r for r in every if r["type"] == "response"
                and r["headers"]["WARC-Target-URI"].endswith(first["http"]["Location"])]
    assert second["status"] == "302"
    [capture] = rows(archive, "select * from captures where url = ?", [fault.url])
    assert capture["final_url"] == fault.target and capture["warc_type"] == "response"
    [final] = [r for r in every if r["headers"]["WARC-Record-ID"] == capture["warc_record_id"]]
    assert final["status"] == "200" and final["headers"]["WARC-Target-URI"] == fault.target


def test_a_recrawl_writes_revisits_pointing_at_the_first_copies(crawled):
    _, archive, _ = crawled
    every = [r for recs in all_records(archive).values() for r in recs]
    by_id = {r["headers"]["WARC-Record-ID"]: r for r in every}
    run2 = [r for name, recs in all_records(archive).items() if name.startswith("r00002-") for r in recs]
    revisits = [r for r in run2 if r["type"] == "revisit"]
    not_modified = [r for r in revisits if r["headers"]["WARC-Profile"] == SERVER_NOT_MODIFIED]
    assert len(not_modified) >= 20  # the replica answers conditional requests with 304
    assert not [r for r in run2 if r["type"] == "response" and r["status"] == "200"
                and not r["headers"]["WARC-Target-URI"].endswith(("robots.txt",))
                and r["headers"]["WARC-Payload-Digest"] in {x["headers"].get("WARC-Payload-Digest") for x in every
                                                             if x["type"] == "response" and x is not r}]
    for revisit in revisits:
        original = by_id[revisit["headers"]["WARC-Refers-To"]]
        assert original["type"] == "response"
        assert revisit["headers"]["WARC-Refers-To-Target-URI"] == original["headers"]["WARC-Target-URI"]
        assert revisit["headers"]["WARC-Refers-To-Date"] == original["headers"]["WARC-Date"]
        assert revisit["headers"]["WARC-Payload-Digest"] == original["headers"]["WARC-Payload-Digest"]
        assert revisit["payload"] == b""
    for revisit in not_modified:  # the response the 304 stands for: the original's status, its payload's length
        original = by_id[revisit["headers"]["WARC-Refers-To"]]
        assert revisit["status"] == original["status"] == "200"
        assert revisit["http"]["Content-Length"] == original["http"]["Content-Length"]
        assert revisit["http"].get("Content-Type") == original["http"].get("Content-Type")


def test_a_wacz_of_the_archive_validates_and_lists_the_report_pages(crawled, tmp_path):
    _, archive, _ = crawled
    out = tmp_path / "archive.wacz"
    done = xxgk("wacz", "--archive", str(archive), "--out", str(out))
    assert "report pages" in done.stdout and not done.stderr.strip(), done.stderr
    check = subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(out)], capture_output=True, text=True)
    assert check.returncode == 0 and "is valid" in check.stdout, check.stdout + check.stderr
    with zipfile.ZipFile(out) as wacz:
        names = wacz.namelist()
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").decode().splitlines()]
        package = json.loads(wacz.read("datapackage.json"))
        index = gzip.decompress(wacz.read("indexes/index.cdx.gz")).decode()
    assert pages[0]["format"] == "json-pages-1.0"
    listed = {p["url"] for p in pages[1:]}
    reports = {r["url"] for r in rows(archive, "select coalesce(c.final_url, c.url) as url from reports r "
                                               "join captures c on c.id = r.capture_id")}
    assert reports <= listed
    assert {n for n in names if n.startswith("archive/")} == {"archive/" + p.name for p in
                                                              archive.with_name(archive.name + ".warc").iterdir()}
    assert {r["path"] for r in package["resources"]} >= {"pages/pages.jsonl", "indexes/index.cdx.gz"}
    for url in list(reports)[:5]:
        assert url.split("://", 1)[1].split("/", 1)[1] in index


def test_a_wacz_of_one_run_holds_the_payloads_its_revisits_need(crawled, tmp_path):
    _, archive, _ = crawled
    out = tmp_path / "run2.wacz"
    xxgk("wacz", "--archive", str(archive), "--out", str(out), "--run", "2")
    with zipfile.ZipFile(out) as wacz:
        names = {n for n in wacz.namelist() if n.startswith("archive/")}
    assert any(n.startswith("archive/r00002-") for n in names)
    assert any(n.startswith("archive/r00001-") for n in names)  # run 2 only revisited: the bytes are in run 1


def test_a_compressed_answer_is_recorded_decoded_with_its_headers_made_true(tmp_path):
    """Headers as a gzip-and-chunked server sends them; the body as Scrapy hands it over (decoded)."""
    body = "<html><body>政府信息公开工作年度报告</body></html>".encode()
    wire = ({"method": "GET", "url": "http://127.0.0.9/a.html", "request_headers": [("Accept-Encoding", "gzip")],
             "request_body": b"", "status": 200, "protocol": "HTTP/1.1", "date": "2026-01-02T03:04:05.123456+00:00",
             "headers": [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"),
                         ("Transfer-Encoding", "chunked"), ("Content-Length", "41")], "body": None},)
    capture = Capture(url="http://127.0.0.9/a.html", fetched_at="2026-01-02T03:04:05+00:00", site="s", spider="t",
                      kind="detail", flag="ok", status=200, body=body, wire=wire)
    files = WarcFiles(tmp_path, "t", {"software": "test"}, 10_000_000)
    sha = hashlib.sha256(body).hexdigest()
    written = files.write(capture, sha, None)
    files.close()
    [record] = [r for r in records(tmp_path / "t-00001.warc.gz") if r["offset"] == written.offset]
    assert record["payload"] == body
    assert record["http"]["Content-Length"] == str(len(body))
    assert "Content-Encoding" not in record["http"] and "Transfer-Encoding" not in record["http"]
    assert record["http"]["X-Archive-Orig-Content-Encoding"] == "gzip"
    assert record["http"]["X-Archive-Orig-Content-Length"] == "41"
    assert record["headers"]["WARC-Date"] == "2026-01-02T03:04:05Z"


def pywb_bin() -> Path | None:
    """pywb (a real replay tool) lives in a venv of its own: it pins redis==2.10.6, which cannot sit
    beside scrapy-redis's redis>=4.2 (``make .venv-pywb/.installed``; ``XXGK_PYWB`` names another)."""
    folder = Path(os.environ.get("XXGK_PYWB") or Path(__file__).resolve().parents[1] / ".venv-pywb" / "bin")
    return folder if (folder / "wayback").exists() else None


def test_pywb_replays_a_304_recrawled_page_with_its_content(crawled, tmp_path):
    """The WACZ of the recrawled archive, added to a pywb collection and served by pywb's own
    server: a page that answered 304 on the recrawl replays, at the recrawl's time, as the page
    byte for byte (not an empty 304)."""
    folder = pywb_bin()
    if folder is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pywb is not installed (.venv-pywb): `make .venv-pywb/.installed`")
        pytest.skip("pywb is not installed (.venv-pywb): `make .venv-pywb/.installed`")
    _, archive, _ = crawled
    wacz = tmp_path / "archive.wacz"
    xxgk("wacz", "--archive", str(archive), "--out", str(wacz))
    run2 = [r for name, recs in all_records(archive).items() if name.startswith("r00002-") for r in recs]
    recrawled = [r for r in run2 if r["type"] == "revisit" and r["headers"]["WARC-Profile"] == SERVER_NOT_MODIFIED]
    reports = {r["url"]: r["sha256"] for r in rows(archive, "select coalesce(c.final_url, c.url) as url, c.sha256 "
                                                           "from reports r join captures c on c.id = r.capture_id")}
    pages = [r for r in recrawled if r["headers"]["WARC-Target-URI"] in reports][:3]
    assert pages, "no report page answered 304 on the recrawl"
    home = tmp_path / "pywb"
    home.mkdir()
    for args in (["init", "replay"], ["add", "--unpack-wacz", "replay", str(wacz)]):
        done = subprocess.run([str(folder / "wb-manager"), *args], cwd=home, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    port = free_port()
    server = subprocess.Popen([str(folder / "wayback"), "--bind", "127.0.0.1", "-p", str(port)], cwd=home,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for page in pages:
            url, date = page["headers"]["WARC-Target-URI"], page["headers"]["WARC-Date"]
            stamp = "".join(ch for ch in date if ch.isdigit())[:14]
            answer = _get(f"http://127.0.0.1:{port}/replay/{stamp}id_/{url}")
            assert answer.status == 200, (url, answer.status)
            blob = archive.with_name(archive.name + ".blobs")
            sha = reports[url]
            assert answer.read() == (blob / sha[:2] / sha[2:4] / sha).read_bytes(), url
            # the capture replayed is the recrawl's revisit, not the first crawl's response
            replayed = parsedate_to_datetime(answer.headers["Memento-Datetime"])
            assert replayed.strftime("%Y%m%d%H%M%S") == stamp, (answer.headers["Memento-Datetime"], date)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _get(url: str, tries: int = 100):
    """GET from the pywb server once it listens (it takes a few seconds to start)."""
    for _ in range(tries):
        try:
            return urllib.request.urlopen(url, timeout=30)
        except urllib.error.HTTPError as error:
            return error
        except urllib.error.URLError:
            time.sleep(0.2)
    raise AssertionError(f"pywb never answered {url}")


def test_a_record_cut_by_a_forced_stop_is_named_by_verify_and_repaired_by_the_next_crawl(tmp_path):
    with Replica.start() as replica:
        registry = write_registry(tmp_path / "sites.yaml", replica.sites[:1])
        archive = tmp_path / "archive.db"
        crawl(registry, archive)
        folder = archive.with_name(archive.name + ".warc")
        [last] = sorted(folder.glob("r00001-*.warc.gz"))[-1:]
        whole = last.stat().st_size
        # What a kill leaves: the writer was gzipping a record no capture points at yet, and the run
        # was never closed. (The record is a real one, cut at half its gzip member.)
        member = BytesIO()
        body = "<html><body>被打断的页面</body></html>".encode() * 50
        WARCWriter(member, gzip=True, warc_version="WARC/1.1").write_record(
            WARCWriter(BytesIO()).create_warc_record("http://127.0.0.1/cut.html", "resource", payload=BytesIO(body),
                                                     length=len(body), warc_content_type="text/html"))
        cut = member.getvalue()[: len(member.getvalue()) // 2]
        with open(last, "ab") as fh:
            fh.write(cut)
        db = sqlite3.connect(archive)
        db.execute("update crawl_runs set status = 'interrupted' where id = 1")
        db.commit()
        db.close()

        said = xxgk("verify", "--archive", str(archive), check=False)
        assert said.returncode == 1
        assert f"WARC file {last.name}: a record cut short at byte {whole} ({len(cut)} bytes past" in said.stdout, said.stdout

        again = crawl(registry, archive)
    assert f"WARC file {last.name}: a record cut short at byte {whole}" in again.stderr and "repaired" in again.stderr
    assert last.stat().st_size == whole
    assert (folder / f"{last.name}.torn-{whole}").read_bytes() == cut
    assert xxgk("verify", "--archive", str(archive), check=False).returncode == 0
    check = subprocess.run([str(Path(sys.executable).with_name("warcio")), "check", str(last)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
