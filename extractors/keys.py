"""The canonical cell keys: the contract every extractor output follows.

Defined once, here, after ``shared/spec/report-format.md`` §2. Everything else (extractors,
the portal replica's renderer, the archive's metadata, exports) imports these tuples instead of
spelling keys again. A key names one number of a report and is stable across years; columns whose
meaning changed between templates get different keys.
"""
from __future__ import annotations

from dataclasses import dataclass

GB2021 = "gb2021"
GB2019 = "gb2019"
FREEFORM = "freeform"
TEMPLATES = (GB2021, GB2019, FREEFORM)


@dataclass(frozen=True)
class Row:
    """One row of a report table: its key fragment and the label the template prints."""

    key: str
    label: str


@dataclass(frozen=True)
class Column:
    key: str
    label: str


# --- Table 二: 主动公开政府信息情况 ----------------------------------------------------------
# Each entry: (row, columns). A cell key is f"t2.{row.key}.{column.key}".

T2_GB2021 = (
    (Row("regulation", "规章"), (Column("issued", "本年制发件数"), Column("repealed", "本年废止件数"), Column("in_force", "现行有效件数"))),
    (Row("normative", "行政规范性文件"), (Column("issued", "本年制发件数"), Column("repealed", "本年废止件数"), Column("in_force", "现行有效件数"))),
    (Row("license", "行政许可"), (Column("decisions", "本年处理决定数量"),)),
    (Row("penalty", "行政处罚"), (Column("decisions", "本年处理决定数量"),)),
    (Row("coercion", "行政强制"), (Column("decisions", "本年处理决定数量"),)),
    (Row("fees", "行政事业性收费"), (Column("amount_wan", "本年收费金额（单位：万元）"),)),
)

_GB2019_ITEMS = (Column("prev_items", "上一年项目数量"), Column("delta", "本年增/减"), Column("decisions", "处理决定数量"))
T2_GB2019 = (
    (Row("regulation", "规章"), (Column("made", "本年新制作数量"), Column("published", "本年新公开数量"), Column("total_published", "对外公开总数量"))),
    (Row("normative", "规范性文件"), (Column("made", "本年新制作数量"), Column("published", "本年新公开数量"), Column("total_published", "对外公开总数量"))),
    (Row("license", "行政许可"), _GB2019_ITEMS),
    (Row("other_service", "其他对外管理服务事项"), _GB2019_ITEMS),
    (Row("penalty", "行政处罚"), _GB2019_ITEMS),
    (Row("coercion", "行政强制"), _GB2019_ITEMS),
    (Row("fees", "行政事业性收费"), _GB2019_ITEMS[:2]),
    (Row("procurement", "政府集中采购"), (Column("projects", "采购项目数量"), Column("amount", "采购总金额"))),
)

# --- Table 三: 收到和处理政府信息公开申请情况 -----------------------------------------------------

T3_COLUMNS = (
    Column("natural", "自然人"),
    Column("commercial", "商业企业"),
    Column("research", "科研机构"),
    Column("social", "社会公益组织"),
    Column("legal", "法律服务机构"),
    Column("other_org", "其他"),
    Column("total", "总计"),
)

