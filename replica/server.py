"""Serving the replica: one real HTTP/1.1 server per portal, each on its own loopback address.

Each portal gets its own 127.0.0.x address (not just its own port) because crawlers decide what is
on-site by host name and ignore ports — Scrapy's offsite filter does — so portals sharing 127.0.0.1
would all count as one site. Ports are ephemeral unless asked for; the content does not depend on
them (links are relative or root-relative), so every run serves identical bytes.

    with Replica.start() as replica:
        for site in replica.sites: ...        # Site: id, agency, platform, start_url, base_url, encoding
        for report in replica.truth: ...      # TruthReport: url, attachment_url, model (the true cells)
        for fault in replica.faults: ...      # Fault: url, kind ("404" | "500" | "truncated")

Nothing here reaches beyond the loopback interface.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

from replica import hanweb, trs
from replica.pages import Response, SiteContent, not_found, server_error
from replica.portals import HANWEB, TRS, Portal, World, build_world
from replica.reports import Number, ReportModel

PLATFORMS = {TRS: trs.build, HANWEB: hanweb.build}


@dataclass(frozen=True)
class Site:
    """A running portal, as a crawler's site registry row would describe it."""

    id: str
    agency: str
    platform: str  # "trs" | "hanweb"
    start_url: str  # the annual-report column
    base_url: str  # http://127.0.0.x:port
    encoding: str  # what its HTML pages are served in: "utf-8" | "gbk"


@dataclass(frozen=True)
class TruthReport:
    """A report the replica serves and the numbers it truly carries.

    ``url`` is the detail page; ``attachment_url`` the attached text copy when there is one.
    ``in_body``: the detail page carries the report as an HTML table body (else only the attachment
    does). ``layout``: the attachment's text layout (``replica.reports.LAYOUTS``).
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
    """A URL that misbehaves on purpose: "404" (linked, missing), "500", "truncated"."""

    site_id: str
    url: str
    kind: str


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
        handler = content.handlers.get(path)
        try:
            response: Response = handler(params) if handler else content.pages.get(path) or not_found()
        except ValueError:  # a malformed number in the query: the JSP would throw, Tomcat answers 500
            response = server_error()
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
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

    def log_message(self, format: str, *args) -> None:
        """Silent: the crawler's captures are the record of what was asked; a log line per request
        would bury test and ``xxgk demo`` output."""


class _PortalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], content: SiteContent):
        super().__init__(address, _Handler)
        self.content = content


class Replica:
    """The running replica. Use ``Replica.start()`` (a context manager) and ``stop()``."""

    def __init__(self, world: World, servers: list[_PortalServer], sites: tuple[Site, ...],
                 truth: tuple[TruthReport, ...], faults: tuple[Fault, ...]):
        self.world = world
        self.sites = sites
        self.truth = truth
        self.faults = faults
        self._servers = servers

    @classmethod
    def start(cls, world: World | None = None, *, port: int = 0) -> Replica:
        """Serve ``world`` (default: ``build_world()``), every portal on its own 127.0.0.x address.

        ``port`` 0 picks a free port per address; a fixed port serves every portal on that port.
        """
        world = world or build_world()
        servers: list[_PortalServer] = []
        sites, truth, faults = [], [], []
        try:
            for portal in world.portals:
                content = PLATFORMS[portal.platform](portal)
                server = _PortalServer((portal.host, port), content)
                threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                 name=f"replica-{portal.id}", daemon=True).start()
                servers.append(server)
                base = f"http://{portal.host}:{server.server_port}"
                sites.append(_site(portal, base, content))
                truth += [TruthReport(portal.id, base + p.detail_path,
                                      base + p.attachment_path if p.attachment_path else None,
                                      p.item.body, p.item.attachment, p.item.report) for p in content.published]
                faults += [Fault(portal.id, base + path, kind) for path, kind in content.faults]
        except BaseException:
            _shutdown(servers)
            raise
        return cls(world, servers, tuple(sites), tuple(truth), tuple(faults))

    def stop(self) -> None:
        _shutdown(self._servers)
        self._servers = []

    def __enter__(self) -> Replica:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _site(portal: Portal, base: str, content: SiteContent) -> Site:
    return Site(portal.id, portal.agency, portal.platform, base + content.start_path, base, portal.encoding)


def _shutdown(servers: list[_PortalServer]) -> None:
    for server in servers:
        server.shutdown()
        server.server_close()
