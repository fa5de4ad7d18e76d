"""The replica's world: which portals exist, who runs them, and what their annual-report columns list.

Platforms are code (``replica.trs``, ``replica.hanweb``, ``replica.gkmlpt``), portals are data (this
module and ``replica.hard``). Everything is fixed by a seed, so two runs serve identical bytes;
``build_world(version=2)`` is the same world a while later — one report corrected in place, one by a
更正 notice, one new report published, one taken out of its column — for changed- and removed-report tests
(``World.changes`` names them). ``build_world(hard=True)`` adds the hard portals to the five.

Each portal's column mixes what a real 政府信息公开年报 column holds: the reports of the agency and of
its departments (as HTML bodies, as text attachments, or both), a 图解 and a 解读 that explain a
report but are not one, notices and 工作要点 filed in the wrong column, and a few rows whose pages
fail (a dead link, a 500, a response cut short). The five seed reports of ``shared/samples/seeds``
appear with their agencies, years and numbers, rendered by our own code in the seeds' layouts.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date

from extractors.keys import FREEFORM, GB2019, GB2021
from replica import documents
from replica.render import CELL_PER_LINE, INLINE, PLAIN, TABBED, Style
from replica.reports import REGION, TITLE_PATTERNS, ReportModel, random_model, zero_cells

TRS = "trs"
HANWEB = "hanweb"
GKMLPT = "gkmlpt"

# What stands in front of a portal (``replica.antibot``): nothing, a 瑞数-style 412 cookie challenge,
# a 加速乐-style 521 clearance challenge, or a WAF that blocks the host outright.
RUISHU = "ruishu"
JSL = "jsl"
WAF = "waf"

# How a TRS column builds its rows: in the static HTML, or by a script fetching a JSON file.
STATIC = "static"
SCRIPTED = "scripted"

# What an item in a column is. Only REPORT items are reports; the three fault kinds look like report
# rows in the listing but their pages fail.
REPORT = "report"
GRAPHIC = "graphic"  # 图解
EXPLAINER = "explainer"  # 解读
NOTICE = "notice"
CORRECTION = "correction"  # 更正: a notice that re-publishes a report with corrected numbers
BROKEN = "broken"  # the listing links a page that does not exist: 404
SERVER_ERROR = "server_error"  # the detail page answers 500
TRUNCATED = "truncated"  # the detail page is cut short under a larger Content-Length
FAULTS = {BROKEN: "404", SERVER_ERROR: "500", TRUNCATED: "truncated"}


@dataclass(frozen=True)
class Item:
    """One row of a column listing and the page behind it.

    For a REPORT: ``body`` says whether the detail page carries the report as HTML, ``attachment``
    names the text layout of an attached copy (None: no attachment). For a GRAPHIC or EXPLAINER,
    ``report`` is the report it explains; for a fault kind, the report whose page fails; for a
    CORRECTION, the corrected report it re-publishes after its ``text`` (what was wrong).
    """

    title: str
    published: date
    kind: str = REPORT
    report: ReportModel | None = None
    body: bool = True
    attachment: str | None = None
    attachment_encoding: str = "utf-8"
    style: Style = PLAIN
    text: str = ""
    revised: date | None = None  # republished in place on this day (a corrected report)
    disallowed: bool = False  # robots.txt forbids its detail page
    moved: bool = False  # its listing link answers 301, then 302, then the page

    @property
    def updated(self) -> date:
        return self.revised or self.published


@dataclass(frozen=True)
class Portal:
    """One government site: its CMS platform, the loopback address it is served on, its column."""

    id: str
    agency: str
    platform: str
    host: str
    encoding: str  # "utf-8" or "gbk"
    site_code: str  # 网站标识码
    items: tuple[Item, ...]
    page_size: int = 15  # TRS rows per listing page; Hanweb rows per dataproxy page; gkmlpt per API page
    column_id: int = 0  # Hanweb: the column id; gkmlpt: the 年报 category id
    unit_id: int = 0  # Hanweb: the jpage unit id; gkmlpt: the site id (SID)
    guard: str | None = None  # RUISHU | JSL | WAF: what answers before the CMS does
    listing: str = STATIC  # TRS only: STATIC | SCRIPTED
    removed: tuple[Item, ...] = ()  # reports taken out of the column, their pages still served
    changed_on: date | None = None  # the day the column last lost a row (rows' own dates tell the rest)
    lazy: bool = False  # render pages on request (the scale world's thousand pages)
    note: str = ""  # what is odd about this portal, for people reading a site list

    @property
    def region_code(self) -> str:
        """Its GB/T 2260 region: a 网站标识码 begins with the code of the site's division."""
        return self.site_code[:6]

    @property
    def level(self) -> str:
        code = self.region_code
        return "provincial" if code.endswith("0000") else "prefectural" if code.endswith("00") else "county"

    @property
    def column_path(self) -> str:
        if self.platform == TRS:
            return "/zfxxgk/zfxxgknb/index.html"
        if self.platform == GKMLPT:
            return "/gkmlpt/annualreport"
        return f"/col/col{self.column_id}/index.html"

    @property
    def info_path(self) -> str:
        """The 政府信息公开 section the report column belongs to."""
        if self.platform == GKMLPT:
            return "/gkmlpt/index"
        return "/zfxxgk/index.html" if self.platform == TRS else f"/col/col{self.column_id - 1}/index.html"

    @property
    def needs_browser(self) -> bool:
        """Its listing rows exist only after a script runs."""
        return self.listing == SCRIPTED

    @property
    def updated(self) -> date:
        """When the column last changed: its newest row, edit, or removal."""
        return max([item.updated for item in self.items] + [self.changed_on or date.min])

    def listed(self) -> tuple[Item, ...]:
        """The column's rows as the CMS orders them: newest first."""
        return tuple(sorted(self.items, key=lambda item: item.published, reverse=True))


