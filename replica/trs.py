"""A TRS WCM (拓尔思) portal, the CMS of most ministries and many provinces, as the replica serves it.

URL shapes (research-notes §6.2):
- column ``/zfxxgk/zfxxgknb/index.html``, then ``index_1.html``, ``index_2.html`` … (page 2 is
  ``index_1``); the column directory ``/zfxxgk/zfxxgknb/`` serves the first page too. The page count
  exists only as the script call ``createPageHTML(<pages>, <current>, "index", "html")`` — TRS writes
  the pager with ``document.write``, so a crawler must read the numbers out of the script.
- rows ``<li><a href="./<yyyymm>/t<yyyymmdd>_<id>.html" title="<full title>"><cut title></a>
  <span><yyyy-mm-dd></span></li>``: long titles are cut in the link text, whole in ``title``.
- detail ``/zfxxgk/zfxxgknb/<yyyymm>/t<yyyymmdd>_<id>.html``: ArticleTitle/PubDate meta tags, body in
  ``<div class="TRS_Editor">``, attachments beside the page as ``./P0<yyyymmdd><12 digits>.<ext>``
  (today ``.txt``, served as bare ``text/plain``: no charset, TRS does not know what editors upload).
- ``/zfxxgk/index.html``: the 政府信息公开 section page; ``/``: the home page; ``/robots.txt``.

Variants a portal can ask for (``replica.hard`` uses them):
- ``listing=SCRIPTED``: the half-scripted TRS listing. The static ``index.html`` (and ``index_N``)
  carries the same chrome and ``createPageHTML`` pager, but its ``<ul class="list" id="list">`` is
  empty: an inline script fetches ``./list_<N>.json`` (``{"total", "page", "rows": [{"t": title,
  "d": date, "m": yyyymm, "i": "t<yyyymmdd>_<id>"}]}``) and writes the ``<li>`` rows, putting each
  link together from its parts. Only a browser sees the rows.
- ``Item.moved``: the listing links the usual ``t<yyyymmdd>_<id>.html``, which answers 301 to the
  ``.shtml`` the site switched to, which answers 302 to ``content/post_<id>.html`` where the page is
  (the next CMS's URL shape); ``SiteContent.targets`` records where the chain ends.
- ``Item.disallowed``: robots.txt gains ``Disallow: <that detail path>``; the page is still served.
- ``Portal.removed``: pages still served but in no listing. ``Portal.lazy``: detail pages rendered
  on request.

Last-Modified: a detail page and its attachment, the day the item was published or revised; every
listing page, the day the column last changed; the rest, ``pages.LAUNCHED``.
"""
from __future__ import annotations

import json
import random
from functools import partial
from html import escape

from replica.pages import (
    PIXEL,
    Published,
    Response,
    SiteContent,
    article_body,
    attached_file,
    dated,
    home_page,
    html_page,
    related,
    robots,
    server_error,
    truncated,
)
from replica.portals import BROKEN, CORRECTION, FAULTS, GRAPHIC, REPORT, SCRIPTED, SERVER_ERROR, TRUNCATED, Item, Portal

COLUMN = "/zfxxgk/zfxxgknb/"
TITLE_CUT = 24  # characters of a title the listing shows before "…"

# TRS's own pager: the count and current page are the call's arguments, the links are written by
# script. Imitated so the page looks like the real thing to a parser, not to run in a browser.
PAGER_SCRIPT = """<script type="text/javascript">
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  if(nCurrIndex == 0) document.write("<span>首页</span>&nbsp;");
  else document.write("<a href=\\""+_sPageName+"."+_sPageExt+"\\">首页</a>&nbsp;");
  for(var i=1;i<_nPageCount;i++){
    document.write("<a href=\\""+_sPageName+"_"+i+"."+_sPageExt+"\\">"+(i+1)+"</a>&nbsp;");
  }
}
</script>"""


def _doc_id(portal: Portal, item: Item) -> int:
    return random.Random(f"{portal.id}:{item.title}").randint(100000, 999999)


def detail_path(portal: Portal, item: Item) -> str:
    d = item.published
    return f"{COLUMN}{d:%Y%m}/t{d:%Y%m%d}_{_doc_id(portal, item)}.html"


