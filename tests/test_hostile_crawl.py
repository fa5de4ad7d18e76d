"""Issue 12 in one real crawl: hostile files and hostile servers on 127.x next to a well-behaved
replica portal, the crawl process capped at 1 GiB of data. Every hostile request ends in a
capture with a flag and an error (or a recorded extraction failure naming the limit), nothing is
fetched from a host the site may not lead to, the replica portal's reports all come out exact, and
the archive passes SQLite's integrity check."""
from __future__ import annotations

import json
import os
import sqlite3
import time
from pathlib import Path

import pytest
import yaml

from replica.server import Replica
from tests.crawl_helpers import cells_of, report_id, rows
from tests.hostile_server import Portal, files_portal, html, servers_portal, trs_column
from tests.limited import GIB, xxgk_capped

NORMAL_SITE = "xinhua"
# hostile file → the setting that refuses it in a crawl. The 50 MB HTML would be refused at download
# by the same size setting, so the crawl gets a 20 MiB one (hostile_server.files_portal): under
# DOWNLOAD_MAXSIZE, over the text cap, which the spider applies before parsing the page at all.
FILE_LIMITS = {
    "pdf-huge-page": "XXGK_DOC_MAX_PIXELS", "docx-gridspan": "XXGK_DOC_MAX_CELLS",
    "docx-paragraph-flood": "XXGK_DOC_MAX_PARAGRAPHS", "xlsx-merged-everything": "XXGK_DOC_MAX_CELLS",
    "xlsx-far-corners": "XXGK_DOC_MAX_CELLS", "xlsx-shared-strings": "XXGK_DOC_MAX_CELLS",
    "html-wide-table": "XXGK_DOC_MAX_CELLS", "html-huge": "XXGK_DOC_MAX_TEXT_BYTES", "png-tall-blank": "XXGK_DOC_MAX_PAGES",
}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile-crawl")
    with Replica.start() as replica, Portal("127.0.0.61") as files, Portal("127.0.0.62") as servers, \
            Portal("127.0.0.63") as secret, Portal("127.0.0.64") as same_pages, Portal("127.0.0.65") as new_pages:
        secret.route("/secret.html", html("<p>internal</p>"))
        file_urls = files_portal(files)
        server_urls = servers_portal(servers, secret)
        trs_column(same_pages, new_rows_on_every_page=False)
        trs_column(new_pages, new_rows_on_every_page=True)
        [normal] = [s for s in replica.sites if s.id == NORMAL_SITE]
        sites = [{"id": normal.id, "agency": normal.agency, "start_url": normal.start_url, "platform": normal.platform},
                 {"id": "files", "agency": "文件局", "start_url": files.url("/list/index.html"), "platform": "generic"},
                 {"id": "servers", "agency": "服务局", "start_url": servers.url("/list/index.html"), "platform": "generic"},
                 {"id": "same-pages", "agency": "分页局", "start_url": same_pages.url("/col/index.html"), "platform": "trs"},
                 {"id": "new-pages", "agency": "分页局", "start_url": new_pages.url("/col/index.html"), "platform": "trs"}]
        registry = tmp / "sites.yaml"
        registry.write_text(yaml.safe_dump(sites, allow_unicode=True), encoding="utf-8")
        archive = tmp / "archive.db"
        started = time.monotonic()
        done = xxgk_capped("crawl", "--sites", str(registry), "--archive", str(archive),
                           "--set", "XXGK_MAX_LIST_PAGES=5", "--set", "AUTOTHROTTLE_START_DELAY=0.2",
                           memory=GIB, data_only=True, timeout=600, env={**os.environ, "XXGK_DOC_TIMEOUT": "20"})
        yield {"done": done, "archive": archive, "files": file_urls, "servers": server_urls, "secret": secret,
               "same_pages": same_pages, "new_pages": new_pages, "seconds": time.monotonic() - started,
               "truth": [t for t in replica.truth if t.site_id == NORMAL_SITE]}


def capture(archive: Path, url: str) -> dict:
    found = rows(archive, "select * from captures where url = ? order by id", [url])
    assert found, f"no capture of {url}"
    return found[-1]


def test_the_crawl_finishes_and_the_other_site_is_archived_exactly(crawled):
    # it ends, with warnings: the hostile sites' errors and refused documents (docs/operators.md, "Exit codes")
    assert crawled["done"].returncode == 1, crawled["done"].stderr[-3000:]
    assert "Crawl run 1: finished with warnings" in crawled["done"].stdout, crawled["done"].stdout
    assert crawled["truth"]
    for truth in crawled["truth"]:
        assert cells_of(crawled["archive"], report_id(truth)) == pytest.approx(truth.cells), report_id(truth)
    db = sqlite3.connect(crawled["archive"])
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    [run] = rows(crawled["archive"], "select * from crawl_runs")
    assert run["status"] == "finished" and run["errors"] >= len(crawled["servers"]) - 2


