"""A monitoring run: the replica stops serving one site's reports, blocks another host, and a third
site's column moves away. The summary, crawl_runs, the badges and the exit code say so."""
import json
from dataclasses import replace

import pytest

from replica.portals import REPORT, WAF, World, build_world
from replica.server import Replica
from tests.crawl_helpers import free_port, rows, write_registry, xxgk

WATCHED = ("shangrao", "hualong", "tuoli")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("health")
    archive, badges = tmp / "archive.db", tmp / "badges"
    port = free_port()
    world = build_world()
    world = World(world.version, tuple(p for p in world.portals if p.id in WATCHED), world.changes)
    with Replica.start(world, port=port) as replica:
        registry = write_registry(tmp / "sites.yaml", replica.sites)
        first = xxgk("crawl", "--sites", str(registry), "--archive", str(archive), "--badges", str(badges), check=False)
        first_badges = {p.name: p.read_text() for p in badges.iterdir()}
    later = World(world.version, tuple(
        replace(p, items=tuple(i for i in p.items if i.kind != REPORT)) if p.id == "shangrao"
        else replace(p, guard=WAF) if p.id == "hualong" else p
        for p in world.portals), world.changes)
    with Replica.start(later, port=port) as replica:
        moved = [replace(s, start_url=s.base_url + "/moved-away/index.html") if s.id == "tuoli" else s
                 for s in replica.sites]
        registry = write_registry(tmp / "sites-later.yaml", moved)
        second = xxgk("crawl", "--sites", str(registry), "--archive", str(archive), "--badges", str(badges), check=False)
    return archive, badges, first, first_badges, second


def test_a_healthy_run_says_ok_and_exits_0(runs):
    archive, _, first, first_badges, _ = runs
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Crawl run 1: ok in " in first.stdout
    assert rows(archive, "select health from crawl_runs where id = 1")[0]["health"] == "ok"
    assert all(">ok<" in svg for name, svg in first_badges.items() if name != "run.svg")


def test_the_broken_run_fails_and_names_each_site_and_check(runs):
    archive, _, _, _, second = runs
    assert second.returncode == 2, second.stdout + second.stderr
    out = second.stdout
    assert "Crawl run 2: failed in " in out
    assert "FAILED shangrao: reports_gone: 6 reports found in earlier runs, none in this one" in out
    assert [line for line in out.splitlines() if line.strip().startswith("FAILED hualong: newly_blocked: host 127.0.0.15")]
    assert [line for line in out.splitlines() if line.strip().startswith("FAILED tuoli: column_vanished: start page")
            and line.endswith("/moved-away/index.html answered 404")]
    [shangrao] = [line for line in out.splitlines() if line.strip().startswith("shangrao ")]
    assert " 0/0/6 " in shangrao  # six reports marked removed from a fully listed column


def test_the_run_row_keeps_the_summary_and_the_health(runs):
    archive, _, _, _, _ = runs
    [run] = rows(archive, "select health, summary from crawl_runs where id = 2")
    assert run["health"] == "failed"
    summary = json.loads(run["summary"])
    checks = {(p["site"], p["check"], p["severity"]) for p in summary["problems"]}
    assert {("shangrao", "reports_gone", "failed"), ("hualong", "newly_blocked", "failed"),
            ("tuoli", "column_vanished", "failed")} <= checks
    assert summary["sites"]["hualong"]["blocked"] == ["127.0.0.15"]
    assert summary["sites"]["tuoli"]["errors"]["http 404"] >= 1


def test_badges_turn_red_for_the_failing_sites_and_the_run(runs):
    _, badges, _, _, _ = runs
    for site in WATCHED:
        svg = (badges / f"{site}.svg").read_text()
        assert f"xxgk {site}: failed" in svg and "#e05d44" in svg
    assert "run 2 failed" in (badges / "run.svg").read_text()
