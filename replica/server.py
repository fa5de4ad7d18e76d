"""Serving the replica: one real HTTP/1.1 server per portal, each on its own loopback address.

Each portal gets its own 127.0.0.x address (not just its own port) because crawlers decide what is
on-site by host name and ignore ports — Scrapy's offsite filter does — so portals sharing 127.0.0.1
would all count as one site. Ports are ephemeral unless asked for; the content does not depend on
them (links are relative or root-relative), so every run serves identical bytes.

    with Replica.start() as replica:
        for site in replica.sites: ...        # Site: id, agency, platform, start_url, base_url, encoding,
                                              #       needs_browser, note
        for report in replica.truth: ...      # TruthReport: url, attachment_url, model (the true cells)
        for fault in replica.faults: ...      # Fault: url, kind, target (see Fault)
        for change in replica.changes: ...    # Change: site_id, kind, url, title (version 2 only)
        replica.stats()                       # Stats: requests, conditional and 304s per URL

Every answer of 200 to a GET or HEAD carries an ETag (a hash of the body) and a Last-Modified (when
the CMS wrote the page); a request whose If-None-Match names that ETag, or whose If-Modified-Since is
not older than that date, gets 304 Not Modified with no body (If-None-Match wins when both are sent,
RFC 9110 §13.2.2). ``stats()`` counts what every URL was asked, so a test can tell a polite recrawl
from a blind one, or check that a robots.txt-forbidden page was never fetched.

Worlds: ``build_world()`` (the five demo portals), ``build_world(hard=True)`` (those plus
``replica.hard``'s), ``replica.hard.build_scale_world()`` (a thousand pages rendered on request).

Nothing here reaches beyond the loopback interface.
"""
from __future__ import annotations

import hashlib
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC
from email.utils import format_datetime, parsedate_to_datetime
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from replica import antibot, gkmlpt, hanweb, trs
from replica.pages import LAUNCHED, Response, SiteContent, not_found, server_error, written
from replica.portals import GKMLPT, HANWEB, TRS, WAF, Portal, World, build_world
from replica.reports import Number, ReportModel

PLATFORMS = {TRS: trs.build, HANWEB: hanweb.build, GKMLPT: gkmlpt.build}


@dataclass(frozen=True)
class Site:
    """A running portal, as a crawler's site registry row would describe it."""

    id: str
    agency: str
    platform: str  # "trs" | "hanweb" | "gkmlpt"
    start_url: str  # the annual-report column
    base_url: str  # http://127.0.0.x:port
    encoding: str  # what its HTML pages are served in: "utf-8" | "gbk"
    needs_browser: bool = False  # the column's rows exist only after its script runs in a browser
    note: str = ""  # what is odd about the portal
    region_code: str = ""  # GB/T 2260 code of the site's division (a registry's region_code)
    level: str = ""  # provincial | prefectural | county (a registry's level)


@dataclass(frozen=True)
class TruthReport:
    """A report the replica serves and the numbers it truly carries.

    ``url`` is the detail page; ``attachment_url`` the attached text copy when there is one.
    ``in_body``: the detail page carries the report as an HTML table body (else only the attachment
    does). ``layout``: the attachment's text layout (``replica.render.LAYOUTS``).
    """

    site_id: str
    url: str
    attachment_url: str | None
    in_body: bool
    layout: str | None
    model: ReportModel

    @property
    def agency(self) -> str:
        return self.model.agency

    @property
    def year(self) -> int:
        return self.model.year

    @property
    def template(self) -> str:
        return self.model.template

    @property
    def scope(self) -> str:
        return self.model.scope

    @property
    def title(self) -> str:
        return self.model.title

    @property
    def cells(self) -> dict[str, Number | None]:
        return self.model.cells


@dataclass(frozen=True)
class Fault:
    """A URL that misbehaves on purpose.

    Pages: "404" (linked, missing), "500", "truncated". Hosts (``url`` is the site's start URL):
    "challenge-412" (瑞数-style cookie challenge: a browser gets through), "challenge-521" (加速乐-style:
    a browser gets through), "blocked" (a WAF block page for every request: nobody gets through, and
    the site's reports are not in the truth). "robots": a report page robots.txt forbids (a polite
    crawler never fetches it; not in the truth). "redirect": a listing link that answers 301, whose
    target answers 302, whose target is the report page (``target``, the truth's URL).
    """

    site_id: str
    url: str
    kind: str
    target: str | None = None


