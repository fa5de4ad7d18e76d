"""archive.definitions: each metric's Python (export, plot) and SQL (report card) forms give the same
number, bit for bit, on cells with blanks, zeros and missing tables; each blank rule does what the
codebook says."""
from __future__ import annotations

import random
import sqlite3

import pytest

from archive.definitions import (BLANK_AS_ZERO, CHECK_RULES, CROSS_YEAR_RULES, METRICS, STRICT, check_status,
                                 check_status_sql, compute, metric_columns, metric_sql)
from extractors.keys import FREEFORM, GB2019, GB2021, keys_for


def _random_cells(rng: random.Random, template: str) -> dict:
    """A report's cells as extractors give them: every key of a national template (blank or a number,
    now and then a whole table blank), only the stated figures of a freeform one."""
    blank_tables = {t for t in ("t2", "t3", "t4") if rng.random() < 0.15}
    cells = {}
    for key in keys_for(template):
        if template == FREEFORM and rng.random() < 0.3:
            continue  # not stated in the text: absent, not blank
        blank = key.split(".")[0] in blank_tables or rng.random() < 0.25
        cells[key] = None if blank else rng.choice([0, 0, 1, 2, 3, 7, 12, 40, 101])
    return cells


def test_python_and_sql_agree_on_every_metric_column():
    rng = random.Random(26)
    db = sqlite3.connect(":memory:")
    db.execute("create table reports (id text primary key, template text)")
    db.execute("create table cells (report_id text, key text, tbl text, value integer)")
    reports = {}
    for n in range(300):
        template = rng.choice([GB2021, GB2019, FREEFORM, None])
        cells = _random_cells(rng, template) if template else {}
        reports[f"r{n}"] = (template, cells)
        db.execute("insert into reports values (?, ?)", [f"r{n}", template])
        db.executemany("insert into cells values (?, ?, ?, ?)",
                       [(f"r{n}", k, k.split(".")[0], v) for k, v in cells.items()])
    columns = [c for c, _, _ in metric_columns()]
    sql = (f"select r.id, {', '.join(metric_sql(c) for c in columns)} from reports r "
           "left join cells c on c.report_id = r.id group by r.id")
    differing = set()
    for rid, *values in db.execute(sql):
        template, cells = reports[rid]
        expected = compute(template, cells)
        assert dict(zip(columns, values)) == expected, rid  # ==, not approx: the same arithmetic
        differing |= {c for c in columns if c.endswith("_blank_as_zero")
                      and expected[c] != expected[c.removesuffix("_blank_as_zero")]}
    assert "refusal_rate_blank_as_zero" in differing  # the two rules differ where they should


def test_blank_rules():
    cells = {k: None for k in keys_for(GB2021)} | {"t3.total.total": 20, "t3.denied.process.total": 2,
                                                    "t3.new.total": 20}
    got = compute(GB2021, cells)
    assert got["refusal_rate"] is None  # seven of the eight rows are blank
    assert got["refusal_rate_blank_as_zero"] == 0.1
    assert got["review_per_100"] is None and got["review_per_100_blank_as_zero"] is None  # table 四 wholly blank
    empty = compute(GB2021, {k: None for k in keys_for(GB2021)} | {"t3.new.total": 0, "t3.total.total": 0})
    assert empty["refusal_rate_blank_as_zero"] is None  # handled 0: a rate over nothing is not 0 %
    stated = compute(FREEFORM, {"ff.applications": 10})  # a freeform report that does not state its refusals
    assert stated["refusal_rate"] is None and stated["refusal_rate_blank_as_zero"] is None
    assert compute(FREEFORM, {"ff.applications": 8, "ff.denied": 2})["refusal_rate"] == 0.25


def test_every_metric_has_two_columns_and_a_statement_per_template():
    assert len(metric_columns()) == 2 * len(METRICS)
    assert {rule for _, _, rule in metric_columns()} == {STRICT, BLANK_AS_ZERO}
    refusal = next(m for m in METRICS if m.name == "refusal_rate")
    assert "t3.total.total" in refusal.definition() and "ff.applications" in refusal.definition()
    assert "not comparable" in refusal.comparable


def test_check_status_counts_both_kinds_the_same_in_python_and_sql():
    db = sqlite3.connect(":memory:")
    for counts in [(0, 0, 0, 0), (5, 0, 0, 0), (0, 0, 3, 0), (5, 1, 0, 0), (5, 0, 3, 1), (0, 0, 2, 2)]:
        assert db.execute(f"select {check_status_sql(*map(str, counts))}").fetchone()[0] == check_status(*counts)
    assert check_status(5, 0, 3, 1) == "fail" and check_status(0, 0, 0, 0) == "none"


def test_every_rule_has_its_two_sides_written_down():
    assert CROSS_YEAR_RULES == ("T3-CARRY", "T2-STOCK")
    for rule in CHECK_RULES:
        assert rule.left and rule.right and rule.subject and rule.when, rule.rule
