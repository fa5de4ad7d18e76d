"""Word tables whose colspans do not line up: each value is read under its header's logical column.

The tables here are written by hand after the official gb2019 Word template and variants of it
that the renderer in replica/ never produces (the replica lays every value on its own grid column).
"""
from __future__ import annotations

import random
import re

import lxml.html

from extract_helpers import compare_cells
from extractors import extract_html
from extractors.html import table_grid
from extractors.keys import GB2019
from extractors.logical_cells import Span, logical_rows, place
from replica.render import render_html
from replica.reports import random_model


def _td(text, colspan=1, rowspan=1) -> str:
    spans = (f" colspan={colspan}" if colspan > 1 else "") + (f" rowspan={rowspan}" if rowspan > 1 else "")
    return f"<td{spans}><p class=MsoNormal><span>{text if text != '' else '&nbsp;'}</span></p></td>"


def _grid(html: str) -> list[list[str]]:
    return table_grid(lxml.html.fromstring(html))


def _n(value) -> str:
    return "" if value is None else str(value)


def word_template_t2(c: dict, *, variant: str = "template") -> str:
    """Table 二 of a gb2019 report on the official Word template's 5-column grid.

    ``template``: the header and value rows of 第（一）项 span 本年新公开数量 over two columns; in
    第（五）（六）项 the header spans 本年增/减 while each value row spans its first value; in 第（八）
    （九）项 every cell after the label spans two. ``split_blank``: 第（五）（六）项 value rows keep the
    header's spans but write 本年增/减 as a blank cell followed by the value (one cell more than the
    header has columns)."""
    rows = [[("第二十条第（一）项", 5)], [("信息内容", 1), ("本年新制作数量", 1), ("本年新公开数量", 2), ("对外公开总数量", 1)]]
    for key, label in (("regulation", "规章"), ("normative", "规范性文件")):
        rows.append([(label, 1), (_n(c[f"t2.{key}.made"]), 1), (_n(c[f"t2.{key}.published"]), 2),
                     (_n(c[f"t2.{key}.total_published"]), 1)])
    for item, keys in (("五", (("license", "行政许可"), ("other_service", "其他对外管理服务事项"))),
                       ("六", (("penalty", "行政处罚"), ("coercion", "行政强制")))):
        rows.append([(f"第二十条第（{item}）项", 5)])
        rows.append([("信息内容", 1), ("上一年项目数量", 1), ("本年增/减", 2), ("处理决定数量", 1)])
        for key, label in keys:
            prev, delta, decisions = (_n(c[f"t2.{key}.{k}"]) for k in ("prev_items", "delta", "decisions"))
            if variant == "split_blank":
                rows.append([(label, 1), (prev, 1), ("", 1), (delta, 1), (decisions, 1)])
            else:
                rows.append([(label, 1), (prev, 2), (delta, 1), (decisions, 1)])
    rows += [[("第二十条第（八）项", 5)], [("信息内容", 1), ("上一年项目数量", 2), ("本年增/减", 2)],
             [("行政事业性收费", 1), (_n(c["t2.fees.prev_items"]), 2), (_n(c["t2.fees.delta"]), 2)],
             [("第二十条第（九）项", 5)], [("信息内容", 1), ("采购项目数量", 2), ("采购总金额", 2)],
             [("政府集中采购", 1), (_n(c["t2.procurement.projects"]), 2), (_n(c["t2.procurement.amount"]), 2)]]
    body = "".join("<tr>" + "".join(_td(text, span) for text, span in row) + "</tr>" for row in rows)
    return f"<table border=1>{body}</table>"


def _report_with_t2(model, table: str) -> str:
    html = render_html(model)
    first = re.search(r"<table.*?</table>", html, re.S)
    return html[: first.start()] + table + html[first.end():]


def test_official_template_spans_read_by_logical_columns() -> None:
    for seed in range(6):
        model = random_model(random.Random(seed), GB2019, "临江市交通运输局", 2020, activity="high", blank_rate=0.2)
        for variant in ("template", "split_blank"):
            got = extract_html(_report_with_t2(model, word_template_t2(model.cells, variant=variant)))
            assert compare_cells(got.cells, model.cells) == [], (seed, variant, got.problems)
            assert not [p for p in got.problems if "table 二" in p]


