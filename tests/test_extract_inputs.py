"""Inputs the extractor must survive: garbage, other formats, encodings, markup quirks, odd cells."""
from __future__ import annotations

import dataclasses
import random
import zipfile
from io import BytesIO

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extract_helpers import compare_cells, portal_page
from extractors import extract, extract_html, extract_text, read_grid
from extractors.html import table_grid
from extractors.keys import GB2019, GB2021, T3_COLUMNS, T4_KEYS
from extractors.values import parse_value
from replica.render import INLINE, TABBED, Style, render_html, render_text
from replica.reports import random_model


def _model(template=GB2021, seed=7, **kw):
    return random_model(random.Random(seed), template, "临江市生态环境局", 2022 if template == GB2021 else 2020,
                        activity=kw.pop("activity", "high"), **kw)


# --- not a report -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_are_not_a_report(data: bytes) -> None:
    got = extract(data)
    assert got.is_report is False
    assert got.reason


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=2000))
def test_random_text_is_not_a_report(text: str) -> None:
    got = extract(text.encode("utf-8"), filename="x.txt")
    assert got.is_report is False and got.reason


@pytest.mark.parametrize("data, kind, word", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "pdf", "unreadable PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "doc", "no Word or Excel stream"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image", "unreadable image"),
])
def test_broken_documents_say_why(data: bytes, kind: str, word: str) -> None:
    got = extract(data, filename="report.bin")
    assert (got.is_report, got.source_format) == (False, kind)
    assert word in got.reason


def test_docx_without_its_parts_says_why() -> None:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    got = extract(buffer.getvalue(), filename="report.docx")
    assert (got.is_report, got.source_format) == (False, "docx")
    assert "unreadable DOCX" in got.reason


@pytest.mark.parametrize("data", [
    b"",
    b"   \n\n",
    "<html><head><title>新闻</title></head><body><p>本周天气晴好，气温回升。市民出行注意防晒。</p>"
    "<p>明天多云转阴，局部有小雨，请注意携带雨具。</p></body></html>".encode(),
    "关于开展2023年度安全生产检查的通知\n各单位：为切实做好安全生产工作，现将有关事项通知如下。".encode("gbk"),
    b"<html><body><table><tr><td>1</td><td>2</td></tr></table>",
    "<html><body><div>当前位置：首页 &gt; 政府信息公开年报</div><ul><li><a>某局2021年政府信息公开工作年度报告</a>"
    "</li></ul></body></html>".encode(),
])
def test_non_reports_give_a_reason(data: bytes) -> None:
    got = extract(data, filename="page.html")
    assert got.is_report is False
    assert got.reason


# --- encodings and markup --------------------------------------------------------------------


def test_gb2312_declared_page_is_read_as_gb18030() -> None:
    model = _model()
    # 镕 and 堃 are outside GB2312 but in GBK/GB18030: pages labelled gb2312 contain such names.
    page = portal_page(render_html(model), title=model.title, site="镕堃门户网站", charset="gb2312")
    got = extract(page.encode("gb18030"))
    assert got.is_report and compare_cells(got.cells, model.cells) == []


def test_utf8_page_mislabelled_gbk_is_read_as_utf8() -> None:
    model = _model(GB2019)
    page = portal_page(render_html(model), title=model.title, site="门户网站", charset="gbk")
    got = extract(page.encode("utf-8"))
    assert got.agency == model.agency and compare_cells(got.cells, model.cells) == []


def test_report_inside_a_layout_table_is_read() -> None:
    model = _model()
    page = (f"<html><body><table width=1000><tr><td><a>首页</a></td></tr><tr><td class=content>"
            f"<div class=title>{model.title}</div>{render_html(model)}</td></tr></table></body></html>")
    got = extract(page.encode(), filename="t.html")
    assert compare_cells(got.cells, model.cells) == []


