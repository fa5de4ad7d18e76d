"""The generic spider finds each portal's 年报 column from its home page by link text, whatever the
CMS — TRS pages, GBK, Hanweb columns whose rows come from their dataproxy endpoint."""
import pytest
import yaml

from replica.server import Replica
from tests.crawl_helpers import cells_of, crawl, report_id, rows


@pytest.fixture(scope="module")
def from_home(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("generic")
    with Replica.start() as replica:
        registry = tmp / "sites.yaml"
        registry.write_text(yaml.safe_dump([
            {"id": s.id, "agency": s.agency, "home_url": s.base_url + "/", "start_url": "", "platform": s.platform,
             "note": "unconfirmed: column URL not known"}
            for s in replica.sites], allow_unicode=True), encoding="utf-8")
        archive = tmp / "archive.db"
        crawl(registry, archive)
        yield replica, archive


def test_every_report_is_found_from_the_home_pages(from_home):
    replica, archive = from_home
    for truth in replica.truth:
        assert cells_of(archive, report_id(truth)) == pytest.approx(truth.cells), report_id(truth)


def test_discovery_went_through_the_home_page(from_home):
    replica, archive = from_home
    homes = {r["url"] for r in rows(archive, "select url from captures where spider = 'generic' and kind = 'listing'")}
    assert {s.base_url + "/" for s in replica.sites} <= homes
    proxies = rows(archive, "select distinct site from captures where url like '%dataproxy.jsp%'")
    assert {r["site"] for r in proxies} == {s.id for s in replica.sites if s.platform == "hanweb"}
