from extractors.titles import COMPANION, CORRECTION, REPORT, TitleKind, classify_title


def test_report_titles_and_their_years():
    cases = {
        "新华区工业和信息化局2021年政府信息公开工作年度报告": 2021,
        "上饶市工业和信息化局2020年度政府信息公开工作年度报告": 2020,
        "某某县2019年政务公开工作年度报告（图片版）": 2019,
        "某某局信息公开工作2022年度报告": 2022,
        "二〇二一年度某某市人民政府政府信息公开工作年报": 2021,
    }
    for title, year in cases.items():
        assert classify_title(title) == TitleKind(REPORT, year), title


def test_companions_are_recognised_not_counted():
    for title in ("图解：某某局2021年政府信息公开工作年度报告", "一图读懂2022年政府信息公开工作年度报告",
                  "《某某市2021年政府信息公开工作年度报告》解读"):
        assert classify_title(title).kind == COMPANION, title


def test_corrections_are_recognised_with_their_year_when_given():
    cases = {"关于《某某局2021年政府信息公开工作年度报告》的更正说明": 2021,
             "某某县人民政府2022年政府信息公开工作年度报告（更正）": 2022,
             "关于某某市2020年度政府信息公开工作年度报告部分数据的更正": 2020,
             "关于《某某局政府信息公开工作年度报告》的勘误说明": None}
    for title, year in cases.items():
        assert classify_title(title) == TitleKind(CORRECTION, year), title


def test_notices_and_other_items_are_not_reports():
    for title in ("关于报送2021年度政府信息公开工作年度报告的通知", "关于做好2023年度政府信息公开工作年度报告编制发布工作的通知",
                  "2022年政务公开工作要点", "某某局2021年工作总结", "", "政府信息公开年报", "政府信息公开年度报告"):
        assert classify_title(title) is None, title
