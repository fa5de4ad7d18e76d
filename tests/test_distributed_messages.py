"""What travels through Redis in a distributed crawl is data, never code; and passwords never stay
in what is written. (The crawls themselves, on a real redis-server: tests/test_distributed.py.)"""
from __future__ import annotations

import os
import pickle
import sqlite3

import pytest
import sqlite_utils
from scrapy import FormRequest, Request, Spider
from scrapy.utils.request import request_from_dict
from scrapy_playwright.page import PageMethod

from archive.migrations.m020_redacted_runs import m020_redacted_runs
from archive.records import Capture
from archive.redact import redact
from archive.warc import warcinfo
from crawler.distributed import messages
from crawler.sites import Site
from extractors import extract


class _Planted:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _Spider(Spider):
    name = "trs"

    def parse_listing(self, response):
        pass


def test_a_pickle_is_refused_as_a_capture_a_request_or_a_reading_and_never_runs(tmp_path):
    marker = tmp_path / "ran"
    evil = pickle.dumps(_Planted(marker))
    for decode in (messages.unpack_item, messages.loads, messages.unpack_reading):
        with pytest.raises(messages.BadMessage):
            decode(evil)
    assert not marker.exists()


def test_a_capture_travels_with_its_bytes_and_wire_record():
    capture = Capture(url="http://127.0.0.1/a", fetched_at="2026-01-01T00:00:00+00:00", site="s", spider="trs",
                      kind="detail", flag="ok", status=200, redirect_chain=("http://127.0.0.1/b",),
                      headers={"Content-Type": "application/pdf"}, body=bytes(range(256)) * 4,
                      wire=({"method": "GET", "url": "http://127.0.0.1/a", "request_body": b"\x00x", "status": 200},))
    assert messages.unpack_item(messages.pack_item(capture)) == capture
    assert messages.unpack_item(messages.pack_item(capture)).wire == capture.wire


def test_a_request_travels_with_its_site_and_browser_steps():
    spider = _Spider()
    site = Site("s1", "某县人民政府", "http://127.0.0.1/", "trs", {"region_code": "130105", "needs_browser": "true"})
    request = FormRequest("http://127.0.0.1/list", formdata={"page": "2"}, callback=spider.parse_listing, priority=-5,
                          meta={"site": site, "kind": "listing", "playwright_page_methods": [PageMethod("wait_for_load_state", "networkidle")]})
    back = request_from_dict(messages.loads(messages.dumps(request.to_dict(spider=spider))), spider=spider)
    assert (type(back), back.url, back.body, back.priority, back.callback) == (FormRequest, request.url, request.body, -5,
                                                                                 spider.parse_listing)
    assert back.meta["site"] == site and back.meta["site"].extra == site.extra
    [step] = back.meta["playwright_page_methods"]
    assert (step.method, step.args) == ("wait_for_load_state", ("networkidle",))


def test_a_request_naming_a_class_that_is_not_scrapys_is_refused_before_any_import():
    forged = messages.pack("request", {"url": "http://127.0.0.1/", "_class": "subprocess.Popen", "callback": None})
    with pytest.raises(messages.BadMessage, match="refused"):
        messages.loads(forged)
    with pytest.raises(messages.BadMessage):
        messages.loads(messages.pack("request", {"url": "http://127.0.0.1/", "meta": {"x": {"__xxgk__": "os.system"}}}))
    assert messages.loads(messages.dumps(Request("http://127.0.0.1/").to_dict()))["url"] == "http://127.0.0.1/"


def test_with_a_shared_secret_unsigned_and_wrongly_signed_items_are_refused(monkeypatch):
    item = Capture(url="http://127.0.0.1/", fetched_at="t", site="s", spider="trs", kind="listing", flag="ok")
    unsigned = messages.pack_item(item)
    monkeypatch.setenv("XXGK_REDIS_SECRET", "one secret")
    signed = messages.pack_item(item)
    assert messages.unpack_item(signed) == item
    with pytest.raises(messages.BadMessage, match="unsigned"):
        messages.unpack_item(unsigned)
    monkeypatch.setenv("XXGK_REDIS_SECRET", "another secret")
    with pytest.raises(messages.BadMessage, match="wrong signature"):
        messages.unpack_item(signed)
    task = {"sha256": "a" * 64, "filename": "x.pdf", "content_type": ""}
    with pytest.raises(messages.BadMessage):
        messages.check_task(task, None)
    messages.check_task(task, messages.sign_task(task))


def test_a_reading_comes_back_as_the_extraction_the_reader_made():
    html = ("<html><head><title>某县人民政府2023年政府信息公开工作年度报告</title></head><body>"
            "<p>某县人民政府2023年政府信息公开工作年度报告</p></body></html>").encode()
    extraction = extract(html, filename="report.html", content_type="text/html")
    raw = messages.pack_reading("b" * 64, "host:1", status="done", extraction=extraction, seconds=0.5)
    reading = messages.unpack_reading(raw)
    assert reading["extraction"] == extraction and reading["reader"] == "host:1"
    with pytest.raises(messages.BadMessage):
        messages.unpack_reading(messages.pack("reading", {"sha256": "b" * 64, "reader": "x", "status": "done"}))


def test_passwords_are_redacted_in_urls_and_in_runs_already_stored(tmp_path):
    assert redact("--redis redis://:pw@10.0.0.1:6379/0 x") == "--redis redis://:***@10.0.0.1:6379/0 x"
    assert redact("rediss://user:pw@h:6380/0?ssl_ca_certs=/etc/ca.pem") == "rediss://user:***@h:6380/0?ssl_ca_certs=/etc/ca.pem"
    assert redact("redis://h:6379/0?password=pw&db=1") == "redis://h:6379/0?password=***&db=1"
    assert redact("http://127.0.0.1/a?b=c") == "http://127.0.0.1/a?b=c"
    info = warcinfo({"id": 1, "command": "xxgk archive-writer --redis redis://:pw@h/0"}, '{"redis": "redis://:pw@h/0"}')
    assert ":pw@" not in info["xxgk-command"] + info["xxgk-settings"]
    db = sqlite_utils.Database(sqlite3.connect(tmp_path / "a.db"))
    db["crawl_runs"].insert({"id": 1, "command": "xxgk archive-writer --redis redis://:pw@h/0",
                             "settings": '{"redis": "redis://:pw@h/0"}'})
    m020_redacted_runs(db)
    row = db["crawl_runs"].get(1)
    assert ":pw@" not in row["command"] + row["settings"] and ":***@" in row["command"]