@dataclass(frozen=True)
class Change:
    """What ``build_world(version=2)`` changed since version 1: "changed" (same URL, new numbers and
    bytes), "added" (a new report in the column), "removed" (gone from the column; ``url`` still
    answers 200, unlinked), "corrected" (``url`` is a 更正 notice re-publishing a listed report)."""

    site_id: str
    kind: str
    url: str
    title: str


@dataclass(frozen=True)
class Stats:
    """What the replica was asked since it started (or since ``reset_stats()``), by URL as requested
    (``base_url`` + path and query; a ``#fragment`` never reaches a server). ``conditional``: requests
    that carried If-None-Match or If-Modified-Since; ``not_modified``: the 304s answered;
    ``statuses``: (url, status) → count, challenges and redirects included."""

    requests: Counter
    conditional: Counter
    not_modified: Counter
    statuses: Counter  # (url, status) → count

    @property
    def total(self) -> int:
        return sum(self.requests.values())

    @property
    def total_conditional(self) -> int:
        return sum(self.conditional.values())

    @property
    def total_not_modified(self) -> int:
        return sum(self.not_modified.values())

    def under(self, prefix: str) -> Stats:
        """Only the URLs starting with ``prefix`` (a site's ``base_url``, say)."""
        def keep(counter: Counter, url=lambda key: key) -> Counter:
            return Counter({key: n for key, n in counter.items() if url(key).startswith(prefix)})
        return Stats(keep(self.requests), keep(self.conditional), keep(self.not_modified),
                     keep(self.statuses, lambda key: key[0]))


@dataclass
class _Counters:
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: Counter = field(default_factory=Counter)
    conditional: Counter = field(default_factory=Counter)
    not_modified: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)

    def count(self, url: str, status: int, conditional: bool) -> None:
        with self.lock:
            self.requests[url] += 1
            self.statuses[(url, status)] += 1
            if conditional:
                self.conditional[url] += 1
            if status == 304:
                self.not_modified[url] += 1

    def snapshot(self) -> Stats:
        with self.lock:
            return Stats(Counter(self.requests), Counter(self.conditional), Counter(self.not_modified),
                         Counter(self.statuses))

    def reset(self) -> None:
        with self.lock:
            for counter in (self.requests, self.conditional, self.not_modified, self.statuses):
                counter.clear()


def etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _unchanged(headers, tag: str, modified) -> bool:
    """Whether a GET's validators match the page as it is now (RFC 9110 §13.2.2: If-None-Match, when
    present, decides alone; weak comparison)."""
    if (if_none_match := headers.get("If-None-Match")) is not None:
        tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
        return "*" in tags or tag in tags
    if (since := headers.get("If-Modified-Since")) is not None:
        try:
            return modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "nginx"

    def do_GET(self) -> None:
        self._answer(self._query())

    def do_HEAD(self) -> None:
        self._answer(self._query(), head=True)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode("utf-8", "replace"), keep_blank_values=True))
        self._answer(self._query() | form)

    def _query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))

    def _answer(self, params: dict[str, str], head: bool = False) -> None:
        content: SiteContent = self.server.content
        path = unquote(urlsplit(self.path).path)
        response = self.server.guard(self._asked()) if self.server.guard else None
        guarded = response is not None  # a challenge or block page: never cacheable
        if response is None:
            handler = content.handlers.get(path)
            try:
                response = handler(params) if handler else content.pages.get(path) or not_found()
            except ValueError:  # a malformed number in the query: the JSP would throw, Tomcat answers 500
                response = server_error()
        validators: list[tuple[str, str]] = []
        conditional = "If-None-Match" in self.headers or "If-Modified-Since" in self.headers
        if response.status == 200 and not guarded and response.truncate_to is None and self.command in ("GET", "HEAD"):
            modified = response.modified or written(LAUNCHED)
            tag = etag(response.body)
            validators = [("ETag", tag), ("Last-Modified", format_datetime(modified.astimezone(UTC), usegmt=True))]
            if _unchanged(self.headers, tag, modified):
                response = Response(b"", response.content_type, 304)
        self.server.counters.count(content.base_url + self.path, response.status, conditional)
        self.send_response(response.status)
        if response.status == 304:  # no body, no Content-Length (RFC 9110 §15.4.5)
            for name, value in validators:
                self.send_header(name, value)
            self.end_headers()
            return
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in validators + list(response.headers):
            self.send_header(name, value)
        if response.truncate_to is not None:
            self.send_header("Connection", "close")
        self.end_headers()
        if head:
            return
        if response.truncate_to is None:
            self.wfile.write(response.body)
            return
        self.wfile.write(response.body[:response.truncate_to])
        self.close_connection = True

    def _asked(self) -> antibot.Asked:
        cookies: dict[str, str] = {}
        for header in self.headers.get_all("Cookie") or ():
            jar = SimpleCookie()
            try:
                jar.load(header)
            except CookieError:
                continue
            cookies |= {name: morsel.value for name, morsel in jar.items()}
        return antibot.Asked(self.client_address[0], self.command, self.path, cookies,
                             self.headers.get("User-Agent", ""))

    def log_message(self, format: str, *args) -> None:
        """Silent: the crawler's captures are the record of what was asked; a log line per request
        would bury test and ``xxgk demo`` output."""


