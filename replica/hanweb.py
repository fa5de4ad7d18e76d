"""A Hanweb 大汉 JCMS portal (Zhejiang, Jiangsu, Gansu, Jiangxi, Shandong, Henan sites …) as the
replica serves it.

URL shapes (research-notes §6.2):
- column ``/col/col<columnid>/index.html``: the static HTML carries no rows, only an empty
  ``<script type="text/xml"><datastore>`` and the jpage call whose parameters (col, appid, webid, path,
  columnid, sourceContentType, unitid, webname, permissiontype) the browser posts to the data proxy.
- rows ``/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=45&perpage=15`` (GET or POST; the
  page's script puts the record range in the query and the rest in the form body): XML
  ``<datastore><nextgroup><![CDATA[…]]></nextgroup><recordset><record><![CDATA[<li><a href="/art/…"
  title="…">…</a><span>yyyy-mm-dd</span></li>]]></record>…</recordset><totalrecord>N</totalrecord>
  <totalpage>P</totalpage></datastore>``; records are numbered from 1, newest first; a wrong columnid
  gets an empty recordset, as the real proxy answers.
- detail ``/art/<Y>/<M>/<D>/art_<columnid>_<id>.html`` (month and day not zero-padded), body in
  ``<div id="zoom">``.
- attachments ``/module/download/downfile.jsp?classid=0&filename=<16 hex>.<ext>`` (today ``.txt``), served as
  ``application/octet-stream`` with a Content-Disposition: the type says nothing about the content.

Last-Modified: a detail page and its attachment, the day the item was published or revised; the
column page and the dataproxy's answers, the day the column last changed.
"""
from __future__ import annotations

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
from replica.portals import BROKEN, FAULTS, GRAPHIC, REPORT, SERVER_ERROR, TRUNCATED, Item, Portal

DATAPROXY = "/module/web/jpage/dataproxy.jsp"
DOWNFILE = "/module/download/downfile.jsp"
GROUP = 3  # listing pages the jpage script fetches per call


def _doc_id(portal: Portal, item: Item) -> int:
    return random.Random(f"{portal.id}:{item.title}").randint(1000000, 9999999)


def detail_path(portal: Portal, item: Item) -> str:
    d = item.published
    return f"/art/{d.year}/{d.month}/{d.day}/art_{portal.column_id}_{_doc_id(portal, item)}.html"


def _file_name(portal: Portal, item: Item, extension: str) -> str:
    return f"{random.Random(f'{portal.id}:{item.title}:file').getrandbits(64):016x}.{extension}"


def _form(portal: Portal) -> str:
    return (f"col=1&appid=1&webid=1&path=/&columnid={portal.column_id}&sourceContentType=1"
            f"&unitid={portal.unit_id}&webname={portal.agency}&permissiontype=0")


def _record(portal: Portal, item: Item) -> str:
    return (f'<li><a href="{detail_path(portal, item)}" title="{escape(item.title)}" target="_blank">'
            f"{escape(item.title)}</a><span>{item.published:%Y-%m-%d}</span></li>")


def _column_page(portal: Portal) -> Response:
    unit = portal.unit_id
    main = f"""<div class="list-title">政府信息公开年报</div>
<div id="{unit}"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="{DATAPROXY}?page=1&{_form(portal)}"></a>]]></nextgroup>
<recordset></recordset>
</datastore></script></div>
<script type="text/javascript">
$(document).ready(function(){{
  $("#{unit}").jpage({{
    proxyUrl: "{DATAPROXY}", perPage: {portal.page_size}, groupSize: {GROUP},
    dataBefore: '<ul class="list">', dataAfter: "</ul>",
    ajaxParam: {{col: 1, appid: 1, webid: 1, path: "/", columnid: {portal.column_id}, sourceContentType: 1,
                unitid: {unit}, webname: "{portal.agency}", permissiontype: 0}}
  }});
}});
</script>"""
    return html_page(portal, "政府信息公开年报", [("首页", "/"), ("政府信息公开年报", portal.column_path)], main)


