"""`xxgk serve` for real on the demo archive: search, canned queries, metadata, archived copies,
read-only serving, and a browser (Debian Chromium through Playwright) looking at the pages."""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from archive.migrations import MIGRATIONS
from browse.queries import QUERIES
from replica.pages import VISIT_COUNTER
from tests.browse_helpers import free_port, get, get_json, query_url, served
from tests.crawl_helpers import ROOT, XXGK, rows, xxgk


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    archive = tmp_path_factory.mktemp("demo") / "demo.db"
    xxgk("demo", "--archive", str(archive), "--port", str(free_port()))
    return archive


@pytest.fixture(scope="module")
def base(demo):
    with served(demo) as url:
        yield url


def _like(archive: Path, *words: str) -> set[str]:
    where = " and ".join("(title like ? or agency like ? or text like ?)" for _ in words)
    params = [f"%{w}%" for w in words for _ in range(3)]
    return {r["report_id"] for r in rows(archive, f"select report_id from report_texts where {where}", params)}


@pytest.mark.parametrize("query", ["市", "局", "复议", "民政", "上饶", "诉讼", "信息处理费", "政府信息公开", "复议 诉讼", "上饶 2023"])
def test_search_api_finds_exactly_what_a_like_scan_finds(demo, base, query):
    found = get_json(query_url(base, "/demo/report_card.json", _search=query, _shape="array", _size="max", _col="report_id"))
    expected = _like(demo, *query.split())
    assert expected, f"the demo archive should contain {query!r}"
    assert {r["report_id"] for r in found} == expected


def test_a_query_with_no_letters_finds_nothing_rather_than_everything(base):
    assert get_json(query_url(base, "/demo/report_card.json", _search="，", _shape="array")) == []


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_canned_query_returns_rows(base, name):
    params = {"year": "", "level": "", "region": "", "min_handled": "", "q": "复议", "_shape": "array"}
    found = get_json(query_url(base, f"/demo/{name}.json", **params))
    assert found, name
    assert QUERIES[name]["title"] and QUERIES[name]["description"]


def test_canned_queries_answer_what_they_say(demo, base):
    # every failed check of a current version, the report's own and against the year before (archive.definitions)
    [failed] = rows(demo, "select count(*) as n from checks ch join reports r on r.id = ch.report_id and r.version = ch.version where not ch.passed")
    found = get_json(query_url(base, "/demo/failing_checks.json", year="", _shape="array"))
    assert len(found) == failed["n"] and {(r["year"], r["rule"]) for r in found if r["cross_year"]} == {
        (2023, "T2-STOCK"), (2024, "T2-STOCK")}  # 上饶's stock of normative documents, in the demo
    changed = {(r["year"], r["reason"]): r for r in get_json(query_url(base, "/demo/changed_after_publication.json", _shape="array"))}
    assert set(changed) == {(2023, "changed"), (2022, "correction")}  # world 2: one report edited in place, one 更正
    assert all(r["agency"] == "上饶市工业和信息化局" and r["archived_copy"] != r["archived_copy_before"] for r in changed.values())
    assert "现行有效件数" in changed[2023, "changed"]["what_changed"]  # the corrected stock of normative documents
    assert "行政许可" in changed[2022, "correction"]["what_changed"]
    hits = get_json(query_url(base, "/demo/search_passages.json", q="复议", _shape="array"))
    assert all("复议" in hit["passage"] for hit in hits)


def test_every_column_of_every_table_and_view_is_described(demo, base):
    meta = get_json(base + "/-/metadata.json")["databases"]["demo"]["tables"]
    db = sqlite3.connect(demo)
    names = [r[0] for r in db.execute("select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite_%'")]
    fts = {r[0] for r in db.execute("select name from sqlite_master where sql like 'create virtual table%'")}
    shadows = {n for n in names for f in fts if n.startswith(f + "_") and n != f}
    missing = []
    for name in sorted(set(names) - shadows):
        described = meta.get(name, {})
        if not described.get("description"):
            missing.append(name)
        for (column,) in db.execute(f"select name from pragma_table_info('{name}')"):
            if not described.get("columns", {}).get(column):
                missing.append(f"{name}.{column}")
    assert not missing, f"no description for: {', '.join(missing)} (add them to archive/metadata.py)"