def test_labels_with_br_spaces_and_mso_comments() -> None:
    html = """<html><body><p>某县统计局2020年政府信息公开工作年度报告</p>
    <p>二、主动公开政府信息情况</p>
    <table><tr><td colspan=4>第二十条第（一）项</td></tr>
    <tr><th>信息内容</th><th>本年新<br>制作数量</th><th>本年新<br/>公开数量</th><th>对外公开<br>总数量</th></tr>
    <tr><td>规 章</td><td>&nbsp;</td><td><![if !supportMisc]>&nbsp;<![endif]></td><td>&nbsp;</td></tr>
    <tr><td><!--[if gte mso 9]><xml>ignored 9 9 9</xml><![endif]-->规范性<br>文件</td>
        <td><span lang=EN-US>3<o:p></o:p></span></td><td>3</td><td>１２</td></tr></table>
    <p>三、收到和处理政府信息公开申请情况</p></body></html>"""
    got = extract_html(html)
    assert got.template == GB2019
    assert [got.cells[f"t2.regulation.{k}"] for k in ("made", "published", "total_published")] == [None, None, None]
    assert [got.cells[f"t2.normative.{k}"] for k in ("made", "published", "total_published")] == [3, 3, 12]


# --- plain-text layouts ----------------------------------------------------------------------


def test_space_layout_with_blank_markers_units_and_signs() -> None:
    text = render_text(_model(GB2019, blank_rate=0.0), INLINE)
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("规章 "):
            lines[i] = "规章 - — /"
        if line.startswith("行政许可 "):
            lines[i] = "行政许可 1,036 +12 无"
        if line.startswith("政府集中采购 "):
            lines[i] = "政府集中采购 ３ 251000元"
    got = extract_text("\n".join(lines))
    assert [got.cells[f"t2.regulation.{k}"] for k in ("made", "published", "total_published")] == [None, None, None]
    assert [got.cells[f"t2.license.{k}"] for k in ("prev_items", "delta", "decisions")] == [1036, 12, None]
    assert (got.cells["t2.procurement.projects"], got.cells["t2.procurement.amount"]) == (3, 251000)
    assert got.raw["t2.procurement.amount"] == "251000元"


def test_row_with_the_wrong_number_of_values_is_a_problem_not_a_guess() -> None:
    model = _model()
    text = render_text(model, INLINE)
    line = next(line for line in text.split("\n") if line.startswith("（七）总计 "))
    got = extract_text(text.replace(line, line + " 5"))
    assert all(got.cells[f"t3.total.{c}"] is None for c in ("natural", "commercial", "total"))
    assert any("table 三" in p and "total" in p for p in got.problems)


def test_t4_numbers_in_any_header_order() -> None:
    model = _model()
    text = render_text(model, INLINE)
    shuffled = text.replace("行政复议 行政诉讼", "行政诉讼 行政复议 总计 尚未审结 其他结果")
    got = extract_text(shuffled)
    assert [got.cells[k] for k in T4_KEYS] == [model.cells[k] for k in T4_KEYS]


def test_t4_transposed_one_group_per_row() -> None:
    model = _model()
    text = render_text(model, TABBED)
    start = text.index("四、政府信息公开行政复议")
    end = text.index("五、存在的主要问题")
    groups = ("行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）")
    table = "\n".join(f"{label}\t" + "\t".join(str(model.cells[k]) for k in T4_KEYS[5 * i: 5 * i + 5])
                      for i, label in enumerate(groups))
    got = extract_text(text[:start] + "四、政府信息公开行政复议、行政诉讼情况\n结果维持\t结果纠正\t其他结果\t尚未审结\t总计\n"
                       + table + "\n\n" + text[end:])
    assert [got.cells[k] for k in T4_KEYS] == [model.cells[k] for k in T4_KEYS]


def test_bookmark_artifacts_and_full_width_digits() -> None:
    assert parse_value("[bookmark: _GoBack]0") == 0
    assert parse_value("１２，３４５") == 12345
    assert parse_value("-185") == -185 and parse_value("+1036") == 1036
    assert parse_value("96171.6") == 96171.6
    for blank in ("", " ", "-", "—", "/", "无", "－", "／", "--"):
        assert parse_value(blank) is None
    with pytest.raises(ValueError):
        parse_value("规章")


# --- grids from other readers ------------------------------------------------------------------


