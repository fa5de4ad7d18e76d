"""The hard portals: what real portals do to a crawler that the five demo portals do not. Each is one
behaviour, on its own 127.0.0.2x address, so a test can aim at it; ``build_world(hard=True)`` serves
them beside the five, ``build_scale_world()`` is the benchmark world.

| id        | host        | platform | what it does                                                        |
|-----------|-------------|----------|---------------------------------------------------------------------|
| pengjiang | 127.0.0.21  | gkmlpt   | Guangdong gkmlpt: JS shell ``/gkmlpt/annualreport#5231``, JSON API, |
|           |             |          | 2 API pages of 10, a report body-only, attachment-only, both        |
| xifeng    | 127.0.0.22  | trs      | listing rows only by script (JSON fetched by XHR): needs_browser    |
| linxia    | 127.0.0.23  | trs      | 瑞数-style 412 cookie challenge on every request (``antibot``)       |
| anding    | 127.0.0.24  | hanweb   | 加速乐-style 521 ``__jsl_clearance`` challenge, dataproxy included   |
| jinchuan  | 127.0.0.25  | trs      | WAF block page (HTTP 200) for everything: blocked, nothing is true  |
| dongqu    | 127.0.0.26  | trs      | 62 rows in 13 listing pages (``index`` … ``index_12``), one report  |
|           |             |          | robots.txt forbids, one reached through 301 → 302                  |

The scale world (``build_scale_world``): one scripted-listing TRS portal, ``scale`` on 127.0.0.31,
with ``reports`` reports (default 1,000) in listing pages of 20: about 1,050 pages a browser has to
render, each detail page rendered only when asked.
"""
from __future__ import annotations

import random
from datetime import date

from extractors.keys import FREEFORM, GB2019, GB2021
from replica.portals import (
    GKMLPT,
    HANWEB,
    JSL,
    RUISHU,
    SCRIPTED,
    SEED,
    TRS,
    WAF,
    Item,
    Portal,
    World,
    _explainers,
    _notice,
    _report,
)
from replica.render import CELL_PER_LINE, INLINE, TABBED, Style
from replica.reports import REGION, TITLE_PATTERNS, random_model

SCALE_HOST = "127.0.0.31"


def template_for(year: int) -> str:
    return FREEFORM if year <= 2018 else GB2019 if year <= 2020 else GB2021


def _model(rng: random.Random, agency: str, year: int, **how):
    return random_model(rng, template_for(year), agency, year, **how)


def _pengjiang(rng: random.Random, version: int) -> Portal:
    area = "江门市蓬江区"
    region = _model(rng, f"{area}人民政府", 2023, scope=REGION, activity="high")
    items = [
        _report(region),
        *_explainers(region, "全区"),
        _report(_model(rng, f"{area}人民政府", 2022, scope=REGION, activity="medium"), attachment=TABBED),
        _report(_model(rng, f"{area}发展和改革局", 2023, activity="low"), body=False, attachment=CELL_PER_LINE),
        _report(_model(rng, f"{area}教育局", 2024, activity="medium")),
        _report(_model(rng, f"{area}财政局", 2021, activity="low"), attachment=INLINE),
        _report(_model(rng, f"{area}卫生健康局", 2020, activity="medium", title_pattern=TITLE_PATTERNS[1])),
        _report(_model(rng, f"{area}民政局", 2019, activity="low", blank_rate=0.4)),
        _report(_model(rng, f"{area}司法局", 2024, activity="low"), style=Style(typos=True)),
        _notice(f"{area}2024年政务公开工作要点", date(2024, 4, 18),
                "深化政务公开标准化规范化建设，做好政府信息公开年度报告编制发布工作。"),
        _notice("关于调整政府信息公开目录平台栏目设置的说明", date(2023, 6, 2),
                "根据省统一部署，本单位政府信息公开目录迁移至政府信息公开目录管理平台。"),
    ]
    return Portal("pengjiang", f"{area}人民政府", GKMLPT, "127.0.0.21", "utf-8", "4407030001", tuple(items),
                  page_size=10, column_id=5231, unit_id=750023,
                  note="gkmlpt: rows from /gkmlpt/api/all/5231?page=N&sid=750023 (JSON); the page is a script shell")


def _xifeng(rng: random.Random, version: int) -> Portal:
    area = "庆阳市西峰区"
    items = [
        _report(_model(rng, f"{area}人民政府", 2024, scope=REGION, activity="medium")),
        _report(_model(rng, f"{area}人民政府", 2023, scope=REGION, activity="medium"), attachment=CELL_PER_LINE),
        _report(_model(rng, f"{area}农业农村局", 2023, activity="low")),
        _report(_model(rng, f"{area}交通运输局", 2022, activity="low"), body=False, attachment=TABBED),
        _report(_model(rng, f"{area}应急管理局", 2021, activity="low")),
        _report(_model(rng, f"{area}审计局", 2020, activity="none")),
        _report(_model(rng, f"{area}统计局", 2018, activity="low")),
        _notice(f"{area}政府信息公开指南", date(2022, 3, 15), "本机关主动公开的政府信息可通过区政府门户网站查阅。"),
        _notice(f"{area}2023年政务公开工作要点", date(2023, 4, 3), "围绕中心工作，推进重点领域信息公开。"),
    ]
    return Portal("xifeng", f"{area}人民政府", TRS, "127.0.0.22", "utf-8", "6210020001", tuple(items), page_size=6,
                  listing=SCRIPTED, note="TRS listing written by script from list_N.json: render it in a browser")


