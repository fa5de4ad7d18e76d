"""An HTML report page → its rows (tables as grids, blocks as one-cell rows), main text, titles.

Portal bodies are Word pastes: tables with rowspan/colspan, ``&nbsp;`` for blank cells, ``<br>``
and stray spaces inside labels ("本年新<br>制作数量", "社会公益 组织"), mso tags (``<o:p>``) and
conditional comments, all inside page chrome (navigation, 当前位置 breadcrumbs, share buttons).
trafilatura finds the main text but flattens tables, so tables are read from the markup with lxml:
the chrome around them holds no table headings, and the reader ignores rows outside the tables.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice

import lxml.html
import trafilatura
from lxml import etree

from .documents.limits import Limits
from .logical_cells import logical_rows, place
from .text_rows import split_trailing_values

# Elements whose text never belongs to the report.
_SKIP = {"script", "style", "noscript", "template", "head", "select", "option", "button", "iframe", "svg"}
_BLOCK = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
    "header", "footer", "nav", "aside", "blockquote", "pre", "dd", "dt", "dl", "form", "center", "hr",
    "main", "figure", "figcaption", "address", "caption",
    # A table holding other tables is page layout (old portals): its cells are blocks of the page.
    "table", "tbody", "thead", "tfoot", "tr", "td", "th",
}
# Elements whose class or id says "title" (CMS templates: .title, #ArticleTitle, .biaoti, .bt).
_TITLE_XPATH = "//body//*[" + " or ".join(
    f"contains(@{attr}, '{word}')" for attr in ("class", "id")
    for word in ("title", "Title", "TITLE", "biaoti", "headline")) + " or @class='bt' or @id='bt']"
# Page chrome trafilatura sometimes keeps next to the body: the article info bar, the share bar.
_CHROME_LINE = re.compile(r"分享到|打印本页|关闭窗口|浏览次数|字号[:：]?\s*[\[【]|^\s*(发布时间|发布日期|来源)[:：]")
# A page title often carries the site name after a separator: "报告标题_某某区人民政府".
_TITLE_SEPARATORS = re.compile(r"\s*(?:[_|｜]|--|—+|\s-\s)\s*")
_HAN_GAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s+(?=[\u3000-\u9fff\uff00-\uffef])")


@dataclass(frozen=True)
class HtmlPage:
    rows: list[list[str]]  # tables as rows of logical cells, other blocks as one-cell rows, in page order
    text: str  # the main text (trafilatura), tables left out
    titles: list[str]  # title candidates, most specific first


def read_html(html: str) -> HtmlPage | None:
    """The rows, main text and title candidates of a page; None when it has no parseable body."""
    try:
        root = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    rows: list[list[str]] = []
    _walk(root, rows, [])
    titles = _titles(root)
    # trafilatura reads the tree parsed above (parsing again was a tenth of its time) and prunes it
    # in place, so it goes last. ``fast``: no fallback extractors to compare with (readability,
    # jusText): a third of its time, and the same text on the corpus and samples.
    text = trafilatura.extract(root, include_tables=False, include_comments=False, fast=True) or ""
    text = "\n".join(line for line in text.split("\n") if not _CHROME_LINE.search(line))
    if not text.strip():  # trafilatura found no main text (a body that is all tables): use every row
        text = "\n".join("\t".join(cells) for cells in rows)
    return HtmlPage(rows, text, titles)


def _walk(element, rows: list[list[str]], line: list[str]) -> None:
    """Depth-first: text accumulates into ``line`` until a block boundary flushes it as a row."""
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else None
        if tag is None:  # comments (incl. <!--[if gte mso 9]> blocks) and processing instructions
            pass
        elif tag.lower() in _SKIP:
            pass
        elif tag.lower() == "table" and not child.xpath(".//table"):
            _flush(rows, line)
            rows.extend(table_grid(child))
        else:
            block = tag.lower() in _BLOCK  # "o:p" (Word's empty paragraph mark) stays inline
            if block:
                _flush(rows, line)
            if child.text:
                line.append(child.text)
            _walk(child, rows, line)
            if block:
                _flush(rows, line)
        if child.tail:
            line.append(child.tail)


def _flush(rows: list[list[str]], line: list[str]) -> None:
    text = clean_text("".join(line))
    if text:
        # A table pasted as paragraphs ("<p>规章 0 0 0</p>") reads like the text layouts.
        rows.append(split_trailing_values(text))
    line.clear()


def clean_text(text: str) -> str:
    """Collapse whitespace; drop the spaces Word leaves between Chinese characters."""
    text = text.replace("\xa0", " ").replace("\u3000", " ")
    text = re.sub(r"[ \t\r\n\f\v]+", " ", text).strip()
    return _HAN_GAP.sub("", text)


def _cell_text(cell) -> str:
    # <br> and <p> inside a cell only wrap a label; the label reads as one word.
    parts = []
    for node in cell.iter():
        if not isinstance(node.tag, str) or node.tag.lower() in _SKIP:
            if node is not cell and node.tail:
                parts.append(node.tail)
            continue
        if node.text:
            parts.append(node.text)
        if node is not cell and node.tail:
            parts.append(node.tail)
    return clean_text("".join(parts).replace("\n", ""))


def table_grid(table) -> list[list[str]]:
    """The table as rows of cell texts: labels repeated over their spans, each value once, under
    its header's column (``extractors.logical_cells``: Word's colspans do not line up).

    A table over the cell limit (one row of 100k cells over 10k empty rows is a billion-cell grid
    in 1 MB of markup) raises ``DocumentRejected`` before its cells are placed."""
    limits = Limits.from_env()
    rows = [tr.xpath("./td|./th") for tr in table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")]
    limits.check_cells(max(map(len, rows), default=0), len(rows), "a table")  # before any cell is read
    cells = [[(_cell_text(cell), _span(cell.get("colspan")), _span(cell.get("rowspan"))) for cell in row] for row in rows]
    width = max((sum(colspan for _, colspan, _ in row) for row in cells), default=0)
    limits.check_cells(width, len(rows), "a table")
    return logical_rows(place(cells))


def _span(value: str | None) -> int:
    match = re.match(r"\s*(\d+)", value or "")
    # Some editors write rowspan=0 (HTML: "to the end") or absurd spans; the national tables'
    # longest span is 22 rows, so a cap keeps a stray rowspan=9999 from building a huge grid.
    return min(max(int(match.group(1)), 1), 60) if match else 1


def _titles(root) -> list[str]:
    candidates: list[str] = []
    for meta in root.xpath('//meta[@name="ArticleTitle" or @property="og:title" or @name="title"]/@content'):
        candidates.append(meta)
    for element in root.xpath("//body//*[self::h1 or self::h2 or self::h3]"):
        candidates.append(element.text_content())
    for element in root.xpath(_TITLE_XPATH):
        if len(element) < 8:
            candidates.append(element.text_content())
    for bold in islice(root.iter("b", "strong"), 5):  # a Word paste's title is a bold paragraph
        candidates.append(bold.getparent().text_content() if bold.getparent() is not None else bold.text_content())
    for title in root.xpath("//title"):
        candidates.extend(_TITLE_SEPARATORS.split(title.text_content()))
    cleaned = (clean_text(c) for c in candidates)
    return [c for c in dict.fromkeys(cleaned) if 4 <= len(c) <= 120]
