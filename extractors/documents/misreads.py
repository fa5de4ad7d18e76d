"""A digit OCR misread in tables 三 and 四, found and corrected by the tables' own sums.

Tesseract reads a blurred "0" as "9" or "3.8", a "1" as "2": a plausible number that breaks the
report's arithmetic. One wrong cell breaks its row's total and its column's sums by the same amount,
so the cell is where the failing checks cross: the correction is the value that makes every check
pass again, accepted only when exactly one cell can be changed that way. A fraction in a count is
never a reading (counts are whole), so it is treated as unread before the search. Printed (not
scanned) reports are left as printed: their arithmetic errors are the agency's, and are reported by
the checks, not corrected.
"""
from __future__ import annotations

from ..checks import consistency_checks
from ..keys import GB2019, GB2021, T3_COLUMNS, T4_GROUPS, T4_RESULTS, t3_rows
from ..model import Number


def repair(cells: dict[str, Number | None], template: str | None) -> tuple[dict[str, Number | None], list[str]]:
    """(cells, notes): the cells with at most one misread corrected, and what was changed."""
    if template not in (GB2021, GB2019):
        return cells, []
    cells = dict(cells)
    notes: list[str] = []
    for key in _count_keys(template):
        value = cells.get(key)
        if isinstance(value, float) and not value.is_integer():
            # something was printed there: the value its row's total gives, if the sums agree
            cells[key] = None
            pinned = _from_its_total(cells, key, template)
            if pinned is not None and pinned >= 0 and _all_pass({**cells, key: pinned}, template):
                cells[key] = pinned
                notes.append(f"{key} read as {value}; the table's sums give {pinned}")
            else:
                notes.append(f"{key} read as {value}, not a count: left unread")
    if _all_pass(cells, template):
        return cells, notes
    fixes = []
    for key in _count_keys(template):
        value = _from_its_total(cells, key, template)
        if value is None or value < 0 or value == cells.get(key):
            continue
        if _all_pass({**cells, key: value}, template):
            fixes.append((key, value))
    if len(fixes) == 1:
        key, value = fixes[0]
        notes.append(f"{key} read as {cells.get(key)}; the table's sums give {value}")
        cells[key] = value
    return cells, notes


def _all_pass(cells: dict, template: str) -> bool:
    return all(check.passed for check in consistency_checks(cells, template))


def _count_keys(template: str) -> list[str]:
    t3 = [f"t3.{row.key}.{col.key}" for row in t3_rows(template) for col in T3_COLUMNS]
    t4 = [f"t4.{group.key}.{result.key}" for group in T4_GROUPS for result in T4_RESULTS]
    return t3 + t4


def _from_its_total(cells: dict, key: str, template: str) -> int | None:
    """The value the cell must have for its row (table 三) or group (table 四) to add up."""
    table, rest = key.split(".", 1)
    row, column = rest.rsplit(".", 1)
    members = ([f"t3.{row}.{c.key}" for c in T3_COLUMNS] if table == "t3"
               else [f"t4.{row}.{r.key}" for r in T4_RESULTS])
    *parts, total = members
    if key == total:
        return int(sum(cells.get(k) or 0 for k in parts))
    if cells.get(total) is None:
        return None
    return int(cells[total] - sum(cells.get(k) or 0 for k in parts if k != key))
