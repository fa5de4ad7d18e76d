"""Agency, year, scope, title and sections, from the ways reports name themselves."""
from __future__ import annotations

import pytest

from extractors import extract_text
from extractors.metadata import find_agency, find_sections, find_title, find_year, scope_of

@pytest.mark.parametrize("title, agency, year", [
    ("临江市生态环境局2021年政府信息公开工作年度报告", "临江市生态环境局", 2021),
    ("临江市生态环境局2021年度政府信息公开工作年度报告", "临江市生态环境局", 2021),
    ("托里县商务和工业信息化局信息公开工作2021年度报告", "托里县商务和工业信息化局", 2021),
    ("解放区工业和信息化局 2024 年政府信息公开工作年度报告", "解放区工业和信息化局", 2024),
    ("2022年青山区教育局政府信息公开工作年度报告", "青山区教育局", 2022),
    ("关于2021年度青山区教育局政府信息公开工作的年度报告", "青山区教育局", 2021),
    ("长宁市人民政府2023年政务公开工作年度报告", "长宁市人民政府", 2023),
    ("长宁市人民政府信息公开工作2019年度报告", "长宁市人民政府", 2019),
    ("临江市财政局二〇二〇年政府信息公开工作年度报告", "临江市财政局", 2020),
    ("临江市财政局２０２２年政府信息公开年报", "临江市财政局", 2022),
])
def test_title_gives_agency_and_year(title: str, agency: str, year: int) -> None:
    assert find_title(["", title, "一、总体情况"]) == title
    assert find_agency(title, "") == agency
    assert find_year(title, "") == year


def test_short_title_name_is_spelled_out_from_the_prose() -> None:
    prose = "2021年度新华区工业和信息化局未收到依申请公开。新华区工信局严格按照要求做好工作。"
    assert find_agency("工信局2021年政府信息公开工作年度报告", prose) == "新华区工业和信息化局"
    assert find_agency("国家统计局2021年政府信息公开工作年度报告", "国家统计局坚持依法公开。") == "国家统计局"


def test_title_wrapped_over_two_lines() -> None:
    lines = ["上饶市工业和信息化局2021年政府信息", "公开工作年度报告", "", "一、总体情况"]
    assert find_title(lines) == "上饶市工业和信息化局2021年政府信息公开工作年度报告"


def test_breadcrumb_title_candidate_keeps_the_last_crumb() -> None:
    crumb = "当前位置：首页 > 政府信息公开年报 > 长宁市人民政府2021年政府信息公开工作年度报告"
    assert find_title([], [crumb]) == "长宁市人民政府2021年政府信息公开工作年度报告"


@pytest.mark.parametrize("agency, scope", [
    ("长宁市人民政府", "region"), ("西城镇人民政府", "region"), ("长宁市人民政府办公室", "organ"),
    ("临江市生态环境局", "organ"), (None, None),
])
def test_scope(agency, scope) -> None:
    assert scope_of(agency) == scope


def test_sections_do_not_split_on_table_three_row_labels() -> None:
    lines = ["一、总体情况", "概述文字", "三、收到和处理政府信息公开申请情况", "一、本年新收政府信息公开申请数量 1 0 0 0 0 0 1",
             "四、结转下年度继续办理 0 0 0 0 0 0 0", "四、政府信息公开行政复议、行政诉讼情况", "0 0", "五、存在的主要问题及改进情况",
             "问题", "六、其他需要报告的事项", "无。"]
    sections = find_sections(lines, numbered_headings=True)
    assert list(sections) == ["一", "三", "四", "五", "六"]
    assert "结转下年度" in sections["三"] and sections["六"] == "无。"


def test_freeform_report_figures_from_prose_not_cumulative() -> None:
    text = ("荷塘区教育局2012年政府信息公开工作年度报告\n一、概述\n2012年，我局认真贯彻《条例》，依法做好政府信息公开工作。"
            "主动公开政府信息，畅通依申请公开渠道。\n二、主动公开政府信息情况\n全年主动公开政府信息1,234条。"
            "自2008年以来历年累计主动公开信息9876条。\n三、依申请公开政府信息情况\n全年共受理政府信息公开申请12件，其中同意公开8件，"
            "同意部分公开1件，不予公开2件。\n四、政府信息公开的收费及减免情况\n本年度未收取任何费用。\n"
            "五、因政府信息公开申请行政复议、提起行政诉讼的情况\n本年度未发生因政府信息公开申请行政复议、提起行政诉讼的情况。\n"
            "六、存在的主要问题和改进措施\n公开内容有待丰富，我们将进一步改进，做好依申请公开工作和主动公开工作。")
    got = extract_text(text)
    assert (got.template, got.year, got.agency) == ("freeform", 2012, "荷塘区教育局")
    assert got.cells == {"ff.proactive_items": 1234, "ff.applications": 12, "ff.granted": 8, "ff.partial": 1,
                         "ff.denied": 2, "ff.review_cases": 0, "ff.litigation_cases": 0, "ff.fees_yuan": 0}
    assert list(got.sections)[:3] == ["一", "二", "三"]


