"""Layouts real portals produce that ``replica.render``'s designed layouts do not.

The designed layouts are the shapes the extractor was written for. These are the ones it was not,
each taken from something seen in real reports (``shared/samples/real``, research notes §1, §4):

- ``word_colspans``: the gb2019 Word template's table 二 on a 5-column grid whose header and value
  rows span *different* columns (the 上海 2019 report);
- ``subtotal_column``: table 三 with a 小计 column for 法人或其他组织 (some provincial templates);
- ``partly_blank``: zeros left blank inside rows that have numbers, and a 总计 left blank beside
  filled columns — not whole blank rows;
- ``run_together``: a page saved as text with every table cell run into its neighbours, no
  separator (the 平潭 2022 page: ``640020470`` is 64 | 0 | 0 | 2 | 0 | 4 | 70);
- ``worded``: labels and headings in other wordings (``replica.vocabulary.VARIANTS``: provincial
  notes, abbreviations, typing slips);
- ``marked_numbers``: numbers with units (``5件``), footnote marks (``3*``) and full-width digits;
- ``freeform_prose``: a pre-2019 report's figures in other sentences, zeros stated in words
  ("未收到…申请"), a cumulative figure in the same paragraph, and a 统计表 with a unit column;
  ``in_words``: small counts in Chinese numerals (两件, 十二件);
- round 2 (added after the extractor met round 1): ``signed_deltas`` (``+5``), ``mixed_blanks``
  (``—``, ``/``, ``无`` … in one report), ``bare_headings`` (no 一、二、 numbering), ``page_breaks``
  (page footers, form feeds and table 三's header repeated inside a text export),
  ``nested_in_layout_table`` (the body inside a CMS layout table).

Every function keeps the model's numbers the truth: a rendering changes how a number is printed,
never which number it is (run-together table 二 has no sums to split it: its cells are unscoreable,
and the corpus says so with ``skip_prefixes``).
"""
from __future__ import annotations

import random
import re
from dataclasses import replace

from extractors.keys import FREEFORM, FREEFORM_KEYS
from replica.render import Cell, Sections, Style, fmt
from replica.reports import ReportModel
from replica.vocabulary import HEADING_VARIANTS, HEADINGS, LABELS, PROSE, PROSE_ZERO, VARIANTS

# --- misaligned Word colspans --------------------------------------------------------------


def word_colspans(parts: Sections) -> Sections:
    """Table 二 of a gb2019 report as the official Word template lays it out: five grid columns,
    header and value rows spanning different ones (第（一）项: the middle column spans two in both;
    第（五）（六）项: the header spans 本年增/减, the values span their *first* cell; 第（八）（九）项:
    every header and value cell after the label spans two)."""
    out = []
    for heading, body, grid in parts:
        if grid and heading == HEADINGS["二"]:
            grid = _respan_t2(grid)
        out.append((heading, body, grid))
    return out


def _respan_t2(grid: list[list[Cell]]) -> list[list[Cell]]:
    rows, block = [], ""
    for row in grid:
        if len(row) == 1:  # 第二十条第（…）项
            block = row[0].text
            rows.append([replace(row[0], colspan=5)])
            continue
        label, *rest = row
        header = not rest[0].data
        if "（一）" in block:
            spans = (1, 2, 1)
        elif "（五）" in block or "（六）" in block:
            spans = (1, 2, 1) if header else (2, 1, 1)
        else:  # （八）（九）: two cells after the label
            spans = (2, 2)
        rows.append([label] + [replace(cell, colspan=span) for cell, span in zip(rest, spans)])
    return rows


# --- a subtotal column ----------------------------------------------------------------------


def subtotal_column(parts: Sections) -> Sections:
    """Table 三 with a 小计 column under 法人或其他组织 (the sum of its five columns), as some
    provincial templates print it (research notes §1.3: a "28×8" layout). Not a canonical cell."""
    out = []
    for heading, body, grid in parts:
        if grid and heading == HEADINGS["三"]:
            grid = [_with_subtotal(row) for row in grid]
        out.append((heading, body, grid))
    return out


