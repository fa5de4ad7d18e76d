"""Host names resolved from a hosts file of the crawl's own (``XXGK_HOSTS``), never by editing system files.

With ``XXGK_HOSTS`` set (a file in ``/etc/hosts`` form: ``address name [name …]``, ``#`` comments),
the crawl resolves names from that file only: a name it does not list fails as an unknown host, so
no DNS query leaves the machine. That is how the national replica puts thousands of portal names on
loopback addresses, and how tests make names fail. Scrapy's downloader (``TWISTED_DNS_RESOLVER``) and
Chromium (``--host-resolver-rules``, see ``chromium_args``) read the same file. Without the
setting, names are resolved as Scrapy does by default.
"""
from __future__ import annotations

import ipaddress
from pathlib import Path

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer


class HostsFileError(ValueError):
    pass


def read_hosts(path: str | Path) -> dict[str, str]:
    """name (lower case) → address, from a hosts file; a malformed line is an error naming it."""
    hosts: dict[str, str] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        try:
            address = str(ipaddress.ip_address(fields[0]))
        except ValueError:
            raise HostsFileError(f"{path}:{number}: {fields[0]!r} is not an IP address") from None
        if len(fields) < 2:
            raise HostsFileError(f"{path}:{number}: an address without a name")
        for name in fields[1:]:
            hosts.setdefault(name.lower().rstrip("."), address)  # the first line naming a host wins, as in /etc/hosts
    return hosts


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def chromium_args(hosts: dict[str, str]) -> list[str]:
    """Chromium's flag resolving the same names to the same addresses, and every other name to none.
    Chromium applies ``MAP *`` to address literals too, so the file's own addresses are excluded from it."""
    rules = [f"MAP {name} {address}" for name, address in sorted(hosts.items())]
    literals = [f"EXCLUDE {address}" for address in sorted(set(hosts.values()))]
    return ["--host-resolver-rules=" + ", ".join([*rules, *literals, "MAP * ~NOTFOUND"])]


@implementer(IResolverSimple)
class HostsFileResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, answering from ``XXGK_HOSTS`` alone when that setting names a file."""

    def __init__(self, reactor, cache_size: int, timeout: float, hosts: dict[str, str] | None, source: str = ""):
        super().__init__(reactor, cache_size, timeout)
        self.hosts = hosts
        self.source = source

    @classmethod
    def from_crawler(cls, crawler, reactor):
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        path = settings.get("XXGK_HOSTS") or ""
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), read_hosts(path) if path else None, path)

    def getHostByName(self, name: str, timeout=()):
        if self.hosts is None:
            return super().getHostByName(name, timeout)
        if _is_address(name):
            return defer.succeed(name)
        address = self.hosts.get(name.lower().rstrip("."))
        if address is None:
            return defer.fail(DNSLookupError(f"{name}: no such host in XXGK_HOSTS ({self.source})"))
        return defer.succeed(address)
