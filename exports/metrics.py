"""Metrics derived per report, each with its definition (the codebook prints these).

A rate is null when its denominator is null or 0, or a number it needs is blank: a blank cell is not
0, and a rate over nothing is not 0 %. The same metric is computed from different keys per template
(the national tables since 2019, the free-form figures before); ``definition`` says which.
"""
from __future__ import annotations

from dataclasses import dataclass

from extractors.keys import FREEFORM, GB2019, GB2021, T4_GROUPS

Number = int | float

DENIED = ("state_secret", "prohibited", "security", "third_party", "internal", "process", "enforcement_file", "inquiry")
_GB = (GB2021, GB2019)


@dataclass(frozen=True)
class Metric:
    name: str
    label_zh: str
    label_en: str
    unit: str
    definition: str  # how it is derived, in the codebook's words
    formulas: dict  # template → (numerator keys, denominator keys or None, scale); sums of keys


def _m(name, zh, en, unit, definition, gb=None, ff=None) -> Metric:
    formulas = {}
    if gb:
        formulas |= {t: gb for t in _GB}
    if ff:
        formulas[FREEFORM] = ff
    return Metric(name, zh, en, unit, definition, formulas)


_DECIDED = ("t3.total.total",)
_NEW = ("t3.new.total",)
_T4_TOTAL = tuple(f"t4.{g.key}.total" for g in T4_GROUPS)
_T4_PENDING = tuple(f"t4.{g.key}.pending" for g in T4_GROUPS)

METRICS = (
    _m("applications", "新收申请", "new applications", "applications (件)",
       "t3.new.total (2019–); ff.applications (2008–2018)", gb=(_NEW, None, 1), ff=(("ff.applications",), None, 1)),
    _m("disclosure_rate", "予以公开率", "disclosure rate", "share (0–1)",
       "t3.granted.total / t3.total.total (decided applications); ff.granted / ff.applications before 2019",
       gb=(("t3.granted.total",), _DECIDED, 1), ff=(("ff.granted",), ("ff.applications",), 1)),
    _m("partial_rate", "部分公开率", "partial disclosure rate", "share (0–1)",
       "t3.partial.total / t3.total.total; ff.partial / ff.applications before 2019",
       gb=(("t3.partial.total",), _DECIDED, 1), ff=(("ff.partial",), ("ff.applications",), 1)),
    _m("refusal_rate", "不予公开率", "refusal rate", "share (0–1)",
       "sum of t3.denied.<8 reasons>.total / t3.total.total; ff.denied / ff.applications before 2019",
       gb=(tuple(f"t3.denied.{r}.total" for r in DENIED), _DECIDED, 1), ff=(("ff.denied",), ("ff.applications",), 1)),
    *(_m(f"refusal_rate.{r}", f"不予公开率·{r}", f"refusal rate: {r.replace('_', ' ')}", "share (0–1)",
         f"t3.denied.{r}.total / t3.total.total (2019–; no such breakdown before)",
         gb=((f"t3.denied.{r}.total",), _DECIDED, 1)) for r in DENIED),
    _m("not_held_rate", "不掌握率", "not-held rate", "share (0–1)",
       "t3.unable.not_held.total / t3.total.total (2019–)", gb=(("t3.unable.not_held.total",), _DECIDED, 1)),
    _m("backlog", "结转下年", "backlog carried over", "applications (件)",
       "t3.carried_over.total (2019–)", gb=(("t3.carried_over.total",), None, 1)),
    _m("backlog_rate", "结转率", "backlog rate", "share (0–1)",
       "t3.carried_over.total / (t3.new.total + t3.carried_in.total) (2019–)",
       gb=(("t3.carried_over.total",), ("t3.new.total", "t3.carried_in.total"), 1)),
    _m("review_per_100", "每百件申请行政复议数", "administrative reviews per 100 new applications", "cases per 100 applications",
       "100 × t4.review.total / t3.new.total; 100 × ff.review_cases / ff.applications before 2019",
       gb=(("t4.review.total",), _NEW, 100), ff=(("ff.review_cases",), ("ff.applications",), 100)),
    _m("litigation_per_100", "每百件申请行政诉讼数", "lawsuits per 100 new applications", "cases per 100 applications",
       "100 × (t4.suit_direct.total + t4.suit_after_review.total) / t3.new.total; "
       "100 × ff.litigation_cases / ff.applications before 2019",
       gb=(("t4.suit_direct.total", "t4.suit_after_review.total"), _NEW, 100),
       ff=(("ff.litigation_cases",), ("ff.applications",), 100)),
    _m("correction_rate", "纠错率", "correction rate of reviews and lawsuits", "share (0–1)",
       "sum of t4.<group>.corrected / (sum of t4.<group>.total − sum of t4.<group>.pending), over review and both "
       "kinds of litigation: the share of decided cases whose outcome was corrected (2019–)",
       gb=(tuple(f"t4.{g.key}.corrected" for g in T4_GROUPS), _T4_TOTAL + tuple("-" + k for k in _T4_PENDING), 1)),
)


def _sum(cells: dict, keys: tuple[str, ...]) -> Number | None:
    """Sum of the keys' values (a leading '-' subtracts); None when any is blank or missing."""
    total = 0
    for key in keys:
        sign, key = (-1, key[1:]) if key.startswith("-") else (1, key)
        value = cells.get(key)
        if value is None:
            return None
        total += sign * value
    return total


def compute(template: str, cells: dict) -> dict[str, float | int | None]:
    """Every metric for one report's cells (null where the template lacks it or a number is blank)."""
    out = {}
    for metric in METRICS:
        formula = metric.formulas.get(template)
        value = None
        if formula:
            numerator_keys, denominator_keys, scale = formula
            numerator = _sum(cells, numerator_keys)
            if denominator_keys is None:
                value = numerator
            else:
                denominator = _sum(cells, denominator_keys)
                if numerator is not None and denominator:
                    value = round(scale * numerator / denominator, 6)
        out[metric.name] = value
    return out
