"""The ``ff.*`` figures of a pre-2019 report, from its local 统计表 or, failing that, its prose.

No national table existed before 2019 (spec §1, research notes §4): reports state a handful of
figures in sentences ("全年共受理政府信息公开申请12件，其中同意公开8件…") and some append a local
统计表. Early 统计表 print 历年累计 (cumulative since 2008) beside the year's column; only the year's
figure is the report's, so the column is chosen by its header.
"""
from __future__ import annotations

import re

from . import labels
from .keys import FREEFORM_KEYS
from .model import Number
from .values import clean_cell, is_number, parse_value

# Row labels of a 统计表. 不同意公开 contains 同意公开, 同意部分公开 contains 公开: order matters.
_TABLE_RULES = (
    ("ff.denied", re.compile(r"不予公开|不同意公开|否决")),
    ("ff.partial", re.compile(r"部分公开")),
    ("ff.granted", re.compile(r"同意公开|予以公开")),
    ("ff.proactive_items", re.compile(r"主动公开")),
    ("ff.applications", re.compile(r"申请总数|收到申请|受理.*申请|申请数|申请\(件\)")),
    ("ff.review_cases", re.compile(r"行政复议")),
    ("ff.litigation_cases", re.compile(r"行政诉讼")),
    ("ff.fees_yuan", re.compile(r"费用|收费")),
)
_CUMULATIVE = re.compile(r"累计")
_YEAR_COLUMN = re.compile(r"本年|年度|本期|当年|\d{4}年")

_N = r"(\d[\d,]*)"
# Sentences stating the year's figures. A figure after 累计/历年 is cumulative and is skipped.
_PROSE_RULES = (
    ("ff.proactive_items", re.compile(rf"主动公开[^。；，,\d]{{0,24}}?{_N}\s*条")),
    ("ff.applications", re.compile(rf"(?:受理|收到|接到|接收)[^。；，,\d]{{0,20}}?申请[^。；，,\d]{{0,6}}?{_N}\s*(?:件|份|条)")),
    ("ff.applications", re.compile(rf"(?:受理|收到|接到|接收)[^。；，,\d]{{0,6}}?{_N}\s*(?:件|份)[^。；，,\d]{{0,12}}申请")),
    ("ff.partial", re.compile(rf"部分公开[^。；，,\d]{{0,4}}?{_N}\s*件")),
    ("ff.denied", re.compile(rf"(?:不予公开|不同意公开|不予以公开)[^。；，,\d]{{0,4}}?{_N}\s*件")),
    ("ff.granted", re.compile(rf"(?<!不)(?:同意公开|予以公开)[^。；，,\d]{{0,4}}?{_N}\s*件")),
    ("ff.review_cases", re.compile(rf"行政复议[^。；，,\d]{{0,8}}?{_N}\s*(?:件|起|宗)")),
    ("ff.litigation_cases", re.compile(rf"行政诉讼[^。；，,\d]{{0,8}}?{_N}\s*(?:件|起|宗)")),
    ("ff.fees_yuan", re.compile(r"(?:收取|收费)[^。；，,\d]{0,16}?(\d[\d,]*(?:\.\d+)?)\s*元")),
)
# "No case / no fee" stated in words: the report does state a zero.
_PROSE_ZEROS = (
    ("ff.fees_yuan", re.compile(r"未收取[^。；，,\d]{0,8}费用|没有收取[^。；，,\d]{0,8}费用|不收取[^。；，,\d]{0,6}费用")),
    ("ff.review_cases", re.compile(r"(?:未发生|没有发生|未出现|无)[^。；\d]{0,20}?行政复议")),
    ("ff.litigation_cases", re.compile(r"(?:未发生|没有发生|未出现|无)[^。；\d]{0,30}?行政诉讼")),
)


def freeform_figures(grid: list[list[str]], prose: str) -> tuple[dict[str, Number | None], dict[str, str], list[str]]:
    """(cells, raw texts, warnings): the table's year column first, prose for what it lacks."""
    cells: dict[str, Number | None] = dict.fromkeys(FREEFORM_KEYS)
    raw: dict[str, str] = {}
    from_table = _table_figures(grid)
    from_prose = _prose_figures(prose)
    warnings = []
    for key in FREEFORM_KEYS:
        if key in from_table:
            raw[key] = from_table[key]
            cells[key] = parse_value(from_table[key])
            stated = from_prose.get(key)
            if stated is not None and cells[key] is not None and parse_value(stated) != cells[key]:
                warnings.append(f"prose states {key} {stated}, 统计表 gives {from_table[key]}")
        elif key in from_prose:
            raw[key] = from_prose[key]
            cells[key] = parse_value(from_prose[key])
    return cells, raw, warnings


def _table_figures(grid: list[list[str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    year_column: int | None = None
    for cells in grid:
        if len(cells) == 1 and _CUMULATIVE.search(cells[0]):
            cells = cells[0].split()  # a header row that came out of a PDF as one line
        if len(cells) < 2:
            continue
        if any(_CUMULATIVE.search(c) for c in cells) and not any(is_number(c) for c in cells):
            year_column = next((i for i, c in enumerate(cells) if _YEAR_COLUMN.search(c) and not _CUMULATIVE.search(c)), None)
            continue
        key = labels.match_rule(cells[0], _TABLE_RULES)
        if key is None or key in found:
            continue
        if year_column is not None and year_column < len(cells) and is_number(cells[year_column]):
            found[key] = clean_cell(cells[year_column])
        else:
            numbers = [c for c in cells[1:] if is_number(c)]
            if numbers:
                found[key] = clean_cell(numbers[0])
    return found


def _prose_figures(prose: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for sentence in re.split(r"[。；\n]", prose):
        if "累计" in sentence or "历年" in sentence:
            continue
        for key, pattern in _PROSE_RULES:
            match = pattern.search(sentence)
            if match and key not in found:
                found[key] = match.group(1).replace(",", "")
        for key, pattern in _PROSE_ZEROS:
            if key not in found and pattern.search(sentence):
                found[key] = "0"
    return found
