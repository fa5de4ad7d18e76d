"""The site registry shipped in the repo, its validator, and the `xxgk sites` command."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from crawler.sites import (COLUMNS, PLATFORMS, RegistryError, is_gov_host, load_registry, load_sites, read_rows,
                           registrable_domain, select, validate_registry)

ROOT = Path(__file__).resolve().parents[1]
REGISTRY = ROOT / "registry" / "sites.yaml"
ALL = ROOT / "registry" / "all.csv"
XXGK = [sys.executable, "-m", "commands"]

PROVINCE_CODES = set(
    "110000 120000 130000 140000 150000 210000 220000 230000 310000 320000 330000 340000 350000 360000 "
    "370000 410000 420000 430000 440000 450000 460000 500000 510000 520000 530000 540000 610000 620000 "
    "630000 640000 650000".split()
)


# --- the shipped registry -----------------------------------------------------------------------


def test_shipped_registry_validates_clean():
    assert validate_registry(REGISTRY) == []


def test_shipped_registry_has_every_provincial_government_once():
    rows = [r for r in read_rows(REGISTRY) if r["level"] == "provincial"]
    codes = [str(r["region_code"]) for r in rows]
    assert sorted(codes) == sorted(PROVINCE_CODES)
    assert all(r["agency"].endswith("人民政府") for r in rows)
    assert all(r["id"].startswith("prov-") for r in rows)


def test_shipped_registry_has_the_state_council_and_at_least_20_departments():
    rows = [r for r in read_rows(REGISTRY) if r["level"] == "national"]
    assert all(not str(r["region_code"] or "") for r in rows)
    hosts = {urlsplit(r["home_url"]).hostname for r in rows}
    assert "www.gov.cn" in hosts  # the State Council's own 政府信息公开 area
    departments = [r for r in rows if urlsplit(r["home_url"]).hostname != "www.gov.cn"]
    assert len(departments) >= 20
    names = {r["agency"] for r in departments}
    assert {"中华人民共和国商务部", "中华人民共和国财政部", "中华人民共和国教育部", "国家税务总局"} <= names


def test_shipped_registry_cites_a_source_for_every_row_and_says_when_a_column_is_unconfirmed():
    for row in read_rows(REGISTRY):
        assert row["source"].strip(), row["id"]
        assert is_gov_host(urlsplit(row["home_url"]).hostname), row["id"]
        if not row["start_url"]:
            assert "unconfirmed" in row["note"], row["id"]
        assert not row["confirmed"], "no crawl has confirmed a row yet: the registry was written offline"


def test_shipped_registry_loads_for_a_crawl_with_home_pages_standing_in():
    sites = load_sites(REGISTRY)
    rows = {r["id"]: r for r in read_rows(REGISTRY)}
    assert len(sites) == len(rows)
    for site in sites:
        row = rows[site.id]
        if row["start_url"]:
            assert site.start_url == row["start_url"] and "start_from_home" not in site.extra
        else:
            assert site.start_url == row["home_url"] and site.extra["start_from_home"] is True
        assert site.platform in PLATFORMS


# --- the validator, one kind of bad row at a time -----------------------------------------------


def good_row(**changes) -> dict:
    row = {
        "id": "prov-example",
        "agency": "某某省人民政府",
        "region_code": "990000",
        "level": "provincial",
        "home_url": "https://www.example.gov.cn/",
        "start_url": "https://www.example.gov.cn/zfxxgk/zfxxgknb/",
        "platform": "trs",
        "confirmed": "",
        "source": "a test",
        "note": "",
    }
    row.update(changes)
    return row


def write(tmp_path: Path, rows, name="sites.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(rows, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def problems_of(tmp_path: Path, *rows) -> list[str]:
    return validate_registry(write(tmp_path, list(rows)))


def test_a_good_row_is_valid(tmp_path):
    assert problems_of(tmp_path, good_row()) == []
    assert problems_of(tmp_path, good_row(id="gov-example", level="national", region_code="")) == []
    assert problems_of(tmp_path, good_row(start_url="", platform="generic")) == []
    assert problems_of(tmp_path, good_row(start_url="", platform="hanweb", note="unconfirmed: column not verified")) == []
    assert problems_of(tmp_path, good_row(confirmed="2026-01-31")) == []
    # start_url on another host of the same registrable domain
    assert problems_of(tmp_path, good_row(start_url="http://xxgk.example.gov.cn/nb/")) == []


@pytest.mark.parametrize("row, expected", [
    ({k: v for k, v in good_row().items() if k != "source"}, "missing column(s) source"),
    (good_row(agency=""), "empty agency"),
    (good_row(home_url=""), "empty home_url"),
    (good_row(source="  "), "empty source"),
    (good_row(id="Prov_Example"), "is not a slug"),
    (good_row(platform="wordpress"), "unknown platform 'wordpress'"),
    (good_row(level="city"), "level 'city' not one of"),
    (good_row(region_code="11000"), "region_code '11000' is not 6 digits"),
    (good_row(region_code="1100AB"), "is not 6 digits"),
    (good_row(region_code=""), "a provincial row needs a region_code"),
    (good_row(region_code="110100"), "is not a province's code"),
    (good_row(home_url="ftp://www.example.gov.cn/"), "home_url must be http(s)"),
    (good_row(start_url="https:///zfxxgknb/"), "start_url has no host"),
    (good_row(home_url="https://www.example.com/", start_url="", platform="generic"),
     "home_url host 'www.example.com' is not official"),
    (good_row(start_url="http://www.other.gov.cn/zfxxgknb/"), "not on home_url's domain 'example.gov.cn'"),
    (good_row(start_url="", platform="trs"), "no start_url: platform must be `generic`"),
    (good_row(confirmed="last week"), "is not a YYYY-MM-DD date"),
])
def test_the_validator_catches_each_kind_of_bad_row(tmp_path, row, expected):
    problems = problems_of(tmp_path, row)
    assert len(problems) == 1 and expected in problems[0], problems


def test_a_column_on_a_mirror_host_is_neither_official_nor_on_the_portals_domain(tmp_path):
    problems = problems_of(tmp_path, good_row(start_url="http://mirror.example.com/zfxxgknb/"))
    assert len(problems) == 2
    assert "start_url host 'mirror.example.com' is not official" in problems[0]
    assert "start_url is on 'example.com', not on home_url's domain 'example.gov.cn'" in problems[1]


def test_the_validator_catches_duplicate_ids_and_names_both_rows(tmp_path):
    problems = problems_of(tmp_path, good_row(), good_row(home_url="https://www.other.gov.cn/", start_url="", platform="generic"))
    assert problems == ["row 2 (prov-example): duplicate id 'prov-example' (first in row 1)"]


def test_an_official_host_override_is_recorded_in_the_row(tmp_path):
    row = good_row(home_url="https://www.example.org.cn/", start_url="https://www.example.org.cn/nb/")
    assert any("not official" in p for p in problems_of(tmp_path, row))
    assert problems_of(tmp_path, {**row, "official_host": True}) == []


def test_the_validator_reports_unreadable_files_instead_of_raising(tmp_path):
    assert "no rows" in validate_registry(write(tmp_path, []))[0]
    (tmp_path / "broken.yaml").write_text("- id: [unclosed\n", encoding="utf-8")
    assert validate_registry(tmp_path / "broken.yaml")
    assert "cannot read" in validate_registry(tmp_path / "absent.yaml")[0]
    assert "not a mapping" in problems_of(tmp_path, "just a string")[0]


def test_registrable_domains():
    assert registrable_domain("www.beijing.gov.cn") == "beijing.gov.cn"
    assert registrable_domain("xxgk.mot.gov.cn") == "mot.gov.cn"
    assert registrable_domain("www.gov.cn") == "www.gov.cn"  # gov.cn itself is a public suffix
    assert registrable_domain("a.b.example.com") == "example.com"
    assert registrable_domain("127.0.0.5") == "127.0.0.5"


# --- YAML and CSV, load_sites ---------------------------------------------------------------------


def test_csv_and_yaml_registries_load_alike(tmp_path):
    rows = [good_row(), good_row(id="gov-example", level="national", region_code="", start_url="", platform="generic",
                                 note="unconfirmed: column URL not verified")]
    yaml_path = write(tmp_path, rows)
    yaml_path_wrapped = tmp_path / "wrapped.yaml"
    yaml_path_wrapped.write_text(yaml.safe_dump({"sites": rows}, allow_unicode=True), encoding="utf-8")
    csv_path = tmp_path / "sites.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    loaded = [load_sites(p) for p in (yaml_path, yaml_path_wrapped, csv_path)]
    assert loaded[0] == loaded[1] == loaded[2]
    assert [(s.id, s.start_url, s.platform) for s in loaded[2]] == [
        ("prov-example", "https://www.example.gov.cn/zfxxgk/zfxxgknb/", "trs"),
        ("gov-example", "https://www.example.gov.cn/", "generic"),
    ]
    assert validate_registry(csv_path) == validate_registry(yaml_path) == []


def test_load_sites_stays_lenient_for_a_crawl_of_replica_portals(tmp_path):
    path = write(tmp_path, [{"id": "r1", "agency": "某局", "start_url": "http://127.0.0.2:8642/nb/", "platform": "hanweb"}])
    assert [s.host for s in load_sites(path)] == ["127.0.0.2"]


@pytest.mark.parametrize("rows, expected", [
    ([good_row(), good_row()], "duplicate id 'prov-example'"),
    ([good_row(start_url="", home_url="")], "missing start_url (or home_url)"),
    ([good_row(platform="joomla")], "unknown platform 'joomla'"),
    ([good_row(start_url="", home_url="ftp://x.gov.cn/")], "home_url must be http(s)"),
])
def test_load_sites_refuses_what_a_crawl_cannot_use(tmp_path, rows, expected):
    with pytest.raises(RegistryError, match=None) as caught:
        load_sites(write(tmp_path, rows))
    assert expected in str(caught.value)


def test_load_registry_names_every_bad_row_with_every_fault_and_keeps_the_rest(tmp_path):
    path = write(tmp_path, [
        good_row(id="a"),
        good_row(id="b", platform="joomla", start_url="ftp://x.gov.cn/", level="city"),
        "a line of text",
        good_row(id="a", region_code="12345"),
        good_row(id="c", start_url="", home_url=""),
        good_row(id="d"),
    ])
    registry = load_registry(path)
    assert [s.id for s in registry.sites] == ["a", "d"]
    assert registry.problems == [
        f"{path} row 2 (b): unknown platform 'joomla' (known: trs, hanweb, gkmlpt, generic); "
        "start_url must be http(s): 'ftp://x.gov.cn/'; level 'city' not one of national, provincial, prefectural, county",
        f"{path} row 3 (no id): not a mapping of column to value",
        f"{path} row 4 (a): region_code '12345' is not 6 digits; duplicate id 'a' (first in row 1)",
        f"{path} row 5 (c): missing start_url (or home_url)",
    ]
    with pytest.raises(RegistryError) as caught:  # the strict form names them all too
        load_sites(path)
    assert str(caught.value).splitlines() == registry.problems


def test_a_csv_row_with_more_fields_than_the_header_is_a_bad_row(tmp_path):
    path = tmp_path / "sites.csv"
    path.write_text("id,agency,start_url,platform\nx,某局,http://127.0.0.2/nb/,trs\ny,某局,http://127.0.0.3/nb/,trs,extra\n",
                    encoding="utf-8")
    registry = load_registry(path)
    assert [s.id for s in registry.sites] == ["x"]
    assert registry.problems == [f"{path} row 2 (y): more fields than the header has columns"]


def test_a_file_that_is_not_a_registry_is_an_error_not_a_bad_row(tmp_path):
    (tmp_path / "broken.yaml").write_text("- id: [unclosed\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="not valid YAML"):
        load_registry(tmp_path / "broken.yaml")
    (tmp_path / "mapping.yaml").write_text("sites: {id: x}\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="a registry is a list of rows"):
        load_registry(tmp_path / "mapping.yaml")


def test_select_by_region_code_prefix_level_and_platform():
    sites, rows = load_registry(ALL).sites, read_rows(ALL)
    jiangsu_counties = select(sites, region="32", level="county")
    expected = [r["id"] for r in rows if r["region_code"].startswith("32") and r["level"] == "county"]
    assert [s.id for s in jiangsu_counties] == expected and len(expected) > 90
    assert {s.region_code[:4] for s in select(sites, region="3201")} == {"3201"}
    assert [s.id for s in select(sites, region="320000")] == ["prov-jiangsu"]
    assert [s.id for s in select(sites, level="provincial", platform="gkmlpt")] == ["prov-guangdong"]
    assert all(s.platform == "hanweb" for s in select(sites, platform="hanweb"))
    assert select(sites) == sites and select(sites, region="99") == []
    assert not any(s.level == "national" for s in select(sites, region="1"))  # no region code: never selected by one


# --- the command, and the crawl runner's handling of platforms without a spider --------------------


def test_sites_validate_command(tmp_path):
    # The default is the registry built from the list (registry/all.csv), merged with the hand rows.
    done = subprocess.run([*XXGK, "sites", "validate"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    total = len(read_rows(ALL))
    assert done.stdout.startswith(f"{total} sites: ") and "31 provincial" in done.stdout and " county" in done.stdout
    done = subprocess.run([*XXGK, "sites", "validate", str(REGISTRY)], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith(f"{len(read_rows(REGISTRY))} sites: "), done.stdout
    bad = write(tmp_path, [good_row(level="city")])
    done = subprocess.run([*XXGK, "sites", "validate", str(bad)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1 and "level 'city' not one of" in done.stdout


def test_sites_list_command_filters():
    done = subprocess.run([*XXGK, "sites", "list", "--level", "provincial"], cwd=ROOT, capture_output=True, text=True)
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and len(lines) == 31 and all(line.startswith("prov-") for line in lines)
    done = subprocess.run([*XXGK, "sites", "list", str(REGISTRY), "--platform", "trs"], cwd=ROOT,
                          capture_output=True, text=True)
    for line in done.stdout.splitlines():
        assert " trs " in line and "(home)" not in line
    done = subprocess.run([*XXGK, "sites", "list", "--region", "3201", "--level", "county"], cwd=ROOT,
                          capture_output=True, text=True)
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and len(lines) == 11, done.stdout + done.stderr
    assert all(line.split()[1].startswith("3201") and line.split()[2] == "county" for line in lines)
    assert "gov-320102             320102 county      generic  (home) http://www.xwzf.gov.cn/  玄武区人民政府" in lines


def test_run_crawl_skips_a_platform_without_a_spider(tmp_path):
    # In a child process: the crawl runner owns Twisted's reactor. No request is made: the only site's
    # platform has no spider, so nothing is crawled and the run is still recorded.
    code = (
        "from pathlib import Path\n"
        "from crawler.run import run_crawl\n"
        "from crawler.sites import Site\n"
        "site = Site('x', '某局', 'http://127.0.0.1:9/', 'no-such-platform')\n"
        f"print(run_crawl([site], Path({str(tmp_path / 'a.db')!r}), command='test'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "no spider for platform 'no-such-platform'" in done.stderr and "skipping 1 site(s): x" in done.stderr
    assert "'requests': 0" in done.stdout