def test_grid_with_merged_values_repeated_like_docx() -> None:
    grid = [
        ["第二十条第（五）项", "第二十条第（五）项", "第二十条第（五）项", "第二十条第（五）项"],
        ["信息内容", "本年处理决定数量", "本年处理决定数量", "本年处理决定数量"],
        ["行政许可", "15", "15", "15"],
        ["第二十条第（一）项", "", "", ""],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "1", "0", "11"],
    ]
    reading = read_grid(grid)
    assert reading.template == GB2021
    assert reading.cells["t2.license.decisions"] == 15
    assert [reading.cells[f"t2.regulation.{k}"] for k in ("issued", "repealed", "in_force")] == [1, 0, 11]
    assert any("t3" in p or "table 三" in p for p in reading.problems)


# --- checks and warnings -----------------------------------------------------------------------


def test_checks_fail_where_the_report_is_inconsistent() -> None:
    model = _model()
    text = render_text(model, TABBED)
    line = next(line for line in text.split("\n") if "（一）予以公开" in line)
    cells = line.split("\t")
    cells[-1] = str(int(cells[-1]) + 1)  # the row's 总计 no longer adds up
    got = extract_text(text.replace(line, "\t".join(cells)))
    failed = {(c.rule, c.subject) for c in got.checks if not c.passed}
    assert ("T3-ROW-TOTAL", "granted") in failed
    assert ("T3-OUTCOME-SUM", "total") in failed
    check = next(c for c in got.checks if (c.rule, c.subject) == ("T3-ROW-TOTAL", "granted"))
    assert check.left == check.right + 1


def test_prose_figure_disagreeing_with_the_table_is_a_warning() -> None:
    model = _model(activity="medium", seed=3)
    text = render_text(model, INLINE)
    new = model.cells["t3.new.total"]
    stated = f"本年度共收到{new + 70}件申请。"
    got = extract_text(text.replace("（二）依申请公开。", "（二）依申请公开。" + stated, 1))
    assert any(str(new + 70) in w for w in got.warnings)
    assert not extract_text(text).warnings


def test_extra_row_after_a_blank_row_in_the_inline_layout() -> None:
    """Inline text drops a blank row's cells, leaving its bare label right above the provincial
    extra row: the extra row's numbers must not be given to the blank row (found by hypothesis)."""
    model = _model(GB2019)
    blank = {f"t2.normative.{k}": None for k in ("made", "published", "total_published")}
    model = dataclasses.replace(model, cells={**model.cells, **blank})
    got = extract_text(render_text(model, INLINE, style=Style(extra_row=(0, 0, 7))))
    assert compare_cells(got.cells, model.cells) == []


def test_html_with_tables_pasted_as_paragraphs() -> None:
    model = _model()
    text = render_text(model, INLINE)
    paragraphs = "".join(f"<p>{line}</p>" for line in text.split("\n") if line)
    got = extract(f"<html><body><div class=article>{paragraphs}</div></body></html>".encode(), filename="t.html")
    assert compare_cells(got.cells, model.cells) == []


def test_t4_numbers_wrapped_over_two_lines() -> None:
    model = _model()
    text = render_text(model, INLINE)
    line = " ".join(str(model.cells[k]) for k in T4_KEYS)
    numbers = line.split(" ")
    got = extract_text(text.replace(line, " ".join(numbers[:9]) + "\n" + " ".join(numbers[9:])))
    assert [got.cells[k] for k in T4_KEYS] == [model.cells[k] for k in T4_KEYS]


def test_fee_amount_in_yuan_under_the_wan_column_is_kept_with_a_warning() -> None:
    model = _model()
    text = render_text(model, INLINE)
    line = next(line for line in text.split("\n") if line.startswith("行政事业性收费 "))
    got = extract_text(text.replace(line, "行政事业性收费 251000元"))
    assert got.cells["t2.fees.amount_wan"] == 251000 and got.raw["t2.fees.amount_wan"] == "251000元"
    assert any("251000元" in w for w in got.warnings)


