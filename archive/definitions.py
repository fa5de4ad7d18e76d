"""Flags and rates: one definition of each, read by the report card (``archive.report_card``), the
export and its codebook (``exports``), ``xxgk plot`` and the journalists' pages (``browse``).

Before this module the card and the export each had their own refusal rate (blanks as 0 in one, null
in the other) and their own idea of a failed report (the card ignored the cross-year rules). Here:

- **Check rules**: what ``left`` and ``right`` are for every rule (``CHECK_RULES``), within a report
  and across years.
- **Flags**: ``checks_failed`` (the report's own rules), ``cross_year_failed`` (the rules against
  the year before, stored under the later report), and the ``checks`` status, ``fail`` when either
  is above 0 (``check_status``, ``check_status_sql``).
- **Metrics**: each computed per template from canonical keys (``METRICS``), in two columns that
  differ only in how a blank cell counts (``BLANK_RULES``): ``NAME`` (strict: a blank makes the
  metric null) and ``NAME_blank_as_zero`` (a blank row of a national table that has numbers is the
  template's 0). ``compute`` gives them in Python (export, plot); ``metric_sql`` in SQL (card), the
  same arithmetic, so the three agree to the last bit (no rounding anywhere).
"""
from __future__ import annotations

from dataclasses import dataclass

from extractors.keys import FREEFORM, GB2019, GB2021, T3_COLUMNS, T3_OUTCOME_ROWS_GB2019, T3_OUTCOME_ROWS_GB2021, T4_GROUPS, T4_RESULTS

Number = int | float

# --- check rules ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    rule: str
    cross_year: bool
    subject: str  # what one row of the rule is about
    left: str  # the formula of ``checks.left``
    right: str  # the formula of ``checks.right``
    when: str  # when a row is written at all, and what else to know


_APPLICANTS = " + ".join(f"t3.R.{c.key}" for c in T3_COLUMNS[:-1])
_OUTCOMES_2019 = " + ".join(f"t3.{r}.C" for r in T3_OUTCOME_ROWS_GB2019)
_T4_PARTS = " + ".join(f"t4.G.{r.key}" for r in T4_RESULTS[:-1])
_WITHIN = ("Blank cells count as 0 in either sum (reports leave zero rows blank); a rule whose cells are all blank "
           "is not applied (no row). Stored per report version.")

CHECK_RULES = (
    Rule("T3-FLOW", False, "a column C of table 三 (natural … other_org, total)",
         "t3.new.C + t3.carried_in.C (new this year + carried in)", "t3.total.C + t3.carried_over.C (handled + carried over)",
         _WITHIN),
    Rule("T3-ROW-TOTAL", False, "a row R of table 三 (new, carried_in, granted, … carried_over)",
         "t3.R.total (the row's 总计 column)", f"{_APPLICANTS} (the six applicant columns)", _WITHIN),
    Rule("T3-OUTCOME-SUM", False, "a column C of table 三",
         "t3.total.C (（七）总计)",
         f"the outcome rows of column C: {_OUTCOMES_2019} in gb2019; gb2021 has other.no_correction + other.no_fee "
         "+ other.misc in place of other", _WITHIN),
    Rule("T4-SUM", False, "a group G of table 四 (review, suit_direct, suit_after_review)",
         "t4.G.total", f"{_T4_PARTS}", _WITHIN),
    Rule("T3-CARRY", True, "a column C of table 三",
         "t3.carried_over.C of the same agency's (agency_id, scope) report of year N−1",
         "t3.carried_in.C of this report (year N)",
         "Written only when both cells are printed (no blank counts as 0 here); stored under the later report's "
         "current version at the end of every crawl (and before an export)."),
    Rule("T2-STOCK", True, "a row R of table 二: regulation or normative (gb2021 reports in both years)",
         "t2.R.in_force of year N−1 + t2.R.issued − t2.R.repealed of year N",
         "t2.R.in_force of this report (year N)",
         "Written only when all four cells are printed; soft (documents also lapse or are revised without being "
         "repealed), so a failure is a question to the report, not proof of an error. Stored like T3-CARRY."),
)
CROSS_YEAR_RULES = tuple(r.rule for r in CHECK_RULES if r.cross_year)
CROSS_YEAR = "(" + ", ".join(f"'{r}'" for r in CROSS_YEAR_RULES) + ")"  # for SQL: rule in CROSS_YEAR

