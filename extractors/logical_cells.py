"""A table's cells with their spans → rows of cell texts, each value under its header's column.

Word-made tables (pasted into HTML, or as DOCX) lay the national tables on a grid whose colspans
do not line up: the official gb2019 template spans 本年新公开数量 over two grid columns in the
header and in the value rows, spans 本年增/减 in the header while each value row spans its *first*
value instead, and spans both values of 第（八）项 over two columns each. Expanding spans to a grid
and reading values by grid position gives a value twice or shifts it into the wrong column.

What stays true is the row's *logical* cells: a value cell is one value whatever it spans. So a
value row gives each value once, matched to the logical columns of the header row above it:
in order when the row has as many values as the header has columns (the template's case), else
by which header column each value lies under (a blank cell under a spanning header is just blank).
When neither reading is certain the row's values are given as they are, one per cell, and the
table reader reports a row with the wrong number of values rather than read a shifted one.

Labels are repeated over the rows they span (each row keeps its context: "三、本年度办理结果"
beside every outcome row) and over the columns they span, as the readers have always seen them.
"""
from __future__ import annotations

from dataclasses import dataclass

from .values import is_number, is_value


@dataclass(frozen=True)
class Span:
    """One cell as it occupies one row: grid columns [start, end), and whether the cell starts in
    this row (False where a rowspan carries it down from a row above)."""

    text: str
    start: int
    end: int
    first_row: bool = True

    @property
    def is_label(self) -> bool:
        return bool(self.text) and not is_value(self.text)


def place(rows: list[list[tuple[str, int, int]]]) -> list[list[Span]]:
    """Cells given per row as (text, colspan, rowspan), like HTML's <td>s → the spans that occupy
    each row, in column order, with rowspans carried down."""
    taken: list[dict[int, tuple[int, int]]] = [{} for _ in rows]  # per row: col → origin (row, col)
    cells: dict[tuple[int, int], tuple[str, int]] = {}  # origin → (text, colspan)
    for r, row in enumerate(rows):
        c = 0
        for text, colspan, rowspan in row:
            while c in taken[r]:
                c += 1
            cells[(r, c)] = (text, colspan)
            for dr in range(min(rowspan, len(rows) - r)):
                for dc in range(colspan):
                    taken[r + dr].setdefault(c + dc, (r, c))
            c += colspan
    placed: list[list[Span]] = []
    for r, occupied in enumerate(taken):
        spans = []
        for origin in sorted(set(occupied.values()), key=lambda o: o[1]):
            text, colspan = cells[origin]
            spans.append(Span(text, origin[1], origin[1] + colspan, origin[0] == r))
        placed.append(spans)
    return placed


def logical_rows(placed: list[list[Span]]) -> list[list[str]]:
    """Rows of cell texts: labels repeated over their spans, values once each, under the header's
    logical columns where the header says which value is which."""
    out: list[list[str]] = []
    headers: list[list[Span]] = []  # the header rows seen so far, the nearest last
    for spans in placed:
        last_label = max((i for i, s in enumerate(spans) if s.is_label), default=-1)
        label_part = [s.text for s in spans[: last_label + 1] for _ in range(s.end - s.start)]
        values = [s if s.first_row else Span("", s.start, s.end) for s in spans[last_label + 1 :]]
        if not any(v.text for v in values) and _is_header(spans):
            headers.append(spans)
        out.append(label_part + _under_header(values, headers))
    return out


def _is_header(spans: list[Span]) -> bool:
    return sum(s.is_label for s in spans) >= 2 and not any(is_number(s.text) for s in spans)


def _under_header(values: list[Span], headers: list[list[Span]]) -> list[str]:
    if not values:
        return []
    plain = [s.text for s in values]
    first = values[0].start
    for header in reversed(headers[-3:]):
        # The header's columns over the values: cells starting there, or mostly lying there.
        columns = [h for h in header if h.start >= first or (h.end - first) * 2 > h.end - h.start]
        if len(columns) < 2:
            continue  # a title row spanning the table ("第二十条第（一）项"): not a header of columns
        if len(columns) == len(values):
            return plain
        return _by_position(values, columns) or plain
    return plain


def _by_position(values: list[Span], columns: list[Span]) -> list[str] | None:
    """Each header column's value: the one value lying under it, or blank. None when a number
    lies under two columns, or two numbers under one: which is which is not certain."""
    found: list[str] = []
    for column in columns:
        under = [v for v in values if v.start < column.end and v.end > column.start]
        numbers = [v for v in under if v.text]
        if len(numbers) > 1 or any(v.start < column.start or v.end > column.end for v in numbers):
            return None
        found.append(numbers[0].text if numbers else "")
    placed = sum(1 for v in values if v.text)
    return found if sum(1 for text in found if text) == placed else None
