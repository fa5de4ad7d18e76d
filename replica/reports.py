"""The replica's canonical report model: the truth its rendered pages carry.

The replica must know the true numbers of every page it serves, so reports are not stored as
documents: each is a ``ReportModel`` (agency, year, template, every canonical cell), made by hand
for the seeds or by ``random_model`` with consistent numbers, and rendered into portal content by
``replica.render``.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from extractors.keys import (
    FREEFORM,
    GB2021,
    T2_GB2019,
    T2_GB2021,
    T3_COLUMNS,
    T3_OUTCOME_ROWS_GB2019,
    T3_OUTCOME_ROWS_GB2021,
    T4_GROUPS,
    T4_RESULTS,
    keys_for,
    t3_rows,
)

Number = int | float

ORGAN = "organ"
REGION = "region"

TITLE_PATTERNS = (
    "{agency}{year}年政府信息公开工作年度报告",
    "{agency}{year}年度政府信息公开工作年度报告",
    "{agency}{year}年政务公开工作年度报告",
    "{agency}信息公开工作{year}年度报告",
)

# How busy an agency's year was: mean decided applications per applicant column (natural persons
# get the full mean, organisations a fraction), and the scale of T2 decisions.
ACTIVITY_MEANS = {"none": 0, "low": 3, "medium": 20, "high": 150}

# Relative frequency of each outcome among decided applications (most are granted or not held).
_OUTCOME_WEIGHTS = {
    "granted": 30, "partial": 6, "unable.not_held": 18, "unable.unclear": 3, "rejected.petition": 4,
    "rejected.duplicate": 3, "denied.third_party": 2, "denied.process": 2, "other": 3,
    "other.no_correction": 2, "other.misc": 2,
}


@dataclass(frozen=True)
class ReportModel:
    """One annual report as the replica knows it: the truth its rendered pages carry.

    ``cells`` holds every key of ``keys_for(template)``; None is a blank cell. ``cumulative`` (freeform
    only) holds the 历年累计 figures a local 统计表 prints beside the year's, keyed like ``cells``.
    """

    agency: str
    year: int
    template: str
    scope: str
    cells: dict[str, Number | None] = field(hash=False)
    published: date
    overview: str
    problems: str
    other_matters: str
    title_pattern: str = TITLE_PATTERNS[0]
    cumulative: dict[str, int] = field(default_factory=dict, hash=False)

    @property
    def title(self) -> str:
        return self.title_pattern.format(agency=self.agency, year=self.year)


def zero_cells(template: str) -> dict[str, Number | None]:
    return {key: 0 for key in keys_for(template)}


# --- numbers ---------------------------------------------------------------------------------


def _sparse(rng: random.Random, mean: float) -> int:
    """A count that is usually 0 and occasionally large, like most agencies' tables."""
    if mean <= 0 or rng.random() < 0.55:
        return 0
    return int(rng.expovariate(1 / mean)) + 1


def _t2_cells(rng: random.Random, template: str, scope: str, mean: float,
              stock: dict[str, int] | None) -> dict[str, Number]:
    """``stock``: last year's 现行有效件数 per row, which this year's must continue (T2-STOCK)."""
    region = scope == REGION
    c: dict[str, Number] = {}
    if template == GB2021:
        for row in ("regulation", "normative"):
            if row == "regulation" and not region and not (stock and stock[row]):
                issued = repealed = in_force = 0
            else:
                issued = _sparse(rng, 2 + mean / 10)
                if stock:
                    repealed = rng.randint(0, min(stock[row], 3))
                    in_force = stock[row] + issued - repealed
                else:
                    repealed = rng.randint(0, issued)
                    in_force = issued + rng.randint(0, 40 if region else 8)
            c |= {f"t2.{row}.issued": issued, f"t2.{row}.repealed": repealed, f"t2.{row}.in_force": in_force}
        for row in ("license", "penalty", "coercion"):
            c[f"t2.{row}.decisions"] = _sparse(rng, mean * 20)
        c["t2.fees.amount_wan"] = round(rng.uniform(0.1, 300), 4) if rng.random() < 0.3 else 0
        return c
    for row in ("regulation", "normative"):
        made = 0 if row == "regulation" and not region else _sparse(rng, 2 + mean / 10)
        c |= {f"t2.{row}.made": made, f"t2.{row}.published": made,
              f"t2.{row}.total_published": made + (rng.randint(0, 60) if made or region else 0)}
    for row in ("license", "other_service", "penalty", "coercion"):
        prev = _sparse(rng, 10 + mean)
        c |= {f"t2.{row}.prev_items": prev, f"t2.{row}.delta": rng.randint(-min(prev, 5), 5) if prev else 0,
              f"t2.{row}.decisions": _sparse(rng, mean * 20)}
    fee_items = _sparse(rng, 4)
    c |= {"t2.fees.prev_items": fee_items, "t2.fees.delta": -rng.randint(0, fee_items)}
    projects = _sparse(rng, 5 + mean / 5)
    c |= {"t2.procurement.projects": projects, "t2.procurement.amount": round(rng.uniform(1, 900), 2) if projects else 0}
    return c


