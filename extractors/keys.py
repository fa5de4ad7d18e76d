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


# --- English labels and units (the codebook's source, with the Chinese labels above) -----------------

# English for every row, column and group fragment of a key; ``english_label_for`` composes them.
ENGLISH = {
    # table 二 rows and columns
    "regulation": "regulations (规章)", "normative": "normative documents", "license": "administrative licensing",
    "penalty": "administrative penalties", "coercion": "administrative coercion", "fees": "administrative fees",
    "other_service": "other external services", "procurement": "government central procurement",
    "issued": "issued this year", "repealed": "repealed this year", "in_force": "in force at year end",
    "decisions": "decisions this year", "amount_wan": "amount collected this year",
    "made": "newly made this year", "published": "newly published this year", "total_published": "total published",
    "prev_items": "items the previous year", "delta": "change this year (signed)", "projects": "procurement projects",
    "amount": "total procurement amount",
    # table 三 rows
    "new": "new applications this year", "carried_in": "carried in from the previous year",
    "granted": "disclosed", "partial": "partly disclosed",
    "denied.state_secret": "refused: state secret", "denied.prohibited": "refused: prohibited by other laws",
    "denied.security": "refused: endangers security or stability", "denied.third_party": "refused: third-party rights",
    "denied.internal": "refused: internal affairs", "denied.process": "refused: process information",
    "denied.enforcement_file": "refused: law-enforcement file", "denied.inquiry": "refused: administrative inquiry",
    "unable.not_held": "cannot provide: not held", "unable.needs_creation": "cannot provide: would need creating",
    "unable.unclear": "cannot provide: still unclear after correction",
    "rejected.petition": "not processed: petition or complaint", "rejected.duplicate": "not processed: repeated",
    "rejected.publication": "not processed: asks for publications", "rejected.excessive": "not processed: excessive",
    "rejected.confirmation": "not processed: asks to confirm or reissue", "other": "other handling",
    "other.no_correction": "other: applicant did not correct in time", "other.no_fee": "other: fee not paid in time",
    "other.misc": "other: miscellaneous", "total": "total", "carried_over": "carried over to next year",
    # table 三 columns
    "natural": "natural persons", "commercial": "commercial enterprises", "research": "research institutions",
    "social": "public-interest organisations", "legal": "legal service organisations", "other_org": "other organisations",
    # table 四 groups and results
    "review": "administrative review", "suit_direct": "litigation without review first",
    "suit_after_review": "litigation after review", "upheld": "upheld", "corrected": "corrected",
    "pending": "pending",
    # freeform (2008–2018)
    "ff.proactive_items": "items proactively disclosed", "ff.applications": "applications received",
    "ff.granted": "applications granted", "ff.partial": "applications partly granted",
    "ff.denied": "applications refused", "ff.review_cases": "administrative review cases",
    "ff.litigation_cases": "litigation cases", "ff.fees_yuan": "fees collected",
}
# Table 四's "other" result is a result, not table 三's "other handling" row.
_T4_ENGLISH = {"other": "other result"}


def english_label_for(key: str) -> str:
    """An English label for a key, composed from its fragments (``t3.denied.process.natural`` →
    ``refused: process information / natural persons``)."""
    if key in ENGLISH:
        return ENGLISH[key]
    table, rest = key.split(".", 1)
    head, last = rest.rsplit(".", 1)
    words = _T4_ENGLISH if table == "t4" else {}
    return f"{ENGLISH[head]} / {words.get(last) or ENGLISH[last]}"


def unit_for(key: str) -> str:
    """What a key's number counts: applications, cases, documents, items, or money (万元 / 元)."""
    if key in ("t2.fees.amount_wan",):
        return "万元 (10,000 yuan)"
    if key == "t2.procurement.amount":
        return "as printed (万元 or 元; see the raw text)"
    if key == "ff.fees_yuan":
        return "元 (yuan)"
    if key == "ff.proactive_items":
        return "items (条)"
    if key.startswith("t3.") or key in ("ff.applications", "ff.granted", "ff.partial", "ff.denied"):
        return "applications (件)"
    if key.startswith("t4.") or key in ("ff.review_cases", "ff.litigation_cases"):
        return "cases (件)"
    return "documents or decisions (件)"


def templates_of(key: str) -> tuple[str, ...]:
    return tuple(t for t in TEMPLATES if key in keys_for(t))