def _attachment_path(portal: Portal, item: Item, extension: str) -> str:
    digits = random.Random(f"{portal.id}:{item.title}:file").randrange(10**11, 10**12)
    return f"{COLUMN}{item.published:%Y%m}/P0{item.published:%Y%m%d}{digits}.{extension}"


# The scripted listing: the rows arrive as JSON and the links are assembled in the browser.
LIST_SCRIPT = """<script type="text/javascript">
(function(){
  var list = document.getElementById("list");
  var xhr = new XMLHttpRequest();
  xhr.open("GET", "./list_%d.json", true);
  xhr.onload = function(){
    var data = JSON.parse(xhr.responseText), html = "";
    for (var i = 0; i < data.rows.length; i++) {
      var r = data.rows[i], shown = r.t.length > %d ? r.t.substring(0, %d) + "\u2026" : r.t;
      html += '<li><a href="./' + r.m + '/' + r.i + '.html" title="' + r.t + '" target="_blank">' + shown
            + '</a><span>' + r.d + '</span></li>';
    }
    list.innerHTML = html;
  };
  xhr.send();
})();
</script>"""


def _listing_data(portal: Portal, rows: list[Item], index: int, count: int) -> Response:
    data = {"total": len(portal.items), "page": index, "pages": count, "rows": [
        {"t": item.title, "d": f"{item.published:%Y-%m-%d}", "m": f"{item.published:%Y%m}",
         "i": detail_path(portal, item).rsplit("/", 1)[1].removesuffix(".html")} for item in rows]}
    return Response(json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")


def _scripted_listing_page(portal: Portal, index: int, count: int) -> Response:
    main = (f'<div class="list-title">政府信息公开年报</div>\n<ul class="list" id="list"></ul>\n'
            f"{LIST_SCRIPT % (index, TITLE_CUT, TITLE_CUT)}\n<noscript>请开启浏览器的JavaScript功能后浏览本栏目。</noscript>\n"
            f'<div class="page"><script>createPageHTML({count}, {index}, "index", "html");</script></div>')
    crumbs = [("首页", "/"), ("政府信息公开", "/zfxxgk/index.html"), ("政府信息公开年报", "./index.html")]
    return html_page(portal, "政府信息公开年报", crumbs, main, head=PAGER_SCRIPT)


def _listing_page(portal: Portal, rows: list[Item], index: int, count: int) -> Response:
    lis = []
    for item in rows:
        shown = item.title if len(item.title) <= TITLE_CUT else item.title[:TITLE_CUT] + "…"
        href = "." + detail_path(portal, item)[len(COLUMN) - 1:]
        lis.append(f'<li><a href="{href}" title="{escape(item.title)}" target="_blank">{escape(shown)}</a>'
                   f"<span>{item.published:%Y-%m-%d}</span></li>")
    main = (f'<div class="list-title">政府信息公开年报</div>\n<ul class="list">\n' + "\n".join(lis) + "\n</ul>\n"
            f'<div class="page"><script>createPageHTML({count}, {index}, "index", "html");</script></div>')
    crumbs = [("首页", "/"), ("政府信息公开", "/zfxxgk/index.html"), ("政府信息公开年报", "./index.html")]
    return html_page(portal, "政府信息公开年报", crumbs, main, head=PAGER_SCRIPT)


def _detail(portal: Portal, item: Item, attachment: str | None, links: list[tuple[str, str]]) -> Response:
    image = f"./W0{item.published:%Y%m%d}000001.png"
    files = f'<div class="fjxz"><a href="./{attachment.rsplit("/", 1)[1]}">附件：{escape(item.title)}</a></div>' if attachment else ""
    items = "".join(f'<li><a href="{href}">{escape(label)}</a></li>' for label, href in links)
    main = f"""<div class="article">
<h1>{escape(item.title)}</h1>
<div class="info">发布日期：{item.published:%Y-%m-%d}　来源：{escape(portal.agency)}</div>
<div class="TRS_Editor"><div class="Custom_UnionStyle">
{article_body(item, image)}
</div></div>
{files}
{f'<ul class="related">相关链接：{items}</ul>' if items else ''}
</div>"""
    head = (f'<meta name="ArticleTitle" content="{escape(item.title)}">\n'
            f'<meta name="PubDate" content="{item.published:%Y-%m-%d} 09:30">\n'
            f'<meta name="ContentSource" content="{escape(portal.agency)}">')
    crumbs = [("首页", "/"), ("政府信息公开", "/zfxxgk/index.html"), ("政府信息公开年报", "../index.html")]
    return html_page(portal, item.title, crumbs, main, head=head)


def _redirect(status: int, location: str) -> Response:
    reason = {301: "Moved Permanently", 302: "Found"}[status]
    body = f"<html><head><title>{status} {reason}</title></head><body><center><h1>{status} {reason}</h1></center><hr><center>nginx</center></body></html>"
    return Response(body.encode("ascii"), "text/html", status, (("Location", location),))


def moved_path(portal: Portal, item: Item) -> str:
    """Where a moved item's page really is, at the end of its redirect chain."""
    return f"{COLUMN}content/post_{_doc_id(portal, item)}.html"


def build(portal: Portal) -> SiteContent:
    listed = portal.listed()
    site = SiteContent(start_path=f"{COLUMN}index.html")
    pages = site.pages
    count = -(-len(listed) // portal.page_size)
    for index in range(count):
        rows = list(listed[index * portal.page_size:(index + 1) * portal.page_size])
        name = f"index{'_' + str(index) if index else ''}"
        if portal.listing == SCRIPTED:
            pages[f"{COLUMN}{name}.html"] = dated(_scripted_listing_page(portal, index, count), portal.updated)
            pages[f"{COLUMN}list_{index}.json"] = dated(_listing_data(portal, rows, index, count), portal.updated)
        else:
            pages[f"{COLUMN}{name}.html"] = dated(_listing_page(portal, rows, index, count), portal.updated)
    pages[COLUMN] = pages[f"{COLUMN}index.html"]
    pages["/"] = home_page(portal)
    pages["/robots.txt"] = robots(portal, tuple(detail_path(portal, item) for item in listed if item.disallowed))
    pages["/zfxxgk/index.html"] = html_page(
        portal, "政府信息公开", [("首页", "/"), ("政府信息公开", "/zfxxgk/index.html")],
        f'<ul><li><a href="{COLUMN}index.html">政府信息公开年报</a></li></ul>')
    for item in listed + portal.removed:
        path = detail_path(portal, item)
        if item.kind in FAULTS:
            site.faults.append((path, FAULTS[item.kind]))
        if item.kind == BROKEN:
            continue
        if item.kind == SERVER_ERROR:
            pages[path] = server_error()
            continue
        if item.kind == TRUNCATED:  # a whole report page, of which only the first third arrives
            pages[path] = truncated(_detail(portal, item, None, []))
            continue
        if item.moved:
            shtml = path.removesuffix(".html") + ".shtml"
            pages[path], pages[shtml] = _redirect(301, shtml), _redirect(302, moved_path(portal, item))
            site.faults.append((path, "redirect"))
            site.targets[path] = path = moved_path(portal, item)
        attachment = None
        if item.kind == REPORT and item.attachment:
            file = attached_file(item)
            attachment = path.rsplit("/", 1)[0] + "/" + _attachment_path(portal, item, file.extension).rsplit("/", 1)[1]
            pages[attachment] = dated(Response(file.body, file.content_type), item.updated)
        links = related(item, listed, partial(detail_path, portal))
        render = partial(_detail, portal, item, attachment, links)
        pages[path] = (lambda render=render, day=item.updated: dated(render(), day)) if portal.lazy else dated(render(), item.updated)
        if item.kind == GRAPHIC:
            pages[path.rsplit("/", 1)[0] + f"/W0{item.published:%Y%m%d}000001.png"] = dated(Response(PIXEL, "image/png"), item.published)
        if item.kind == CORRECTION:
            site.corrections.append(Published(item, path, None))
        if item.kind != REPORT:
            continue
        if item.disallowed:
            site.faults.append((path, "robots"))
        elif item in portal.removed:
            site.unlisted.append(Published(item, path, attachment))
        else:
            site.published.append(Published(item, path, attachment))
    return site

