"""How portals vary a report beyond what ``replica.render`` renders, for the extraction tests.

``replica.render`` renders a canonical model into a Word-pasted HTML body and three text layouts.
Real pages add more: page chrome around the body (navigation, 当前位置 breadcrumbs, share buttons,
a list of other years' reports), GBK bytes, blank cells written "-", "—", "/" or "无", full-width
digits and thousands separators, a table 四 header that a PDF stacked into single characters.
(Typos, long notes and provincial extra rows the replica renders itself: ``replica.render.Style``.) Each function here applies one of those to rendered output,
leaving the numbers' meaning unchanged, so the model's cells stay the truth.
"""
from __future__ import annotations

import re

# The replica's HTML puts every cell's text between these two markers (its _TD template).
_HTML_CELL = re.compile(r"(font-family:宋体;mso-bidi-font-family:宋体'>)(.*?)(<span lang=EN-US>)")
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?$")


def portal_page(body: str, *, title: str, site: str, charset: str | None = "utf-8", other_titles: tuple[str, ...] = ()) -> str:
    """The body inside a TRS-style detail page: head, navigation, breadcrumb, share bar, footer."""
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    related = "".join(f'<li><a href="./t{i}.html">{t}</a><span>2020-02-1{i}</span></li>' for i, t in enumerate(other_titles))
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head>{meta}
<title>{title}_{site}</title>
<meta name="SiteName" content="{site}">
<script type="text/javascript">var _hmt = _hmt || []; function createPageHTML(n, c) {{ return n; }}</script>
<style>.nav li {{ float: left; }} .TRS_Editor p {{ line-height: 2; }}</style>
</head><body>
<div class="top"><a href="/">{site}</a> <a href="/wza">无障碍</a> <a href="/en">English</a></div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/zwgk">政务公开</a></li><li><a href="/xxgk">政府信息公开</a></li>
<li><a href="/zmhd">政民互动</a></li><li><a href="/bsfw">办事服务</a></li></ul>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/xxgk">政府信息公开</a> &gt; <a href="/xxgk/zfxxgknb">政府信息公开年报</a></div>
<div class="article">
<h1 class="article-title">{title}</h1>
<div class="info">发布时间：2022-01-25 来源：{site} 浏览次数：<script>document.write(1024)</script> 字号：[大 中 小]</div>
<div class="TRS_Editor">{body}</div>
<div class="share">分享到：<a>微信</a> <a>微博</a> <a>QQ空间</a>【打印本页】【关闭窗口】</div>
</div>
<div class="related"><h3>相关信息</h3><ul>{related}</ul></div>
<div class="footer"><p>主办单位：{site}办公室 版权所有</p><p>网站标识码：3301000001 ICP备05012345号</p></div>
</body></html>"""


def html_cells(html: str, transform) -> str:
    """Apply ``transform(cell_text) -> cell_text`` to every table cell of a replica HTML body."""
    return _HTML_CELL.sub(lambda m: m.group(1) + transform(m.group(2)) + m.group(3), html)


def blank_as(marker: str):
    """A cell transform writing blank cells as ``marker`` ("-", "—", "/", "无") instead of &nbsp;."""
    return lambda text: marker if text == "&nbsp;" else text


def full_width_numbers(text: str) -> str:
    return text.translate(_FULL_WIDTH) if _NUMBER.match(text) else text


def thousands(text: str) -> str:
    """"12345" → "12,345" (integers of a cell; decimals keep their form)."""
    return f"{int(text):,}" if re.fullmatch(r"\d{4,}", text) else text


def text_numbers(text: str, transform) -> str:
    """Apply a number transform to every standalone number token of a text rendering."""
    return re.sub(r"(?<![^\s])-?\d+(?:\.\d+)?(?![^\s])", lambda m: transform(m.group(0)), text)


def stacked_t4_header(text: str) -> str:
    """Table 四's header as a PDF gives it: the narrow header cells' characters stacked in rows.

    Only the inline layout's three header lines are replaced; the 15 numbers stay on their line.
    """
    header = re.compile(r"^行政复议 行政诉讼\n\n结果维持[^\n]*\n\n结果维持[^\n]*\n", re.M)
    stacked = "行政复议 行政诉讼\n未经复议直接起诉 复议后起诉\n" + "\n".join(
        " ".join(column[i] for column in ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计  "] * 3).strip()
        for i in range(4)) + "\n"
    return header.sub(stacked, text)


def compare_cells(got: dict, truth: dict) -> list[tuple[str, object, object]]:
    """(key, got, expected) for every cell that differs; None only equals None, 0 only 0."""
    wrong = []
    for key, expected in truth.items():
        value = got.get(key, "<missing>")
        same = (value is None) == (expected is None) and (expected is None or (
            value != "<missing>" and abs(float(value) - float(expected)) < 1e-9))
        if not same:
            wrong.append((key, value, expected))
    return wrong


def pdf_layout(text: str, agency: str) -> str:
    """The inline layout as ``pdftotext -layout`` gives it: indented lines, cells padded apart,
    and the agency on its own line above the rest of the title."""
    lines = [("   " + line.replace(" ", "     ")) if line else line for line in text.split("\n")]
    title = lines[0].strip()
    lines[0] = f"          {agency}\n     {title.replace(agency, '', 1)}"
    return "\n".join(lines)


def one_value_per_line(text: str) -> str:
    """The one-cell-per-line layout without its tab indents, as plain ``pdftotext`` gives it:
    every cell on its own line, nothing left to mark a blank cell (use with blank-free reports)."""
    return "\n".join(line.strip() for line in text.split("\n"))


def split_table_before(html: str, label: str) -> str:
    """Break the table holding ``label`` in two before that label's row, as editors do when a
    table crosses a Word page break (the second part loses the rowspans that began above)."""
    start = html.index(label)
    row = html.rindex("<tr", 0, start)
    return html[:row] + "</table>\n<p class=MsoNormal>&nbsp;</p>\n<table class=MsoNormalTable border=1>" + html[row:]


def paragraphs_page(text: str, *, title: str) -> str:
    """A report whose tables were pasted as text: every line of the inline layout a <p>."""
    body = "".join(f"<p>{line}</p>\n" for line in text.split("\n") if line.strip())
    return portal_page(body, title=title, site="某某门户网站")
