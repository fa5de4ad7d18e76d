"""Guangdong's 政府信息公开目录平台 (gkmlpt), run by the province for itself and most of its cities,
districts and departments, as the replica serves it.

URL shapes and behaviour (research-notes §6.2; public crawlers of the platform):
- ``/gkmlpt/index`` (the 目录) and ``/gkmlpt/annualreport`` (the 年报 page, linked as
  ``/gkmlpt/annualreport#<catid>``): application shells. The HTML holds no rows, only
  ``window._CONFIG = {SID: '<sid>', TREE: [...]}`` (the site id, written ``SID: '…'`` — what crawlers
  grep for — and the category tree with ids, names and post counts) and the script that asks the API
  and writes the list. A browser shows the rows; a crawler can ask the API itself.
- ``/gkmlpt/api/all/<catid>?page=<n>&sid=<sid>``: JSON ``{"classify": {id, name, post_count},
  "articles": [...], "total": N, "page": n}``. Each article: ``id``, ``title``, ``url`` (absolute, the
  gkmlpt detail page plus ``#<catid>``), ``post_url`` (the same document under the site's own
  ``/zwgk/…/content/post_<id>.html``), ``create_time`` / ``display_publish_time`` (Unix seconds),
  ``date`` (``yyyy-mm-dd``), ``publisher``, ``identifier`` (索引号), ``document_number``,
  ``classify_main_name``, ``attachment`` (``[{id, name, type, mime, size, url}]``), ``abstract``,
  ``relation``, ``is_expired``, ``is_abolished``. Pages count from 1 and page 0 answers the same as
  page 1 (as the real API does); past the end, an empty ``articles``; a wrong ``sid`` or an unknown
  category, ``{"articles": [], "total": 0}``.
- detail ``/gkmlpt/content/<id // 10**6>/<id // 1000>/post_<id>.html``: a 索引号/分类/发布机构/日期
  table, the body in ``<div class="article-content">``, attachments under it, and the metadata again
  as ``window._CONFIG.DETAIL``. The ``post_url`` serves the same page.
- attachments ``/attachment/0/<fid // 1000>/<fid>/<id>.<ext>`` (today ``.txt``, ``text/plain``).

Last-Modified: detail pages and attachments, the item's publication (or revision); the shells and the
API, the day the column last changed.
"""
from __future__ import annotations

import json
import random
from datetime import date
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
    written,
)
from replica.portals import GRAPHIC, REPORT, Item, Portal

API = "/gkmlpt/api/all/"
CATEGORY_NAME = "政府信息公开年报"
JSON = "application/json;charset=UTF-8"

# The 年报 shell's script: read the category from the hash, ask the API, write the rows and a pager.
LIST_SCRIPT = """<script type="text/javascript">
(function(){
  var cfg = window._CONFIG, list = document.getElementById("gkml-list"), pager = document.getElementById("gkml-pager");
  function load(page){
    var cat = (location.hash || "#" + cfg.DEFAULT_CATEGORY).slice(1);
    var xhr = new XMLHttpRequest();
    xhr.open("GET", "/gkmlpt/api/all/" + cat + "?page=" + page + "&sid=" + cfg.SID, true);
    xhr.onload = function(){
      var data = JSON.parse(xhr.responseText), html = "";
      for (var i = 0; i < data.articles.length; i++) {
        var a = data.articles[i];
        html += '<li><a href="' + a.url + '" target="_blank" title="' + a.title + '">' + a.title + '</a><span class="date">' + a.date + '</span></li>';
      }
      list.innerHTML = html;
      var pages = Math.ceil(data.total / cfg.PAGE_SIZE), links = "";
      for (var p = 1; p <= pages; p++) { links += '<a href="javascript:void(0)" data-page="' + p + '">' + p + '</a> '; }
      pager.innerHTML = links;
    };
    xhr.send();
  }
  pager.addEventListener("click", function(e){ if (e.target.dataset.page) load(+e.target.dataset.page); });
  window.addEventListener("hashchange", function(){ load(1); });
  load(1);
})();
</script>"""