def _with_subtotal(row: list[Cell]) -> list[Cell]:
    data = [i for i, cell in enumerate(row) if cell.data]
    if len(data) == 7:  # natural, five organisations, total
        organisations = [row[i].text for i in data[1:6]]
        numbers = [float(t) if "." in t else int(t) for t in organisations if t]
        total = fmt(sum(numbers)) if numbers else ""
        return row[:data[5] + 1] + [Cell(total, data=True)] + row[data[5] + 1:]
    if any(cell.text == LABELS["t3.col.organisations"] for cell in row):  # 法人或其他组织 spans one more
        return [replace(c, colspan=c.colspan + 1) if c.text in (LABELS["t3.col.organisations"], LABELS["t3.applicants"])
                else c for c in row]
    if any(cell.text == LABELS["t3.col.other_org"] for cell in row) and not any(c.data for c in row):
        return row + [Cell("小计")]
    return row


# --- partly blank rows ---------------------------------------------------------------------


def partly_blank(model: ReportModel, rng: random.Random, rate: float = 0.5) -> ReportModel:
    """Blank some zero cells of rows that print numbers, and the 总计 of some table 三 rows
    whose applicant columns are filled (the 上海 2019 report leaves both so)."""
    cells = dict(model.cells)
    rows: dict[str, list[str]] = {}
    for key in cells:
        rows.setdefault(key.rsplit(".", 1)[0], []).append(key)
    for keys in rows.values():
        values = [cells[k] for k in keys]
        if not any(values):
            continue  # an all-zero row: the designed layouts' whole-row blanks
        for key in keys:
            if cells[key] == 0 and rng.random() < rate:
                cells[key] = None
        if keys[0].startswith("t3.") and keys[-1].endswith(".total") and rng.random() < rate / 2:
            cells[keys[-1]] = None
    return replace(model, cells=cells)


# --- run-together cells --------------------------------------------------------------------


def run_together(model: ReportModel, parts: Sections, rng: random.Random) -> str:
    """The report as a page saved as text: a title line, then one line of body where every table
    row's label is followed by its numbers written without a separator. Blank cells vanish, so
    use a model without blanks."""
    words = [model.title, "\n"]
    for heading, body, grid in parts:
        words.append(heading + " " + body.replace("\n", " ") + " ")
        for row in grid or ():
            labels = [c.text.replace("\n", "") for c in row if not c.data and c.text]
            numbers = "".join(c.text for c in row if c.data)
            words.append(" ".join(labels) + (" " if labels and rng.random() < 0.7 else "") + numbers)
            words.append(rng.choice(("", " ")))
    return "".join(words).rstrip() + "\n"


# --- other wordings ------------------------------------------------------------------------


def worded_style(rng: random.Random, kinds: tuple[str, ...], share: float = 0.7, **quirks) -> Style:
    """A ``Style`` printing, for about ``share`` of the labels that have one, a variant of the kinds
    given (``replica.vocabulary``: provincial, short, typo)."""
    pool: dict[str, list[str]] = {}
    for kind in kinds:
        for key, texts in VARIANTS[kind].items():
            pool.setdefault(key, []).extend(texts)
    chosen = tuple((key, rng.choice(texts)) for key, texts in sorted(pool.items()) if rng.random() < share)
    return Style(labels=chosen, **quirks)


def reworded_headings(parts: Sections, rng: random.Random) -> Sections:
    by_heading = {text: number for number, text in HEADINGS.items()}
    out = []
    for heading, body, grid in parts:
        number = by_heading.get(heading)
        if number in HEADING_VARIANTS:
            heading = rng.choice(HEADING_VARIANTS[number])
        out.append((heading, body, grid))
    return out


# --- units, footnote marks, full-width digits ----------------------------------------------

_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
_UNITS = {"t2": "件", "t3": "件", "t4": "件"}


