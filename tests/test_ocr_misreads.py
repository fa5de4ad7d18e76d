"""A digit OCR misread in tables 三 and 四, found where the failing sums cross and corrected only
when one cell alone explains them all."""
from __future__ import annotations

import random

from extractors.documents.misreads import repair
from extractors.keys import GB2019, GB2021, T3_COLUMNS, t3_rows
from replica.reports import random_model


def _cells(template: str, seed: int) -> dict:
    return dict(random_model(random.Random(seed), template, "临江市生态环境局", 2022, activity="high").cells)


def test_one_misread_digit_anywhere_in_table_three_is_put_right() -> None:
    rng = random.Random(1)
    fixed = tried = 0
    for seed in range(30):
        template = (GB2021, GB2019)[seed % 2]
        truth = _cells(template, seed)
        key = f"t3.{rng.choice(t3_rows(template)).key}.{rng.choice(T3_COLUMNS).key}"
        misread = dict(truth)
        misread[key] = rng.choice([(truth[key] or 0) + rng.randint(1, 9), 3.8, None if truth[key] else 7])
        cells, notes = repair(misread, template)
        tried += 1
        if cells == truth:
            fixed += 1
            assert any(key in note for note in notes)
        else:  # not pinned (e.g. a zero row misread where the column sums cannot tell): left as read
            assert {k for k in cells if cells[k] != truth[k]} <= {key}
    assert fixed / tried >= 0.8, f"{fixed}/{tried}"


def test_two_misreads_are_not_explained_by_one_change() -> None:
    truth = _cells(GB2021, 4)
    misread = {**truth, "t3.granted.natural": (truth["t3.granted.natural"] or 0) + 3,
               "t3.partial.commercial": (truth["t3.partial.commercial"] or 0) + 5}
    cells, notes = repair(misread, GB2021)
    assert cells == misread and notes == []


def test_a_misread_in_table_four_has_no_second_sum_to_place_it() -> None:
    truth = _cells(GB2021, 6)
    misread = {**truth, "t4.review.upheld": (truth["t4.review.upheld"] or 0) + 2}
    cells, _ = repair(misread, GB2021)
    assert cells == misread  # any of the group's five cells could be the wrong one


def test_consistent_tables_and_free_form_reports_are_untouched() -> None:
    truth = _cells(GB2019, 8)
    assert repair(truth, GB2019) == (truth, [])
    assert repair({"ff.applications": 2.5}, "freeform") == ({"ff.applications": 2.5}, [])
