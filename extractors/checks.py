"""The consistency rules (勾稽关系) of spec §4 as data, and prose figures that disagree with tables.

A failed check is a finding about the report, not an extraction error; still, a misread cell almost
always breaks one, so checks are also how the corpus test notices a misread. A blank cell counts as
0 in a sum (reports leave zero rows blank), but a rule whose cells are all blank is not applied:
there is nothing to check.
"""
from __future__ import annotations

import re

from .keys import GB2021, T3_COLUMNS, T3_OUTCOME_ROWS_GB2019, T3_OUTCOME_ROWS_GB2021, T4_GROUPS, T4_RESULTS, t3_rows
from .model import Check, Number
from .values import unit_of

_APPLICANTS = [col.key for col in T3_COLUMNS[:-1]]


def consistency_checks(cells: dict[str, Number | None], template: str) -> tuple[Check, ...]:
    """T3-FLOW, T3-ROW-TOTAL, T3-OUTCOME-SUM and T4-SUM, one Check per column, row or group."""
    checks: list[Check] = []
    outcomes = T3_OUTCOME_ROWS_GB2021 if template == GB2021 else T3_OUTCOME_ROWS_GB2019
    for col in (c.key for c in T3_COLUMNS):
        _add(checks, cells, "T3-FLOW", col, [f"t3.new.{col}", f"t3.carried_in.{col}"],
             [f"t3.total.{col}", f"t3.carried_over.{col}"])
    for row in (r.key for r in t3_rows(template)):
        _add(checks, cells, "T3-ROW-TOTAL", row, [f"t3.{row}.total"], [f"t3.{row}.{col}" for col in _APPLICANTS])
    for col in (c.key for c in T3_COLUMNS):
        _add(checks, cells, "T3-OUTCOME-SUM", col, [f"t3.total.{col}"], [f"t3.{row}.{col}" for row in outcomes])
    for group in (g.key for g in T4_GROUPS):
        _add(checks, cells, "T4-SUM", group, [f"t4.{group}.total"],
             [f"t4.{group}.{r.key}" for r in T4_RESULTS[:-1]])
    return tuple(checks)


def _add(checks: list[Check], cells, rule: str, subject: str, left: list[str], right: list[str]) -> None:
    values = [cells.get(key) for key in left + right]
    if all(v is None for v in values):
        return
    left_sum = _sum(cells.get(key) for key in left)
    right_sum = _sum(cells.get(key) for key in right)
    checks.append(Check(rule, subject, left_sum, right_sum, abs(left_sum - right_sum) < 1e-6))


def _sum(values) -> Number:
    total = sum(v or 0 for v in values)
    return round(total, 4) if isinstance(total, float) else total


# --- prose against tables ----------------------------------------------------------------------
# (what the prose says, pattern with the number as group 1, the cells whose sum it should equal).
# Received applications may mean new or new + carried in; both readings are accepted.
_PROSE_FIGURES = (
    ("applications received", re.compile(r"(?:新收|收到|受理)[^。；，,\d]{0,20}?申请[^。；，,\d]{0,4}?(\d+)\s*件"),
     (["t3.new.total"], ["t3.new.total", "t3.carried_in.total"])),
    ("applications received", re.compile(r"(?:新收|收到|受理)(?:各类)?(\d+)\s*件[^。；，,\d]{0,12}申请"),
     (["t3.new.total"], ["t3.new.total", "t3.carried_in.total"])),
    ("applications carried over", re.compile(r"(\d+)\s*件[^。；，,\d]{0,6}结转下"),
     (["t3.carried_over.total"],)),
    ("administrative reviews", re.compile(r"行政复议[^。；，,\d]{0,8}?(\d+)\s*(?:件|起|宗)"),
     (["t4.review.total"],)),
    ("administrative lawsuits", re.compile(r"行政诉讼[^。；，,\d]{0,8}?(\d+)\s*(?:件|起|宗)"),
     (["t4.suit_direct.total", "t4.suit_after_review.total"],)),
)


def prose_warnings(prose: str, cells: dict[str, Number | None]) -> tuple[str, ...]:
    """Warnings where the prose states a figure that no reading of the tables gives."""
    warnings: list[str] = []
    for what, pattern, readings in _PROSE_FIGURES:
        for match in pattern.finditer(prose):
            stated = int(match.group(1))
            sums = []
            for keys in readings:
                values = [cells.get(key) for key in keys]
                if all(v is None for v in values):
                    break
                sums.append(_sum(values))
            if sums and stated not in sums:
                warnings.append(f"prose states {what} {stated} (“{match.group(0)}”), tables give "
                                f"{' or '.join(str(s) for s in sums)}")
    return tuple(dict.fromkeys(warnings))


def unit_warnings(raw: dict[str, str]) -> tuple[str, ...]:
    """The gb2021 fee column is in 万元; a cell written in 元 is kept as printed, with a warning,
    because which unit the agency meant is a judgement for the reader (spec research notes §1.2)."""
    text = raw.get("t2.fees.amount_wan")
    if text and unit_of(text) == "元":
        return (f"t2.fees.amount_wan is printed as “{text}”, in 元 under a 万元 column: kept as printed",)
    return ()