def marked_numbers(parts: Sections, rng: random.Random) -> Sections:
    """Print numbers the ways report editors do: some with their unit (``5件``; fees ``万元``), some
    with a footnote mark (``3*``, the note printed under table 四), some in full-width digits."""
    marked = False

    def mark(cell: Cell) -> Cell:
        nonlocal marked
        if not cell.data or not cell.text:
            return cell
        text, roll = cell.text, rng.random()
        if roll < 0.25:
            text += "万元" if cell.key.endswith("amount_wan") else _UNITS.get(cell.key.split(".")[0], "")
        elif roll < 0.35 and text != "0":
            text += "*"
            marked = True
        elif roll < 0.6:
            text = text.translate(_FULL_WIDTH)
        return replace(cell, text=text)

    out: Sections = []
    for heading, body, grid in parts:
        if grid:
            grid = [[mark(cell) for cell in row] for row in grid]
        out.append((heading, body, grid))
        if heading == HEADINGS["四"] and marked:
            out.append(("", "注：标*的数据含上级机关转交本机关办理的申请。", None))
    return out


# --- signs, mixed blank markers, bare headings ---------------------------------------------


def signed_deltas(parts: Sections) -> Sections:
    """gb2019's 本年增/减 written with its sign either way (``+5``, ``-3``), as Hubei's template asks."""
    def sign(cell: Cell) -> Cell:
        if cell.data and cell.key.endswith(".delta") and cell.text not in ("", "0") and not cell.text.startswith("-"):
            return replace(cell, text="+" + cell.text)
        return cell
    return [(h, b, [[sign(c) for c in row] for row in grid] if grid else grid) for h, b, grid in parts]


_BLANK_MARKERS = ("—", "/", "无", "-", "", "——", "／")


def mixed_blanks(parts: Sections, rng: random.Random) -> Sections:
    """Blank cells written each its own way within one report (``—``, ``/``, ``无``, ``-``, nothing):
    different editors filled different tables."""
    def mark(cell: Cell) -> Cell:
        return replace(cell, text=rng.choice(_BLANK_MARKERS)) if cell.data and not cell.text else cell
    return [(h, b, [[mark(c) for c in row] for row in grid] if grid else grid) for h, b, grid in parts]


def bare_headings(parts: Sections) -> Sections:
    """Section headings without their numbering ("总体情况", "主动公开政府信息情况" …)."""
    return [(re.sub(r"^[一二三四五六七八九十]+、", "", h), b, grid) for h, b, grid in parts]


# --- page breaks in text -------------------------------------------------------------------