# --- flags ---------------------------------------------------------------------------------------

FLAGS = {
    "checks_failed": "Failed within-report checks (T3-FLOW, T3-ROW-TOTAL, T3-OUTCOME-SUM, T4-SUM) of the report's "
                     "current version.",
    "cross_year_failed": "Failed cross-year checks (T3-CARRY, T2-STOCK) stored under the report's current version: "
                         "this report (year N) disagrees with the same agency's report of year N−1.",
    "checks": "fail when checks_failed > 0 or cross_year_failed > 0; pass when at least one check (of either kind) "
              "was applied and none failed; none when no check could be applied (no tables, or all blank).",
}


def check_status(checks: int, failed: int, cross_year: int, cross_year_failed: int) -> str:
    """The report's ``checks`` flag from its counts of applied and failed checks of both kinds."""
    if failed or cross_year_failed:
        return "fail"
    return "pass" if checks or cross_year else "none"


def check_status_sql(checks: str, failed: str, cross_year: str, cross_year_failed: str) -> str:
    """``check_status`` as an SQL expression over four SQL expressions."""
    return (f"case when {failed} > 0 or {cross_year_failed} > 0 then 'fail' "
            f"when {checks} > 0 or {cross_year} > 0 then 'pass' else 'none' end")


# --- metrics -------------------------------------------------------------------------------------

STRICT, BLANK_AS_ZERO = "strict", "blank_as_zero"
NATIONAL_TABLES = ("t2", "t3", "t4")
BLANK_RULES = {
    STRICT: "NAME: null when any cell it adds up is blank (printed empty) or missing, or when its denominator is "
            "0 or null. A blank is not 0, and a rate over nothing is not 0 %.",
    BLANK_AS_ZERO: "NAME_blank_as_zero: a blank cell of a national table (t2, t3, t4) counts as 0 when that table "
                   "has at least one number in the report — the national template prints every row, and agencies "
                   "leave zero rows blank; a table left wholly blank (or not read) stays unknown, so the metric is "
                   "null. Free-form figures (ff.*) are only what the text states: a figure it does not state stays "
                   "null in both columns. The denominator is null or 0 → null, as in NAME.",
}
SUFFIX = {STRICT: "", BLANK_AS_ZERO: "_blank_as_zero"}

DENIED = ("state_secret", "prohibited", "security", "third_party", "internal", "process", "enforcement_file", "inquiry")


@dataclass(frozen=True)
class Formula:
    """sum(numerator) × scale / sum(denominator); a key with a leading '-' is subtracted. No
    denominator: the metric is the numerator's sum (a count)."""

    numerator: tuple[str, ...]
    denominator: tuple[str, ...] | None = None
    scale: int = 1


@dataclass(frozen=True)
class Metric:
    name: str
    label_zh: str
    label_en: str
    unit: str
    formulas: dict  # template → Formula (a template without one: null)
    comparable: str  # can gb and freeform values be compared?

    def definition(self) -> str:
        """Per template, in words: what the codebook prints."""
        parts = []
        for templates in ((GB2021, GB2019), (FREEFORM,)):
            formula = self.formulas.get(templates[0])
            if formula is None:
                parts.append(f"{'/'.join(templates)}: not defined (null)")
                continue
            text = " + ".join(formula.numerator).replace("+ -", "− ")
            if formula.denominator:
                below = " + ".join(formula.denominator).replace("+ -", "− ")
                text = f"{'' if formula.scale == 1 else f'{formula.scale} × '}({text}) ÷ ({below})"
            parts.append(f"{'/'.join(templates)}: {text}")
        return "; ".join(parts)