_T3_HEAD = (
    Row("new", "一、本年新收政府信息公开申请数量"),
    Row("carried_in", "二、上年结转政府信息公开申请数量"),
    Row("granted", "（一）予以公开"),
    Row("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    Row("denied.state_secret", "1.属于国家秘密"),
    Row("denied.prohibited", "2.其他法律行政法规禁止公开"),
    Row("denied.security", "3.危及“三安全一稳定”"),
    Row("denied.third_party", "4.保护第三方合法权益"),
    Row("denied.internal", "5.属于三类内部事务信息"),
    Row("denied.process", "6.属于四类过程性信息"),
    Row("denied.enforcement_file", "7.属于行政执法案卷"),
    Row("denied.inquiry", "8.属于行政查询事项"),
    Row("unable.not_held", "1.本机关不掌握相关政府信息"),
    Row("unable.needs_creation", "2.没有现成信息需要另行制作"),
    Row("unable.unclear", "3.补正后申请内容仍不明确"),
    Row("rejected.petition", "1.信访举报投诉类申请"),
    Row("rejected.duplicate", "2.重复申请"),
    Row("rejected.publication", "3.要求提供公开出版物"),
    Row("rejected.excessive", "4.无正当理由大量反复申请"),
    Row("rejected.confirmation", "5.要求行政机关确认或重新出具已获取信息"),
)
_T3_TAIL = (
    Row("total", "（七）总计"),
    Row("carried_over", "四、结转下年度继续办理"),
)
T3_ROWS_GB2021 = _T3_HEAD + (
    Row("other.no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    Row("other.no_fee", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    Row("other.misc", "3.其他"),
) + _T3_TAIL
T3_ROWS_GB2019 = _T3_HEAD + (Row("other", "（六）其他处理"),) + _T3_TAIL

# Outcome rows: the ones T3-OUTCOME-SUM adds up (granted … other).
T3_OUTCOME_ROWS_GB2021 = tuple(r.key for r in T3_ROWS_GB2021[2:-2])
T3_OUTCOME_ROWS_GB2019 = tuple(r.key for r in T3_ROWS_GB2019[2:-2])

# --- Table 四: 行政复议、行政诉讼 -------------------------------------------------------------

T4_GROUPS = (
    Row("review", "行政复议"),
    Row("suit_direct", "行政诉讼·未经复议直接起诉"),
    Row("suit_after_review", "行政诉讼·复议后起诉"),
)
T4_RESULTS = (
    Column("upheld", "结果维持"),
    Column("corrected", "结果纠正"),
    Column("other", "其他结果"),
    Column("pending", "尚未审结"),
    Column("total", "总计"),
)

# --- freeform (2008–2018) --------------------------------------------------------------------

FREEFORM_KEYS = (
    "ff.proactive_items",
    "ff.applications",
    "ff.granted",
    "ff.partial",
    "ff.denied",
    "ff.review_cases",
    "ff.litigation_cases",
    "ff.fees_yuan",
)
FREEFORM_LABELS = {
    "ff.proactive_items": "主动公开信息（条）",
    "ff.applications": "收到申请（件）",
    "ff.granted": "同意公开（件）",
    "ff.partial": "同意部分公开（件）",
    "ff.denied": "不予公开（件）",
    "ff.review_cases": "行政复议（件）",
    "ff.litigation_cases": "行政诉讼（件）",
    "ff.fees_yuan": "收取费用（元）",
}


def t2_keys(template: str) -> tuple[str, ...]:
    table = T2_GB2021 if template == GB2021 else T2_GB2019
    return tuple(f"t2.{row.key}.{col.key}" for row, cols in table for col in cols)


def t3_rows(template: str) -> tuple[Row, ...]:
    return T3_ROWS_GB2021 if template == GB2021 else T3_ROWS_GB2019


def t3_keys(template: str) -> tuple[str, ...]:
    return tuple(f"t3.{row.key}.{col.key}" for row in t3_rows(template) for col in T3_COLUMNS)


T4_KEYS = tuple(f"t4.{g.key}.{r.key}" for g in T4_GROUPS for r in T4_RESULTS)


def keys_for(template: str) -> tuple[str, ...]:
    """Every canonical key of a template, in report order (gb2021: 200, gb2019: 198)."""
    if template == FREEFORM:
        return FREEFORM_KEYS
    if template not in (GB2021, GB2019):
        raise ValueError(f"unknown template {template!r}")
    return t2_keys(template) + t3_keys(template) + T4_KEYS


def label_for(key: str) -> str:
    """A human label for a key (Chinese, from the template), for Datasette and exports."""
    if key in FREEFORM_LABELS:
        return FREEFORM_LABELS[key]
    table, rest = key.split(".", 1)
    if table == "t2":
        for tab in (T2_GB2021, T2_GB2019):
            for row, cols in tab:
                for col in cols:
                    if rest == f"{row.key}.{col.key}":
                        return f"{row.label} / {col.label}"
    if table == "t3":
        for row in T3_ROWS_GB2021 + T3_ROWS_GB2019:
            for col in T3_COLUMNS:
                if rest == f"{row.key}.{col.key}":
                    return f"{row.label} / {col.label}"
    if table == "t4":
        for g in T4_GROUPS:
            for r in T4_RESULTS:
                if rest == f"{g.key}.{r.key}":
                    return f"{g.label} / {r.label}"
    raise KeyError(key)