def _doc_id(portal: Portal, item: Item) -> int:
    return random.Random(f"{portal.id}:{item.title}").randint(3000000, 4999999)


def detail_path(portal: Portal, item: Item) -> str:
    i = _doc_id(portal, item)
    return f"/gkmlpt/content/{i // 10**6}/{i // 1000}/post_{i}.html"


def post_path(portal: Portal, item: Item) -> str:
    return f"/zwgk/zfxxgknb/content/post_{_doc_id(portal, item)}.html"


def _file_id(portal: Portal, item: Item) -> int:
    return random.Random(f"{portal.id}:{item.title}:file").randint(1000000, 1999999)


def _attachment_path(portal: Portal, item: Item, extension: str) -> str:
    fid = _file_id(portal, item)
    return f"/attachment/0/{fid // 1000}/{fid}/{_doc_id(portal, item)}.{extension}"


def _timestamp(day: date) -> int:
    return int(written(day).timestamp())


def _identifier(portal: Portal, item: Item) -> str:
    """索引号: the agency's organisation code, the year, a running number."""
    return f"{portal.site_code}/{item.published.year}-{_doc_id(portal, item) % 100000:05d}"


def _config(portal: Portal) -> str:
    tree = [{"id": portal.column_id - 1, "name": "法定主动公开内容", "parent": 0, "post_count": 0},
            {"id": portal.column_id, "name": CATEGORY_NAME, "parent": 0, "post_count": len(portal.items),
             "url": f"/gkmlpt/annualreport#{portal.column_id}"}]
    return (f"<script>\nwindow._CONFIG = {{\n  SID: '{portal.unit_id}',\n  DEFAULT_CATEGORY: {portal.column_id},\n"
            f"  PAGE_SIZE: {portal.page_size},\n  TREE: {json.dumps(tree, ensure_ascii=False)}\n}};\n</script>")


def _shell(portal: Portal, title: str, path: str) -> Response:
    main = f"""<div id="gkml-app">
<div class="gkml-title">{escape(title)}</div>
<ul class="gkml-list" id="gkml-list"></ul>
<div class="gkml-pager" id="gkml-pager"></div>
<noscript>本页面需要浏览器支持（启用）JavaScript</noscript>
</div>
{LIST_SCRIPT}"""
    crumbs = [("首页", "/"), ("政府信息公开", "/gkmlpt/index"), (title, path)]
    return html_page(portal, title, crumbs, main, head=_config(portal))


def _article(portal: Portal, base: str, item: Item, attachment: tuple[str, int] | None) -> dict:
    url = base + detail_path(portal, item)
    files = []
    if attachment:
        path, size = attachment
        files.append({"id": _file_id(portal, item), "name": f"{item.title}.txt", "type": "txt", "mime": "text/plain",
                      "size": size, "url": base + path})
    return {
        "id": _doc_id(portal, item), "title": item.title, "url": f"{url}#{portal.column_id}",
        "post_url": base + post_path(portal, item), "create_time": _timestamp(item.published),
        "display_publish_time": _timestamp(item.published), "date": f"{item.published:%Y-%m-%d}",
        "publisher": portal.agency, "identifier": _identifier(portal, item), "document_number": "",
        "classify_main_name": CATEGORY_NAME, "attachment": files, "abstract": "", "relation": "[]",
        "is_expired": 0, "is_abolished": 0,
    }


def _api(portal: Portal, site: SiteContent, listed: tuple[Item, ...], attachments: dict[str, tuple[str, int]],
         params: dict[str, str]) -> Response:
    page = max(1, int(params.get("page", 1)))
    if params.get("sid") != str(portal.unit_id):
        data: dict = {"articles": [], "total": 0}
    else:
        rows = listed[(page - 1) * portal.page_size:page * portal.page_size]
        data = {"classify": {"id": portal.column_id, "name": CATEGORY_NAME, "post_count": len(listed)},
                "articles": [_article(portal, site.base_url, item, attachments.get(item.title)) for item in rows],
                "total": len(listed), "page": page}
    return dated(Response(json.dumps(data, ensure_ascii=False).encode("utf-8"), JSON), portal.updated)