def test_each_kind_of_archived_copy_comes_back_with_its_type_and_safe_headers(demo, base):
    captures = rows(demo, "select sha256, content_type, url from captures where flag = 'ok' and kind in ('detail', 'attachment')")
    seen = {}
    for capture in captures:
        kind = (capture["content_type"] or "").split(";")[0].lower()
        # By type and file extension: downfile.jsp serves PDFs and text files alike as
        # application/octet-stream, and which of them the crawl captured first varies.
        key = (kind, capture["url"].rsplit(".", 1)[-1])
        if key in seen:
            continue
        response = get(f"{base}/blobs/{capture['sha256']}")
        body = response.read()
        assert hashlib.sha256(body).hexdigest() == capture["sha256"]  # the bytes as captured
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        seen[key] = (headers["Content-Type"], headers["Content-Disposition"], headers.get("Content-Security-Policy"), body, capture)
    for (kind, extension), (ctype, disposition, csp, body, capture) in seen.items():
        if kind == "text/html":
            assert ctype.startswith("text/html; charset=") and csp and csp.startswith("sandbox")
            assert disposition.startswith("inline")
        elif kind == "application/octet-stream" and extension == "txt":  # downfile.jsp: a text file, read as one
            assert ctype.startswith("text/plain; charset=")
        elif kind in ("application/pdf", "application/octet-stream"):  # downfile.jsp: a PDF served as a download
            assert ctype == "application/pdf" and disposition.startswith("inline") and body.startswith(b"%PDF")
        elif kind in ("application/msword", "application/vnd.ms-excel",
                      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
            assert ctype == kind and disposition.startswith("attachment; filename*=UTF-8''")
            assert disposition.endswith(capture["url"].rsplit("/", 1)[-1])  # the original file name
        elif kind.startswith("text/plain"):
            assert ctype.startswith("text/plain; charset=")
    assert {"text/html", "application/pdf", "application/msword", "application/vnd.ms-excel"} <= {kind for kind, _ in seen}
    assert ("application/octet-stream", "pdf") in seen
    # the GBK page (labelled GBK/gb2312) is served with a charset that reads it right
    gbk = rows(demo, "select sha256 from captures where content_type like '%GBK%' and kind = 'detail' and flag = 'ok' limit 1")
    response = get(f"{base}/blobs/{gbk[0]['sha256']}")
    charset = response.headers.get_content_charset()
    assert charset == "gb18030" and "政府信息公开" in response.read().decode(charset)


def test_numbers_link_to_their_archived_copy(demo, base):
    page = get(base + "/demo/report_numbers?_size=5").read().decode()
    assert 'href="/blobs/' in page and "archived copy" in page
    page = get(base + "/demo/captures?_size=5").read().decode()
    assert 'href="/blobs/' in page
    card = get(base + "/demo/report_card?_size=5").read().decode()
    assert 'href="/blobs/' in card and 'href="http://127.' in card


def test_the_home_page_starts_with_the_report_card(base):
    page = get(base + "/").read().decode()
    assert page.index("报告一览") < page.index("<h2 style=\"padding-left")  # before the list of tables
    for query in QUERIES.values():
        assert query["title"] in page


def test_arbitrary_sql_keeps_the_time_limit(base):
    endless = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    try:
        answer = json.load(get(query_url(base, "/demo.json", sql=endless)))
    except Exception as exc:  # Datasette answers 400 with a JSON error
        answer = json.load(exc)
    assert "too long" in json.dumps(answer)


def test_serving_writes_nothing_beside_the_archive(tmp_path, demo):
    copy = tmp_path / "copy.db"
    copy.write_bytes(demo.read_bytes())
    (tmp_path / "copy.db.blobs").mkdir()
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    with served(copy) as url:
        assert get_json(query_url(url, "/copy/report_card.json", _search="复议", _shape="array"))
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == before


def _serve_fails(path: Path) -> str:
    done = subprocess.run([*XXGK, "serve", "--archive", str(path), "--port", str(free_port())], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr  # one line, no traceback
    return lines[0]


def test_serve_refuses_what_is_not_an_archive_in_one_line(tmp_path):
    assert "no archive at" in _serve_fails(tmp_path / "missing.db")
    (tmp_path / "empty.db").write_bytes(b"")
    assert "is empty" in _serve_fails(tmp_path / "empty.db")
    (tmp_path / "notes.db").write_text("这不是数据库 " * 100, encoding="utf-8")
    assert "not an SQLite archive" in _serve_fails(tmp_path / "notes.db")
    other = sqlite3.connect(tmp_path / "other.db")
    other.execute("create table t (x)")
    other.commit()
    other.close()
    assert "not an xxgk archive" in _serve_fails(tmp_path / "other.db")
    assert not (tmp_path / "empty.db").stat().st_size  # still empty: serve made nothing of it


def test_an_old_archive_is_told_to_upgrade_then_serves(tmp_path):
    import sqlite_utils

    old = tmp_path / "old.db"
    db = sqlite_utils.Database(old)
    for migration in MIGRATIONS[:5]:  # an archive of the m005 days
        migration(db)
        db["_migrations"].insert({"name": migration.__name__, "applied_at": "2026-01-01T00:00:00+00:00"}, pk="name")
    db.close()
    message = _serve_fails(old)
    assert "xxgk upgrade --archive" in message
    out = xxgk("upgrade", "--archive", str(old)).stdout
    assert "m011_journalists" in out and "m012_browse_speed" in out
    assert "already up to date" in xxgk("upgrade", "--archive", str(old)).stdout
    with served(old) as url:
        assert get_json(query_url(url, "/old/report_card.json", _shape="array")) == []


# --- the browser ------------------------------------------------------------------------------

def test_a_journalist_in_the_browser(demo, base, tmp_path):
    from playwright.sync_api import sync_playwright

    from crawler.fetch.browser import launch_options

    shots = tmp_path / "screenshots"
    shots.mkdir()
    gbk_page = rows(demo, "select r.agency, r.sha256 from reports r join captures c on c.id = r.capture_id "
                          "where c.content_type like '%GBK%' limit 1")[0]
    with_pdf = rows(demo, "select r.agency, s.sha256 as pdf, h.sha256 as html from reports r "
                          "join report_sources s on s.report_id = r.id and s.source_format = 'pdf' "
                          "join report_sources h on h.report_id = r.id and h.source_format = 'html' limit 1")[0]
    agency = "上饶市工业和信息化局"
    with sync_playwright() as p:
        browser = p.chromium.launch(**launch_options())
        page = browser.new_page(viewport={"width": 1600, "height": 1000})

        page.goto(base + "/")
        assert page.get_by_role("link", name="报告一览 · Report card").is_visible()
        page.screenshot(path=shots / "1-home.png", full_page=True)

        page.goto(query_url(base, "/demo/report_card", agency=agency))
        listed = page.locator("table.rows-and-columns tbody tr")
        assert listed.count() == len(rows(demo, "select id from reports where agency = ?", [agency])) >= 6
        page.screenshot(path=shots / "2-report-card-one-agency.png", full_page=True)

        page.goto(base + "/demo/report_card")
        page.fill("#_search", "复议")
        page.locator("#_search").press("Enter")
        page.wait_for_url("**_search=**")
        assert page.input_value("#_search") == "复议"  # the box shows what was typed
        expected = len(_like(demo, "复议"))
        assert page.locator("h3").first.inner_text().startswith(f"{expected} rows where search matches")
        assert page.locator("table.rows-and-columns tbody tr").count() == min(expected, 20)  # a page of the card
        page.screenshot(path=shots / "3-search-two-characters.png", full_page=True)

        response = page.goto(f"{base}/blobs/{gbk_page['sha256']}")
        assert VISIT_COUNTER.encode() in response.body()  # the portal's script is in the archived bytes…
        assert gbk_page["agency"][:3] in page.inner_text("body")  # Chinese readable
        assert page.evaluate("document.body.getAttribute('data-visit-counter')") is None  # …and did not run
        page.screenshot(path=shots / "4-archived-gbk-page.png")

        page.goto(f"{base}/blobs/{with_pdf['html']}")
        assert page.evaluate("document.body.getAttribute('data-visit-counter')") is None
        page.screenshot(path=shots / "5-archived-html-with-pdf.png")
        pdf = browser.new_page(viewport={"width": 1280, "height": 900})
        pdf_response = pdf.goto(f"{base}/blobs/{with_pdf['pdf']}")
        assert pdf_response.headers["content-type"] == "application/pdf"
        pdf.wait_for_timeout(1500)  # the PDF viewer draws the first page
        pdf.screenshot(path=shots / "6-archived-pdf.png")

        page.goto(base + "/-/dashboards/figures")
        page.wait_for_selector("#chart-over-years svg, #chart-over-years canvas", timeout=20000)
        page.wait_for_selector("#chart-distribution svg, #chart-distribution canvas", timeout=20000)
        page.screenshot(path=shots / "7-charts.png", full_page=True)
        browser.close()
    kept = os.environ.get("XXGK_KEEP_SCREENSHOTS")  # to look at them after the run
    if kept:
        import shutil

        shutil.copytree(shots, kept, dirs_exist_ok=True)
    assert len(list(shots.iterdir())) == 7