@dataclass(frozen=True)
class Change:
    """What a world version changed since version 1, by portal and item title: "changed" (a report
    republished in place with other numbers), "added" (a new row), "removed" (taken out of the column),
    "corrected" (a 更正 notice re-publishing a report, listed beside it)."""

    portal_id: str
    kind: str
    title: str


@dataclass(frozen=True)
class World:
    version: int
    portals: tuple[Portal, ...]
    changes: tuple[Change, ...] = ()


def _report(model: ReportModel, **how) -> Item:
    return Item(model.title, model.published, report=model, **how)


def _seed(rng: random.Random, template: str, agency: str, year: int, published: date, *,
          title_pattern: str = TITLE_PATTERNS[0], **cells) -> ReportModel:
    """A seed report: all zeros except ``cells`` (keys with dots written as double underscores)."""
    model = random_model(rng, template, agency, year, activity="none", title_pattern=title_pattern)
    values = zero_cells(template) | {key.replace("__", "."): v for key, v in cells.items()}
    return replace(model, cells=values, published=published)


def _explainers(report: ReportModel, area: str) -> tuple[Item, Item]:
    c = report.cells
    graphic = Item(f"图解：{report.title}", date.fromordinal(report.published.toordinal() + 1), kind=GRAPHIC,
                   report=report, text=f"一图读懂{report.title}")
    explainer = Item(
        f"解读：{report.title}", date.fromordinal(report.published.toordinal() + 2), kind=EXPLAINER, report=report,
        text=(f"{report.year}年，{area}共新收政府信息公开申请{c['t3.new.total']}件，上年结转{c['t3.carried_in.total']}件，"
              f"办结{c['t3.total.total']}件，其中予以公开{c['t3.granted.total']}件。因政府信息公开被申请行政复议"
              f"{c['t4.review.total']}件。报告全文见政府信息公开年报栏目。"))
    return graphic, explainer


def _correction(report: ReportModel, published: date, **how) -> Item:
    """A 更正 notice re-publishing ``report`` with two miscounted figures of table 二 put right
    (figures no 勾稽关系 ties, so the corrected report is as consistent as the original)."""
    fixed = {"t2.license.decisions": (report.cells["t2.license.decisions"] or 0) + 12,
             "t2.penalty.decisions": (report.cells["t2.penalty.decisions"] or 0) + 5}
    text = (f"因统计口径有误，我单位此前公布的《{report.title}》中“二、主动公开政府信息情况”的行政许可、行政处罚"
            "本年处理决定数量填报有误，现予以更正。更正后的报告全文如下：")
    return Item(f"关于《{report.title}》的更正说明", published, kind=CORRECTION,
                report=replace(report, cells=report.cells | fixed), text=text, **how)


