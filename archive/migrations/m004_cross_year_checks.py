"""Migration m004 (shipped: never edit it; add a new migration instead)."""
from __future__ import annotations

import sqlite_utils


def m004_cross_year_checks(db: sqlite_utils.Database) -> None:
    """The two rules that span years (spec §4), as a view over the current versions:
    T3-CARRY — carried_over of year N = carried_in of year N+1, per column, same agency and scope;
    T2-STOCK (gb2021, soft) — in_force[N] = in_force[N-1] + issued[N] - repealed[N]."""
    db.create_view(
        "cross_year_checks",
        """
        select b.agency, b.scope, b.year, 'T3-CARRY' as rule, substr(co.key, 17) as subject,
               co.value as "left", ci.value as "right", co.value = ci.value as passed,
               b.id as report_id, a.id as previous_report_id
        from reports a
        join reports b on b.agency = a.agency and b.scope = a.scope and b.year = a.year + 1
        join cells co on co.report_id = a.id and co.version = a.version and co.key like 't3.carried_over.%'
        join cells ci on ci.report_id = b.id and ci.version = b.version and ci.key = 't3.carried_in.' || substr(co.key, 17)
        where co.value is not null and ci.value is not null
        union all
        select b.agency, b.scope, b.year, 'T2-STOCK', t.row,
               p.value + i.value - d.value, c.value, p.value + i.value - d.value = c.value,
               b.id, a.id
        from reports a
        join reports b on b.agency = a.agency and b.scope = a.scope and b.year = a.year + 1
             and a.template = 'gb2021' and b.template = 'gb2021'
        join (select 'regulation' as row union all select 'normative') t
        join cells p on p.report_id = a.id and p.version = a.version and p.key = 't2.' || t.row || '.in_force'
        join cells i on i.report_id = b.id and i.version = b.version and i.key = 't2.' || t.row || '.issued'
        join cells d on d.report_id = b.id and d.version = b.version and d.key = 't2.' || t.row || '.repealed'
        join cells c on c.report_id = b.id and c.version = b.version and c.key = 't2.' || t.row || '.in_force'
        where p.value is not null and i.value is not null and d.value is not null and c.value is not null
        """,
    )
