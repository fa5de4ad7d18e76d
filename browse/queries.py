"""Canned queries: what a journalist would otherwise write in SQL, each with a Chinese and English
title and a description. Every parameter may be left empty (then it does not filter), so each query
answers something as soon as it is opened. ``escape_fts`` and ``passage`` are SQL functions of our
plugin (browse.plugin): the bigram search and the stretch of text around the word found.
"""
from __future__ import annotations

from archive.definitions import CROSS_YEAR, FLAGS

_YEAR = "(:year = '' or c.year = cast(:year as integer))"
_LEVEL = "(:level = '' or c.level = :level)"
_REGION = "(:region = '' or c.region like '%' || :region || '%' or c.region_code like :region || '%')"
def _copy(version: str) -> str:
    return f"'/blobs/' || substr({version}.sha256, 1, 2) || '/' || substr({version}.sha256, 3, 2) || '/' || {version}.sha256"


_HITS = """from report_search s join report_card c on c.id = s.rowid join report_texts t on t.report_id = c.report_id"""

QUERIES = {
    "most_requests": {
        "title": "申请最多的机关 · Agencies with the most new requests",
        "description": "本年新收政府信息公开申请最多的机关，可按年度、层级、地区筛选。 Agencies ranked by new requests received "
                       "(件) in a year; filter by year, level (national, provincial, prefectural, county) and region "
                       "(name or GB/T 2260 code prefix). Empty filters mean all.",
        "sql": f"""select c.agency, c.region, c.level, c.year, c.new_requests, c.total_processed, c.granted, c.denied,
       c.refusal_rate, c.checks, c.original_url, c.archived_copy, c.report_id
from report_card c
where c.new_requests is not null and {_YEAR} and {_LEVEL} and {_REGION}
order by c.new_requests desc, c.year desc limit 200""",
    },
    "highest_refusal": {
        "title": "不予公开率最高 · Highest refusal rates",
        "description": "不予公开（八项之和）占办理总数的比例最高的报告（空白行计为0）；min_handled 为最少办理件数（默认 10）。 "
                       "Reports ranked by refusal rate = denied (sum of the eight 不予公开 rows) ÷ total handled, a "
                       "blank row counted as 0 when table 三 has numbers (refusal_rate_blank_as_zero; refusal_rate "
                       "beside it is null when any row is blank); min_handled (default 10) leaves out agencies with "
                       "a handful of requests.",
        "sql": f"""select c.agency, c.region, c.level, c.year, c.refusal_rate_blank_as_zero, c.refusal_rate, c.denied,
       c.total_processed, c.new_requests, c.checks, c.original_url, c.archived_copy, c.report_id
from report_card c
where c.refusal_rate_blank_as_zero is not null and {_YEAR} and {_LEVEL}
  and coalesce(c.total_processed, c.new_requests) >= cast(coalesce(nullif(:min_handled, ''), '10') as integer)
order by c.refusal_rate_blank_as_zero desc, c.denied desc limit 200""",
    },
    "failing_checks": {
        "title": "勾稽不符的报告 · Reports whose numbers do not add up",
        "description": "勾稽关系不成立的报告（报告自身的表格，或与上一年度报告不一致）：每条不符的规则及两边的数。 Reports "
                       "whose checks fail (report_card.checks = 'fail': " + FLAGS["checks"].split(";")[0] + "): "
                       "every failed rule of the report's current version — its own tables (T3-FLOW, T3-ROW-TOTAL, "
                       "T3-OUTCOME-SUM, T4-SUM) or against the same agency's report of the year before (T3-CARRY, "
                       "T2-STOCK) — with both sides (件). A failed check is a finding about the report as published.",
        "sql": f"""select c.agency, c.region, c.year, c.template, ch.rule, ch.rule in {CROSS_YEAR} as cross_year,
       ch.subject, ch."left", ch."right", c.original_url, c.archived_copy, c.report_id
from report_card c
join checks ch on ch.report_id = c.report_id and ch.version = c.versions and not ch.passed
where c.checks = 'fail' and {_YEAR}
order by c.agency, c.year, ch.rule, ch.subject""",
    },
    "changed_after_publication": {
        "title": "发布后被修改的报告 · Reports changed after publication",
        "description": "门户网站在首次存档后改动过的报告：哪些数字变了（旧 → 新），以及新旧两份存档。 Reports the portal "
                       "changed after the archive first saw them (a new document at its address, or a 更正), not "
                       "re-readings by a newer extractor: which numbers changed (old → new), when, and both archived copies.",
        "sql": f"""select c.agency, c.year, v.version, coalesce(v.reason, 'changed') as reason, v.note,
       p.first_seen as first_archived, v.first_seen as changed_seen,
       (select group_concat(coalesce(k.label, n.key) || '：' || coalesce(o.value, '空') || ' → ' || coalesce(n.value, '空'), '；')
          from cells n
          left join cells o on o.report_id = n.report_id and o.version = p.version and o.key = n.key
          left join cell_keys k on k.key = n.key
         where n.report_id = c.report_id and n.version = v.version and o.value is not n.value) as what_changed,
       {_copy("p")} as archived_copy_before, {_copy("v")} as archived_copy, c.versions, c.original_url, c.report_id
from report_card c
join report_versions v on v.report_id = c.report_id and v.version > 1 and coalesce(v.reason, 'changed') in ('changed', 'correction')
join report_versions p on p.report_id = c.report_id and p.version = v.version - 1
order by v.first_seen desc""",
    },
    "missing_years": {
        "title": "缺失的年度报告 · Missing annual reports",
        "description": "有往年报告、但此后某年在存档中没有报告的机关（至存档中最新的年度）。 Agencies with reports for "
                       "earlier years but none in the archive for a later year (up to the latest year the archive "
                       "holds): not published, taken down, or not yet crawled.",
        "sql": """with recursive span(agency_key, scope, year, last) as (
    select coalesce(agency_id, agency), scope, min(year), (select max(year) from report_card)
    from report_card group by coalesce(agency_id, agency), scope
    union all
    select agency_key, scope, year + 1, last from span where year < last
)
select s.agency_key as agency_id,
       (select c.agency from report_card c where coalesce(c.agency_id, c.agency) = s.agency_key order by c.year desc limit 1) as agency,
       s.scope, s.year as missing_year,
       (select max(c.year) from report_card c where coalesce(c.agency_id, c.agency) = s.agency_key and c.scope = s.scope
          and c.year < s.year) as last_report_before
from span s
where not exists (select 1 from report_card c where coalesce(c.agency_id, c.agency) = s.agency_key
                    and c.scope = s.scope and c.year = s.year)
order by agency, missing_year""",
    },
    "processing_fees": {
        "title": "信息处理费 · Information processing fees",
        "description": "报告中提到信息处理费的段落，以及表格中的收费金额。 Passages of reports that mention 信息处理费 "
                       "(fees charged for handling disclosure requests), beside the administrative fees of table 二 "
                       "(万元) and the fees of 2008–2018 reports (元).",
        "sql": f"""select c.agency, c.year, passage(t.text, '信息处理费') as passage, c.fees_wan, c.disclosure_fees_yuan,
       c.original_url, c.archived_copy, c.report_id
{_HITS}
where report_search match escape_fts('信息处理费')
order by c.year desc, c.agency""",
    },
    "search_passages": {
        "title": "全文检索 · Search with the matching passage",
        "description": "在报告全文、标题和机关名称中检索（一个字、两个字或更长的词；空格分开的多个词须同时出现），显示命中的段落。 "
                       "Search report texts, titles and agency names — words of any length, several words separated "
                       "by spaces must all occur — and show the passage where the first word is found.",
        "sql": f"""select c.agency, c.year, c.title,
       coalesce(passage(t.text, :q), passage(c.title, :q), c.agency) as passage,
       c.original_url, c.archived_copy, c.report_id
{_HITS}
where report_search match escape_fts(:q)
order by c.year desc, c.agency limit 500""",
    },
}
