"""Free-form (2008–2018) reports: zeros stated in words, 统计表 with a year and a cumulative column
(also run together without separators), and template detection that old reports' words cannot trip.

The reports here are written by hand in the wording of real county reports of those years, which
the replica's free-form renderer does not use.
"""
from __future__ import annotations

from extractors import extract_html, extract_text
from extractors.keys import FREEFORM, GB2019

_HEAD = "标题: 临江县人民政府{year}年政府信息公开工作年度报告\n发布时间: {next_year}-03-20 00:00\n栏目: 政府信息公开年报\n"
_BODY = ("临江县人民政府{year}年政府信息公开工作年度报告 本报告根据《中华人民共和国政府信息公开条例》编制，由概述、主动公开政府信息"
         "情况、依申请公开情况、存在的主要问题及改进措施、政府信息公开情况统计表组成。一、概述 {year}年，县政府办公室加强组织领导，"
         "健全工作机制，认真做好政府信息公开工作，定期对各乡镇、各部门的公开工作进行检查。二、主动公开政府信息情况 全县各单位对"
         "政府信息进行了梳理和编目，及时更新公开目录，通过门户网站、政务公开栏、档案馆和图书馆查阅点等渠道公开政府信息。{prose}"
         "四、存在的主要问题及改进措施 一是公开内容不够全面；二是依申请公开工作机制仍需规范。下一步将加强培训，完善制度。")


def _page(year: int, prose: str, table: str = "") -> str:
    return _HEAD.format(year=year, next_year=year + 1) + _BODY.format(year=year, prose=prose) + table


def test_nothing_received_and_no_case_filed_are_zeros() -> None:
    got = extract_text(_page(2012, "三、依申请公开情况 2012年全县未收到有关政府信息公开的申请。"
                                   "本年度没有发生因政府信息公开引起的行政复议和行政诉讼。"))
    assert got.template == FREEFORM and got.year == 2012
    assert {k: got.cells[k] for k in ("ff.applications", "ff.granted", "ff.partial", "ff.denied",
                                      "ff.review_cases", "ff.litigation_cases")} == dict.fromkeys(
        ("ff.applications", "ff.granted", "ff.partial", "ff.denied", "ff.review_cases", "ff.litigation_cases"), 0)


def test_a_review_application_not_received_is_not_an_application_zero() -> None:
    got = extract_text(_page(2013, "三、依申请公开情况 全年受理政府信息公开申请6件，其中同意公开5件。我局未收到行政复议申请。"))
    assert (got.cells["ff.applications"], got.cells["ff.granted"], got.cells["ff.review_cases"]) == (6, 5, 0)
    assert got.cells["ff.partial"] is None  # nothing said about it: not 0


def test_run_together_statistics_table_reads_the_year_column() -> None:
    # 2013年度 | 历年累计, cells and the 计量单位 column glued: "主动公开信息数条3121980" = 312 | 1980 is pinned by its
    # 其中 rows (300|1900 + 12|80); "受理申请总数件725" = 7 | 25 (cumulative below the year's is impossible).
    table = ("附件：临江县人民政府2013年政府信息公开情况统计表 指标名称计量单位2013年度历年累计主动公开信息数条3121980"
             "其中：1.网站公开条30019002.政府公报公开条1280受理申请总数件725其中：1.同意公开件6222.同意部分公开件13"
             "行政复议数件01行政诉讼数件00")
    got = extract_text(_page(2013, "三、依申请公开情况 详见附表。", table))
    assert got.template == FREEFORM
    assert (got.cells["ff.proactive_items"], got.cells["ff.applications"], got.cells["ff.granted"],
            got.cells["ff.partial"], got.cells["ff.review_cases"], got.cells["ff.litigation_cases"]) == (312, 7, 6, 1, 0, 0)


def test_a_run_its_sums_do_not_pin_is_left_to_the_prose_or_null() -> None:
    # "4251516": 4|251516, 42|51516 and 425|1516 all keep 累计 ≥ 年度, and no 其中 rows follow
    table = "附件1：统计表 指标名称计量单位2011年度历年累计主动公开信息数条4251516受理申请总数件00"
    got = extract_text(_page(2011, "三、依申请公开情况 无。", table))
    assert got.cells["ff.proactive_items"] is None and got.cells["ff.applications"] == 0
    stated = extract_text(_page(2011, "三、依申请公开情况 全年主动公开政府信息425条。", table))
    assert stated.cells["ff.proactive_items"] == 425


