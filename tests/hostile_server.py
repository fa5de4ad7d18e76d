"""Hostile portals on 127.x for the crawl tests of issue 12: a real HTTP/1.1 server per host whose
routes answer as broken or malicious portals do (bombs, loops, off-site redirects, endless pages,
challenges at status 200, Retry-After, hung responses).

    with Portal("127.0.0.61") as portal:
        portal.route("/list/index.html", page(...))
        portal.url("/list/index.html")   # http://127.0.0.61:<port>/list/index.html
        portal.hits["/x"]                # how often a path was asked for
"""
from __future__ import annotations

import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from tests.hostile_files import FILES, html_huge

# (status, headers, body); a body may be an iterable of chunks, sent as they come
Answer = tuple[int, dict[str, str], bytes]
Route = Callable[[BaseHTTPRequestHandler], Answer]
TITLE = "{agency}2023年政府信息公开工作年度报告"


class Portal:
    def __init__(self, host: str):
        self.host = host
        self.routes: dict[str, Route] = {}
        self.hits: Counter[str] = Counter()
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                path = urlsplit(self.path).path
                portal.hits[path] += 1
                route = portal.routes.get(path) or portal.routes.get(path.rsplit("/", 1)[0] + "/*")
                status, headers, body = route(self) if route else (404, {"Content-Type": "text/plain"}, b"not found")
                self.send_response(status)
                chunks = [body] if isinstance(body, bytes) else body
                if isinstance(body, bytes):
                    headers = {"Content-Length": str(len(body)), **headers}
                else:
                    headers = {"Connection": "close", **headers}  # no length: the body ends with the connection
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    for chunk in chunks:
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the crawler hung up: what a refused download looks like from here

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        self.route("/robots.txt", text("User-agent: *\nAllow: /\n"))

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, answer: Route) -> None:
        self.routes[path] = answer

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> "Portal":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def html(body: str, *, status: int = 200, headers: dict | None = None, title: str = "") -> Route:
    page = f"<html><head><meta charset='utf-8'><title>{title}</title></head><body>{body}</body></html>".encode()
    return lambda request: (status, {"Content-Type": "text/html; charset=utf-8", **(headers or {})}, page)


def text(body: str) -> Route:
    return lambda request: (200, {"Content-Type": "text/plain"}, body.encode())


def raw(data: bytes, content_type: str = "application/octet-stream", **headers: str) -> Route:
    return lambda request: (200, {"Content-Type": content_type, **headers}, data)


def listing(links: list[tuple[str, str]], extra: str = "") -> Route:
    """A column page: one ``<a>`` per (href, title)."""
    rows = "".join(f'<li><a href="{href}" title="{title}">{title}</a></li>' for href, title in links)
    return html(f"<ul>{rows}</ul>{extra}", title="政府信息公开年报")


def redirect(location: str, status: int = 302) -> Route:
    return lambda request: (status, {"Location": location, "Content-Type": "text/html"}, b"<html>moved</html>")


