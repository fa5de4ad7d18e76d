"""Rendering the canonical report model (``replica.reports``) into portal content.

The replica must know the true numbers of every page it serves, so reports are not stored as
documents: each is a ``ReportModel`` (agency, year, template, every canonical cell) and the HTML
bodies and text attachments are rendered from it. The renderers imitate the *shapes* real reports
come in (``shared/samples/seeds`` and ``shared/spec/report-format.md`` §5), with our own wording:

- ``render_html``: a Word-pasted body — mso classes and styles, ``<!--[if gte mso 9]>`` blocks,
  rowspan/colspan headers as in the national template, ``&nbsp;`` for blank cells, ``<br>`` and stray
  spaces inside labels.
- ``render_text``: what text extraction of a PDF/DOC gives, in three layouts (``LAYOUTS``):
  ``inline`` (a row's numbers on its label's line, spanning labels broken into fragments),
  ``cell_per_line`` (one cell per tab-indented line, an empty line per spanned or blank cell),
  ``tabbed`` (one tab-separated line per table row, spanning labels on their first row only).

Both take a ``Style``: an agency's quirks (typos, provincial long notes, an extra provincial row).

Blank cells are blanked a whole table row at a time, as real reports do (a row of "-" or of empty
cells): in the ``inline`` layout a blank cell simply vanishes, so a partly blank row would have no
recoverable column positions there.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from extractors.keys import FREEFORM, FREEFORM_KEYS, GB2021, T3_COLUMNS, T4_GROUPS, T4_RESULTS, t3_rows
from replica.reports import Number, ReportModel
from replica.vocabulary import HEADINGS, KNOWN_TYPOS, LABELS, LONG_NOTES

INLINE = "inline"
CELL_PER_LINE = "cell_per_line"
TABBED = "tabbed"
LAYOUTS = (INLINE, CELL_PER_LINE, TABBED)


# --- tables as grids -------------------------------------------------------------------------
# Each table is built once as a grid of cells with their spans; HTML and every text layout are
# projections of the same grid, so all renderings of a report carry the same numbers.


@dataclass(frozen=True)
class Cell:
    text: str  # "\n" marks a line break inside a label (<br> in HTML, gone in text)
    rowspan: int = 1
    colspan: int = 1
    data: bool = False  # a number cell (possibly blank) rather than a label
    key: str = ""  # a number cell's canonical key


@dataclass(frozen=True)
class Style:
    """Quirks of one agency's report, in HTML and text alike: each imitates something seen in real
    reports.

    ``typos``: 本年度止件数, 行政法复议, 其它 (report-format §1). ``long_notes``: provincial
    parenthetical notes inside labels. ``extra_row``: a provincial row (其他主动公开文件) in table 二
    with these three numbers — not a canonical cell, an extractor must skip it. ``labels``: other
    wordings, as (``replica.vocabulary`` key, label) pairs, that replace the template's.
    """

    typos: bool = False
    long_notes: bool = False
    extra_row: tuple[int, int, int] | None = None
    labels: tuple[tuple[str, str], ...] = ()

    def label(self, key: str) -> str:
        """The label this report prints for a vocabulary key."""
        for name, text in self.labels:
            if name == key:
                return text
        if self.typos and key in KNOWN_TYPOS:
            return KNOWN_TYPOS[key]
        return LABELS[key]


PLAIN = Style()


def fmt(value: Number | None) -> str:
    """A cell value as a report prints it ("" for a blank)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)


def _data(value: Number | None, colspan: int = 1, key: str = "") -> Cell:
    return Cell(fmt(value), colspan=colspan, data=True, key=key)