def _linxia(rng: random.Random, version: int) -> Portal:
    agency = "临夏回族自治州市场监督管理局"
    items = [
        _report(_model(rng, agency, 2024, activity="medium")),
        _report(_model(rng, agency, 2023, activity="medium"), attachment=TABBED),
        _report(_model(rng, agency, 2022, activity="low"), body=False, attachment=CELL_PER_LINE),
        _notice(f"{agency}政府信息公开指南", date(2021, 7, 1), "申请人可通过信函、当面等方式提出政府信息公开申请。"),
    ]
    return Portal("linxia", agency, TRS, "127.0.0.23", "utf-8", "6229000012", tuple(items), guard=RUISHU,
                  note="瑞数-style: 412 + cookie script on every request until the browser has run it")


def _anding(rng: random.Random, version: int) -> Portal:
    area = "定西市安定区"
    items = [
        _report(_model(rng, f"{area}人民政府", 2023, scope=REGION, activity="high")),
        _report(_model(rng, f"{area}人民政府", 2022, scope=REGION, activity="medium"), attachment=INLINE),
        _report(_model(rng, f"{area}林业和草原局", 2024, activity="low"), body=False, attachment=TABBED),
        _notice(f"{area}政府信息公开工作年度报告编制说明", date(2024, 1, 8), "各部门按国家统一格式编制年度报告。"),
    ]
    return Portal("anding", f"{area}人民政府", HANWEB, "127.0.0.24", "utf-8", "6211020001", tuple(items),
                  column_id=1229301, unit_id=4658501, guard=JSL,
                  note="加速乐-style: 521 + __jsluid_h and a script that finds __jsl_clearance")


def _jinchuan(rng: random.Random, version: int) -> Portal:
    area = "金昌市金川区"
    items = [
        _report(_model(rng, f"{area}人民政府", 2024, scope=REGION, activity="medium")),
        _report(_model(rng, f"{area}人民政府", 2023, scope=REGION, activity="medium")),
    ]
    return Portal("jinchuan", f"{area}人民政府", TRS, "127.0.0.25", "utf-8", "6203020001", tuple(items), guard=WAF,
                  note="a WAF answers every request with a block page (HTTP 200): the host is blocked")


DONGQU_DEPARTMENTS = ("人民政府", "发展和改革局", "教育和体育局", "公安分局", "民政局", "财政局", "人力资源和社会保障局",
                      "自然资源局", "住房和城乡建设局", "交通运输局", "农业农村局", "商务局", "文化广播电视和旅游局",
                      "卫生健康局", "应急管理局")


def _dongqu(rng: random.Random, version: int) -> Portal:
    """Thirteen listing pages: 15 reports among 47 notices of 2015–2025; one report robots.txt
    forbids, one whose listing link redirects twice."""
    area = "攀枝花市东区"
    reports = []
    for n, department in enumerate(DONGQU_DEPARTMENTS):
        year = 2016 + n % 9
        model = _model(rng, f"{area}{department}", year, scope=REGION if n == 0 else "organ",
                       activity=("low", "medium")[n % 2])
        reports.append(_report(model, attachment=(None, INLINE, TABBED)[n % 3], disallowed=n == 4, moved=n == 7))
    notices = [
        _notice(f"{area}{('关于', '转发', '印发')[n % 3]}第{n + 1}号政务公开工作通知", date(2015 + n % 11, 1 + n % 12, 1 + n % 27),
                f"请各单位按照要求做好第{n + 1}项政务公开工作，并按时报送落实情况。")
        for n in range(47)
    ]
    return Portal("dongqu", f"{area}人民政府", TRS, "127.0.0.26", "utf-8", "5104020001", tuple(reports + notices),
                  page_size=5, note="13 listing pages; robots.txt forbids one report; one report behind 301 → 302")


HARD_BUILDERS = (_pengjiang, _xifeng, _linxia, _anding, _jinchuan, _dongqu)


def hard_portals(seed: int = SEED, version: int = 1) -> tuple[Portal, ...]:
    return tuple(build(random.Random(f"{seed}:{build.__name__}"), version) for build in HARD_BUILDERS)


SCALE_DISTRICTS = ("东城", "西城", "南岗", "北林", "中原", "江北", "河西", "城关", "新城", "高新")
SCALE_DEPARTMENTS = ("发展和改革局", "教育局", "科学技术局", "民政局", "司法局", "财政局", "生态环境局", "水利局",
                     "商务局", "审计局")


def build_scale_world(reports: int = 1000, seed: int = SEED) -> World:
    """One scripted-listing TRS portal with ``reports`` reports (body only) in listing pages of 20:
    for a memory benchmark of browser rendering. Pages are rendered when asked, so starting it costs
    about a second; the reports' numbers are in the truth as usual."""
    rng = random.Random(f"{seed}:scale")
    items: list[Item] = []
    for n in range(reports):
        district = SCALE_DISTRICTS[n // 100 % 10] + ("区" if n < 1000 else f"{n // 1000}区")
        agency = f"{district}{SCALE_DEPARTMENTS[n // 10 % 10]}"
        year = 2015 + n % 10
        items.append(_report(_model(rng, agency, year, activity="low")))
    portal = Portal("scale", "规模测试市人民政府", TRS, SCALE_HOST, "utf-8", "9900000001", tuple(items), page_size=20,
                    listing=SCRIPTED, lazy=True, note=f"{reports} reports, listing by script: a browser memory benchmark")
    return World(1, (portal,))