def _dataproxy(portal: Portal, listed: tuple[Item, ...], params: dict[str, str]) -> Response:
    per_page = int(params.get("perpage", portal.page_size))
    start = max(1, int(params.get("startrecord", 1)))
    end = int(params.get("endrecord", start + per_page * GROUP - 1))
    rows = listed if params.get("columnid") == str(portal.column_id) else ()
    records = "".join(f"<record><![CDATA[{_record(portal, item)}]]></record>\n" for item in rows[start - 1:end])
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<datastore>\n'
           f'<nextgroup><![CDATA[<a href="{DATAPROXY}?page={end // per_page + 1}&{_form(portal)}"></a>]]></nextgroup>\n'
           f"<recordset>\n{records}</recordset>\n<totalrecord>{len(rows)}</totalrecord>\n"
           f"<totalpage>{-(-len(rows) // per_page)}</totalpage>\n</datastore>\n")
    return dated(Response(xml.encode("utf-8"), "text/xml;charset=UTF-8"), portal.updated)


def _downfile(files: dict[str, Response], params: dict[str, str]) -> Response:
    return files.get(params.get("filename", "")) or Response("文件不存在".encode("utf-8"), "text/html;charset=UTF-8", status=404)


def _detail(portal: Portal, item: Item, attachment: str | None, links: list[tuple[str, str]]) -> Response:
    image = f"/picture/0/{_doc_id(portal, item)}.png"
    files = f'<p>附件：<a href="{escape(attachment)}">{escape(item.title)}</a></p>' if attachment else ""
    items = "".join(f'<li><a href="{href}">{escape(label)}</a></li>' for label, href in links)
    main = f"""<div class="article">
<div class="title">{escape(item.title)}</div>
<div class="info">发布日期：{item.published:%Y-%m-%d}　信息来源：{escape(portal.agency)}</div>
<div id="zoom"><!--ZJEG_RSS.content.begin--><meta name="ContentStart">
{article_body(item, image)}
<meta name="ContentEnd"><!--ZJEG_RSS.content.end--></div>
{files}
{f'<ul class="related">相关链接：{items}</ul>' if items else ''}
</div>"""
    head = (f'<meta name="ArticleTitle" content="{escape(item.title)}">\n'
            f'<meta name="pubdate" content="{item.published:%Y-%m-%d}">\n'
            f'<meta name="ColumnName" content="政府信息公开年报">')
    crumbs = [("首页", "/"), ("政府信息公开年报", portal.column_path)]
    return html_page(portal, item.title, crumbs, main, head=head)


def build(portal: Portal) -> SiteContent:
    listed = portal.listed()
    site = SiteContent(start_path=portal.column_path)
    pages = site.pages
    pages[portal.column_path] = dated(_column_page(portal), portal.updated)
    pages["/"] = home_page(portal)
    pages["/robots.txt"] = robots(portal)
    pages[portal.info_path] = html_page(
        portal, "政府信息公开", [("首页", "/"), ("政府信息公开", portal.info_path)],
        f'<ul><li><a href="{portal.column_path}">政府信息公开年报</a></li></ul>')
    files: dict[str, Response] = {}
    site.handlers[DATAPROXY] = partial(_dataproxy, portal, listed)
    site.handlers[DOWNFILE] = partial(_downfile, files)
    for item in listed + portal.removed:
        path = detail_path(portal, item)
        if item.kind in FAULTS:
            site.faults.append((path, FAULTS[item.kind]))
        if item.kind == BROKEN:
            continue
        if item.kind == SERVER_ERROR:
            pages[path] = server_error()
            continue
        if item.kind == TRUNCATED:
            pages[path] = truncated(_detail(portal, item, None, []))
            continue
        attachment = None
        if item.kind == REPORT and item.attachment:
            file = attached_file(item)
            name = _file_name(portal, item, file.extension)
            # served as octet-stream whatever file.content_type says
            files[name] = dated(Response(file.body, "application/octet-stream",
                                         headers=(("Content-Disposition", f'attachment; filename="{name}"'),)), item.updated)
            attachment = f"{DOWNFILE}?classid=0&filename={name}"
        pages[path] = dated(_detail(portal, item, attachment, related(item, listed, partial(detail_path, portal))), item.updated)
        if item.kind == GRAPHIC:
            pages[f"/picture/0/{_doc_id(portal, item)}.png"] = dated(Response(PIXEL, "image/png"), item.published)
        if item.kind == REPORT:
            (site.unlisted if item in portal.removed else site.published).append(Published(item, path, attachment))
    return site