def _misprinted(model: ReportModel, key: str, delta: int) -> ReportModel:
    """The report as its agency printed it, with one number off: its checks fail, as real ones do."""
    return replace(model, cells=model.cells | {key: (model.cells[key] or 0) + delta})


def _notice(title: str, published: date, text: str, kind: str = NOTICE) -> Item:
    return Item(title, published, kind=kind, text=text)


def _fault(kind: str, model: ReportModel) -> Item:
    """A report row whose page fails; the report behind it is not reachable, so not in the truth."""
    return Item(model.title, model.published, kind=kind, report=model)


def _xinhua(rng: random.Random, version: int) -> Portal:
    industry = _seed(rng, GB2021, "新华区工业和信息化局", 2021, date(2022, 1, 20))
    region = random_model(rng, GB2021, "新华区人民政府", 2022, scope=REGION, activity="high")
    graphic, explainer = _explainers(region, "全区")
    items = (
        _report(industry, body=False, attachment=INLINE, attachment_encoding="gb18030"),
        _report(region, style=Style(long_notes=True)),
        graphic,
        explainer,
        _report(random_model(rng, FREEFORM, "新华区人民政府", 2017, scope=REGION, activity="medium")),
        _report(random_model(rng, GB2019, "新华区教育局", 2019, activity="medium")),
        _report(random_model(rng, GB2021, "新华区财政局", 2023, activity="low"), attachment=CELL_PER_LINE),
        _report(random_model(rng, GB2019, "新华区卫生健康局", 2020, activity="medium", blank_rate=0.5)),
        _notice("关于印发《新华区2023年政务公开工作要点》的通知", date(2023, 4, 12),
                "各街道办事处，区政府各部门：现将《新华区2023年政务公开工作要点》印发给你们，请结合实际认真贯彻落实。"),
        _notice("关于做好2023年度政府信息公开工作年度报告编制发布工作的通知", date(2023, 12, 18),
                "各单位要按照国家规定的格式编制本机关年度报告，于2024年1月31日前向社会公布。"),
        _fault(BROKEN, random_model(rng, GB2021, "新华区住房和城乡建设局", 2021)),
        _fault(SERVER_ERROR, random_model(rng, GB2021, "新华区民政局", 2022)),
        _fault(TRUNCATED, random_model(rng, GB2021, "新华区市场监督管理局", 2023, activity="medium")),
    )
    return Portal("xinhua", "新华区人民政府", TRS, "127.0.0.11", "gbk", "1301050001", items, page_size=5)


def _shangrao(rng: random.Random, version: int) -> Portal:
    """One agency's own site with a report for every year; consecutive years agree (T3-CARRY,
    T2-STOCK), except across the seed year, whose numbers are fixed."""
    agency = "上饶市工业和信息化局"
    seed = _seed(rng, GB2021, agency, 2021, date(2022, 1, 28), t2__normative__issued=2, t2__normative__repealed=1,
                 t2__normative__in_force=2,
                 **{f"t3__other__{row}__{col}": None for row in ("no_fee", "misc")
                    for col in ("natural", "commercial", "research", "social", "legal", "other_org", "total")})
    y2019 = random_model(rng, GB2019, agency, 2019, activity="low")
    y2020 = random_model(rng, GB2019, agency, 2020, activity="low", title_pattern=TITLE_PATTERNS[1], follows=y2019)
    y2022 = random_model(rng, GB2021, agency, 2022, activity="low", follows=seed)
    y2023 = random_model(rng, GB2021, agency, 2023, activity="low", follows=y2022)
    y2024 = random_model(rng, GB2021, agency, 2024, activity="low", follows=y2023)
    if version >= 2:  # republished in place with a corrected stock of normative documents
        y2023 = replace(y2023, cells=y2023.cells | {"t2.normative.in_force": (y2023.cells["t2.normative.in_force"] or 0) + 3})
    items = [
        _report(y2019),
        _report(y2020),
        _report(seed, attachment=CELL_PER_LINE),
        _report(y2022, style=Style(typos=True)),
        _report(y2023, attachment=TABBED),
        _report(y2024, style=Style(extra_row=(3, 0, 3))),
        _notice("上饶市工业和信息化局政府信息公开指南", date(2021, 6, 1),
                "公民、法人或者其他组织可以通过门户网站、现场查阅等方式获取本机关主动公开的政府信息。"),
    ]
    removed: tuple[Item, ...] = ()
    if version >= 2:
        items[4] = replace(items[4], revised=V2_CORRECTED)
        items.append(_correction(y2022, V2_CORRECTED, style=Style(typos=True)))
        items.append(_report(random_model(rng, GB2021, agency, 2025, activity="low", follows=y2024)))
        removed = (items.pop(0),)  # the 2019 report leaves the column; its page stays up, unlinked
    return Portal("shangrao", agency, TRS, "127.0.0.12", "utf-8", "3611000034", tuple(items),
                  removed=removed, changed_on=V2_REMOVED if removed else None)


