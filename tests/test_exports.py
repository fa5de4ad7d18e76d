"""`xxgk export` and `xxgk plot` on real archives: the demo archive in every format read back with
pandas/pyarrow, and one agency over six years across all three templates."""
from __future__ import annotations

import csv
import filecmp
import json
import random
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from extractors.keys import FREEFORM, GB2019, GB2021, T3_COLUMNS, keys_for
from replica.portals import TRS, Portal, World, _report
from replica.reports import random_model
from replica.server import Replica
from tests.crawl_helpers import ROOT, crawl, free_port, rows, xxgk

FORMATS = ("csv", "parquet", "jsonl")


def read(folder: Path, name: str, fmt: str) -> pd.DataFrame:
    path = folder / f"{name}.{fmt}"
    if fmt == "csv":
        return pd.read_csv(path, dtype={"region_code": str, "raw": str}, keep_default_na=False, na_values=[""])
    if fmt == "parquet":
        return pq.read_table(path).to_pandas()
    return pd.read_json(path, lines=True, dtype={"region_code": str})


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo archive, exported in every format (twice in CSV and Parquet, to compare bytes)."""
    tmp = tmp_path_factory.mktemp("export")
    archive = tmp / "archive.db"
    xxgk("demo", "--archive", str(archive), "--port", str(free_port()))
    for fmt in FORMATS:
        xxgk("export", "--format", fmt, "--out", str(tmp / fmt), "--archive", str(archive))
    return tmp, archive


@pytest.mark.parametrize("fmt", FORMATS)
def test_export_reads_back_with_every_cell(demo, fmt):
    tmp, archive = demo
    cells = read(tmp / fmt, "cells_long", fmt)
    current = "from cells c join reports r on r.id = c.report_id and c.version = r.version"
    assert len(cells) == rows(archive, f"select count(*) n {current}")[0]["n"] > 5000
    stored = {(r["report_id"], r["key"]): r["value"] for r in rows(archive, f"select c.report_id, c.key, c.value {current}")}
    exported = {(r.report_id, r.key): (None if pd.isna(r.value) else r.value) for r in cells.itertuples()}
    assert exported == pytest.approx(stored)  # blanks stay blank (null), never 0
    assert cells["value"].isna().sum() == sum(v is None for v in stored.values())
    reports = read(tmp / fmt, "reports", fmt)
    n_reports = rows(archive, "select count(*) n from reports")[0]["n"]
    assert len(reports) == n_reports > 30 and reports["agency_id"].notna().all()
    # one row per agency × year × scope in each panel; gb2019 and gb2021 keys never share a column
    panels = {t: read(tmp / fmt, f"panel_{t}", fmt) for t in (GB2021, GB2019, FREEFORM)}
    assert sum(len(p) for p in panels.values()) == n_reports
    only_2021 = set(keys_for(GB2021)) - set(keys_for(GB2019))
    only_2019 = set(keys_for(GB2019)) - set(keys_for(GB2021))
    assert not only_2021 & set(panels[GB2019].columns) and not only_2019 & set(panels[GB2021].columns)
    assert only_2021 <= set(panels[GB2021].columns) and only_2019 <= set(panels[GB2019].columns)
    for panel in panels.values():
        assert not panel.duplicated(["agency_id", "year", "scope"]).any()


@pytest.mark.parametrize("fmt", FORMATS)
def test_codebook_covers_every_column_and_frictionless_validates(demo, fmt):
    tmp, _ = demo
    package = json.loads((tmp / fmt / "datapackage.json").read_text(encoding="utf-8"))
    codebook = (tmp / fmt / "codebook.md").read_text(encoding="utf-8")
    for resource in package["resources"]:
        described = [f["name"] for f in resource["schema"]["fields"]]
        table = read(tmp / fmt, Path(resource["path"]).stem, fmt)
        assert list(table.columns) == described, resource["name"]
        assert all(f["description"] for f in resource["schema"]["fields"])
        for column in described:
            assert f"`{column}`" in codebook, column
    done = subprocess.run([str(Path(sys.executable).with_name("frictionless")), "validate", "--json",
                           str(tmp / fmt / "datapackage.json")], capture_output=True, text=True, timeout=600)
    report = json.loads(done.stdout)
    assert report["valid"], [(t["name"], t["errors"][:2]) for t in report["tasks"] if not t["valid"]]


def test_frictionless_catches_a_broken_export(demo, tmp_path):
    """The validation is not a formality: a report row removed breaks the foreign keys."""
    broken = tmp_path / "csv"
    subprocess.run(["cp", "-r", str(demo[0] / "csv"), str(broken)], check=True)
    lines = (broken / "reports.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (broken / "reports.csv").write_text("".join(lines[:2] + lines[3:]), encoding="utf-8")
    done = subprocess.run([str(Path(sys.executable).with_name("frictionless")), "validate", "--json",
                           str(broken / "datapackage.json")], capture_output=True, text=True, timeout=600)
    report = json.loads(done.stdout)
    assert not report["valid"]
    assert {e["type"] for t in report["tasks"] for e in t["errors"]} == {"foreign-key"}


@pytest.mark.parametrize("fmt", ("csv", "parquet"))
def test_two_exports_of_one_archive_are_byte_identical(demo, fmt, tmp_path):
    tmp, archive = demo
    xxgk("export", "--format", fmt, "--out", str(tmp_path / "again"), "--archive", str(archive))
    first = sorted(p.name for p in (tmp / fmt).iterdir())
    assert first == sorted(p.name for p in (tmp_path / "again").iterdir())
    match, mismatch, errors = filecmp.cmpfiles(tmp / fmt, tmp_path / "again", first, shallow=False)
    assert mismatch == [] and errors == [] and len(match) == len(first) >= 11


def test_filters_keep_only_what_they_say(demo, tmp_path):
    tmp, archive = demo
    xxgk("export", "--format", "csv", "--out", str(tmp_path / "f"), "--archive", str(archive),
         "--years", "2021-2022", "--region", "410000", "--template", GB2021)
    reports = read(tmp_path / "f", "reports", "csv")
    assert len(reports) > 0 and set(reports["template"]) == {GB2021}
    assert reports["year"].between(2021, 2022).all() and reports["region_code"].str.startswith("41").all()
    assert sorted(p.name for p in (tmp_path / "f").glob("panel_*")) == ["panel_gb2021.csv"]
    bad = xxgk("export", "--format", "csv", "--out", str(tmp_path / "g"), "--archive", str(archive), "--years", "2022-2019",
               check=False)
    assert bad.returncode == 2 and "--years" in bad.stderr


# --- one agency over six years, three templates ----------------------------------------------------

AGENCY = "上饶市信州区教育体育局"
AGENCY_ID = "361102-信州区教育体育局"  # the district's code; the city's name, printed before it, is not part of it


def _six_years():
    """2016, 2017 free-form; 2018 missing; 2019, 2020 gb2019; 2021, 2022, 2023 gb2021. Consecutive years
    agree (T3-CARRY, T2-STOCK), except 2022, where 5 new applications of one applicant column are
    printed as carried in (so T3-FLOW inside 2022 still holds, but T3-CARRY from 2021 breaks)."""
    rng = random.Random("six-years-36")  # a seed whose every year has applications (so every rate is drawn)
    y2016 = random_model(rng, FREEFORM, AGENCY, 2016, activity="high")
    y2017 = random_model(rng, FREEFORM, AGENCY, 2017, activity="high")
    y2019 = random_model(rng, GB2019, AGENCY, 2019, activity="high")
    y2020 = random_model(rng, GB2019, AGENCY, 2020, activity="high", follows=y2019)
    y2021 = random_model(rng, GB2021, AGENCY, 2021, activity="high", follows=y2020)
    y2022 = random_model(rng, GB2021, AGENCY, 2022, activity="high", follows=y2021)
    y2023 = random_model(rng, GB2021, AGENCY, 2023, activity="high", follows=y2022)
    c = dict(y2022.cells)
    column = next(col.key for col in T3_COLUMNS if (c[f"t3.new.{col.key}"] or 0) >= 5)
    for col in (column, "total"):  # 5 applications said carried in instead of new
        c[f"t3.carried_in.{col}"] += 5
        c[f"t3.new.{col}"] -= 5
    y2022 = replace(y2022, cells=c)
    return [y2016, y2017, y2019, y2020, y2021, y2022, y2023]


@pytest.fixture(scope="module")
def six(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("six")
    models = _six_years()
    portal = Portal("xinzhou-edu", AGENCY, TRS, "127.0.0.17", "utf-8", "3611020001",
                    tuple(_report(m) for m in models), page_size=4)
    archive = tmp / "archive.db"
    with Replica.start(World(1, (portal,))) as replica:
        registry = tmp / "sites.yaml"
        registry.write_text(json.dumps([{"id": s.id, "agency": s.agency, "start_url": s.start_url, "platform": s.platform,
                                         "region_code": s.region_code, "level": s.level} for s in replica.sites],
                                       ensure_ascii=False), encoding="utf-8")
        crawl(registry, archive)
    xxgk("export", "--format", "parquet", "--out", str(tmp / "out"), "--archive", str(archive))
    return tmp, archive, {m.year: m for m in models}


def test_six_years_make_three_panels_of_one_agency(six):
    tmp, archive, truth = six
    agency_id = AGENCY_ID
    for template, years in ((FREEFORM, [2016, 2017]), (GB2019, [2019, 2020]), (GB2021, [2021, 2022, 2023])):
        panel = read(tmp / "out", f"panel_{template}", "parquet").sort_values("year")
        assert list(panel["year"]) == years and set(panel["agency_id"]) == {agency_id}
        for _, row in panel.iterrows():
            expected = truth[row["year"]].cells
            got = {k: (None if pd.isna(row[k]) else row[k]) for k in keys_for(template)}
            assert got == pytest.approx(expected), row["year"]


def test_cross_year_checks_are_rows_and_catch_the_broken_year(six):
    tmp, archive, truth = six
    checks = read(tmp / "out", "checks", "parquet")
    carry = checks[checks["rule"] == "T3-CARRY"]
    # expected, from the truth: every column of every pair of consecutive years with tables
    expected = {}
    for year in (2020, 2021, 2022, 2023):
        before, now = truth[year - 1].cells, truth[year].cells
        for col in T3_COLUMNS:
            expected[(year, col.key)] = before[f"t3.carried_over.{col.key}"] == now[f"t3.carried_in.{col.key}"]
    assert {(r.year, r.subject): bool(r.passed) for r in carry.itertuples()} == expected
    broken = {k for k, ok in expected.items() if not ok}
    assert len(broken) == 2 and {year for year, _ in broken} == {2022} and (2022, "total") in broken
    assert set(carry["previous_report_id"]) == {f"{AGENCY_ID}-{y}-organ" for y in (2019, 2020, 2021, 2022)}
    stock = checks[checks["rule"] == "T2-STOCK"]
    assert set(stock["year"]) == {2022, 2023} and stock["passed"].all()  # gb2021 years only
    # stored in the archive as rows of checks, not only as the view
    stored = rows(archive, "select count(*) n from checks where rule = 'T3-CARRY' and passed = 0")[0]["n"]
    assert stored == 2
    # and flagged on the cells of the broken report's table 三
    cells = read(tmp / "out", "cells_long", "parquet")
    flagged = cells[(cells["year"] == 2022) & cells["key"].str.startswith("t3.")]["table_checks_failed"]
    assert set(flagged) == {2}
    assert set(cells[(cells["year"] == 2021)]["table_checks_failed"]) == {0}


def test_metrics_follow_their_definitions(six):
    tmp, _, truth = six
    metrics = read(tmp / "out", "metrics", "parquet").set_index("year")
    for year in (2019, 2020, 2021, 2022, 2023):
        c = truth[year].cells
        decided = c["t3.total.total"]
        assert metrics.loc[year, "disclosure_rate"] == pytest.approx(c["t3.granted.total"] / decided, abs=1e-6)
        assert metrics.loc[year, "not_held_rate"] == pytest.approx(c["t3.unable.not_held.total"] / decided, abs=1e-6)
        assert metrics.loc[year, "backlog"] == c["t3.carried_over.total"]
        lawsuits = c["t4.suit_direct.total"] + c["t4.suit_after_review.total"]
        if c["t3.new.total"]:
            assert metrics.loc[year, "litigation_per_100"] == pytest.approx(100 * lawsuits / c["t3.new.total"], abs=1e-4)
        else:  # a rate over nothing is null, not 0
            assert pd.isna(metrics.loc[year, "litigation_per_100"])
    for year in (2016, 2017):
        c = truth[year].cells
        assert metrics.loc[year, "disclosure_rate"] == pytest.approx(c["ff.granted"] / c["ff.applications"], abs=1e-6)
        assert pd.isna(metrics.loc[year, "not_held_rate"])  # no such figure before 2019: null, not 0


def test_plot_draws_the_series_with_breaks_and_gaps(six):
    tmp, archive, _ = six
    out = tmp / "plot.png"
    done = xxgk("plot", "--agency", AGENCY_ID, "--key", "disclosure_rate", "t3.new.total", "litigation_per_100",
                "--out", str(out), "--archive", str(archive))
    assert "missing years [2018]" in done.stdout and "freeform → gb2019 → gb2021" in done.stdout
    assert "Noto Sans CJK" in done.stdout
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000
    bad = xxgk("plot", "--agency", "nobody", "--key", "t3.new.total", "--archive", str(archive), check=False)
    assert bad.returncode == 2 and "no reports of agency" in bad.stderr


def _exact(folder: Path, name: str, fmt: str) -> list[dict]:
    """A file's rows with floats exactly as written (pandas' fast CSV float parser may miss the last bit)."""
    path = folder / f"{name}.{fmt}"
    if fmt == "parquet":
        return pq.read_table(path).to_pylist()
    if fmt == "jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: (float(v) if k.startswith("refusal_rate") and v else v or None) for k, v in row.items()}
                for row in csv.DictReader(fh)]


def test_one_refusal_rate_in_the_card_the_export_the_chart_and_the_plot(demo):
    """archive.definitions is the only definition: the report card (SQL), every export format and
    `xxgk plot` (Python) and the dashboard chart (the card's columns) give the same two numbers for
    every report, to the last bit."""
    import re

    from browse.charts import _RATES, dashboards
    from exports.plot import _series

    tmp, archive = demo
    columns = ("refusal_rate", "refusal_rate_blank_as_zero")
    card = {r["report_id"]: (r["refusal_rate"], r["refusal_rate_blank_as_zero"])
            for r in rows(archive, "select report_id, refusal_rate, refusal_rate_blank_as_zero from report_card")}
    assert len(card) == rows(archive, "select count(*) n from reports")[0]["n"]
    for fmt in FORMATS:
        exported = {r["report_id"]: tuple(r[c] for c in columns) for r in _exact(tmp / fmt, "metrics", fmt)}
        assert exported == card, fmt
    chart = dashboards("archive")["figures"]["charts"]["refusal-rates"]["query"]
    labels = {label: column for column, label in _RATES}
    db = sqlite3.connect(archive)
    drawn = {}
    for (year,) in db.execute("select distinct year from report_card"):
        sql = re.sub(r"\[\[ and year = :year \]\]", "and year = :year", chart)
        for rid, _, _, label, value in db.execute(re.sub(r"\[\[.*?\]\]", "", sql), {"year": year}):
            drawn[(rid, labels[label])] = value
    expected = {(rid, c): v for rid, values in card.items() for c, v in zip(columns, values) if v is not None}
    assert drawn == expected
    agencies = [r[0] for r in db.execute("select distinct agency_id from reports")]
    plotted = {f"{agency_id}-{year}-{scope}": values
               for (agency_id, _, scope), by_year in _series(db, agencies, list(columns)).items()
               for year, (_, values) in by_year.items()}
    db.close()
    assert {rid: tuple(v[c] for c in columns) for rid, v in plotted.items()} == card
    # the demo has reports with blank 不予公开 rows: the two definitions differ there, and only there
    differ = [rid for rid, (strict, zero) in card.items() if strict != zero]
    assert differ and all(card[rid][0] is None for rid in differ)
    assert sum(strict is not None for strict, _ in card.values()) >= 10