def _gb(formula: Formula) -> dict:
    return {GB2021: formula, GB2019: formula}


_HANDLED = ("t3.total.total",)
_NEW = ("t3.new.total",)
_T4_TOTAL = tuple(f"t4.{g.key}.total" for g in T4_GROUPS)
_T4_PENDING = tuple(f"-t4.{g.key}.pending" for g in T4_GROUPS)
_NOT_COMPARABLE = ("not comparable across 2019: gb counts applications handled this year (t3.total.total: decided, "
                   "including carried in, excluding carried over), freeform counts applications received (ff.*, "
                   "local definitions)")

METRICS = (
    Metric("applications", "新收申请", "new applications", "applications (件)",
           _gb(Formula(_NEW)) | {FREEFORM: Formula(("ff.applications",))},
           "roughly comparable: new applications this year (gb) and applications received (freeform)"),
    Metric("disclosure_rate", "予以公开率", "disclosure rate", "share (0–1)",
           _gb(Formula(("t3.granted.total",), _HANDLED)) | {FREEFORM: Formula(("ff.granted",), ("ff.applications",))},
           _NOT_COMPARABLE),
    Metric("partial_rate", "部分公开率", "partial disclosure rate", "share (0–1)",
           _gb(Formula(("t3.partial.total",), _HANDLED)) | {FREEFORM: Formula(("ff.partial",), ("ff.applications",))},
           _NOT_COMPARABLE),
    Metric("refusal_rate", "不予公开率", "refusal rate", "share (0–1)",
           _gb(Formula(tuple(f"t3.denied.{r}.total" for r in DENIED), _HANDLED))
           | {FREEFORM: Formula(("ff.denied",), ("ff.applications",))},
           "gb2019 and gb2021: denied (the eight 不予公开 rows) ÷ handled (t3.total.total), comparable between them; "
           "freeform: ff.denied ÷ received (ff.applications) — " + _NOT_COMPARABLE),
    *(Metric(f"refusal_rate_{r}", f"不予公开率·{r}", f"refusal rate: {r.replace('_', ' ')}", "share (0–1)",
             _gb(Formula((f"t3.denied.{r}.total",), _HANDLED)), "gb2019 and gb2021 only (no such breakdown before)")
      for r in DENIED),
    Metric("not_held_rate", "不掌握率", "not-held rate", "share (0–1)",
           _gb(Formula(("t3.unable.not_held.total",), _HANDLED)), "gb2019 and gb2021 only"),
    Metric("backlog", "结转下年", "backlog carried over", "applications (件)",
           _gb(Formula(("t3.carried_over.total",))), "gb2019 and gb2021 only"),
    Metric("backlog_rate", "结转率", "backlog rate", "share (0–1)",
           _gb(Formula(("t3.carried_over.total",), ("t3.new.total", "t3.carried_in.total"))), "gb2019 and gb2021 only"),
    Metric("review_per_100", "每百件申请行政复议数", "administrative reviews per 100 new applications",
           "cases per 100 applications",
           _gb(Formula(("t4.review.total",), _NEW, 100)) | {FREEFORM: Formula(("ff.review_cases",), ("ff.applications",), 100)},
           "roughly comparable (new applications vs applications received)"),
    Metric("litigation_per_100", "每百件申请行政诉讼数", "lawsuits per 100 new applications", "cases per 100 applications",
           _gb(Formula(("t4.suit_direct.total", "t4.suit_after_review.total"), _NEW, 100))
           | {FREEFORM: Formula(("ff.litigation_cases",), ("ff.applications",), 100)},
           "roughly comparable (new applications vs applications received)"),
    Metric("correction_rate", "纠错率", "correction rate of reviews and lawsuits", "share (0–1)",
           _gb(Formula(tuple(f"t4.{g.key}.corrected" for g in T4_GROUPS), _T4_TOTAL + _T4_PENDING)),
           "gb2019 and gb2021 only: corrected ÷ decided cases (total − pending) over review and both kinds of litigation"),
)
METRIC_NAMES = {m.name: m for m in METRICS}