class _PortalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], content: SiteContent, counters: _Counters,
                 guard: antibot.Guard | None):
        super().__init__(address, _Handler)
        self.content = content
        self.counters = counters
        self.guard = guard


class Replica:
    """The running replica. Use ``Replica.start()`` (a context manager) and ``stop()``."""

    def __init__(self, world: World, servers: list[_PortalServer], sites: tuple[Site, ...],
                 truth: tuple[TruthReport, ...], faults: tuple[Fault, ...], changes: tuple[Change, ...],
                 counters: _Counters):
        self.world = world
        self.sites = sites
        self.truth = truth
        self.faults = faults
        self.changes = changes
        self._servers = servers
        self._counters = counters

    def stats(self) -> Stats:
        """Requests, conditional requests and 304s per URL since start or the last ``reset_stats()``."""
        return self._counters.snapshot()

    def reset_stats(self) -> None:
        self._counters.reset()

    @classmethod
    def start(cls, world: World | None = None, *, port: int = 0) -> Replica:
        """Serve ``world`` (default: ``build_world()``), every portal on its own 127.0.0.x address.

        ``port`` 0 picks a free port per address; a fixed port serves every portal on that port.
        """
        world = world or build_world()
        servers: list[_PortalServer] = []
        sites, truth, faults, changes = [], [], [], []
        counters = _Counters()
        secret = secrets.token_bytes(16)  # what the challenges sign their cookies with, this run only
        try:
            for portal in world.portals:
                content = PLATFORMS[portal.platform](portal)
                server = _PortalServer((portal.host, port), content, counters, antibot.guard(portal, secret))
                base = f"http://{portal.host}:{server.server_port}"
                content.base_url = base
                threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                 name=f"replica-{portal.id}", daemon=True).start()
                servers.append(server)
                site = _site(portal, base, content)
                sites.append(site)
                if portal.guard != WAF:  # behind the WAF nothing is reachable, so nothing is true
                    truth += [TruthReport(portal.id, base + p.detail_path,
                                          base + p.attachment_path if p.attachment_path else None,
                                          p.item.body, p.item.attachment, p.item.report) for p in content.published]
                faults += [Fault(portal.id, base + path, kind, base + content.targets[path] if path in content.targets else None)
                           for path, kind in content.faults]
                if portal.guard:
                    faults.append(Fault(portal.id, site.start_url, antibot.FAULT_KINDS[portal.guard]))
                by_title = {p.item.title: base + p.detail_path for p in content.published + content.unlisted + content.corrections}
                changes += [Change(portal.id, c.kind, by_title[c.title], c.title)
                            for c in world.changes if c.portal_id == portal.id]
        except BaseException:
            _shutdown(servers)
            raise
        return cls(world, servers, tuple(sites), tuple(truth), tuple(faults), tuple(changes), counters)

    def stop(self) -> None:
        _shutdown(self._servers)
        self._servers = []

    def __enter__(self) -> Replica:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _site(portal: Portal, base: str, content: SiteContent) -> Site:
    return Site(portal.id, portal.agency, portal.platform, base + content.start_path, base, portal.encoding,
                portal.needs_browser, portal.note, portal.region_code, portal.level)


def _shutdown(servers: list[_PortalServer]) -> None:
    for server in servers:
        server.shutdown()
        server.server_close()
