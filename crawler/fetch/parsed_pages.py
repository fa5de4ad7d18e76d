"""Spider middleware: a page's decoded text and parsed tree go once its callback is done with it.

Scrapy keeps a response until every item its callback yielded has passed the pipelines: here,
until the archive's writer process has stored the capture. The response keeps, for as long as it
lives, the text it decoded and the lxml tree ``response.css`` built, several times the size of the
body. Measured on the 16x bench world: some 50-100 pages waited for the writer at once and the
crawl process peaked at 150 MiB, against 107 MiB at 4x; with their text and tree dropped it peaked
at 107-110 MiB at both. The capture keeps the body, which is all the archive needs.

Placed first (nearest the engine), so every other middleware has seen the callback's output.
Scrapy offers no public way to drop these caches; were its private names to change, this would
free nothing and ``tests/test_parsed_pages.py`` would say so.
"""
from __future__ import annotations

_PARSED = ("_cached_selector", "_cached_ubody")


class ReleaseParsedPages:
    def process_spider_output(self, response, result):
        try:
            yield from result
        finally:
            _release(response)

    async def process_spider_output_async(self, response, result):
        try:
            async for item in result:
                yield item
        finally:
            _release(response)


def _release(response) -> None:
    for name in _PARSED:
        if getattr(response, name, None) is not None:
            setattr(response, name, None)