def endless_body(total: int, chunk: int = 2**20) -> Route:
    """``total`` bytes with no Content-Length, made as they are sent (1 GiB costs nothing here)."""
    def answer(request):
        return 200, {"Content-Type": "application/pdf"}, (b"%PDF-1.4 " + b"0" * (chunk - 9) if i == 0 else b"0" * chunk
                                                          for i in range(total // chunk))
    return answer


@cache
def gzip_bomb(mib: int = 900) -> bytes:
    """``mib`` MiB of zeros gzipped: about 1 MB on the wire."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
    block = bytes(2**20)
    return b"".join(packer.compress(block) for _ in range(mib)) + packer.flush()


def hanging(seconds: float) -> Route:
    """Headers at once, then a body that trickles for ``seconds`` (a slow or stuck server)."""
    def answer(request):
        def body():
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                yield b" "
                time.sleep(0.5)
        return 200, {"Content-Type": "text/html"}, body()
    return answer


def title(agency: str) -> str:
    return TITLE.format(agency=agency)


def files_portal(portal: Portal, only: tuple[str, ...] = ()) -> dict[str, str]:
    """Each hostile file (``only`` these, when given) behind a report link; returns case → URL.
    The 50 MB HTML is served at 20 MiB: under DOWNLOAD_MAXSIZE, so it reaches the reader's cap."""
    urls, links = {}, []
    for n, case in enumerate(sorted(only or FILES)):
        name, build = FILES[case]
        data = html_huge(20) if case == "html-huge" else build()
        if case == "png-tall-blank":  # a picture is fetched when the link is a download endpoint
            path = "/downfile.jsp"
            portal.route(path, raw(data, "image/png"))
            href = f"{path}?filename={name}"
        else:
            path = href = f"/files/{name}"
            portal.route(path, raw(data, "text/html; charset=utf-8" if name.endswith(".html") else "application/octet-stream"))
        urls[case] = portal.url(href)
        links.append((href, title(f"文件{n}局")))
    portal.route("/list/index.html", listing(links))
    return urls


def servers_portal(portal: Portal, secret: Portal, only: tuple[str, ...] = ()) -> dict[str, str]:
    """Each hostile answer (``only`` these, when given) behind a report link; returns case → URL."""
    def redirect_chain(request):  # /chain/N.html → /chain/N+1.html, for ever
        return 302, {"Location": f"/chain/{int(request.path.split('/')[-1][:-5]) + 1}.html"}, b""

    busy = iter([(429, {"Retry-After": "1", "Content-Type": "text/html"}, b"<html>busy</html>")])
    report = html("<p>本机关2023年度未收到政府信息公开申请。</p>", title=title("忙碌局"))
    cases = {
        "too-large": ("/big.pdf", endless_body(2**30)),  # 1 GiB, no Content-Length
        "gzip-bomb": ("/bomb.pdf", raw(gzip_bomb(), "application/pdf", **{"Content-Encoding": "gzip"})),
        "redirect-self": ("/loop.html", redirect("/loop.html")),
        "redirect-chain": ("/chain/0.html", redirect_chain),
        "redirect-file": ("/passwd.html", redirect("file:///etc/passwd")),
        "redirect-private": ("/away.html", redirect(secret.url("/secret.html"))),
        "redirect-offsite": ("/offsite.html", redirect("http://reports.example.com/2023.html")),
        "meta-refresh-private": ("/refresh.html", html(f'<meta http-equiv="refresh" content="0;url={secret.url("/secret.html")}">')),
        "redirect-to-seen": ("/old.html", redirect("/list/index.html")),  # a URL the crawl fetched already
        "retry-after-short": ("/busy.html", lambda r: next(busy, None) or report(r)),
        "retry-after-long": ("/closed.html", lambda r: (503, {"Retry-After": "3600", "Content-Type": "text/html"}, b"<html>later</html>")),
    }
    cases = {case: cases[case] for case in only or cases}
    for path, route in cases.values():
        portal.route(path, route)
    portal.route("/chain/*", redirect_chain)
    portal.route("/list/index.html", listing([(path, title(f"服务{n}局")) for n, (path, _) in enumerate(cases.values())]))
    return {case: portal.url(path) for case, (path, _) in cases.items()}


def trs_column(portal: Portal, *, new_rows_on_every_page: bool) -> None:
    """A TRS column claiming 100,000 pages. Every page answers: with the same rows, or each with a
    row of its own (then only the page cap stops it)."""
    def page(request):
        number = request.path.rsplit("_", 1)[-1].split(".")[0] if "_" in request.path else "0"
        rows_ = [("./t20240101_1.html", title("分页局"))]
        if new_rows_on_every_page:
            rows_.append((f"./notice_{number}.html", f"通知{number}"))
        return listing(rows_, '<script>createPageHTML(100000, 0, "index", "html");</script>')(request)
    portal.route("/col/index.html", page)
    portal.route("/col/*", page)
    portal.route("/col/t20240101_1.html", html("<p>本机关2023年度未收到政府信息公开申请。</p>", title=title("分页局")))


def reloading_challenge() -> Route:
    """A 瑞数-style page at status 200 (``$_ts`` state, ``r='m'`` script) that sets a cookie and
    reloads itself on every load, for ever: no cookie it sets is ever accepted."""
    page = ("<!DOCTYPE html><html><head><meta content='seed' r='m'>"
            "<script type='text/javascript' r='m'>var $_ts = window['$_ts'] = {};"
            "document.cookie = 'XXGKendlessT=' + Date.now() + '; path=/'; location.reload();</script>"
            "</head><body></body></html>").encode()
    return lambda request: (200, {"Content-Type": "text/html; charset=utf-8",
                                  "Set-Cookie": "XXGKendlessS=1; Path=/"}, page)


def endless_portal(portal: Portal) -> None:
    """Issue 21's hostile portal, small: a listing claiming 100,000 pages, off-site and looping
    redirects, a gzip bomb (just over the download limit), one good report, and the self-reloading
    challenge. Its listing is ``/list/index.html``."""
    portal.route("/challenge.html", reloading_challenge())
    portal.route("/loop.html", redirect("/loop.html"))
    portal.route("/offsite.html", redirect("http://reports.example.com/2023.html"))
    portal.route("/bomb.pdf", raw(gzip_bomb(60), "application/pdf", **{"Content-Encoding": "gzip"}))
    portal.route("/report.html", html("<p>本机关2023年度未收到政府信息公开申请。</p>", title=title("重载局")))
    links = [("/report.html", title("重载局")), ("/challenge.html", title("挑战局")), ("/loop.html", title("循环局")),
             ("/offsite.html", title("外站局")), ("/bomb.pdf", title("炸弹局"))]
    portal.route("/list/index.html", listing(links, '<script>createPageHTML(100000, 0, "index", "html");</script>'))
