"""What a replica site serves: responses by path, and the page chrome every government portal wraps
around its content (header navigation, 当前位置 breadcrumb, share buttons, footer).

The chrome is not decoration: a crawler on a real portal has to pick the report out of dozens of
links that lead elsewhere — the home page, other columns, a site search that robots.txt forbids, share
buttons and 友情链接 to other domains. Links that leave the replica use the reserved ``.invalid``
top-level domain, so a crawler that wrongly follows one fails to resolve it and never reaches the
internet.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from html import escape

from replica import documents
from replica.portals import CORRECTION, EXPLAINER, GRAPHIC, REPORT, TRUNCATED, Item, Portal
from replica.render import render_html, render_text

HTML_UTF8 = "text/html; charset=UTF-8"
# The picture of a 图解 page: a 1×1 PNG is enough for a crawler that must not take it for the report.
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082")


@dataclass(frozen=True)
class Response:
    """One HTTP answer. ``truncate_to`` sends only that many body bytes under the full Content-Length
    and then closes the connection, like a portal whose upstream dies mid-response. ``modified``: when
    the CMS last wrote this page (its Last-Modified; None: the site's launch date)."""

    body: bytes
    content_type: str = HTML_UTF8
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    truncate_to: int | None = None
    modified: datetime | None = None


# Pages are written by the CMS's publishing run at 09:30 China time on the day an item is published.
CHINA = timezone(timedelta(hours=8))
LAUNCHED = date(2019, 1, 2)  # when the sites' chrome pages (home, section, robots.txt) were last written


def written(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=CHINA)


def dated(response: Response, day: date) -> Response:
    """The response as last written on ``day``."""
    return replace(response, modified=written(day))


class Pages(dict):
    """Responses by path. A value may be a function that renders the response when asked: a site with
    a thousand pages (the scale world) renders each on request instead of all at start."""

    def get(self, path, default=None):
        value = super().get(path, default)
        return value() if callable(value) else value


@dataclass(frozen=True)
class Published:
    """A report the site serves: where its detail page and its attachment (if any) live."""

    item: Item
    detail_path: str
    attachment_path: str | None


@dataclass
class SiteContent:
    """Everything one site serves. ``handlers`` answer paths whose response depends on the query or
    form (Hanweb's dataproxy.jsp and downfile.jsp); ``faults`` lists the paths that misbehave on
    purpose, with what they do ("404", "500", "truncated")."""

    start_path: str
    pages: Pages = field(default_factory=Pages)
    handlers: dict[str, Callable[[dict[str, str]], Response]] = field(default_factory=dict)
    published: list[Published] = field(default_factory=list)
    faults: list[tuple[str, str]] = field(default_factory=list)
    # Reports served but not listed any more (a later world version took them out of the column).
    unlisted: list[Published] = field(default_factory=list)
    # 更正 notices: each re-publishes a listed report with corrected numbers (``item.report``).
    corrections: list[Published] = field(default_factory=list)
    # Fault paths with where they lead: a redirect chain's first URL → the page it ends on.
    targets: dict[str, str] = field(default_factory=dict)
    # Set by the server once it listens: platforms whose APIs answer absolute URLs read it.
    base_url: str = ""


def content_type(portal: Portal) -> str:
    return "text/html; charset=GBK" if portal.encoding == "gbk" else HTML_UTF8


# Portals end their pages with a visit counter's script. An archived copy must never run it (the
# journalists' browser test looks for this mark on the page).
VISIT_COUNTER = 'document.body.setAttribute("data-visit-counter", "ran");'


def html_page(portal: Portal, title: str, crumbs: list[tuple[str, str]], main: str, *, head: str = "") -> Response:
    """A whole portal page in the portal's encoding, ``main`` inside the usual chrome."""
    charset = "gb2312" if portal.encoding == "gbk" else "utf-8"
    trail = " &gt; ".join(f'<a href="{href}">{escape(label)}</a>' for label, href in crumbs)
    text = f"""<!DOCTYPE html>
<html>
<head>
<meta charset="{charset}">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>{escape(title)}_{escape(portal.agency)}</title>
<meta name="SiteName" content="{escape(portal.agency)}">
{head}
<link rel="stylesheet" href="/images/common.css">
</head>
<body>
<div class="header">
  <div class="logo"><a href="/">{escape(portal.agency)}</a></div>
  <ul class="nav">
    <li><a href="/">首页</a></li>
    <li><a href="{portal.info_path}">政府信息公开</a></li>
    <li><a href="{portal.column_path}">政府信息公开年报</a></li>
    <li><a href="/search/index.html?searchWord=年度报告">站内搜索</a></li>
    <li><a href="http://www.gov.invalid/">中国政府网</a></li>
  </ul>
</div>
<div class="position">当前位置：{trail}</div>
<div class="main">
{main}
</div>
<div class="share">分享到：<a href="javascript:void(0)" onclick="shareTo('weixin')">微信</a>
  <a href="http://service.weibo.invalid/share/share.php?title={escape(title)}" target="_blank">微博</a>
  <a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a></div>
<div class="footer">
  <p>友情链接：<a href="http://www.gov-report-mirror.invalid/nianbao/">政府信息公开年报汇编网</a>
    <a href="http://www.gov.invalid/">中国政府网</a></p>
  <p>主办单位：{escape(portal.agency)}　网站标识码：{portal.site_code}　<a href="http://beian.miit.invalid/">备案号</a></p>
</div>
<script>{VISIT_COUNTER}</script>
</body>
</html>
"""
    return Response(text.encode(portal.encoding), content_type(portal))


def not_found() -> Response:
    body = "<html><head><title>404 Not Found</title></head><body><center><h1>404 Not Found</h1></center><hr><center>nginx</center></body></html>"
    return Response(body.encode("ascii"), "text/html", status=404)


def server_error() -> Response:
    body = ("<html><head><title>500 Internal Server Error</title></head><body><h1>HTTP Status 500 – Internal Server Error</h1>"
            "<p>java.lang.NullPointerException</p></body></html>")
    return Response(body.encode("utf-8"), HTML_UTF8, status=500)


def robots(portal: Portal, disallowed: tuple[str, ...] = ()) -> Response:
    """Report paths are allowed; the site search is not (many portals disallow it). ``disallowed``:
    paths of single pages the webmaster also shut off (a withdrawn report, say)."""
    extra = "".join(f"Disallow: {path}\n" for path in disallowed)
    text = f"User-agent: *\nDisallow: /search/\nDisallow: /jrobot/\n{extra}Allow: /\n"
    return Response(text.encode("ascii"), "text/plain")


def home_page(portal: Portal) -> Response:
    main = f"""<div class="column"><h2>政务公开</h2><ul>
<li><a href="{portal.info_path}">政府信息公开</a></li>
<li><a href="{portal.column_path}">政府信息公开年报</a></li>
</ul></div>"""
    return html_page(portal, "首页", [("首页", "/")], main)


def article_body(item: Item, image_href: str) -> str:
    """The editor-written part of a detail page: the report itself, a pointer to its attachment, a
    图解's picture, or the prose of a notice or 解读."""
    if item.kind in (REPORT, TRUNCATED):
        if item.body:
            return render_html(item.report, style=item.style)
        return f"<p>{escape(item.report.agency)}{item.report.year}年政府信息公开工作年度报告全文见附件。</p>"
    if item.kind == GRAPHIC:
        return f'<p style="text-align:center"><img src="{image_href}" alt="{escape(item.text)}"></p>'
    if item.kind == CORRECTION:
        return f"<p>{escape(item.text)}</p>\n" + render_html(item.report, style=item.style)
    return "".join(f"<p>{escape(line)}</p>" for line in item.text.split("\n"))


def related(item: Item, listed: tuple[Item, ...], path_of: Callable[[Item], str]) -> list[tuple[str, str]]:
    """Report ↔ its 图解/解读 cross-links, root-relative as portal editors paste them."""
    if item.kind in (GRAPHIC, EXPLAINER):
        source = next(other for other in listed if other.kind == REPORT and other.report == item.report)
        return [("报告原文", path_of(source))]
    if item.kind == REPORT:
        return [(other.title, path_of(other)) for other in listed
                if other.kind in (GRAPHIC, EXPLAINER) and other.report == item.report]
    return []


@dataclass(frozen=True)
class AttachedFile:
    extension: str
    content_type: str  # what a portal that knows the type serves it as
    body: bytes


def attached_file(item: Item) -> AttachedFile:
    """The file a report item attaches: a document of one of ``replica.documents.FORMATS`` (PDF,
    DOCX, DOC, XLSX, XLS, a scanned PDF, a picture), or the text a PDF/DOC export gives, in one of
    the seed layouts (``item.attachment``)."""
    if item.attachment in documents.FORMATS:
        extension = documents.EXTENSIONS[item.attachment]
        return AttachedFile(extension, documents.CONTENT_TYPES[extension],
                            documents.document(item.report, item.attachment, item.style))
    text = render_text(item.report, item.attachment, style=item.style)
    return AttachedFile("txt", "text/plain", text.encode(item.attachment_encoding))


def truncated(page: Response) -> Response:
    """The page as a connection that dies after its first third."""
    return Response(page.body, page.content_type, page.status, page.headers, truncate_to=len(page.body) // 3)