def test_title_without_agency_takes_it_from_the_prose_then_the_site() -> None:
    prose = "一、总体情况\n2021年，临江市财政局坚持依法公开。一年来临江市财政局不断完善制度，我局主动公开信息。"
    assert find_agency("2021年政府信息公开工作年度报告", prose, ["长宁市人民政府门户网站"]) == "临江市财政局"
    assert find_agency("2021年政府信息公开工作年度报告", "我局认真做好工作。", ["长宁市交通运输局门户网站"]) == "长宁市交通运输局"


def test_freeform_statistics_table_takes_the_year_column_wherever_it_is() -> None:
    text = ("荷塘区教育局2012年政府信息公开工作年度报告\n一、概述\n我局依法做好主动公开和依申请公开工作，" + "完善制度，畅通渠道，" * 12
            + "\n附表：政府信息公开情况统计表\n指标\t历年累计\t2012年度\n主动公开信息（条）\t9876\t1234\n"
            "收到申请（件）\t40\t12\n同意公开（件）\t30\t8\n同意部分公开（件）\t3\t1\n不予公开（件）\t5\t2\n"
            "行政复议（件）\t2\t0\n行政诉讼（件）\t1\t0\n收取费用（元）\t300\t25.5\n")
    got = extract_text(text)
    assert got.template == "freeform"
    assert got.cells == {"ff.proactive_items": 1234, "ff.applications": 12, "ff.granted": 8, "ff.partial": 1,
                         "ff.denied": 2, "ff.review_cases": 0, "ff.litigation_cases": 0, "ff.fees_yuan": 25.5}


@pytest.mark.parametrize("label", ["标题: ", "标题：", "题名：", "文章标题: "])
def test_a_page_dump_field_label_is_not_part_of_the_title_or_agency(label: str) -> None:
    text = (f"{label}平潭县人民政府2011年政府信息公开工作年度报告\n发布时间: 2012-04-18 00:00\n"
            "平潭县人民政府2011年政府信息公开工作年度报告 一、概述 2011年，县政府认真贯彻《条例》，"
            + "主动公开政府信息，做好依申请公开工作，完善公开制度。" * 8)
    got = extract_text(text)
    assert (got.title, got.agency, got.year) == ("平潭县人民政府2011年政府信息公开工作年度报告", "平潭县人民政府", 2011)


@pytest.mark.parametrize("written, year", [("二○二一年", 2021), ("二〇二一年", 2021), ("二零二一年", 2021), ("二O二一年", 2021),
                                           ("２０２１年", 2021), ("二○一一年", 2011), ("2021年", 2021)])
def test_listing_titles_and_reports_read_a_year_the_same_way(written: str, year: int) -> None:
    from extractors.titles import REPORT, classify_title

    title = f"临江市财政局{written}政府信息公开工作年度报告"
    assert classify_title(title) is not None and classify_title(title).kind == REPORT
    assert classify_title(title).year == year
    assert find_year(title, "") == year
    assert find_agency(title, "") == "临江市财政局"


def test_agency_misread_in_the_title_is_checked_against_the_body() -> None:
    from extractors.metadata import confirm_agency

    prose = "2022年，临江市生态环境局坚持依法公开。临江市生态环境局网站发布信息120条。"
    assert confirm_agency("临江市生杰环境局", "临江市生杰环境局2022年政府信息公开工作年度报告\n" + prose) == "临江市生态环境局"
    # one differing mention does not outvote the title
    assert confirm_agency("临江市生态环境局", "临江市生态环境局2022年…报告\n临江市生杰环境局坚持依法公开。") == "临江市生态环境局"
    # the site's name counts as a mention
    assert confirm_agency("临江市生杰环境局", "临江市生杰环境局2022年…报告\n临江市生态环境局坚持公开。",
                          ["临江市生态环境局"]) == "临江市生态环境局"
    assert confirm_agency("临江市人民政府", "临江县人民政府2022年…报告") == "临江市人民政府"
