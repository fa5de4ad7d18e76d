"""Rows a scan reads short or loses, repaired from the tables' sums where the sums pin them.

The grids are the replica's tables as a reader gets them, then damaged the way OCR damages them:
one value of a row lost (the others shift left), a whole row lost. Every cell must then be either
right or null with a problem — a repair that the sums do not pin is never made.
"""
from __future__ import annotations

import random

import lxml.html

from extractors import read_grid
from extractors.html import table_grid
from extractors.keys import GB2019, GB2021, T3_COLUMNS, T4_KEYS
from extractors.values import is_value
from replica.render import render_html
from replica.reports import random_model


def _grid(model) -> list[list[str]]:
    root = lxml.html.fromstring(render_html(model))
    return [row for table in root.iter("table") for row in table_grid(table)]


def _is_row(row: list[str], label: str, width: int) -> bool:
    values = [c for c in row if c and is_value(c)]
    return any(label in c for c in row) and len(values) == width


def _right_or_named(reading, model) -> tuple[int, int]:
    right = wrong_named = 0
    for key, want in model.cells.items():
        got = reading.cells[key]
        if got == want:
            right += 1
            continue
        assert got is None, (key, got, want)
        assert any(key in p or key.split(".")[1] in p for p in reading.problems), (key, reading.problems)
        wrong_named += 1
    return right, wrong_named


def test_a_row_read_one_value_short_is_repaired_where_the_sums_pin_it() -> None:
    repaired = tried = 0
    for seed in range(40):
        template = (GB2021, GB2019)[seed % 2]
        model = random_model(random.Random(seed), template, "临江市交通运输局", 2022, activity="high")
        rng = random.Random(seed)
        grid = _grid(model)
        label, key = rng.choice([("予以公开", "granted"), ("本机关不掌握", "unable.not_held"), ("本年新收", "new"),
                                 ("总计", "total"), ("重复申请", "rejected.duplicate")])
        index = next(i for i, row in enumerate(grid) if _is_row(row, label, len(T3_COLUMNS)))
        row = grid[index]
        first = next(i for i, c in enumerate(row) if c and is_value(c))
        lost = first + rng.randrange(len(T3_COLUMNS))
        grid[index] = row[:lost] + row[lost + 1:]
        reading = read_grid(grid, template)
        _right_or_named(reading, model)
        tried += 1
        repaired += all(reading.cells[f"t3.{key}.{c.key}"] == model.cells[f"t3.{key}.{c.key}"] for c in T3_COLUMNS)
    assert repaired / tried >= 0.8, f"{repaired}/{tried} short rows repaired"


def test_a_row_lost_whole_is_computed_only_when_it_holds_numbers() -> None:
    computed = 0
    for seed in range(30):
        model = random_model(random.Random(seed), GB2021, "临江市交通运输局", 2022, activity="high")
        grid = _grid(model)
        index = next(i for i, row in enumerate(grid) if _is_row(row, "予以公开", len(T3_COLUMNS)))
        reading = read_grid(grid[:index] + grid[index + 1:], GB2021)
        _right_or_named(reading, model)
        values = [model.cells[f"t3.granted.{c.key}"] for c in T3_COLUMNS]
        if any(values):
            assert [reading.cells[f"t3.granted.{c.key}"] for c in T3_COLUMNS] == values
            computed += 1
        else:  # an all-zero row may have been printed blank, or not at all: not made up
            assert all(reading.cells[f"t3.granted.{c.key}"] is None for c in T3_COLUMNS)
    assert computed >= 10


def test_table_four_one_value_short() -> None:
    model = random_model(random.Random(5), GB2021, "临江市交通运输局", 2022, activity="high")
    grid = _grid(model)
    index = next(i for i, row in enumerate(grid) if len([c for c in row if c and is_value(c)]) == len(T4_KEYS))
    row = grid[index]
    grid[index] = row[:4] + row[5:]  # review's 总计 lost: without column sums, where it was is open
    reading = read_grid(grid, GB2021)
    _right_or_named(reading, model)  # whatever the group sums cannot place stays null and named
    assert reading.problems
