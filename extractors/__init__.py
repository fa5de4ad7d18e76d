"""Bytes of a report document → metadata, section texts, canonical cells, checks.

No Scrapy, no clock, no network: the crawl pipeline and `xxgk extract` call in here with bytes.
"""