def test_cumulative_column_first() -> None:
    table = "统计表 项目单位历年累计本年度主动公开信息条1980312其中：1.网站公开条19003002.政府公报公开条8012"
    got = extract_text(_page(2013, "三、依申请公开情况 无。", table))
    assert got.cells["ff.proactive_items"] == 312


def test_a_2018_report_using_words_of_the_later_tables_stays_free_form() -> None:
    prose = ("三、依申请公开情况 2018年共受理政府信息公开申请12件，上年结转2件，予以公开8件，部分公开2件，结转下年度办理2件，"
             "本年新收申请主要涉及征地拆迁。行政许可和其他对外管理服务事项、行政处罚、政府集中采购等信息均按要求公开，"
             "全年未发生因政府信息公开引起的行政复议、行政诉讼。")
    html = f"<html><body><h1>临江县人民政府2018年政府信息公开工作年度报告</h1>{''.join(f'<p>{p}</p>' for p in _page(2018, prose).split('。'))}</body></html>"
    for got in (extract_text(_page(2018, prose)), extract_html(html)):
        assert got.template == FREEFORM, got.problems
        assert (got.cells["ff.applications"], got.cells["ff.review_cases"], got.cells["ff.litigation_cases"]) == (12, 0, 0)


def test_a_2019_report_with_the_national_tables_is_still_national() -> None:
    table = ("二、主动公开政府信息情况 第二十条第（一）项 信息内容 本年新制作数量 本年新公开数量 对外公开总数量\n规章 0 0 0\n"
             "第二十条第（五）项 信息内容 上一年项目数量 本年增/减 处理决定数量\n行政许可 3 0 12\n")
    got = extract_text("临江县人民政府2019年政府信息公开工作年度报告\n一、总体情况\n2019年，本县认真贯彻条例。\n" + table)
    assert got.template == GB2019 and got.cells["t2.license.decisions"] == 12


def test_a_2018_report_with_headings_like_the_later_format_stays_free_form() -> None:
    text = ("临江县人民政府2018年政府信息公开工作年度报告\n一、总体情况\n2018年，县政府认真贯彻《条例》，主动公开政府信息，"
            "做好依申请公开工作，完善公开制度，加强平台建设，各项工作有序推进。\n二、主动公开政府信息情况\n全年主动公开政府信息"
            "1024条。\n三、收到和处理政府信息公开申请情况\n全年受理政府信息公开申请9件，其中同意公开7件，同意部分公开1件。\n"
            "四、政府信息公开行政复议、行政诉讼情况\n全年未发生因政府信息公开引起的行政复议、行政诉讼。\n")
    got = extract_text(text)
    assert got.template == FREEFORM and got.problems == ()
    assert (got.cells["ff.proactive_items"], got.cells["ff.applications"], got.cells["ff.granted"],
            got.cells["ff.partial"], got.cells["ff.review_cases"]) == (1024, 9, 7, 1, 0)


def test_the_2010s_statistics_table_run_together() -> None:
    """The 统计表 most counties appended in 2010–2018 (统计指标 | 单位 | 统计数), dumped without separators:
    units glued before the figures, each sub-item's numbering glued after the figure before it."""
    table = ("附件：临江县人民政府2016年政府信息公开情况统计表 统计指标单位统计数一、主动公开情况（一）主动公开政府信息数条318"
             "其中：主动公开规范性文件数条12三、依申请公开情况（一）收到申请数件111.当面申请数件32.网上申请数件8"
             "（三）申请答复数件111.属于已主动公开范围数件22.同意公开答复数件53.同意部分公开答复数件14.不同意公开答复数件1"
             "其中：涉及个人隐私件15.不属于本行政机关公开数件16.申请信息不存在数件1四、行政复议数量件1（一）维持具体行政行为数件1"
             "五、行政诉讼数量件0六、举报投诉数量件0七、依申请公开信息收取的费用元0")
    got = extract_text(_page(2016, "三、依申请公开情况 详见附表。", table))
    assert got.template == FREEFORM and got.year == 2016
    assert [got.cells[k] for k in ("ff.proactive_items", "ff.applications", "ff.granted", "ff.partial", "ff.denied",
                                   "ff.review_cases", "ff.litigation_cases", "ff.fees_yuan")] == [318, 11, 5, 1, 1, 1, 0, 0]


def test_applications_handled_or_filed_in_other_verbs() -> None:
    for sentence, count in (("全年办理群众提出的政府信息公开申请25件。", 25), ("公民共提出政府信息公开申请7件。", 7)):
        got = extract_text(_page(2014, "三、依申请公开情况 " + sentence))
        assert got.cells["ff.applications"] == count, sentence
