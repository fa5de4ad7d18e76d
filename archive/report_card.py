"""The report card: one row per report with its headline figures under readable names.

The figures are sums of canonical cells (``extractors.keys``) of the report's current version, the
same definitions for every template; a figure whose cells are all blank stays null (never 0).
``report_card`` is a table kept in step by the archive, not a view, so the page and its facets
answer fast at 100k reports: ``refresh`` rewrites a report's row whenever its numbers are written,
and triggers follow what other code changes on ``reports`` (identity, removal) or deletes.
Its integer ``id`` is also the rowid of the report's entry in the search index ``report_search``.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlite_utils

from archive.definitions import CROSS_YEAR, FLAGS, check_status_sql, metric_sql
from archive.search import grams
from extractors.keys import T3_ROWS_GB2019, T3_ROWS_GB2021, T4_GROUPS

# Where `xxgk serve` serves an archived copy: the blob's path under /blobs/ (browse.copies).
COPY_PATH = "'/blobs/' || substr(sha256, 1, 2) || '/' || substr(sha256, 3, 2) || '/' || sha256"


@dataclass(frozen=True)
class Figure:
    column: str
    keys: tuple[str, ...]  # summed; freeform reports' ff.* keys where the older reports state one
    description: str


def _t3_totals(prefix: str) -> tuple[str, ...]:
    rows = dict.fromkeys(r.key for r in T3_ROWS_GB2021 + T3_ROWS_GB2019 if r.key == prefix or r.key.startswith(prefix + "."))
    return tuple(f"t3.{row}.total" for row in rows)


FIGURES = (
    Figure("new_requests", ("t3.new.total", "ff.applications"), "本年新收申请（件）· new requests received this year (件); freeform: 收到申请"),
    Figure("carried_in", ("t3.carried_in.total",), "上年结转（件）· requests carried in from last year (件)"),
    Figure("granted", ("t3.granted.total", "ff.granted"), "予以公开（件）· granted in full (件)"),
    Figure("partly_granted", ("t3.partial.total", "ff.partial"), "部分公开（件）· granted in part (件)"),
    Figure("denied", _t3_totals("denied") + ("ff.denied",), "不予公开（件）· denied (件): the sum of the eight 不予公开 rows"),
    Figure("unable", _t3_totals("unable"), "无法提供（件）· unable to provide (件): sum of its three rows"),
    Figure("not_processed", _t3_totals("rejected"), "不予处理（件）· not processed (件): sum of its five rows"),
    Figure("other", _t3_totals("other"), "其他处理（件）· other handling (件): gb2019 one row, gb2021 sum of three"),
    Figure("total_processed", ("t3.total.total",), "办理总计（件）· total handled this year (件)"),
    Figure("carried_over", ("t3.carried_over.total",), "结转下年（件）· carried over to next year (件)"),
    Figure("reviews", ("t4.review.total", "ff.review_cases"), "行政复议（件）· administrative reviews (件)"),
    Figure("lawsuits_direct", ("t4.suit_direct.total",), "未经复议直接起诉（件）· lawsuits filed directly (件)"),
    Figure("lawsuits_after_review", ("t4.suit_after_review.total",), "复议后起诉（件）· lawsuits after review (件)"),
    Figure("lawsuits", ("t4.suit_direct.total", "t4.suit_after_review.total", "ff.litigation_cases"),
           "行政诉讼合计（件）· all lawsuits (件): direct + after review; freeform: 行政诉讼"),
    Figure("corrected", tuple(f"t4.{g.key}.corrected" for g in T4_GROUPS),
           "结果纠正（件）· reviews and lawsuits whose outcome corrected the agency (件)"),
    Figure("fees_wan", ("t2.fees.amount_wan",), "行政事业性收费金额（万元）· administrative fees collected (万元, gb2021 table 二)"),
    Figure("disclosure_fees_yuan", ("ff.fees_yuan",), "收取费用（元）· fees charged for disclosure (元, freeform reports)"),
)

# Every column: (name, SQL type, how it is computed from a report ``r`` and its figures, description),
# in the order the page shows them: who and when, the figures, quality, then links and ids.
COLUMNS = (
    ("id", "integer primary key", None, "行号 · row number; also the report's rowid in the search index report_search"),
    ("agency", "text", "agency", "机关 · the agency as the report names itself"),
    ("year", "integer", "year", "报告年度 · report year (not the publication year)"),
    ("province", "text", "{province}", "省份 · the province (national bodies: null)"),
    ("region", "text", "{region}", "行政区划 · full name of the region: province, prefecture, county"),
    ("level", "text", "level", "层级 · national, provincial, prefectural, county"),
    ("template", "text", "template", "模板 · gb2021 (2021–), gb2019 (2019–2020) or freeform (2008–2018)"),
    *((f.column, "real" if "fees" in f.column else "integer", f.column, f.description) for f in FIGURES),
    ("refusal_rate", "real", "refusal_rate",
     "不予公开率 · denied (the eight 不予公开 rows) ÷ handled (t3.total.total; freeform: ff.denied ÷ received), 0–1; "
     "null when any of those cells is blank (see refusal_rate_blank_as_zero); definitions: archive/definitions.py"),
    ("refusal_rate_blank_as_zero", "real", "refusal_rate_blank_as_zero",
     "不予公开率（空白计为0）· the same rate, a blank row counted as 0 when table 三 has numbers (the template's zero)"),
    ("checks", "text", check_status_sql("n_checks", "n_failed", "n_cross", "n_cross_failed"),
     "勾稽关系 · fail (a check of the report's own tables, or against the year before, failed), pass, or none "
     "(nothing to check) — " + FLAGS["checks"]),
    ("checks_failed", "integer", "n_failed", "勾稽不符（条）· number of the report's own checks that failed (条)"),
    ("cross_year_failed", "integer", "n_cross_failed",
     "跨年不符（条）· checks against the same agency's report of the year before that failed (T3-CARRY, T2-STOCK; 条)"),
    ("versions", "integer", "version", "版本数 · versions of the report the archive holds"),
    ("changed_after_publication", "integer", "n_changed > 0",
     "发布后修改 · 1 = the portal changed the report after it was first archived (a new document or a 更正; "
     "not a re-reading by a newer extractor)"),
    ("removed_at", "text", "removed_at", "撤下时间 · when the report left its portal's column (UTC; null: still listed)"),
    ("original_url", "text", "url", "原文链接 · the official URL the numbers were read from"),
    ("archived_copy", "text", COPY_PATH, "存档副本 · the archived bytes of that document, served by this Datasette"),
    ("title", "text", "title", "标题 · the report's title"),
    ("scope", "text", "scope", "范围 · organ = the agency's own report; region = a whole region's"),
    ("source_format", "text", "source_format",
     "格式 · html, text, pdf, docx, doc, xls, xlsx, image: the document the numbers came from"),
    ("report_id", "text not null unique", "id", "报告标识 · the report (reports.id)"),
    ("agency_id", "text", "agency_id", "机关标识 · stable agency id (agencies.id): region code + name"),
    ("region_code", "text", "region_code", "行政区划代码 · GB/T 2260 code of the agency's region (null: national body)"),
)
FACETS = ("province", "region", "level", "year", "template", "checks")


def create(db: sqlite_utils.Database) -> None:
    """The card and search tables, their indexes and triggers, filled for every report."""
    db.execute(f"create table report_card ({', '.join(f'[{name}] {kind}' for name, kind, _, _ in COLUMNS)})")
    for column in ("agency_id", "province", "region", "level", "year", "template", "checks", "changed_after_publication"):
        db.execute(f"create index report_card_{column} on report_card([{column}])")
    # Pairs of characters, one token each (archive.search); prefix='1' makes one-character queries an index lookup.
    db.execute("create virtual table report_search using fts5(title, agency, text, prefix='1')")
    db.executescript(_TRIGGERS)
    refresh(db)
    for row in db.execute("select c.id, t.title, t.agency, t.text from report_card c "
                          "join report_texts t on t.report_id = c.report_id").fetchall():
        index_text(db, row[0], row[1], row[2], row[3])


def rebuild(db: sqlite_utils.Database) -> None:
    """Recreate the card with today's ``COLUMNS`` in their order, keeping every row's id (the search
    index's rowid) and the indexes other migrations made on it; then fill it."""
    indexes = [row[0] for row in db.execute("select sql from sqlite_master where type = 'index' "
                                            "and tbl_name = 'report_card' and sql is not null")]
    db.execute("create temp table report_card_ids as select id, report_id from report_card")
    db.execute("drop table report_card")
    db.execute(f"create table report_card ({', '.join(f'[{name}] {kind}' for name, kind, _, _ in COLUMNS)})")
    for sql in indexes:
        db.execute(sql)
    db.execute("insert into report_card (id, report_id) select id, report_id from temp.report_card_ids")
    db.execute("drop table temp.report_card_ids")
    refresh(db)
    if db["sqlite_stat1"].exists():  # an archive with statistics keeps them for the card's indexes
        db.execute("analyze report_card")


def refresh(db: sqlite_utils.Database, report_id: str | None = None, *, among: str | None = None) -> int | None:
    """(Re)write the card row of one report (or of all, or of the reports whose ids the SQL
    ``among`` selects); return the row's id for one report."""
    columns = [(name, sql) for name, _, sql, _ in COLUMNS if sql]
    names = ", ".join(f"[{name}]" for name, _ in columns)
    updates = ", ".join(f"[{name}] = excluded.[{name}]" for name, _ in columns if name != "report_id")
    where = "r.id = ?" if report_id is not None else f"r.id in ({among})" if among else "true"
    db.execute(f"insert into report_card ({names}) {_select(columns, where)} "
               f"on conflict(report_id) do update set {updates}", [report_id] if report_id is not None else [])
    if report_id is None:
        return None
    row = db.execute("select id from report_card where report_id = ?", [report_id]).fetchone()
    return row[0] if row else None  # no such report (yet): nothing to show


def index_text(db: sqlite_utils.Database, card_id: int, title: str | None, agency: str | None, text: str | None) -> None:
    db.execute("delete from report_search where rowid = ?", [card_id])
    db.execute("insert into report_search (rowid, title, agency, text) values (?, ?, ?, ?)",
               [card_id, grams(title), grams(agency), grams(text)])


def _sum(keys: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{k}'" for k in keys)
    return f"sum(case when c.key in ({quoted}) then c.value end)"


def _select(columns: list[tuple[str, str]], where: str) -> str:
    figures = ",\n".join(f"{_sum(f.keys)} as {f.column}" for f in FIGURES)
    rates = ",\n".join(f"{metric_sql(name)} as {name}" for name in ("refusal_rate", "refusal_rate_blank_as_zero"))
    values = ", ".join(sql.format(province=_province("region_code"), region=_region("region_code")) for _, sql in columns)
    return f"""
    select {values}
    from (
        select r.*, {figures}, {rates},
               (select count(*) from checks k where k.report_id = r.id and k.version = r.version
                  and k.rule not in {CROSS_YEAR}) as n_checks,
               (select count(*) from checks k where k.report_id = r.id and k.version = r.version
                  and k.rule not in {CROSS_YEAR} and not k.passed) as n_failed,
               (select count(*) from checks k where k.report_id = r.id and k.version = r.version
                  and k.rule in {CROSS_YEAR}) as n_cross,
               (select count(*) from checks k where k.report_id = r.id and k.version = r.version
                  and k.rule in {CROSS_YEAR} and not k.passed) as n_cross_failed,
               -- versions the portal made: changed documents and corrections (before m007 every later version was one)
               (select count(*) from report_versions v where v.report_id = r.id and v.version > 1
                  and coalesce(v.reason, 'changed') in ('changed', 'correction')) as n_changed
        from reports r left join cells c on c.report_id = r.id and c.version = r.version
        where {where}
        group by r.id
    ) where true"""


# Whatever code changes a report's identity or removal, or deletes it, its card and search entry follow.
def _province(code: str) -> str:
    return (f"(select d.name from divisions d where d.code = substr({code}, 1, 2) || '0000' "
            f"order by d.\"current\" desc limit 1)")


def _region(code: str) -> str:
    """The division's name with its prefecture's and province's before it (there are three 新华区)."""
    return (f"(select coalesce(p2.name, '') || coalesce(p1.name, '') || d.name from divisions d "
            f"left join divisions p1 on p1.code = d.parent_code left join divisions p2 on p2.code = p1.parent_code "
            f"where d.code = {code} order by d.\"current\" desc, p1.\"current\" desc, p2.\"current\" desc limit 1)")


_TRIGGERS = f"""
create trigger report_card_follows_reports after update of agency, agency_id, region_code, level, removed_at on reports
begin
    update report_card set agency = new.agency, agency_id = new.agency_id, region_code = new.region_code,
        province = {_province("new.region_code")}, region = {_region("new.region_code")},
        level = new.level, removed_at = new.removed_at
    where report_id = new.id;
end;
create trigger report_card_deleted_with_report after delete on reports
begin
    delete from report_search where rowid = (select id from report_card where report_id = old.id);
    delete from report_card where report_id = old.id;
end;
"""