def _t2_grid(model: ReportModel, style: Style) -> list[list[Cell]]:
    c = model.cells
    notes = style.long_notes
    say = style.label

    def values(row: str, columns: tuple[str, ...]) -> list[Cell]:
        return [_data(c[f"t2.{row}.{k}"], key=f"t2.{row}.{k}") for k in columns]

    def one(row: str, column: str, colspan: int) -> Cell:
        return _data(c[f"t2.{row}.{column}"], colspan, key=f"t2.{row}.{column}")

    regulation = LONG_NOTES["t2.regulation"] if notes else say("t2.regulation")
    head = Cell(LABELS["t2.head"])
    if model.template == GB2021:
        columns = ("issued", "repealed", "in_force")
        grid = [
            [Cell("第二十条第（一）项", colspan=4)],
            [head] + [Cell(say(f"t2.col.{k}")) for k in columns],
            [Cell(regulation)] + values("regulation", columns),
            [Cell(say("t2.normative.gb2021"))] + values("normative", columns),
        ]
        if style.extra_row:
            grid.append([Cell(LABELS["t2.extra_row"])] + [_data(v) for v in style.extra_row])
        decisions = Cell(say("t2.col.decisions.gb2021"), colspan=3)
        grid += [
            [Cell("第二十条第（五）项", colspan=4)],
            [head, decisions],
            [Cell(say("t2.license")), one("license", "decisions", 3)],
            [Cell("第二十条第（六）项", colspan=4)],
            [head, decisions],
            [Cell(say("t2.penalty")), one("penalty", "decisions", 3)],
            [Cell(say("t2.coercion")), one("coercion", "decisions", 3)],
            [Cell("第二十条第（八）项", colspan=4)],
            [head, Cell(say("t2.col.amount_wan"), colspan=3)],
            [Cell(say("t2.fees")), one("fees", "amount_wan", 3)],
        ]
        return grid
    prev = LONG_NOTES["t2.col.prev_items"].format(year=model.year - 1) if notes else say("t2.col.prev_items")
    items = ("prev_items", "delta", "decisions")
    items_head = [head, Cell(prev), Cell(say("t2.col.delta")), Cell(say("t2.col.decisions"))]
    columns = ("made", "published", "total_published")
    grid = [
        [Cell("第二十条第（一）项", colspan=4)],
        [head] + [Cell(say(f"t2.col.{k}")) for k in columns],
        [Cell(regulation)] + values("regulation", columns),
        [Cell(say("t2.normative.gb2019"))] + values("normative", columns),
    ]
    if style.extra_row:
        grid.append([Cell(LABELS["t2.extra_row"])] + [_data(v) for v in style.extra_row])
    for article, rows in (("五", ("license", "other_service")), ("六", ("penalty", "coercion"))):
        grid += [[Cell(f"第二十条第（{article}）项", colspan=4)], items_head]
        grid += [[Cell(say(f"t2.{row}"))] + values(row, items) for row in rows]
    grid += [
        [Cell("第二十条第（八）项", colspan=4)],
        [head, Cell(prev), Cell(say("t2.col.delta"), colspan=2)],
        [Cell(say("t2.fees")), one("fees", "prev_items", 1), one("fees", "delta", 2)],
        [Cell("第二十条第（九）项", colspan=4)],
        [head, Cell(say("t2.col.projects")), Cell(say("t2.col.amount"), colspan=2)],
        [Cell(say("t2.procurement")), one("procurement", "projects", 1), one("procurement", "amount", 2)],
    ]
    return grid


# The outcome sub-groups of table 三 that span their numbered rows.
_T3_GROUPS = ("denied", "unable", "rejected", "other")


def t3_label(style: Style, template: str, row_key: str) -> str:
    """The label a report prints for a table 三 row (gb2019's single 其他处理 row has its own)."""
    if row_key == "other" and template != GB2021:
        return style.label("t3.other.gb2019")
    return style.label(f"t3.{row_key}")


def _t3_grid(model: ReportModel, style: Style) -> list[list[Cell]]:
    rows = t3_rows(model.template)
    outcome_count = len(rows) - 4
    say = style.label

    def values(key: str) -> list[Cell]:
        return [_data(model.cells[f"t3.{key}.{col.key}"], key=f"t3.{key}.{col.key}") for col in T3_COLUMNS]

    def label(key: str) -> str:
        return t3_label(style, model.template, key)

    grid = [
        [Cell(say("t3.corner"), rowspan=3, colspan=3), Cell(say("t3.applicants"), colspan=7)],
        [Cell(say("t3.col.natural"), rowspan=2), Cell(say("t3.col.organisations"), colspan=5),
         Cell(say("t3.col.total"), rowspan=2)],
        [Cell(say(f"t3.col.{col.key}")) for col in T3_COLUMNS[1:-1]],
        [Cell(label(rows[0].key), colspan=3)] + values(rows[0].key),
        [Cell(label(rows[1].key), colspan=3)] + values(rows[1].key),
    ]
    group_sizes = Counter(row.key.split(".")[0] for row in rows[2:-2] if "." in row.key)
    started: set[str] = set()
    for i, row in enumerate(rows[2:-2]):
        # 三、本年度办理结果 spans the outcome rows and （七）总计 (rowspan 22 in gb2021, 20 in gb2019).
        line: list[Cell] = [Cell(say("t3.outcomes"), rowspan=outcome_count + 1)] if i == 0 else []
        group = row.key.split(".")[0]
        if group in group_sizes:
            if group not in started:
                started.add(group)
                line.append(Cell(say(f"t3.{group}"), rowspan=group_sizes[group]))
            line.append(Cell(label(row.key)))
        else:
            line.append(Cell(label(row.key), colspan=2))
        grid.append(line + values(row.key))
    grid.append([Cell(label(rows[-2].key), colspan=2)] + values(rows[-2].key))
    grid.append([Cell(label(rows[-1].key), colspan=3)] + values(rows[-1].key))
    return grid


