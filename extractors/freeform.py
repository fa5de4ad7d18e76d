"""The ``ff.*`` figures of a pre-2019 report, from its local 统计表 or, failing that, its prose.

No national table existed before 2019 (spec §1, research notes §4): reports state a handful of
figures in sentences ("全年共受理政府信息公开申请12件，其中同意公开8件…") and some append a local
统计表. Early 统计表 print 历年累计 (cumulative since 2008) beside the year's column; only the year's
figure is the report's, so the column is chosen by its header.
"""
from __future__ import annotations

import re

from . import digit_runs, labels
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
# A row under a "其中": numbered ("其中：1.网站公开", "2.政府公报公开").
_SUB_ROW = re.compile(r"^(其中[:：]?)?\(?\d{1,2}[.、)]")

_N = r"(\d[\d,]*)"
# Sentences stating the year's figures. A figure after 累计/历年 is cumulative and is skipped.
_PROSE_RULES = (
    ("ff.proactive_items", re.compile(rf"主动公开[^。；，,\d]{{0,24}}?{_N}\s*条")),
    ("ff.applications", re.compile(rf"(?:受理|收到|接到|接收|办理|提出)[^。；，,\d]{{0,20}}?申请[^。；，,\d]{{0,6}}?{_N}\s*(?:件|份|条)")),
    ("ff.applications", re.compile(rf"(?:受理|收到|接到|接收)[^。；，,\d]{{0,6}}?{_N}\s*(?:件|份)[^。；，,\d]{{0,12}}申请")),
    ("ff.partial", re.compile(rf"部分公开[^。；，,\d]{{0,4}}?{_N}\s*件")),
    ("ff.denied", re.compile(rf"(?:不予公开|不同意公开|不予以公开)[^。；，,\d]{{0,4}}?{_N}\s*件")),
    ("ff.granted", re.compile(rf"(?<!不)(?:同意公开|予以公开)[^。；，,\d]{{0,4}}?{_N}\s*件")),
    ("ff.review_cases", re.compile(rf"行政复议[^。；，,\d]{{0,8}}?{_N}\s*(?:件|起|宗)")),
    ("ff.litigation_cases", re.compile(rf"行政诉讼[^。；，,\d]{{0,8}}?{_N}\s*(?:件|起|宗)")),
    ("ff.fees_yuan", re.compile(r"(?:收取|收费)[^。；，,\d]{0,16}?(\d[\d,]*(?:\.\d+)?)\s*元")),
)
# "No application / case / fee" stated in words: the report does state a zero. "未收到…申请" is no
# application unless the 申请 is one for review (未收到…行政复议申请 is the review key's zero).
_NONE = r"(?:未|没有|无|尚未)(?:收到|受理|接到|接收|发生|出现|被提起|提起|有)?"
_PROSE_ZEROS = (
    ("ff.fees_yuan", re.compile(r"未收取[^。；，,\d]{0,8}费用|没有收取[^。；，,\d]{0,8}费用|不收取[^。；，,\d]{0,6}费用")),
    ("ff.applications", re.compile(r"(?:未|没有|尚未)(?:收到|受理|接到|接收)[^。；，,\d复诉]{0,20}?申请(?!人)")),
    ("ff.review_cases", re.compile(rf"{_NONE}[^。；\d]{{0,20}}?行政复议")),
    ("ff.litigation_cases", re.compile(rf"{_NONE}[^。；\d]{{0,30}}?行政诉讼")),
)
# No application received: none was granted, partly granted or denied either.
_OUTCOMES = ("ff.granted", "ff.partial", "ff.denied")


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
    """The year's figure of each 统计表 row the rules name.

    A dump without separators runs the year and cumulative figures together ("4251516" = 425 |
    1516) and glues the header to the first row's label: such a run is cut into the header's
    columns where the arithmetic allows one reading only — the cumulative figure is never below the
    year's, and the rows after a "其中" add up to the row above them, column by column.
    """
    found: dict[str, str] = {}
    year_column: int | None = None
    columns = 0  # figure columns the header names (year, cumulative) — for cutting runs
    runs: list[tuple[str, list[str]]] = []  # (label, value cells) of rows whose figures are run together
    for cells in grid:
        if len(cells) == 1 and _CUMULATIVE.search(cells[0]):
            cells = cells[0].split()  # a header row that came out of a PDF as one line
        if len(cells) < 2:
            continue
        if any(_CUMULATIVE.search(c) for c in cells) and not any(is_number(c) for c in cells):
            year_column = next((i for i, c in enumerate(cells) if _YEAR_COLUMN.search(c) and not _CUMULATIVE.search(c)), None)
            continue
        label, values = cells[0], [c for c in cells[1:] if is_number(c)]
        glued = _glued_header(label) if values or columns == 0 else None
        if glued:  # "…指标名称计量单位2011年度历年累计主动公开信息数条" + figures
            year_column, end = glued
            columns, label = 2, label[end:]
        if columns and len(values) < columns:
            runs.append((label, values))
            continue
        key = labels.match_rule(label, _TABLE_RULES)
        if key is None or key in found:
            continue
        if columns and len(values) == columns:
            found[key] = clean_cell(values[year_column])
        elif year_column is not None and year_column < len(cells) and is_number(cells[year_column]):
            found[key] = clean_cell(cells[year_column])
        elif values:
            found[key] = clean_cell(values[0])
    if runs:
        for key, value in _cut_runs(runs, columns, year_column).items():
            found.setdefault(key, value)
    return found


def _glued_header(label: str) -> tuple[int, int] | None:
    """(the year's column, where the header ends) when a label holds the 统计表's header: a year
    column title and 累计 side by side ("2011年度历年累计", "累计数本年数")."""
    cumulative = label.rfind("累计")
    if cumulative < 0:
        return None
    year_first = None
    for match in _YEAR_COLUMN.finditer(label):
        if 0 <= cumulative - match.end() <= 4:
            year_first = (0, cumulative + 2)
        elif 0 <= match.start() - cumulative - 2 <= 4:
            return 1, match.end() + (label[match.end():match.end() + 1] in ("度", "数"))
    return year_first


def _cut_runs(runs: list[tuple[str, list[str]]], columns: int, year_column: int) -> dict[str, str]:
    cumulative = 1 - year_column
    readings: dict[str, list[tuple]] = {}
    row_keys: dict[str, str | None] = {}
    sums: list[digit_runs.ColumnSum] = []
    parent: str | None = None
    children: list[str] = []
    for index, (label, values) in enumerate(runs):
        row = str(index)
        options = digit_runs.splits(values, columns) or []
        options = [o for o in options if o[cumulative] >= o[year_column]]
        if not options:
            continue
        readings[row] = options
        row_keys[row] = labels.match_rule(label, _TABLE_RULES)
        if _SUB_ROW.match(labels.compact(label)):
            children.append(row)
            continue
        if parent is not None and len(children) > 1:
            sums.append(digit_runs.ColumnSum((parent,), tuple(children)))
        parent, children = row, []
    if parent is not None and len(children) > 1:
        sums.append(digit_runs.ColumnSum((parent,), tuple(children)))
    found: dict[str, str] = {}
    for row, options in digit_runs.resolve(readings, sums).items():
        key = row_keys[row]
        if key and key not in found and len({o[year_column] for o in options}) == 1:
            found[key] = str(options[0][year_column])
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
    if found.get("ff.applications") == "0":
        for key in _OUTCOMES:
            found.setdefault(key, "0")
    return found
