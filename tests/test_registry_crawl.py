"""A registry with bad rows, crawled for real against the replica: every bad row is named (file, row,
id, what is wrong) and skipped, the run goes on with the rest and says "finished with warnings", and a
selection (--region, --level, --platform) limits the crawl to the sites it names."""
from __future__ import annotations

import json

import pytest
import yaml

from replica.server import Replica
from tests.crawl_helpers import rows, xxgk

DEAD = "http://127.0.0.1:9/nb/"  # nothing listens there: a row that was not skipped would leave a capture

# (row as written, what the warning must say about it)
BAD_ROWS = [
    ({"id": "wrong-platform", "agency": "某局", "start_url": DEAD, "platform": "joomla"}, "unknown platform 'joomla'"),
    ({"id": "no-url", "agency": "某局", "start_url": "", "home_url": "", "platform": "trs"}, "missing start_url (or home_url)"),
    ({"id": "ftp-url", "agency": "某局", "start_url": "ftp://127.0.0.1/nb/", "platform": "trs"}, "start_url must be http(s)"),
    ({"id": "bad-region", "agency": "某局", "start_url": DEAD, "platform": "trs", "region_code": "41AB02"},
     "region_code '41AB02' is not 6 digits"),
    ({"id": "bad-level", "agency": "某局", "start_url": DEAD, "platform": "trs", "region_code": "410100", "level": "city"},
     "level 'city' not one of"),
    ({"id": "no-agency", "start_url": DEAD, "platform": "trs", "region_code": "410100"}, "missing agency"),
    ("just a line of text", "not a mapping of column to value"),
    ({"id": "hualong", "agency": "重名", "start_url": DEAD, "platform": "trs", "region_code": "410902", "level": "county"},
     "duplicate id 'hualong'"),
]


def registry_rows(replica) -> list:
    """The replica's Henan sites (41…) and Jiangxi's shangrao as good rows, the bad rows between them."""
    good = {s.id: {"id": s.id, "agency": s.agency, "start_url": s.start_url, "platform": s.platform,
                   "region_code": s.region_code, "level": s.level} for s in replica.sites}
    return [good["jiefang"], *[row for row, _ in BAD_ROWS[:4]], good["shangrao"], *[row for row, _ in BAD_ROWS[4:7]],
            good["hualong"], BAD_ROWS[7][0]]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("registry-crawl")
    archive, registry = tmp / "archive.db", tmp / "sites.yaml"
    with Replica.start() as replica:
        registry.write_text(yaml.safe_dump(registry_rows(replica), allow_unicode=True, sort_keys=False), encoding="utf-8")
        done = xxgk("crawl", "--sites", str(registry), "--region", "41", "--level", "county",
                    "--archive", str(archive), check=False)
        return replica, registry, archive, done


def test_every_bad_row_is_named_with_its_file_row_and_fault_and_skipped(crawled):
    replica, registry, archive, done = crawled
    written = registry_rows(replica)
    numbers = {fault: written.index(bad) + 1 for bad, fault in BAD_ROWS[:-1]}
    numbers[BAD_ROWS[-1][1]] = len(written)  # the duplicate id, last: the first row of that id is kept
    warnings = [line for line in done.stderr.splitlines() if line.startswith("xxgk crawl: warning: skipped ")]
    assert len(warnings) == len(BAD_ROWS), done.stderr
    for fault, number in numbers.items():
        assert any(f"{registry} row {number} (" in line and fault in line for line in warnings), (fault, number, warnings)
    # No capture of a skipped row: the dead address was never asked.
    assert rows(archive, "select count(*) as n from captures where url like 'http://127.0.0.1:9/%'")[0]["n"] == 0


def test_the_run_finishes_with_a_named_counted_warning_per_bad_row(crawled):
    _, _, archive, done = crawled
    assert done.returncode == 1, done.stdout + done.stderr[-3000:]
    assert "Crawl run 1: finished with warnings in " in done.stdout
    assert done.stdout.count("  warning registry: bad_row: ") == len(BAD_ROWS)
    [run] = rows(archive, "select health, summary, command from crawl_runs")
    summary = json.loads(run["summary"])
    assert run["health"] == "warnings" and run["command"].endswith("--region 41 --level county")
    assert len(summary["registry_problems"]) == len(BAD_ROWS)
    assert [p["check"] for p in summary["problems"] if p["site"] == "registry"] == ["bad_row"] * len(BAD_ROWS)
    # The bad rows are the only warnings: the good sites' own checks are clean.
    assert {p["site"] for p in summary["problems"] if p["severity"] != "notice"} == {"registry"}


def test_the_selected_good_rows_reports_are_stored_and_nothing_else_is_crawled(crawled):
    replica, _, archive, _ = crawled
    selected = {"jiefang", "hualong"}  # region 41…, county; shangrao (361100, prefectural) is not selected
    truth = {(t.agency, t.year, t.scope): t.site_id for t in replica.truth if t.site_id in selected}
    stored = {(r["agency"], r["year"], r["scope"]): r["site"] for r in rows(archive, "select agency, year, scope, site from reports")}
    assert stored == truth and len(truth) >= 4
    assert {r["site"] for r in rows(archive, "select distinct site from captures")} == selected


def test_a_registry_with_no_usable_row_is_an_error(tmp_path):
    registry = tmp_path / "bad.yaml"
    registry.write_text(yaml.safe_dump([row for row, _ in BAD_ROWS[:3]], allow_unicode=True), encoding="utf-8")
    done = xxgk("crawl", "--sites", str(registry), "--archive", str(tmp_path / "a.db"), check=False)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 4 and lines[-1] == f"xxgk crawl: {registry}: no usable row (3 skipped)", done.stderr
    assert not (tmp_path / "a.db").exists()


@pytest.mark.parametrize("options, message", [
    (["--region", "99"], "no site of {registry} matches --region 99 (of 2 usable rows)"),
    (["--level", "provincial", "--platform", "hanweb"], "no site of {registry} matches --level provincial --platform hanweb"),
])
def test_a_selection_that_matches_nothing_says_so_and_exits_2(tmp_path, options, message):
    registry = tmp_path / "sites.yaml"
    registry.write_text(yaml.safe_dump([
        {"id": "a", "agency": "某局", "start_url": DEAD, "platform": "trs", "region_code": "410902", "level": "county"},
        {"id": "b", "agency": "某局", "start_url": DEAD, "platform": "hanweb", "region_code": "410000", "level": "county"},
    ]), encoding="utf-8")
    for command in (["crawl", "--sites", str(registry), "--archive", str(tmp_path / "a.db")], ["sites", "list", str(registry)]):
        done = xxgk(*command, *options, check=False)
        assert done.returncode == 2 and message.format(registry=registry) in done.stderr, done.stderr
        assert done.stdout == ""
    assert not (tmp_path / "a.db").exists()


@pytest.mark.parametrize("options, fault", [
    (["--level", "city"], "argument --level: invalid choice: 'city'"),
    (["--platform", "joomla"], "argument --platform: invalid choice: 'joomla'"),
    (["--region", "32x"], "argument --region: '32x' is not a region code prefix"),
    (["--region", "3201021"], "argument --region: '3201021' is not a region code prefix"),
])
def test_selection_options_are_validated_before_anything_runs(tmp_path, options, fault):
    for command in (["crawl", "--sites", "registry/all.csv", "--archive", str(tmp_path / "a.db")], ["sites", "list"]):
        done = xxgk(*command, *options, check=False)
        assert done.returncode == 2 and fault in done.stderr, done.stderr
    assert not (tmp_path / "a.db").exists()