@pytest.mark.parametrize("case", sorted(set(FILE_LIMITS) - {"html-huge"}))
def test_a_hostile_file_is_a_recorded_failure_naming_its_limit(crawled, case):
    found = capture(crawled["archive"], crawled["files"][case])
    assert found["flag"] == "ok"
    [extraction] = rows(crawled["archive"], "select * from extractions where sha256 = ?", [found["sha256"]])
    assert extraction["outcome"] == "not_report" and FILE_LIMITS[case] in extraction["reason"], extraction["reason"]
    assert extraction["limit_setting"] == FILE_LIMITS[case] and extraction["limit_value"] > 0


@pytest.mark.parametrize("case, error", [
    ("too-large", "DOWNLOAD_MAXSIZE"),
    ("gzip-bomb", "DOWNLOAD_MAXSIZE"),
    ("redirect-self", "redirect loop"),
    ("redirect-chain", "REDIRECT_MAX_TIMES"),
    ("redirect-file", "not an http(s) URL"),
    ("redirect-private", "private or local address 127.0.0.63"),
    ("redirect-offsite", "off-site host reports.example.com"),
    ("meta-refresh-private", "private or local address 127.0.0.63"),
])
def test_a_hostile_answer_ends_in_a_refused_capture_with_the_reason(crawled, case, error):
    found = capture(crawled["archive"], crawled["servers"][case])
    assert found["flag"] == "refused" and error in found["error"], (found["flag"], found["error"])
    assert (found["size"] or 0) < 2**20  # neither the 1 GiB body nor the 900 MiB bomb was stored
    assert not rows(crawled["archive"], "select * from reports where capture_id = ?", [found["id"]])


def test_a_page_over_the_text_limit_is_kept_but_never_parsed(crawled):
    found = capture(crawled["archive"], crawled["files"]["html-huge"])
    assert found["flag"] == "refused" and found["size"] > 10 * 2**20  # its bytes are kept
    assert "(XXGK_DOC_MAX_TEXT_BYTES): not parsed" in found["error"]
    assert not rows(crawled["archive"], "select * from extractions where sha256 = ?", [found["sha256"]])


def test_nothing_was_fetched_from_the_private_host_a_redirect_pointed_at(crawled):
    assert crawled["secret"].hits["/secret.html"] == 0
    assert not rows(crawled["archive"], "select * from captures where url like '%127.0.0.63%' or final_url like '%127.0.0.63%'")
    assert not rows(crawled["archive"], "select * from captures where final_url like 'file:%' or url like '%example.com%'")


def test_a_redirect_to_a_url_fetched_already_still_ends_in_a_capture(crawled):
    found = capture(crawled["archive"], crawled["servers"]["redirect-to-seen"])
    assert found["flag"] == "ok" and found["final_url"].endswith("/list/index.html")
    assert json.loads(found["redirect_chain"]) == [crawled["servers"]["redirect-to-seen"]]


def test_retry_after_is_waited_out_up_to_the_cap(crawled):
    short = capture(crawled["archive"], crawled["servers"]["retry-after-short"])
    assert short["flag"] == "ok" and short["status"] == 200
    long = capture(crawled["archive"], crawled["servers"]["retry-after-long"])
    assert long["flag"] == "http_error" and long["status"] == 503 and "XXGK_RETRY_AFTER_MAX" in long["error"]
    assert crawled["seconds"] < 3600


def test_a_listing_claiming_100000_pages_is_paged_while_pages_bring_new_links(crawled):
    same = crawled["same_pages"].hits
    assert same["/col/index.html"] == 1 and same["/col/index_1.html"] == 1 and same["/col/index_2.html"] == 0
    new = crawled["new_pages"].hits
    assert [new[f"/col/index_{n}.html"] for n in range(1, 8)] == [1, 1, 1, 1, 1, 0, 0]  # XXGK_MAX_LIST_PAGES=5
    for site in ("same-pages", "new-pages"):  # the report link of the first page was followed
        assert rows(crawled["archive"], "select id from captures where site = ? and kind = 'detail' and flag = 'ok'", [site])
    assert "stopped at 5 listing pages (XXGK_MAX_LIST_PAGES)" in crawled["done"].stderr


def test_the_run_counts_refused_captures_as_errors(crawled):
    [run] = rows(crawled["archive"], "select * from crawl_runs")
    refused = rows(crawled["archive"], "select count(*) as n from captures where flag = 'refused'")[0]["n"]
    assert refused >= 8 and run["errors"] >= refused
    settings = json.loads(run["settings"])
    assert settings["DOWNLOAD_MAXSIZE"] == 50 * 2**20
