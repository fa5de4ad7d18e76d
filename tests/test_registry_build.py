"""The national registry built from the cited list (scripts/build_registry.py): registry/all.csv and
registry/left-out.csv checked against the divisions table and against the list's own lines.

The list lives beside the project (../shared/registry-sources): the tests that read it skip without it
— except in CI (CI=true), where its absence is a failure. The others read only the repository.
"""
from __future__ import annotations

import csv
import importlib.util
import os
import re
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from archive.divisions import GOVERNMENT_LEVEL, Divisions
from crawler.sites import load_registry, read_rows, registrable_domain, validate_registry

ROOT = Path(__file__).resolve().parents[1]
ALL, LEFT_OUT, HAND = (ROOT / "registry" / name for name in ("all.csv", "left-out.csv", "sites.yaml"))
SOURCES = ROOT.parent / "shared" / "registry-sources"
CITED = re.compile(r"(?P<repo>[\w.-]+/[\w.-]+) (?P<file>\S+) @ (?P<commit>[0-9a-f]{40}), "
                   r"as registry-sources/(?P<name>[\w.-]+) line (?P<line>\d+)")


def _build_module():
    spec = importlib.util.spec_from_file_location("build_registry", ROOT / "scripts" / "build_registry.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def sources() -> Path:
    if (SOURCES / "gov-portals.csv").exists():
        return SOURCES
    if os.environ.get("CI") == "true":
        pytest.fail(f"{SOURCES} is missing: CI must provide ../shared/registry-sources")
    pytest.skip("../shared/registry-sources is not beside this checkout")


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    return read_rows(ALL)


def source_lines(path: Path) -> dict[int, dict]:
    """A registry-sources file's rows by their line number in the file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header_at = next(n for n, text in enumerate(lines) if not text.startswith("#"))
    header = next(csv.reader([lines[header_at]]))
    return {n + 1: dict(zip(header, next(csv.reader([text])))) for n, text in enumerate(lines)
            if n > header_at and text.strip()}


# --- reproducible ---------------------------------------------------------------------------------


def test_the_committed_registry_is_what_the_script_builds_byte_for_byte(sources):
    build = _build_module()
    built, left_out, counts = build.build(sources)
    assert build.csv_text(built, built[0].keys()) == ALL.read_text(encoding="utf-8")
    assert build.csv_text(left_out, build.LEFT_OUT_COLUMNS) == LEFT_OUT.read_text(encoding="utf-8")
    # Every row of the list is in the registry or left out, once.
    assert counts["rows_in"] == counts["joined"] + sum(counts["left_out"].values()) == 3215


# --- the registry against the divisions -----------------------------------------------------------


def test_the_registry_validates_and_loads_for_a_crawl(rows):
    assert validate_registry(ALL) == []
    registry = load_registry(ALL)
    assert registry.problems == [] and len(registry.sites) == len(rows)


def test_over_3150_prefecture_and_county_governments_with_a_code_known_at_their_level(rows):
    divisions = Divisions.load()
    below_province = [r for r in rows if r["level"] in ("prefectural", "county")]
    known = [r for r in below_province if (d := divisions.get(r["region_code"])) and GOVERNMENT_LEVEL[d.level] == r["level"]]
    assert len(known) == len(below_province) >= 3150
    levels = Counter(r["level"] for r in rows)
    assert levels["provincial"] == 31 and levels["prefectural"] >= 330 and levels["county"] >= 2800


def test_every_rows_code_level_and_parent_agree_with_the_divisions(rows):
    divisions = Divisions.load()
    for row in rows:
        if row["level"] == "national":
            assert row["region_code"] == row["parent_code"] == "", row["id"]
            continue
        division = divisions.get(row["region_code"])
        assert division is not None, row["id"]
        assert GOVERNMENT_LEVEL[division.level] == row["level"], row["id"]
        assert row["parent_code"] == division.parent_code, row["id"]
        assert row["agency"].startswith(division.name), row["id"]


def test_no_government_twice_and_every_hand_row_kept_whole(rows):
    codes = Counter(r["region_code"] for r in rows if r["region_code"])
    assert [c for c, n in codes.items() if n > 1] == []
    assert len({r["id"] for r in rows}) == len(rows)
    by_id = {r["id"]: r for r in rows}
    for hand in read_rows(HAND):
        kept = by_id[hand["id"]]
        for column, value in hand.items():
            if column == "source":  # the hand source first; a merged row adds the list's line after it
                assert kept["source"] == value or kept["source"].startswith(value + "; list: "), hand["id"]
            else:
                assert kept[column] == str(value or ""), (hand["id"], column)
    merged = [r for r in rows if "; list: " in r["source"]]
    assert len(merged) == 31 and {r["level"] for r in merged} == {"provincial"}


def test_a_platform_other_than_generic_comes_from_the_shape_of_a_policy_column_on_the_portals_host(rows):
    for row in rows:
        if row["id"].startswith("gov-") and row["region_code"] and row["platform"] != "generic":
            policy = urlsplit(row["policy_url"])
            assert policy.hostname == urlsplit(row["home_url"]).hostname, row["id"]
            assert (row["platform"], True) in (("gkmlpt", policy.path.startswith("/gkmlpt/")),
                                               ("hanweb", bool(re.search(r"/col/col\d+/", policy.path)))), row["id"]
            assert row["note"].startswith("unconfirmed:"), row["id"]
        if row["policy_url"]:
            assert registrable_domain(urlsplit(row["policy_url"]).hostname) == \
                registrable_domain(urlsplit(row["home_url"]).hostname), row["id"]


# --- nothing invented: every URL traces to its source line --------------------------------------


def test_every_url_traces_to_the_line_its_source_cites(rows, sources):
    lists = {name: source_lines(sources / name) for name in ("gov-portals.csv", "gov-policy-columns.csv")}
    headers = {name: " ".join(line for line in (sources / name).read_text(encoding="utf-8").splitlines()
                              if line.startswith("#")) for name in lists}
    traced = Counter()
    for row in rows:
        cited = {m["name"]: m for m in CITED.finditer(row["source"])}
        if row["region_code"]:  # every government of the list cites its line there (hand rows too, when merged)
            assert "gov-portals.csv" in cited or row["level"] == "national", row["id"]
        if "gov-portals.csv" in cited:
            line = lists["gov-portals.csv"][int(cited["gov-portals.csv"]["line"])]
            if "; list: " in row["source"]:  # a hand row: its own URL is cited by hand; the list's is named
                assert f"gives {line['url']}" in row["source"], row["id"]
            else:  # a row of the list: its one URL is the line's, and no column URL is made up
                assert row["home_url"] == line["url"] and row["start_url"] == "", row["id"]
            names = [n for n in (line["province"], line["prefecture"], line["county"]) if n]
            assert row["agency"].startswith(names[-1]), row["id"]
            traced["home_url"] += 1
        if row["policy_url"]:
            line = lists["gov-policy-columns.csv"][int(cited["gov-policy-columns.csv"]["line"])]
            assert row["policy_url"] == line["url"], row["id"]
            traced["policy_url"] += 1
        for match in cited.values():  # the commit is the one the file's header names
            header = headers[match["name"]]
            assert f"{match['repo']}, file {match['file']}, commit {match['commit']}" in header, row["id"]
    assert traced["home_url"] == 3191 and traced["policy_url"] > 2500


# --- what is left out, and why --------------------------------------------------------------------


def test_the_left_out_list_names_every_unjoined_row_with_its_reason():
    left = read_rows(LEFT_OUT)
    reasons = Counter(r["reason"] for r in left)
    assert reasons == {"parent_not_joined": 12, "not_a_division": 6, "no_url": 4, "not_official_host": 2}
    by_name = {r["county"] or r["prefecture"] or r["province"]: r for r in left}
    # 兵团 cities: the 兵团 is not a division; the city of the same name under 新疆 is a hint, not a join.
    assert by_name["石河子市"]["reason"] == "parent_not_joined" and "659001" in by_name["石河子市"]["detail"]
    assert by_name["新疆生产建设兵团"]["reason"] == "not_a_division"
    for district in ("加格达奇区", "松岭区", "新林区", "呼中区"):  # 大兴安岭's districts are not GB/T 2260 divisions
        assert by_name[district]["reason"] == "not_a_division"
    assert by_name["济源示范区"]["reason"] == "not_a_division"  # the divisions call it 济源市: not guessed
    assert by_name["香港特别行政区"]["reason"] == "not_official_host"
    assert all(r["detail"] for r in left)
    # Nothing left out is in the registry, and every left-out row with a URL cites its line.
    hosts = {urlsplit(r["home_url"]).hostname for r in read_rows(ALL)}
    assert not {urlsplit(r["url"]).hostname for r in left if r["url"]} & hosts


def test_the_left_out_rows_are_the_lines_the_list_has(sources):
    lines = source_lines(sources / "gov-portals.csv")
    for row in read_rows(LEFT_OUT):
        line = lines[int(row["line"])]
        assert (line["province"], line["prefecture"], line["county"], line["url"]) == \
            (row["province"], row["prefecture"], row["county"], row["url"])