def _t3_cells(rng: random.Random, template: str, mean: float, carried: dict[str, int] | None) -> dict[str, int]:
    """``carried``: last year's 结转下年度 per applicant column, this year's 上年结转 (T3-CARRY)."""
    outcomes = T3_OUTCOME_ROWS_GB2021 if template == GB2021 else T3_OUTCOME_ROWS_GB2019
    weights = [_OUTCOME_WEIGHTS.get(row, 1) for row in outcomes]
    c: dict[str, int] = {}
    applicants = [col.key for col in T3_COLUMNS[:-1]]
    for col in applicants:
        col_mean = mean if col == "natural" else mean * rng.choice((0, 0, 0.05, 0.2))
        decided = _sparse(rng, col_mean) if col_mean else 0
        if carried:  # what was carried in gets decided this year, at the least
            decided = max(decided, carried[col])
        counts = dict.fromkeys(outcomes, 0)
        for row in rng.choices(outcomes, weights, k=decided):
            counts[row] += 1
        carried_over = rng.randint(0, decided // 8) if decided else 0
        if carried:
            carried_in = carried[col]
        else:
            carried_in = rng.randint(0, min(decided + carried_over, max(1, decided // 8))) if decided else 0
        c |= {f"t3.{row}.{col}": n for row, n in counts.items()}
        c |= {f"t3.total.{col}": decided, f"t3.carried_over.{col}": carried_over,
              f"t3.carried_in.{col}": carried_in, f"t3.new.{col}": decided + carried_over - carried_in}
    for row in t3_rows(template):
        c[f"t3.{row.key}.total"] = sum(c[f"t3.{row.key}.{col}"] for col in applicants)
    return c


def _t4_cells(rng: random.Random, mean: float) -> dict[str, int]:
    c: dict[str, int] = {}
    for group in T4_GROUPS:
        results = {r.key: (_sparse(rng, 1 + mean / 20) if mean else 0) for r in T4_RESULTS[:-1]}
        c |= {f"t4.{group.key}.{r}": n for r, n in results.items()}
        c[f"t4.{group.key}.total"] = sum(results.values())
    return c


def _blank_zero_rows(rng: random.Random, cells: dict, template: str, rate: float) -> dict:
    """Turn whole all-zero rows (T2 rows and T3 outcome rows) into blanks with probability ``rate``."""
    outcomes = T3_OUTCOME_ROWS_GB2021 if template == GB2021 else T3_OUTCOME_ROWS_GB2019
    table2 = T2_GB2021 if template == GB2021 else T2_GB2019
    rows = [[f"t2.{row.key}.{col.key}" for col in cols] for row, cols in table2]
    rows += [[f"t3.{row}.{col.key}" for col in T3_COLUMNS] for row in outcomes]
    out = dict(cells)
    for keys in rows:
        if all(out[k] == 0 for k in keys) and rng.random() < rate:
            out.update(dict.fromkeys(keys))
    return out


def _freeform_cells(rng: random.Random, mean: float) -> tuple[dict[str, int], dict[str, int]]:
    applications = _sparse(rng, mean) if mean else 0
    granted = rng.randint(0, applications)
    partial = rng.randint(0, applications - granted)
    denied = rng.randint(0, applications - granted - partial)
    year = {
        "ff.proactive_items": rng.randint(40, 3000),
        "ff.applications": applications, "ff.granted": granted, "ff.partial": partial, "ff.denied": denied,
        "ff.review_cases": rng.choice((0, 0, 0, 1, 2)), "ff.litigation_cases": rng.choice((0, 0, 0, 1)),
        "ff.fees_yuan": rng.choice((0, 0, 0, 20, 135)),
    }
    cumulative = {key: v + rng.randint(v, 8 * v + 30) for key, v in year.items()}
    return year, cumulative


# --- prose ----------------------------------------------------------------------------------

_OVERVIEW_OPENINGS = (
    "{year}年，{agency}以《中华人民共和国政府信息公开条例》为依据，把政府信息公开作为转变作风、服务群众的日常工作来抓，"
    "明确分管领导和承办科室，按照“以公开为常态、不公开为例外”的要求推进各项工作。",
    "{year}年，{agency}围绕本部门中心工作，逐项对照年度政务公开工作要点，健全信息发布、审核和保密审查流程，"
    "政府信息公开的及时性和准确性进一步提高。",
    "一年来，{agency}坚持依法公开、真实公开、便民公开，结合职能调整及时更新公开目录，政府信息公开工作平稳有序。",
)
_PROBLEMS = (
    "（一）存在的问题：部分科室对公开属性的判断还不够准确，个别栏目更新不够及时，政策解读的形式比较单一。"
    "（二）改进措施：一是组织专题培训，提高经办人员业务水平；二是建立栏目更新提醒制度，定期自查；三是丰富图表、问答等解读形式。",
    "本年度工作仍有不足：公开内容的深度不够，信息发布多集中在工作动态，与群众关切结合不紧。下一步将细化公开清单，"
    "加强与政务服务平台的衔接，做好重点领域信息公开。",
    "主要问题是人员调整较频繁，业务衔接存在断档。改进措施：固定专人负责，完善交接台账，加强与上级政务公开部门的沟通。",
)
_OTHER_MATTERS = (
    "本年度未收取信息处理费。",
    "依据《政府信息公开信息处理费管理办法》，本机关本年度未发出收费通知，未收取信息处理费。",
    "无。",
)


def _overview(rng: random.Random, agency: str, year: int, cells: dict) -> str:
    opening = rng.choice(_OVERVIEW_OPENINGS).format(agency=agency, year=year)
    posted = rng.randint(5, 400)
    new = cells.get("t3.new.total") or 0
    applications = (f"全年新收政府信息公开申请{new}件，均在法定期限内答复。" if new
                    else "全年未收到政府信息公开申请。")
    return (f"{opening}\n（一）主动公开。通过门户网站政府信息公开专栏主动公开各类信息{posted}条，"
            f"内容涵盖机构职能、部门预决算、工作动态和政策解读。\n（二）依申请公开。{applications}\n"
            "（三）政府信息管理。对现行有效文件开展清理，动态调整主动公开基本目录。\n"
            "（四）平台建设。规范专栏栏目设置，做好政务新媒体与门户网站的信息同步。\n"
            "（五）监督保障。将政府信息公开纳入年度目标考核，本年度未发生责任追究情况。")


def random_model(
    rng: random.Random,
    template: str,
    agency: str,
    year: int,
    *,
    scope: str = ORGAN,
    activity: str = "low",
    blank_rate: float = 0.0,
    title_pattern: str = TITLE_PATTERNS[0],
    follows: ReportModel | None = None,
) -> ReportModel:
    """A report with internally consistent numbers (every 勾稽关系 of report-format §4 holds).

    ``activity`` is a key of ``ACTIVITY_MEANS`` ("none" gives an all-zero report); ``blank_rate`` is
    the chance that an all-zero row is printed blank instead (its cells become None). ``follows``,
    the same agency's report of the year before, makes the cross-year rules hold too: T3-CARRY, and
    T2-STOCK when both years are gb2021.
    """
    if follows and (follows.agency, follows.year) != (agency, year - 1):
        raise ValueError(f"{agency} {year} cannot follow {follows.agency} {follows.year}")
    mean = ACTIVITY_MEANS[activity]
    published = date(year + 1, rng.randint(1, 3), rng.randint(1, 28))
    if template == FREEFORM:
        cells, cumulative = _freeform_cells(rng, mean)
        return ReportModel(agency, year, template, scope, cells, published, overview="",
                           problems=rng.choice(_PROBLEMS), other_matters=rng.choice(_OTHER_MATTERS),
                           title_pattern=title_pattern, cumulative=cumulative)
    tables = follows and follows.template != FREEFORM
    carried = {col.key: follows.cells[f"t3.carried_over.{col.key}"] or 0 for col in T3_COLUMNS[:-1]} if tables else None
    stock = ({row: follows.cells[f"t2.{row}.in_force"] or 0 for row in ("regulation", "normative")}
             if tables and follows.template == template == GB2021 else None)
    cells = (_t2_cells(rng, template, scope, mean, stock) | _t3_cells(rng, template, mean, carried)
             | _t4_cells(rng, mean))
    cells = {key: cells[key] for key in keys_for(template)}
    if blank_rate:
        cells = _blank_zero_rows(rng, cells, template, blank_rate)
    return ReportModel(agency, year, template, scope, cells, published,
                       overview=_overview(rng, agency, year, cells), problems=rng.choice(_PROBLEMS),
                       other_matters=rng.choice(_OTHER_MATTERS), title_pattern=title_pattern)
