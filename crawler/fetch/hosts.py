"""Which hosts a site's crawl may fetch from: the site's own host, gov.cn hosts, and hosts the
registry row allows (its ``hosts`` column) — and never a private address other than its own.

The same rule decides links and redirects: a 302 or a ``<meta refresh>`` to another host is held
to it like a link, so a redirect cannot carry the crawl (and `xxgk serve` after it) to an internal
address or a spam mirror. Loopback, private, link-local and other non-public addresses are refused
unless the address is the site's own host (the test replica lives on 127.x). Only addresses
written as such are seen: a gov.cn name that resolves to a private address is not caught here.
"""
from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from crawler.sites import Site

_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


def site_hosts(site: Site) -> set[str]:
    """The site's own host and the other hosts its registry row allows (``hosts``: a list or a
    space/comma-separated string)."""
    extra = site.extra.get("hosts") or []
    if isinstance(extra, str):
        extra = extra.replace(",", " ").split()
    return {site.host, *(str(h).strip().lower() for h in extra if str(h).strip())}


def refusal(url: str, site: Site) -> str | None:
    """Why ``url`` is not for ``site``'s crawl, or None when it is."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"not an http(s) URL ({parts.scheme or 'no'} scheme)"
    host = (parts.hostname or "").lower()
    if not host:
        return "no host"
    if host == site.host:
        return None
    if _private(host):
        return f"private or local address {host}"
    if host in site_hosts(site) or host == "gov.cn" or host.endswith(".gov.cn"):
        return None
    return f"off-site host {host} (not the site's, not gov.cn, not in the registry's hosts)"


def _private(host: str) -> bool:
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return not address.is_global
