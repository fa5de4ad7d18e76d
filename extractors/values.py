"""One table cell's text → a number, or None for a cell the report leaves blank.

Spec §3: blank, "-", "—", "/", "无" are null, never 0 — researchers must be able to tell "zero
applications" from "the agency did not say". Full-width digits, thousands separators, units inside
the cell ("251000元"), footnote marks ("3*", explained under the table) and explicit signs ("+1036",
"-185": the gb2019 本年增/减 column) all occur.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .model import Number

_FULL_WIDTH = str.maketrans("０１２３４５６７８９＋－．，％", "0123456789+-.,%")

# Word's copy-paste leaves bookmark anchors in cells ("[bookmark: _GoBack]0").
_ARTIFACTS = re.compile(r"\[bookmark:[^\]]*\]")

# What a blank cell is written as. "无" only as the whole cell: inside a label it is a word (无法提供).
_NULL_CELL = re.compile(r"^(?:|-+|－+|—+|–+|─+|/|／|\\|无|空|——|×)$")

# A number, optionally signed, with thousands separators, then a unit the report may put in the cell.
_NUMBER_CELL = re.compile(
    r"^(?P<sign>[+\-−]?)\s*(?P<digits>\d{1,3}(?:,\d{3})+|\d+)(?P<fraction>\.\d+)?\s*"
    r"(?P<unit>万元|元|件|条|个|项|次|人次|份|宗|起|家)?\s*[*＊※]*$"  # "3*": a footnote mark after the number
)


@lru_cache(maxsize=8192)  # tables repeat the same few cell texts ("0", "", "-") thousands of times
def clean_cell(text: str) -> str:
    """The cell text as printed, minus whitespace and Word artifacts, full-width forms folded."""
    text = _ARTIFACTS.sub("", text or "")
    return re.sub(r"\s+", "", text.translate(_FULL_WIDTH).replace("\u3000", " "))


def is_value(text: str) -> bool:
    """True when a cell holds a value (a number or a blank marker) rather than a label."""
    cell = clean_cell(text)
    return bool(_NULL_CELL.match(cell) or _NUMBER_CELL.match(cell))


def is_number(text: str) -> bool:
    return bool(_NUMBER_CELL.match(clean_cell(text)))


def parse_value(text: str) -> Number | None:
    """The number a cell states; None for a blank or a blank marker. Raises ValueError on a label."""
    cell = clean_cell(text)
    if _NULL_CELL.match(cell):
        return None
    match = _NUMBER_CELL.match(cell)
    if not match:
        raise ValueError(f"not a cell value: {text!r}")
    digits = match["digits"].replace(",", "")
    sign = -1 if match["sign"] in ("-", "−") else 1
    if match["fraction"]:
        return sign * float(digits + match["fraction"])
    return sign * int(digits)


def unit_of(text: str) -> str | None:
    """The unit written inside a numeric cell ("元" in "251000元"), if any."""
    match = _NUMBER_CELL.match(clean_cell(text))
    return match["unit"] if match else None