def _tuoli(rng: random.Random, version: int) -> Portal:
    seed = _seed(rng, GB2019, "托里县商务和工业信息化局", 2021, date(2022, 2, 16), title_pattern=TITLE_PATTERNS[3])
    items = (
        _report(seed, body=False, attachment=CELL_PER_LINE),
        _report(random_model(rng, GB2021, "托里县人民政府", 2021, scope=REGION, activity="medium", blank_rate=0.3)),
        _notice("托里县2022年政务公开工作要点", date(2022, 5, 9),
                "围绕县委、县政府中心工作，深化重点领域信息公开，提升政务公开标准化规范化水平。"),
        # departments that publish the report only as an attachment, one per document format
        _report(random_model(rng, GB2021, "托里县财政局", 2023, activity="medium", blank_rate=0.3),
                body=False, attachment=documents.DOCX),
        _report(random_model(rng, GB2019, "托里县教育局", 2020, activity="low"), body=False, attachment=documents.DOC),
        _report(random_model(rng, GB2021, "托里县民政局", 2024, activity="low"), body=False, attachment=documents.XLSX),
        _report(random_model(rng, GB2021, "托里县司法局", 2022, activity="low"), body=False, attachment=documents.XLS),
        _report(random_model(rng, GB2021, "托里县自然资源局", 2023, activity="medium"), body=False,
                attachment=documents.SCAN),  # 图片版: a scan of the printed report
        # the body and a PDF of the same report: both are kept, the archive says which gave the numbers
        _report(random_model(rng, GB2021, "托里县卫生健康委员会", 2024, activity="medium"), attachment=documents.PDF),
    )
    return Portal("tuoli", "托里县人民政府", TRS, "127.0.0.13", "utf-8", "6542240001", items)


