"""Host names resolved from the crawl's own hosts file (XXGK_HOSTS): a listed name reaches its replica
portal, a name the file does not list fails as an unknown host, and no DNS query is made for it."""
from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import pytest
import yaml

from crawler.fetch.resolver import HostsFileError, HostsFileResolver, chromium_args, read_hosts
from replica.portals import build_world
from replica.server import Replica
from tests.crawl_helpers import crawl, rows


def test_a_hosts_file_is_read_like_etc_hosts_and_a_bad_line_is_named(tmp_path):
    good = tmp_path / "hosts"
    good.write_text("# the replica\n127.0.0.7  www.a.gov.cn  A.gov.cn.  # two names\n127.0.0.8 www.b.gov.cn\n"
                    "127.0.0.9 www.a.gov.cn\n", encoding="utf-8")
    assert read_hosts(good) == {"www.a.gov.cn": "127.0.0.7", "a.gov.cn": "127.0.0.7", "www.b.gov.cn": "127.0.0.8"}
    [flag] = chromium_args(read_hosts(good))
    assert flag.startswith("--host-resolver-rules=MAP a.gov.cn 127.0.0.7, ")
    assert "EXCLUDE 127.0.0.8" in flag and flag.endswith("MAP * ~NOTFOUND")
    bad = tmp_path / "bad"
    bad.write_text("127.0.0.7 ok.gov.cn\nnot-an-address www.c.gov.cn\n", encoding="utf-8")
    with pytest.raises(HostsFileError, match=r"bad:2: 'not-an-address'"):
        read_hosts(bad)


def test_a_crawl_resolves_names_from_xxgk_hosts_and_nothing_else(tmp_path, monkeypatch):
    with Replica.start(build_world()) as replica:
        site = replica.sites[0]
        address = urlsplit(site.base_url)
        named = urlunsplit(urlsplit(site.start_url)._replace(netloc=f"www.portal-a.gov.cn:{address.port}"))
        dead = f"http://www.gone.gov.cn:{address.port}/zfxxgk/ndbg/"
        hosts = tmp_path / "hosts"
        hosts.write_text(f"{address.hostname} www.portal-a.gov.cn\n", encoding="utf-8")
        registry = tmp_path / "sites.yaml"
        registry.write_text(yaml.safe_dump([
            {"id": "named", "agency": site.agency, "start_url": named, "platform": site.platform},
            {"id": "gone", "agency": "某县人民政府", "start_url": dead, "platform": "generic"},
        ], allow_unicode=True), encoding="utf-8")
        archive = tmp_path / "a.db"
        monkeypatch.setenv("XXGK_HOSTS", str(hosts))
        crawl_done = crawl(registry, archive)
        served = replica.stats()
    assert crawl_done.returncode in (0, 1, 2)
    reports = rows(archive, "select count(*) as n from reports where site = 'named'")[0]["n"]
    truth = [t for t in replica.truth if t.url.startswith(site.base_url)]
    assert reports >= 1 and reports <= len(truth)
    assert served.requests, "the named portal was reached through the hosts file"
    [failure] = rows(archive, "select url, flag, error from captures where site = 'gone' and url = ?", [dead])
    assert failure["flag"] == "network_error" and "DNS lookup failed" in failure["error"]


def test_an_unlisted_name_fails_at_once_without_asking_a_dns_server(tmp_path):
    from twisted.internet import reactor
    from twisted.internet.error import DNSLookupError

    resolver = HostsFileResolver(reactor, 100, 5.0, {"www.a.gov.cn": "127.0.0.7"}, "hosts")
    answers = []
    resolver.getHostByName("WWW.A.gov.cn.").addBoth(answers.append)
    resolver.getHostByName("127.0.0.9").addBoth(answers.append)
    resolver.getHostByName("www.b.gov.cn").addBoth(answers.append)  # answered before any thread or socket
    assert answers[:2] == ["127.0.0.7", "127.0.0.9"]
    assert answers[2].check(DNSLookupError) and "no such host in XXGK_HOSTS (hosts)" in str(answers[2].value)



def test_the_crawler_never_fetches_the_public_suffix_list(tmp_path):
    """Scrapy's cookie middleware uses tldextract, which would fetch the Public Suffix List from
    raw.githubusercontent.com on a machine without its cache: the crawler uses the bundled snapshot."""
    import subprocess
    import sys

    code = ("import crawler.settings\n"
            "from scrapy.downloadermiddlewares.cookies import _split_domain\n"
            "print(_split_domain('www.xinhua.gov.cn').suffix)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "TLDEXTRACT_CACHE": str(tmp_path / "cache")})
    assert done.stdout.strip() == "gov.cn" and done.stderr == "", done.stderr[-2000:]
    assert not (tmp_path / "cache").exists() or not any(p.name == "urls" for p in (tmp_path / "cache").rglob("*"))