def metric_columns() -> list[tuple[str, Metric, str]]:
    """(column, metric, blank rule) for every metric column, each metric's two variants together."""
    return [(m.name + SUFFIX[rule], m, rule) for m in METRICS for rule in (STRICT, BLANK_AS_ZERO)]


def _value(cells: dict, key: str, rule: str, tables_with_numbers: set[str]) -> Number | None:
    value = cells.get(key)
    if value is None and rule == BLANK_AS_ZERO:
        table = key.split(".", 1)[0]
        if table in NATIONAL_TABLES and table in tables_with_numbers:
            return 0
    return value


def _sum(cells: dict, keys: tuple[str, ...], rule: str, tables_with_numbers: set[str]) -> Number | None:
    total = 0
    for key in keys:
        sign, key = (-1, key[1:]) if key.startswith("-") else (1, key)
        value = _value(cells, key, rule, tables_with_numbers)
        if value is None:
            return None
        total += sign * value
    return total


def compute(template: str | None, cells: dict) -> dict[str, Number | None]:
    """Every metric column of one report (null where the template lacks the metric)."""
    tables_with_numbers = {key.split(".", 1)[0] for key, value in cells.items() if value is not None}
    out: dict[str, Number | None] = {}
    for column, metric, rule in metric_columns():
        formula = metric.formulas.get(template)
        value = None
        if formula:
            numerator = _sum(cells, formula.numerator, rule, tables_with_numbers)
            if formula.denominator is None:
                value = numerator
            else:
                denominator = _sum(cells, formula.denominator, rule, tables_with_numbers)
                if numerator is not None and denominator:
                    value = formula.scale * numerator / denominator
        out[column] = value
    return out


def _sum_sql(keys: tuple[str, ...], rule: str, c: str) -> str:
    """SQL for ``_sum`` inside ``group by`` a report, over its cells aliased ``c`` (key, tbl, value)."""
    plus = [k for k in keys if not k.startswith("-")]
    minus = [k[1:] for k in keys if k.startswith("-")]
    listed = lambda ks: ", ".join(f"'{k}'" for k in ks)  # noqa: E731
    total = f"sum(case when {c}.key in ({listed(plus)}) then {c}.value" + (
        f" when {c}.key in ({listed(minus)}) then -{c}.value" if minus else "") + " end)"
    every = plus + minus
    if rule == STRICT:
        known = f"count(case when {c}.key in ({listed(every)}) and {c}.value is not null then 1 end) = {len(every)}"
    else:
        national = sorted({k.split(".", 1)[0] for k in every} & set(NATIONAL_TABLES))
        stated = [k for k in every if k.split(".", 1)[0] not in NATIONAL_TABLES]
        known = " and ".join(
            [f"count(case when {c}.tbl = '{t}' and {c}.value is not null then 1 end) > 0" for t in national]
            + ([f"count(case when {c}.key in ({listed(stated)}) and {c}.value is not null then 1 end) = {len(stated)}"]
               if stated else []))
        total = f"coalesce({total}, 0)"
    return f"(case when {known} then {total} end)"


def metric_sql(column: str, template: str = "r.template", c: str = "c") -> str:
    """The metric column ``column`` (e.g. ``refusal_rate_blank_as_zero``) as an SQL expression over
    one report's cells (``group by`` the report, cells aliased ``c``), the same arithmetic as
    ``compute``: integer sums, then one floating-point division."""
    found = next(((m, rule) for name, m, rule in metric_columns() if name == column), None)
    if found is None:
        raise KeyError(column)
    metric, rule = found
    cases = []
    for name, formula in metric.formulas.items():
        numerator = _sum_sql(formula.numerator, rule, c)
        if formula.denominator is None:
            cases.append(f"when '{name}' then {numerator}")
        else:
            cases.append(f"when '{name}' then {formula.scale} * 1.0 * {numerator} "
                         f"/ nullif({_sum_sql(formula.denominator, rule, c)}, 0)")
    return f"(case {template} {' '.join(cases)} end)"