def _jiefang(rng: random.Random, version: int) -> Portal:
    seed = _seed(rng, GB2021, "解放区工业和信息化局", 2024, date(2025, 1, 21))
    region = random_model(rng, GB2021, "解放区人民政府", 2023, scope=REGION, activity="high")
    reports = [
        _report(seed, body=False, attachment=TABBED, style=Style(typos=True)),
        _report(region, style=Style(long_notes=True, typos=True)),
        *_explainers(region, "全区"),
        _report(random_model(rng, GB2021, "解放区发展和改革委员会", 2021, activity="low")),
        _report(random_model(rng, GB2019, "解放区民政局", 2019, activity="low", blank_rate=0.4)),
        _report(random_model(rng, GB2021, "解放区教育局", 2022, activity="medium"), attachment=INLINE),
        # as published, its 总计 column is one request short in the 予以公开 row: T3-ROW-TOTAL and the
        # total column's T3-OUTCOME-SUM fail, a finding about the report (the demo's failed checks)
        _report(_misprinted(random_model(rng, GB2021, "解放区司法局", 2024, activity="low"), "t3.granted.total", -1)),
        _report(random_model(rng, GB2019, "解放区自然资源局", 2020, activity="medium")),
        _report(random_model(rng, GB2021, "解放区人力资源和社会保障局", 2023, activity="medium")),
        _fault(BROKEN, random_model(rng, GB2021, "解放区农业农村局", 2022)),
        _fault(TRUNCATED, random_model(rng, GB2019, "解放区城市管理局", 2020, activity="medium")),
    ]
    notices = [
        _notice(f"解放区{year}年政务公开工作要点", date(year, 4, 20),
                f"{year}年全区政务公开工作要以习近平新时代中国特色社会主义思想为指导，推进决策、执行、管理、服务、结果公开。")
        for year in range(2019, 2026)
    ] + [
        _notice(f"关于报送{year}年度政府信息公开工作年度报告的通知", date(year, 12, 20),
                f"请各单位于{year + 1}年1月20日前报送本单位{year}年度政府信息公开工作年度报告。")
        for year in range(2020, 2024)
    ]
    return Portal("jiefang", "焦作市解放区人民政府", HANWEB, "127.0.0.14", "utf-8", "4108020001",
                  tuple(reports + notices), column_id=1229001, unit_id=4658367)


def _hualong(rng: random.Random, version: int) -> Portal:
    seed = _seed(rng, GB2019, "华龙区工业和信息化局", 2020, date(2021, 1, 26))
    items = (
        _report(seed),
        _report(random_model(rng, GB2019, "濮阳市华龙区人民政府", 2020, scope=REGION, activity="high")),
        _fault(SERVER_ERROR, random_model(rng, GB2021, "华龙区退役军人事务局", 2021)),
        _notice("华龙区政府信息公开指南", date(2020, 3, 2), "本指南所称政府信息，是指行政机关在履行行政管理职能过程中制作或者获取的信息。"),
        # a PDF behind downfile.jsp, served as application/octet-stream: its type is in its bytes
        _report(random_model(rng, GB2021, "华龙区财政局", 2023, activity="medium", blank_rate=0.3), body=False,
                attachment=documents.PDF),
    )
    return Portal("hualong", "濮阳市华龙区人民政府", HANWEB, "127.0.0.15", "utf-8", "4109020001", items,
                  column_id=1229101, unit_id=4658401)


SEED = 20240131

# Version 2 of the world is the same portals a while later (see ``build_world``).
V2_CORRECTED = date(2026, 3, 2)
V2_REMOVED = date(2026, 3, 9)


def _changes(portals: tuple[Portal, ...], version: int) -> tuple[Change, ...]:
    if version < 2:
        return ()
    found = []
    for portal in portals:
        found += [Change(portal.id, "changed", item.title) for item in portal.items if item.revised]
        found += [Change(portal.id, "removed", item.title) for item in portal.removed]
        found += [Change(portal.id, "corrected", item.title) for item in portal.items if item.kind == CORRECTION]
    shangrao = next(p for p in portals if p.id == "shangrao")
    reports = [item for item in shangrao.items if item.kind == REPORT]
    found.append(Change("shangrao", "added", max(reports, key=lambda item: item.published).title))
    return tuple(found)


def build_world(version: int = 1, seed: int = SEED, *, hard: bool = False) -> World:
    """The replica's portals. Each portal draws from its own generator, so changing one portal's
    reports never changes another's numbers.

    ``version=2`` is the same world later: on the 上饶 site one report corrected in place (new numbers,
    new Last-Modified), one corrected by a 更正 notice beside it, one report added, one taken out of
    the column (its page still answers);
    ``World.changes`` names them. ``hard=True`` adds the portals of ``replica.hard`` (gkmlpt, a
    script-built listing, the anti-bot challenges, a WAF, a 13-page column with a robots.txt disallow
    and a redirect chain) to the five; the default world never changes.
    """
    builders = (_xinhua, _shangrao, _tuoli, _jiefang, _hualong)
    portals = tuple(build(random.Random(f"{seed}:{build.__name__}"), version) for build in builders)
    if hard:
        from replica.hard import hard_portals

        portals += hard_portals(seed, version)
    return World(version, portals, _changes(portals, version))
