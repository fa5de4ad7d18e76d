"""Cells run together without separators ("640020470" = 64 | 0 | 0 | 2 | 0 | 4 | 70), split by sums.

Archivers' text dumps, PDF text layers without ruling lines and text copied out of some browsers
join a row's cells into one run of digits. Tables 三 and 四 carry their own arithmetic: each row's
总计 is the sum of its columns, and table 三's columns add up (新收 + 结转 = 总计 + 结转下年; the
outcome rows add up to 总计). A small search over the ways to cut each run, checked against those
sums, pins the split in almost every row. The same arithmetic repairs a row that OCR read one cell
short, or lost entirely, where the sums pin what is missing. What the sums leave open stays open: those cells are
null, and the reader names them in a problem — a guessed split gives plausible wrong numbers.

    splits(cells, width, totals)   every reading of a row's cells as ``width`` numbers that keeps
                                   the row totals; None when the cells are not digit runs
    one_missing(values, …)         the readings of a row one cell short (a cell OCR lost)
    resolve(candidates, sums)      narrows each row's readings with the column sums
    derive_missing(…)              a row not read at all, where a column sum pins it
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product

from .values import clean_cell

# A cell that may hold several run-together numbers: digits, a sign only in front. A decimal point
# makes a cell a single number (amounts), never a run to cut.
_RUN = re.compile(r"^[+\-−]?\d+$")
_MAX_STEPS = 200_000  # search steps for one row: far above any real row, a guard against huge runs
_MAX_READINGS = 64  # a row with more readings than this is left unread (nothing would pin it)
_MAX_COMBINATIONS = 20_000


def splits(cells: list[str], width: int, totals: tuple[tuple[int, int], ...] = ()) -> list[tuple[int, ...]] | None:
    """The readings of ``cells`` as ``width`` numbers, each cell cut into one or more numbers.

    ``totals`` are index ranges (start, end) whose last number is the sum of the others. A number of
    several digits never starts with 0 (nobody prints "07"). Returns None when a cell is not a
    digit run or the search would be too large; [] when no reading keeps the totals.
    """
    runs = [clean_cell(c).replace("−", "-") for c in cells]
    if not runs or not all(_RUN.match(r) for r in runs):
        return None
    if sum(len(r.lstrip("+-")) for r in runs) < width or len(runs) > width:
        return []
    total_at = {end - 1: start for start, end in totals}
    found: list[tuple[int, ...]] = []
    steps = 0

    def walk(cell: int, pos: int, parts: list[int]) -> bool:
        nonlocal steps
        steps += 1
        if steps > _MAX_STEPS or len(found) > _MAX_READINGS:
            return False
        run = runs[cell]
        if pos == len(run):
            if cell + 1 == len(runs):
                if len(parts) == width:
                    found.append(tuple(parts))
                return True
            return walk(cell + 1, 0, parts)
        index = len(parts)
        cells_left = len(runs) - cell - 1
        if index + 1 + cells_left > width:
            return True
        sign = run[pos] if run[pos] in "+-" else ""
        start = pos + len(sign)
        if start == len(run):
            return True
        if index in total_at:  # the total is fixed by the numbers before it: it must come next
            expected = str(sum(parts[total_at[index]:]))
            if sign or not run.startswith(expected, start):
                return True
            return walk(cell, start + len(expected), parts + [int(expected)])
        ends = [start + 1] if run[start] == "0" else range(start + 1, len(run) + 1)
        for end in ends:
            if end < len(run) and run[end] in "+-":
                continue
            number = int(run[start:end]) * (-1 if sign == "-" else 1)
            if not walk(cell, end, parts + [number]):
                return False
        return True

    if not walk(0, 0, []):
        return None
    return sorted(set(found))


def one_missing(values: list[int | float | None], width: int, totals: tuple[tuple[int, int], ...]) -> list[tuple]:
    """The readings of a row that came one cell short (a cell OCR lost): the missing cell at each
    place where the row's totals give it a value of 0 or more. Blank cells count as 0. The column
    sums (``resolve``) then tell which place is right, or leave the row ambiguous."""
    if len(values) != width - 1:
        return []
    found = set()
    for place in range(width):
        row = list(values[:place]) + [0] + list(values[place:])
        group = next(((start, end) for start, end in totals if start <= place < end), None)
        if group is None:
            continue
        start, end = group
        others = sum(v or 0 for i, v in enumerate(row[start:end - 1], start) if i != place)
        if place == end - 1:
            row[place] = others
        elif row[end - 1] is None:
            continue
        else:
            row[place] = row[end - 1] - others
        if row[place] >= 0:
            found.add(tuple(row))
    return sorted(found, key=lambda r: [v if v is not None else -1 for v in r])


def derive_missing(readings: dict[str, list[tuple]], sums: list["ColumnSum"], rows: list[str]) -> dict[str, tuple]:
    """Rows not read at all, computed from a column sum whose other rows were all read with one
    reading each: {row: values}. A row that comes out all zeros is left out (the report may have
    printed it blank, or not at all), and so is one with a negative value."""
    derived: dict[str, tuple] = {}
    fixed = _fixed(readings)
    for rule in sums:
        unread = [row for row in rule.left + rule.right if row not in fixed]
        if len(unread) != 1 or unread[0] not in rows or unread[0] in readings or unread[0] in derived:
            continue
        row = unread[0]
        width = len(next(iter(fixed.values())))
        own_side, other_side = (rule.left, rule.right) if row in rule.left else (rule.right, rule.left)
        values = tuple(sum(fixed[r][c] or 0 for r in other_side) - sum(fixed[r][c] or 0 for r in own_side if r != row)
                       for c in range(width))
        if all(v >= 0 for v in values) and any(values):
            derived[row] = values
    return derived


@dataclass(frozen=True)
class ColumnSum:
    """A rule between rows that holds in every column: sum of ``left`` rows == sum of ``right`` rows."""

    left: tuple[str, ...]
    right: tuple[str, ...]


def resolve(readings: dict[str, list[tuple]], sums: list[ColumnSum]) -> dict[str, list[tuple]]:
    """Each row's readings that some choice for the other rows makes consistent with ``sums``.

    ``readings`` maps every row that was read to its possible value tuples (one tuple for a row read
    plainly; None for a blank cell counts as 0). A rule naming a row that was not read is not
    applied. Rows left with several readings are ambiguous where their readings differ.
    """
    readings = {row: list(options) for row, options in readings.items()}
    rules = [rule for rule in sums if all(row in readings for row in rule.left + rule.right)]
    changed = True
    while changed:  # one undecided row in a rule: the rule filters it alone
        changed = False
        for rule in rules:
            rows = rule.left + rule.right
            open_rows = {row for row in rows if len(readings[row]) > 1}
            if len(open_rows) != 1:
                continue
            (row,) = open_rows
            kept = [option for option in readings[row] if _holds(rule, {**_fixed(readings), row: option})]
            if kept and len(kept) < len(readings[row]):
                readings[row], changed = kept, True
    open_rows = [row for row, options in readings.items() if len(options) > 1]
    combinations = 1
    for row in open_rows:
        combinations *= len(readings[row])
    if open_rows and combinations <= _MAX_COMBINATIONS:
        fixed = _fixed(readings)
        consistent: dict[str, set] = {row: set() for row in open_rows}
        for choice in product(*(readings[row] for row in open_rows)):
            values = {**fixed, **dict(zip(open_rows, choice))}
            if all(_holds(rule, values) for rule in rules):
                for row, option in zip(open_rows, choice):
                    consistent[row].add(option)
        for row in open_rows:
            if consistent[row]:
                readings[row] = sorted(consistent[row])
    return readings


def agreed(options: list[tuple]) -> list:
    """The values all readings agree on, None where they differ."""
    return [column[0] if len(set(column)) == 1 else None for column in zip(*options)]


def _fixed(readings: dict[str, list[tuple]]) -> dict[str, tuple]:
    return {row: options[0] for row, options in readings.items() if len(options) == 1}


def _holds(rule: ColumnSum, values: dict[str, tuple]) -> bool:
    if not all(row in values for row in rule.left + rule.right):
        return True
    width = len(values[rule.left[0]])
    for column in range(width):
        left = sum(values[row][column] or 0 for row in rule.left)
        right = sum(values[row][column] or 0 for row in rule.right)
        if abs(left - right) > 1e-6:
            return False
    return True