def _detail(portal: Portal, item: Item, attachment: str | None, links: list[tuple[str, str]]) -> Response:
    image = f"/attachment/0/{_file_id(portal, item) // 1000}/{_doc_id(portal, item)}.png"
    files = (f'<div class="attachment"><p>附件：</p><a href="{escape(attachment)}">{escape(item.title)}.txt</a></div>'
             if attachment else "")
    items = "".join(f'<li><a href="{href}">{escape(label)}</a></li>' for label, href in links)
    detail = {"id": _doc_id(portal, item), "title": item.title, "identifier": _identifier(portal, item),
              "publisher": portal.agency, "classify_main_name": CATEGORY_NAME,
              "create_time": _timestamp(item.published), "attachment": [attachment] if attachment else []}
    main = f"""<div class="classify">
<table>
<tr><td>索引号：</td><td>{_identifier(portal, item)}</td><td>分类：</td><td>{CATEGORY_NAME}</td></tr>
<tr><td>发布机构：</td><td>{escape(portal.agency)}</td><td>成文日期：</td><td>{item.published:%Y-%m-%d}</td></tr>
<tr><td>名称：</td><td colspan="3">{escape(item.title)}</td></tr>
<tr><td>文号：</td><td></td><td>发布日期：</td><td>{item.published:%Y-%m-%d}</td></tr>
</table>
</div>
<div class="article">
<h1 class="content-title">{escape(item.title)}</h1>
<div class="article-content">
{article_body(item, image)}
</div>
{files}
{f'<ul class="related">相关链接：{items}</ul>' if items else ''}
</div>"""
    head = (f'<meta name="ArticleTitle" content="{escape(item.title)}">\n'
            f'<meta name="PubDate" content="{item.published:%Y-%m-%d} 09:30:00">\n'
            f"<script>window._CONFIG = window._CONFIG || {{}}; window._CONFIG.SID = '{portal.unit_id}';\n"
            f"window._CONFIG.DETAIL = {json.dumps(detail, ensure_ascii=False)};</script>")
    crumbs = [("首页", "/"), ("政府信息公开", "/gkmlpt/index"), (CATEGORY_NAME, f"/gkmlpt/annualreport#{portal.column_id}")]
    return html_page(portal, item.title, crumbs, main, head=head)


def build(portal: Portal) -> SiteContent:
    listed = portal.listed()
    site = SiteContent(start_path=f"/gkmlpt/annualreport#{portal.column_id}")
    pages = site.pages
    pages["/gkmlpt/annualreport"] = dated(_shell(portal, CATEGORY_NAME, "/gkmlpt/annualreport"), portal.updated)
    pages["/gkmlpt/index"] = dated(_shell(portal, "政府信息公开目录", "/gkmlpt/index"), portal.updated)
    pages["/"] = home_page(portal)
    pages["/robots.txt"] = robots(portal)
    attachments: dict[str, tuple[str, int]] = {}
    for item in listed + portal.removed:
        path = detail_path(portal, item)
        attachment = None
        if item.kind == REPORT and item.attachment:
            file = attached_file(item)
            attachment = _attachment_path(portal, item, file.extension)
            pages[attachment] = dated(Response(file.body, file.content_type), item.updated)
            attachments[item.title] = (attachment, len(file.body))
        page = dated(_detail(portal, item, attachment, related(item, listed, partial(detail_path, portal))), item.updated)
        pages[path] = pages[post_path(portal, item)] = page
        if item.kind == GRAPHIC:
            pages[f"/attachment/0/{_file_id(portal, item) // 1000}/{_doc_id(portal, item)}.png"] = dated(
                Response(PIXEL, "image/png"), item.published)
        if item.kind == REPORT:
            (site.unlisted if item in portal.removed else site.published).append(Published(item, path, attachment))
    site.handlers[f"{API}{portal.column_id}"] = partial(_api, portal, site, listed, attachments)
    return site