def page_breaks(text: str, rng: random.Random, every: int = 38) -> str:
    """A text export with its pages' footers left in ("— 3 —", "第 3 页 共 9 页"), and table 三's
    header printed again at the top of each page the table runs onto (Word's repeated header rows)."""
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(HEADINGS["三"]))
    first_row = next(i for i in range(start, len(lines)) if lines[i].strip().startswith(LABELS["t3.new"][:6]))
    end = next(i for i in range(first_row, len(lines)) if lines[i].startswith(HEADINGS["四"]))
    header = [line for line in lines[start + 1:first_row] if line.strip()]  # as the layout prints it
    pages = -(-len(lines) // every) + 1
    footer = rng.choice(("— {n} —", "第 {n} 页 共 {total} 页", "- {n} -"))
    out, page, since = [], 1, 0
    for i, line in enumerate(lines):
        out.append(line)
        since += 1
        if since >= every and not line.strip():  # a page ends between two rows, never inside one
            out += ["", footer.format(n=page, total=pages) + "\f", ""]  # pdftotext ends each page with a form feed
            page, since = page + 1, 0
            if first_row < i < end - 2:
                out += [h for row in header for h in (row, "")]
    return "\n".join(out)


def nested_in_layout_table(body: str) -> str:
    """The report body inside a page-layout table, as older CMS templates print every article
    (a table whose one cell holds the report's own tables)."""
    return ("<table width=\"100%\" border=\"0\" cellspacing=\"0\" cellpadding=\"0\"><tr><td class=\"bt_content\">"
            f"<table width=\"96%\" align=\"center\"><tr><td>{body}</td></tr></table></td></tr>"
            "<tr><td align=\"right\">【打印】【关闭】</td></tr></table>")


# --- pre-2019 prose ------------------------------------------------------------------------


_DIGIT_WORDS = "零一二三四五六七八九"


def _in_words(n) -> str:
    """A small count as prose writes it: 两 for 2, 十二 for 12; larger ones stay in digits."""
    if not isinstance(n, int) or not 0 < n < 100:
        return fmt(n)
    if n == 2:
        return "两"
    tens, ones = divmod(n, 10)
    return ((_DIGIT_WORDS[tens] if tens > 1 else "") + "十" if tens else "") + (_DIGIT_WORDS[ones] if ones else "")


def freeform_prose(model: ReportModel, rng: random.Random, *, table: bool, style: Style | None = None,
                   in_words: bool = False) -> Sections:
    """A pre-2019 report whose figures are told in ``replica.vocabulary.PROSE``'s wordings, with zeros
    stated in words and a cumulative figure beside the year's; ``table`` appends a 统计表 with a unit
    column (指标名称 | 计量单位 | <year>年度 | 历年累计), labels in its own wordings. ``in_words``:
    counts under 100 written in Chinese numerals (两件, 十二件)."""
    if model.template != FREEFORM:
        raise ValueError("freeform_prose renders freeform reports")
    c = model.cells

    def say(key: str, n) -> str:
        return rng.choice(PROSE[key]).format(n=_in_words(n) if in_words else fmt(n))
    apply = []
    if c["ff.applications"]:
        apply.append(say("ff.applications", c["ff.applications"]))
        apply += [say(k, c[k]) for k in ("ff.granted", "ff.partial", "ff.denied")]
    else:
        apply.append(rng.choice(PROSE_ZERO["applications"]))
    appeals = ([rng.choice(PROSE_ZERO["appeals"])] if not (c["ff.review_cases"] or c["ff.litigation_cases"])
               else [say("ff.review_cases", c["ff.review_cases"]), say("ff.litigation_cases", c["ff.litigation_cases"])])
    fees = rng.choice(PROSE_ZERO["fees"]) if not c["ff.fees_yuan"] else say("ff.fees_yuan", c["ff.fees_yuan"])
    cumulative = model.cumulative.get("ff.proactive_items") or c["ff.proactive_items"] * 6
    parts: Sections = [
        ("一、概述", f"{model.year}年，{model.agency}按照条例和上级部署开展政府信息公开工作，"
                    "健全工作机制，现将有关情况报告如下。", None),
        ("二、主动公开政府信息情况", say("ff.proactive_items", c["ff.proactive_items"])
         + f"。自条例施行以来累计主动公开政府信息{cumulative}条。", None),
        ("三、依申请公开政府信息办理情况", "，".join(apply) + "。", None),
        ("四、收费及减免情况", fees + "。", None),
        ("五、行政复议和行政诉讼情况", "，".join(appeals) + "。", None),
        ("六、存在的主要问题和改进措施", model.problems, None),
    ]
    if table and model.cumulative:
        style = style or Style()
        head = [Cell("指标名称"), Cell("计量单位"), Cell(f"{model.year}年度"), Cell(style.label("ff.cumulative"))]
        grid = [head] + [
            [Cell(re.sub(r"（.）$", "", style.label(key))), Cell("元" if key == "ff.fees_yuan" else "条" if key == "ff.proactive_items" else "件"),
             Cell(fmt(c[key]), data=True, key=key), Cell(fmt(model.cumulative[key]), data=True)]
            for key in FREEFORM_KEYS
        ]
        parts.append(("附件：政府信息公开情况统计表", "", grid))
    return parts


# The keys a layout cannot be scored on, by construction (see ``run_together``).
UNSCOREABLE = {"run_together": ("t2.",)}