def test_value_spanning_its_first_column_counts_once() -> None:
    grid = _grid("<table><tr>" + _td("信息内容") + _td("上一年项目数量") + _td("本年增/减", 2) + _td("处理决定数量") + "</tr>"
                 "<tr>" + _td("行政许可") + _td("12", 2) + _td("-3") + _td("40") + "</tr></table>")
    assert grid[1] == ["行政许可", "12", "-3", "40"]


def test_blank_cell_under_a_spanning_header_is_dropped_not_shifted() -> None:
    # Five value cells under a header of three columns: 0 | (blank, -3) | 7, the blank and -3 both
    # under 本年增/减. Reading by position would give 本年增/减 = blank and 处理决定数量 = -3.
    grid = _grid("<table><tr>" + _td("信息内容") + _td("上一年项目数量") + _td("本年增/减", 2) + _td("处理决定数量") + "</tr>"
                 "<tr>" + _td("行政处罚") + _td("0") + _td("") + _td("-3") + _td("7") + "</tr></table>")
    assert grid[1] == ["行政处罚", "0", "-3", "7"]


def test_two_numbers_under_one_header_column_are_not_resolved_by_guessing() -> None:
    grid = _grid("<table><tr>" + _td("信息内容") + _td("上一年项目数量") + _td("本年增/减", 2) + _td("处理决定数量") + "</tr>"
                 "<tr>" + _td("行政处罚") + _td("0") + _td("5") + _td("-3") + _td("7") + "</tr></table>")
    assert grid[1] == ["行政处罚", "0", "5", "-3", "7"]  # four values for three columns: the reader says so


def test_number_straddling_two_header_columns_is_not_placed() -> None:
    grid = _grid("<table><tr>" + _td("信息内容") + _td("甲") + _td("乙") + _td("丙") + "</tr>"
                 "<tr>" + _td("规章") + _td("9", 2) + "</tr></table>")
    assert grid[1] == ["规章", "9"]


def test_rowspans_carry_labels_down_and_leave_values_blank() -> None:
    rows = [[("三、本年度办理结果", 1, 2), ("（一）予以公开", 1, 1), ("4", 1, 2), ("5", 1, 1)],
            [("（二）部分公开", 1, 1), ("6", 1, 1)]]
    assert logical_rows(place(rows)) == [["三、本年度办理结果", "（一）予以公开", "4", "5"],
                                          ["三、本年度办理结果", "（二）部分公开", "", "6"]]


def test_place_keeps_spans_per_row() -> None:
    placed = place([[("甲", 2, 2), ("乙", 1, 1)], [("丙", 1, 1)]])
    assert placed[1] == [Span("甲", 0, 2, first_row=False), Span("丙", 2, 3)]


def test_docx_cells_merged_like_the_word_template() -> None:
    import docx

    from extractors.documents.docx import table_grid as docx_grid

    document = docx.Document()
    table = document.add_table(rows=3, cols=5)
    for column, text in enumerate(("信息内容", "上一年项目数量", "本年增/减", "", "处理决定数量")):
        table.cell(0, column).text = text
    table.cell(0, 2).merge(table.cell(0, 3))
    table.cell(1, 1).merge(table.cell(1, 2))
    for column, text in ((0, "行政许可"), (1, "12"), (3, "-3"), (4, "40")):
        table.cell(1, column).text = text
    table.cell(1, 0).merge(table.cell(2, 0))  # a label carried into the next row
    for column, text in ((1, "0"), (2, ""), (3, "5"), (4, "1")):
        table.cell(2, column).text = text
    assert docx_grid(table) == [["信息内容", "上一年项目数量", "本年增/减", "本年增/减", "处理决定数量"],
                                ["行政许可", "12", "-3", "40"],
                                ["行政许可", "0", "5", "1"]]