def test_gb2019_table_with_gb2021_other_subrows_leaves_other_null() -> None:
    model = _model(GB2019)
    text = render_text(model, INLINE)
    line = next(line for line in text.split("\n") if line.startswith("（六）其他处理 "))
    subrows = ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请 0 0 0 0 0 0 0\n"
               "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请 0 0 0 0 0 0 0\n"
               + line.replace("（六）其他处理", "3.其他"))
    got = extract_text(text.replace(line, "（六）其他处理\n" + subrows))
    assert got.template == GB2019
    assert all(got.cells[f"t3.other.{c}"] is None for c in ("natural", "total"))
    assert got.cells["t3.granted.total"] == model.cells["t3.granted.total"]
    assert any("（六）" in p for p in got.problems)


def test_national_format_with_image_tables_has_no_template_and_says_why() -> None:
    html = """<html><body><h1>长宁市财政局2022年政府信息公开工作年度报告</h1><div class=TRS_Editor>
    <p>一、总体情况</p><p>2022年，长宁市财政局认真贯彻条例，做好主动公开和依申请公开工作。</p>
    <p>二、主动公开政府信息情况</p><p><img src="./W020230120.png"></p>
    <p>三、收到和处理政府信息公开申请情况</p><p><img src="./W020230121.png"></p>
    <p>四、政府信息公开行政复议、行政诉讼情况</p><p><img src="./W020230122.png"></p>
    <p>五、存在的主要问题及改进情况</p><p>无。</p><p>六、其他需要报告的事项</p><p>无。</p></div></body></html>"""
    got = extract_html(html)
    assert got.is_report and (got.agency, got.year) == ("长宁市财政局", 2022)
    assert got.template is None and got.cells == {}
    assert any("no readable tables" in p for p in got.problems)


def test_tables_alone_without_headings_read_as_grids() -> None:
    """A DOCX or XLSX reader hands over its tables' grids with no prose or headings between."""
    model = _model(GB2019, blank_rate=0.3)
    root = lxml.html.fromstring(render_html(model))
    grid = [row for table in root.iter("table") for row in table_grid(table)]
    reading = read_grid(grid)
    assert reading.template == GB2019
    assert compare_cells(reading.cells, model.cells) == []
    assert reading.problems == []


def test_gb2021_label_mentioning_a_gb2019_row_keeps_its_own_row() -> None:
    model = _model()
    text = render_text(model, INLINE)
    got = extract_text(text.replace("\n行政许可 ", "\n行政许可（含其他对外管理服务事项） ", 1))
    assert got.cells["t2.license.decisions"] == model.cells["t2.license.decisions"]


def test_a_notice_about_reports_is_not_a_report() -> None:
    notice = ("关于做好2021年度政府信息公开工作年度报告编制发布工作的通知\n各区县人民政府，市各委办局：\n"
              + "为做好政府信息公开工作年度报告编制工作，请各单位认真总结主动公开、依申请公开工作情况，按时报送。" * 6)
    got = extract(notice.encode("utf-8"), filename="t.txt")
    assert got.is_report is False and got.reason


def test_t3_with_an_organisation_subtotal_column() -> None:
    """Some local templates add 法人或其他组织 小计 after 其他: it is not a canonical cell."""
    model = _model()
    text = render_text(model, TABBED)
    orgs = [c.key for c in T3_COLUMNS[1:6]]
    out = []
    for line in text.split("\n"):
        cells = line.split("\t")
        if "商业企业" in line:
            cells.insert(cells.index("其他") + 1, "小计")
        elif line.strip() and cells[-1].isdigit() and len([c for c in cells if c.isdigit()]) == 7:
            values = [int(c) for c in cells if c.isdigit()]
            cells = [c for c in cells if not c.isdigit()] + [str(v) for v in values[:6]] + [
                str(sum(values[1:6])), str(values[6])]
        out.append("\t".join(cells))
    got = extract_text("\n".join(out))
    assert compare_cells(got.cells, model.cells) == [], got.problems
    assert all(f"t3.new.{k}" in got.cells for k in orgs)


def test_utf8_page_cut_mid_character_stays_utf8() -> None:
    model = _model()
    data = portal_page(render_html(model), title=model.title, site="门户网站").encode("utf-8")
    got = extract(data[:-1] + "报".encode("utf-8")[:2], filename="t.html")
    assert got.agency == model.agency and compare_cells(got.cells, model.cells) == []