def _t4_grid(model: ReportModel, style: Style) -> list[list[Cell]]:
    say = style.label
    results = [Cell(say(f"t4.{r.key}")) for r in T4_RESULTS]
    return [
        [Cell(say("t4.review"), colspan=5), Cell(say("t4.suit"), colspan=10)],
        [Cell(r.text, rowspan=2) for r in results]
        + [Cell(say("t4.suit_direct"), colspan=5), Cell(say("t4.suit_after_review"), colspan=5)],
        results + results,
        [_data(model.cells[f"t4.{g.key}.{r.key}"], key=f"t4.{g.key}.{r.key}") for g in T4_GROUPS for r in T4_RESULTS],
    ]


def _freeform_grid(model: ReportModel, style: Style) -> list[list[Cell]]:
    grid = [[Cell(style.label("ff.indicator")), Cell(f"{model.year}年度"), Cell(style.label("ff.cumulative"))]]
    grid += [[Cell(style.label(key)), _data(model.cells[key], key=key), _data(model.cumulative[key])]
             for key in FREEFORM_KEYS]
    return grid


# --- HTML ------------------------------------------------------------------------------------

_TD = ("<td{span} valign=center style='border:solid windowtext 1.0pt;mso-border-alt:solid windowtext .5pt;"
       "padding:0cm 5.4pt 0cm 5.4pt'><p class=MsoNormal align=center style='text-align:center'>"
       "<span style='font-size:10.5pt;font-family:宋体;mso-bidi-font-family:宋体'>{text}"
       "<span lang=EN-US><o:p></o:p></span></span></p></td>")
_MSO_HEAD = ("<!--[if gte mso 9]><xml><w:WordDocument><w:View>Normal</w:View><w:Zoom>0</w:Zoom>"
             "<w:PunctuationKerning/><w:DrawingGridVerticalSpacing>7.8 磅</w:DrawingGridVerticalSpacing>"
             "</w:WordDocument></xml><![endif]-->")


def _html_table(grid: list[list[Cell]]) -> str:
    rows = []
    for row in grid:
        tds = []
        for cell in row:
            span = (f" rowspan={cell.rowspan}" if cell.rowspan > 1 else "") + (
                f" colspan={cell.colspan}" if cell.colspan > 1 else "")
            text = cell.text.replace("\n", "<br>") if cell.text else "&nbsp;"
            tds.append(_TD.format(span=span, text=text))
        rows.append("<tr style='mso-yfti-irow:0;height:20.0pt'>" + "".join(tds) + "</tr>")
    return ("<table class=MsoNormalTable border=1 cellspacing=0 cellpadding=0 style='border-collapse:collapse;"
            "border:none;mso-border-alt:solid windowtext .5pt;mso-yfti-tbllook:1184;mso-padding-alt:0cm 5.4pt 0cm 5.4pt'>"
            + "\n".join(rows) + "</table>")


def _html_para(text: str, *, heading: bool = False) -> str:
    weight = "font-family:黑体;mso-hansi-font-family:黑体" if heading else "font-family:仿宋_GB2312"
    return "\n".join(
        f"<p class=MsoNormal style='text-indent:32.0pt;mso-char-indent-count:2.0;line-height:28.0pt'>"
        f"<span style='font-size:16.0pt;{weight}'>{line}</span></p>" for line in text.split("\n") if line)


Sections = list[tuple[str, str, list[list[Cell]] | None]]  # (heading, prose, table)


def render_html(model: ReportModel, *, style: Style = PLAIN, parts: Sections | None = None) -> str:
    """The report as the HTML body a portal's editor pasted from Word (goes inside .TRS_Editor etc.).

    ``parts``: sections to print instead of ``sections(model, style)`` (``replica.adversarial``)."""
    out = [_MSO_HEAD, "<div class=WordSection1 style='layout-grid:15.6pt'>",
           "<p class=MsoNormal align=center style='text-align:center'><b><span style='font-size:22.0pt;"
           f"font-family:方正小标宋简体'>{model.title}</span></b></p>"]
    for heading, body, grid in sections(model, style) if parts is None else parts:
        out.append(_html_para(heading, heading=True))
        if body:
            out.append(_html_para(body))
        if grid:
            out.append(_html_table(grid))
    out.append("</div>")
    return "\n".join(out)


def sections(model: ReportModel, style: Style) -> Sections:
    """(heading, prose, table) for each section of the report, in order."""
    if model.template == FREEFORM:
        return _freeform_sections(model, style)
    return [
        (HEADINGS["一"], model.overview, None),
        (HEADINGS["二"], "", _t2_grid(model, style)),
        (HEADINGS["三"], "", _t3_grid(model, style)),
        (HEADINGS["四"], "", _t4_grid(model, style)),
        (HEADINGS["五"], model.problems, None),
        (HEADINGS["六"], model.other_matters, None),
    ]


