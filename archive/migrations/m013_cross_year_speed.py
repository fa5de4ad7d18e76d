"""Migration m013 (shipped: never edit it; add a new migration instead)."""
from __future__ import annotations

import sqlite_utils


def m013_cross_year_speed(db: sqlite_utils.Database) -> None:
    """The end of every crawl stores the cross-year checks and counts failed checks; at 100k reports
    that took a minute. The view read each report's carried-over cells with ``like``, which no index
    serves (200 cells per report scanned); a key range is one seek in the cells' primary key, and
    ``cross join`` keeps SQLite to that order (a report, the next year's, then their cells): left to
    choose, it walked the key index over every report's cells, 4x slower at 100k reports. Failed
    checks, a small part of ``checks``, get a partial index so counting them does not read the rest."""
    db.create_view(
        "cross_year_checks",
        """
        select b.agency, b.scope, b.year, 'T3-CARRY' as rule, substr(co.key, 17) as subject,
               co.value as "left", ci.value as "right", co.value = ci.value as passed,
               b.id as report_id, a.id as previous_report_id, b.agency_id
        from reports a
        join reports b on b.agency_id = a.agency_id and b.scope = a.scope and b.year = a.year + 1
        cross join cells co on co.report_id = a.id and co.version = a.version
                     and co.key > 't3.carried_over.' and co.key < 't3.carried_over/'
        cross join cells ci on ci.report_id = b.id and ci.version = b.version and ci.key = 't3.carried_in.' || substr(co.key, 17)
        where co.value is not null and ci.value is not null
        union all
        select b.agency, b.scope, b.year, 'T2-STOCK', t.row,
               p.value + i.value - d.value, c.value, p.value + i.value - d.value = c.value,
               b.id, a.id, b.agency_id
        from reports a
        join reports b on b.agency_id = a.agency_id and b.scope = a.scope and b.year = a.year + 1
             and a.template = 'gb2021' and b.template = 'gb2021'
        cross join (select 'regulation' as row union all select 'normative') t
        cross join cells p on p.report_id = a.id and p.version = a.version and p.key = 't2.' || t.row || '.in_force'
        cross join cells i on i.report_id = b.id and i.version = b.version and i.key = 't2.' || t.row || '.issued'
        cross join cells d on d.report_id = b.id and d.version = b.version and d.key = 't2.' || t.row || '.repealed'
        cross join cells c on c.report_id = b.id and c.version = b.version and c.key = 't2.' || t.row || '.in_force'
        where p.value is not null and i.value is not null and d.value is not null and c.value is not null
        """,
        replace=True,
    )
    db.execute("create index if not exists idx_checks_failed on checks (rule) where passed = 0")
