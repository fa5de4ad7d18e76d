"""Migration m006 (shipped: never edit it; add a new migration instead)."""
from __future__ import annotations

import sqlite_utils


def m006_agencies(db: sqlite_utils.Database) -> None:
    """Agency identity (issue 8): a report belongs to an agency, found from the registry row of the
    site that found it and the name it gives (``archive.agencies``), not to a name alone: China has
    three 新华区, whose 工业和信息化局 reports for one year used to collide into one report.

    New tables: ``divisions`` and ``division_changes`` (GB/T 2260, shipped as data), ``sites`` (the
    registry rows crawls used; ``captures.site`` and ``reports.site`` hold their ids), ``agencies``,
    ``agency_aliases``. ``reports`` gains agency_id, region_code, level, agency_resolution,
    agency_confidence. Existing reports keep their ids, versions and cells; a document read as
    another site's report under the same name (a collision) is taken out of that report and marked
    for reading again, so the next crawl files it under its own agency.
    """
    from archive import identities

    db["divisions"].create({"code": str, "name": str, "level": str, "parent_code": str, "current": int, "successor": str},
                           pk=("code", "name"))
    db["division_changes"].create({"year": int, "change": str, "old_code": str, "old_name": str, "new_code": str,
                                   "new_name": str, "parent_code": str})
    identities.load_divisions(db)
    db["sites"].create({"id": str, "agency": str, "region_code": str, "level": str, "home_url": str, "start_url": str,
                        "platform": str, "registry": str, "first_run_id": int, "last_run_id": int, "first_seen": str},
                       pk="id")
    db["agencies"].create({"id": str, "name": str, "region_code": str, "level": str, "parent_id": str, "sites": str,
                           "names": str, "first_seen": str}, pk="id")
    db["agencies"].create_index(["region_code"])
    db["agency_aliases"].create({"old_id": str, "new_id": str, "relation": str, "note": str, "source": str,
                                 "created_at": str}, pk=("old_id", "new_id"))
    for column, kind in (("agency_id", str), ("region_code", str), ("level", str), ("agency_resolution", str),
                         ("agency_confidence", float)):
        db["reports"].add_column(column, kind)
    db["reports"].create_index(["agency_id", "year", "scope"])

    # Sites an archive already crawled: what the shipped registry says about them, else their id alone.
    shipped = identities.shipped_sites()
    for (site_id,) in db.execute("select site from captures where site is not null union select site from reports "
                                 "where site is not null").fetchall():
        db["sites"].insert(shipped.get(site_id) or {"id": site_id}, pk="id", ignore=True)
    for report in list(db["reports"].rows):
        identity = identities.identify(db, report["agency"], report["site"])
        identities.note_agency(db, identity, report["site"], report["agency"])
        db["reports"].update(report["id"], identities.report_columns(identity))
    identities.split_collisions(db)
    _agency_views(db)


def _agency_views(db: sqlite_utils.Database) -> None:
    """The views join reports by agency id now (two 新华区 agencies are two series), with the id shown."""
    db.create_view(
        "report_numbers",
        """
        select r.agency, r.year, r.scope, r.template, c.key, k.label, c.value, c.raw,
               r.url as original_url, '/blobs/' || b.path as archived_copy, r.version, r.id as report_id,
               r.agency_id, r.region_code
        from reports r
        join cells c on c.report_id = r.id and c.version = r.version
        left join cell_keys k on k.key = c.key
        left join blobs b on b.sha256 = r.sha256
        """,
        replace=True,
    )
    db.create_view(
        "failed_checks",
        """
        select r.agency, r.year, ch.rule, ch.subject, ch."left", ch."right", r.url as original_url, r.id as report_id,
               r.agency_id
        from reports r join checks ch on ch.report_id = r.id and ch.version = r.version
        where ch.passed = 0
        """,
        replace=True,
    )
    db.create_view(
        "cross_year_checks",
        """
        select b.agency, b.scope, b.year, 'T3-CARRY' as rule, substr(co.key, 17) as subject,
               co.value as "left", ci.value as "right", co.value = ci.value as passed,
               b.id as report_id, a.id as previous_report_id, b.agency_id
        from reports a
        join reports b on b.agency_id = a.agency_id and b.scope = a.scope and b.year = a.year + 1
        join cells co on co.report_id = a.id and co.version = a.version and co.key like 't3.carried_over.%'
        join cells ci on ci.report_id = b.id and ci.version = b.version and ci.key = 't3.carried_in.' || substr(co.key, 17)
        where co.value is not null and ci.value is not null
        union all
        select b.agency, b.scope, b.year, 'T2-STOCK', t.row,
               p.value + i.value - d.value, c.value, p.value + i.value - d.value = c.value,
               b.id, a.id, b.agency_id
        from reports a
        join reports b on b.agency_id = a.agency_id and b.scope = a.scope and b.year = a.year + 1
             and a.template = 'gb2021' and b.template = 'gb2021'
        join (select 'regulation' as row union all select 'normative') t
        join cells p on p.report_id = a.id and p.version = a.version and p.key = 't2.' || t.row || '.in_force'
        join cells i on i.report_id = b.id and i.version = b.version and i.key = 't2.' || t.row || '.issued'
        join cells d on d.report_id = b.id and d.version = b.version and d.key = 't2.' || t.row || '.repealed'
        join cells c on c.report_id = b.id and c.version = b.version and c.key = 't2.' || t.row || '.in_force'
        where p.value is not null and i.value is not null and d.value is not null and c.value is not null
        """,
        replace=True,
    )
