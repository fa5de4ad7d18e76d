"""A page's parsed tree and decoded text are freed once its callback's output is consumed, while the
response itself (kept by Scrapy until the capture is stored) and its body stay."""
from __future__ import annotations

import asyncio
import gc
import weakref

import pytest
from scrapy.http import HtmlResponse

from crawler.fetch.parsed_pages import ReleaseParsedPages

PAGE = "<html><body>" + "".join(f"<p><a href='t2024{n:04d}_1.html'>第{n}条</a></p>" for n in range(200)) + "</body></html>"


def parsed_page():
    response = HtmlResponse("http://127.0.0.1/col/index.html", body=PAGE.encode("utf-8"), encoding="utf-8")
    links = response.css("a::attr(href)").getall()  # what a callback does: decode the text, build the tree
    tree, text = weakref.ref(response.selector), response.text
    return response, links, tree, text


def test_the_tree_goes_when_a_callbacks_output_is_consumed_and_the_body_stays():
    response, links, tree, text = parsed_page()
    assert len(links) == 200 and tree() is not None
    out = list(ReleaseParsedPages().process_spider_output(response, iter(["capture", *links])))
    gc.collect()
    assert out == ["capture", *links]
    assert tree() is None
    assert response.body == PAGE.encode("utf-8")
    assert response.text == text  # decoded again if anyone asks


def test_the_async_path_frees_it_too_and_so_does_a_callback_that_fails():
    response, links, tree, _ = parsed_page()

    async def failing_callback():
        yield links[0]
        raise ValueError("malformed listing")

    async def consume():
        return [item async for item in ReleaseParsedPages().process_spider_output_async(response, failing_callback())]

    with pytest.raises(ValueError, match="malformed listing"):
        asyncio.run(consume())
    gc.collect()
    assert tree() is None