def _freeform_sections(model: ReportModel, style: Style) -> Sections:
    c = model.cells
    fees = f"本年度收取检索、复制等费用{c['ff.fees_yuan']}元" + ("。" if c["ff.fees_yuan"] else "，未收取任何其他费用。")
    sections = [
        ("一、概述", f"{model.year}年，{model.agency}认真贯彻《中华人民共和国政府信息公开条例》，"
                    "完善公开制度，畅通申请渠道，现将本年度政府信息公开工作情况报告如下。", None),
        ("二、主动公开政府信息情况", f"全年主动公开政府信息{c['ff.proactive_items']}条，主要通过政府网站、"
                              "政务公开栏和新闻媒体发布。", None),
        ("三、依申请公开政府信息情况", f"全年共受理政府信息公开申请{c['ff.applications']}件，其中同意公开"
                               f"{c['ff.granted']}件，同意部分公开{c['ff.partial']}件，不予公开{c['ff.denied']}件，"
                               "其余申请已告知申请人通过其他途径获取。", None),
        ("四、政府信息公开的收费及减免情况", fees, None),
        ("五、因政府信息公开申请行政复议、提起行政诉讼的情况", f"本年度因政府信息公开被申请行政复议"
                                          f"{c['ff.review_cases']}件，提起行政诉讼{c['ff.litigation_cases']}件。", None),
        ("六、存在的主要问题和改进措施", model.problems, None),
        ("七、其他需要报告的事项", model.other_matters, None),
    ]
    if model.cumulative:
        sections.append(("附表：政府信息公开情况统计表", "", _freeform_grid(model, style)))
    return sections


# --- text ------------------------------------------------------------------------------------


def _origins(grid: list[list[Cell]]) -> list[list[tuple[Cell, bool]]]:
    """Lay the grid out by column: per table row, each column's cell and whether it starts there.

    A cell appears once per grid column it covers; ``True`` marks the cell's first row and first
    column, ``False`` its continuations (where a text export writes an empty cell or nothing).
    """
    height = len(grid)
    occupied: dict[tuple[int, int], tuple[Cell, bool]] = {}
    for r, row in enumerate(grid):
        col = 0
        for cell in row:
            while (r, col) in occupied:
                col += 1
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    occupied[(r + dr, col + dc)] = (cell, dr == 0 and dc == 0)
            col += cell.colspan
    width = max(c for _, c in occupied) + 1
    return [[occupied[(r, c)] for c in range(width) if (r, c) in occupied] for r in range(height)]


# Longest label a PDF table column holds on one line; longer ones wrap and push the numbers down.
_WRAP = 32


def _flat(text: str) -> str:
    return text.replace("\n", "")


def _text_table(grid: list[list[Cell]], layout: str) -> list[str]:
    laid = _origins(grid)
    lines: list[str] = []
    if layout == TABBED:
        for row in laid:
            lines.append("\t".join(_flat(cell.text) if first else "" for cell, first in row))
        return lines
    if layout == CELL_PER_LINE:
        for row in laid:
            for c, (cell, first) in enumerate(row):
                if first:
                    lines.append("\t" + _flat(cell.text))
                elif c == 0 or row[c - 1][0] is not cell:
                    lines.append("\t")  # under a label spanning rows: Word exports an empty cell
            lines.append("")
        return lines
    for row in laid:
        words: list[str] = []
        for cell, first in row:
            if not first:
                continue
            text = _flat(cell.text)
            if cell.rowspan > 1 and any(other.data for other, _ in row):
                # A label spanning several rows comes out of a PDF as fragments before its first row.
                lines += [part for frag in cell.text.split("\n") for part in (frag, "")][:-1]
            elif len(text) > _WRAP and any(other.data for other, _ in row):
                lines += [text[:_WRAP], "", text[_WRAP:]]
            elif text:
                words.append(text)
        lines.append(" ".join(words))
        lines.append("")
    return lines


def render_text(model: ReportModel, layout: str = INLINE, *, style: Style = PLAIN, parts: Sections | None = None) -> str:
    """The report as text extracted from its attachment, in one of ``LAYOUTS`` (``parts``: as in
    ``render_html``)."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}")
    lines = [model.title, ""]
    for heading, body, grid in sections(model, style) if parts is None else parts:
        lines += [heading, ""]
        if body:
            lines += [p for line in body.split("\n") for p in (line, "")]
        if grid:
            lines += _text_table(grid, layout)
            lines.append("")
    return "\n".join(lines) + "\n"
