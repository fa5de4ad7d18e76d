"""The year a report title or text names, however it is written: one logic for every caller.

Titles write the year in Arabic digits, full-width digits ("２０２１年") or Chinese numerals
("二〇二一年", "二○二一年" with the circle sign U+25CB, "二零二一年", and "二O二一年" with a letter O typed
for the zero). ``extractors.titles`` (portal listings) and ``extractors.metadata`` (the report
itself) both read years here, so the two cannot drift apart.
"""
from __future__ import annotations

import re

_FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
_ZEROS = "〇零○◯OoＯｏ0０"
_CHINESE_DIGITS = str.maketrans(_ZEROS + "一二三四五六七八九", "0" * len(_ZEROS) + "123456789")
_CHINESE_YEAR = re.compile(rf"([一二][{_ZEROS}一二三四五六七八九]{{3}})\s*年")
YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


def arabic_years(text: str) -> str:
    """The text with every year written in Arabic digits: "二○二一年" → "2021年"."""
    text = text.translate(_FULL_WIDTH_DIGITS)
    return _CHINESE_YEAR.sub(lambda m: m.group(1).translate(_CHINESE_DIGITS) + "年", text)


def first_year(text: str) -> int | None:
    """The first year (1900–2099, followed by 年) the text names, in any of the spellings above."""
    match = YEAR.search(arabic_years(text))
    return int(match.group(1)) if match else None
