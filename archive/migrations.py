"""Named schema migrations, applied in order when an archive is opened.

A migration runs once; its name is recorded in ``_migrations``. Never edit a migration that has
shipped: add a new one. Column comments live in ``archive/metadata.py`` (Datasette metadata).
"""
from __future__ import annotations

import fcntl
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils


def m001_initial(db: sqlite_utils.Database) -> None:
    db["crawl_runs"].create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "command": str,
            "settings_digest": str,
            "settings": str,
            "status": str,
            "requests": int,
            "new_captures": int,
            "new_blobs": int,
            "new_reports": int,
            "errors": int,
        },
        pk="id",
    )
    db["blobs"].create({"sha256": str, "size": int, "path": str, "first_seen": str, "first_run_id": int}, pk="sha256")
    db["captures"].create(
        {
            "id": int,
            "fingerprint": str,
            "run_id": int,
            "last_run_id": int,
            "site": str,
            "spider": str,
            "kind": str,
            "flag": str,
            "url": str,
            "final_url": str,
            "redirect_chain": str,
            "status": int,
            "headers": str,
            "content_type": str,
            "sha256": str,
            "size": int,
            "referer": str,
            "title": str,
            "error": str,
            "fetched_at": str,
            "last_fetched_at": str,
            "times_fetched": int,
        },
        pk="id",
        foreign_keys=[("run_id", "crawl_runs", "id"), ("sha256", "blobs", "sha256")],
    )
    db["captures"].create_index(["fingerprint"], unique=True)
    db["captures"].create_index(["url"])
    db["captures"].create_index(["site"])
    db["reports"].create(
        {
            "id": str,
            "agency": str,
            "year": int,
            "scope": str,
            "template": str,
            "title": str,
            "url": str,
            "site": str,
            "source_format": str,
            "capture_id": int,
            "sha256": str,
            "first_seen": str,
            "last_seen": str,
            "first_run_id": int,
            "cells_filled": int,
            "checks_failed": int,
            "warnings": str,
            "problems": str,
        },
        pk="id",
        foreign_keys=[("capture_id", "captures", "id"), ("first_run_id", "crawl_runs", "id")],
    )
    db["reports"].create_index(["agency", "year"])
    db["report_sources"].create(
        {
            "report_id": str,
            "sha256": str,
            "capture_id": int,
            "url": str,
            "source_format": str,
            "cells_filled": int,
            "checks_failed": int,
            "problems": int,
            "used": int,
            "first_seen": str,
        },
        pk=("report_id", "sha256"),
        foreign_keys=[("report_id", "reports", "id"), ("capture_id", "captures", "id")],
    )
    db["cells"].create(
        # INTEGER affinity keeps whole numbers as integers and stores 96171.6 as a real, losslessly.
        {"report_id": str, "key": str, "tbl": str, "value": int, "raw": str},
        pk=("report_id", "key"),
        foreign_keys=[("report_id", "reports", "id")],
    )
    db["checks"].create(
        {"report_id": str, "rule": str, "subject": str, "left": int, "right": int, "passed": int},
        pk=("report_id", "rule", "subject"),
        foreign_keys=[("report_id", "reports", "id")],
    )
    db["extractions"].create(
        {"sha256": str, "outcome": str, "report_id": str, "reason": str, "extracted_at": str},
        pk="sha256",
        foreign_keys=[("sha256", "blobs", "sha256")],
    )
    db["report_texts"].create({"report_id": str, "title": str, "agency": str, "text": str}, pk="report_id")
    # Trigram tokens let Chinese text be searched without a word segmenter (≥ 3 characters).
    db["report_texts"].enable_fts(["title", "agency", "text"], tokenize="trigram", create_triggers=True)


def m002_cell_keys_and_views(db: sqlite_utils.Database) -> None:
    """A label for every canonical key, and views that put numbers beside their sources."""
    from extractors.keys import FREEFORM, GB2019, GB2021, keys_for, label_for

    templates: dict[str, list[str]] = {}
    for template in (GB2021, GB2019, FREEFORM):
        for key in keys_for(template):
            templates.setdefault(key, []).append(template)
    db["cell_keys"].insert_all(
        ({"key": k, "tbl": k.split(".")[0], "label": label_for(k), "templates": " ".join(t)} for k, t in templates.items()),
        pk="key",
    )
    db.create_view(
        "report_numbers",
        """
        select r.agency, r.year, r.scope, r.template, c.key, k.label, c.value, c.raw,
               r.url as original_url, '/blobs/' || b.path as archived_copy, r.id as report_id
        from cells c
        join reports r on r.id = c.report_id
        left join cell_keys k on k.key = c.key
        left join blobs b on b.sha256 = r.sha256
        """,
    )
    db.create_view(
        "failed_checks",
        """
        select r.agency, r.year, ch.rule, ch.subject, ch."left", ch."right", r.url as original_url, r.id as report_id
        from checks ch join reports r on r.id = ch.report_id
        where ch.passed = 0
        """,
    )


def m003_versions_removals_blocks(db: sqlite_utils.Database) -> None:
    """Reports change after publication and vanish from columns; hosts block crawlers.

    A report's numbers now belong to a version: a changed report gets version N+1 and keeps the
    old numbers (CASS counts "changed after publication" as a finding). A report gone from its
    column is marked ``removed_at``, never deleted. ``blocked_hosts`` keeps the evidence of an
    anti-bot page no browser got past.
    """
    db["reports"].add_column("version", int, not_null_default=1)
    db["reports"].add_column("content_hash", str)
    db["reports"].add_column("removed_at", str)
    db["report_versions"].create(
        {
            "report_id": str,
            "version": int,
            "content_hash": str,
            "sha256": str,
            "capture_id": int,
            "url": str,
            "source_format": str,
            "run_id": int,
            "first_seen": str,
        },
        pk=("report_id", "version"),
        foreign_keys=[("report_id", "reports", "id"), ("capture_id", "captures", "id")],
    )
    db.execute(
        "insert into report_versions select id, 1, null, sha256, capture_id, url, source_format, first_run_id, first_seen from reports"
    )
    for table, pk in (("cells", ("report_id", "version", "key")), ("checks", ("report_id", "version", "rule", "subject"))):
        db[table].add_column("version", int, not_null_default=1)
        db[table].transform(pk=pk)
    db["blocked_hosts"].create(
        {"host": str, "site": str, "reason": str, "capture_id": int, "run_id": int, "blocked_at": str},
        pk="host",
        foreign_keys=[("capture_id", "captures", "id")],
    )
    db["captures"].add_column("rendered", int, not_null_default=0)
    db["crawl_runs"].add_column("resumed_from", int)
    # Who runs a crawl: a run still 'running' whose process is gone was interrupted (kill -9, power loss).
    db["crawl_runs"].add_column("pid", int)
    db["crawl_runs"].add_column("host", str)
    db.create_view(
        "report_numbers",
        """
        select r.agency, r.year, r.scope, r.template, c.key, k.label, c.value, c.raw,
               r.url as original_url, '/blobs/' || b.path as archived_copy, r.version, r.id as report_id
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
        select r.agency, r.year, ch.rule, ch.subject, ch."left", ch."right", r.url as original_url, r.id as report_id
        from reports r join checks ch on ch.report_id = r.id and ch.version = r.version
        where ch.passed = 0
        """,
        replace=True,
    )


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


def m005_ocr_confidence(db: sqlite_utils.Database) -> None:
    """Numbers read by OCR from a scan are flagged with the OCR's confidence (0–1; null: not OCR),
    on every document read as a report and on the report whose numbers came from one."""
    for table in ("reports", "report_sources"):
        db[table].add_column("ocr_confidence", float)


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


def m007_extractor_versions(db: sqlite_utils.Database) -> None:
    """Which extractor read each document, and why each report version exists.

    ``extractor_version`` (``extractors.EXTRACTOR_VERSION``; null: read before versions were
    recorded) lets ``xxgk reextract`` find what an older extractor read. A report version's
    ``reason`` is ``first`` (first reading), ``changed`` (its document changed), ``reextracted`` (a
    newer extractor reads the same bytes differently) or ``correction`` (a 更正 page re-published
    the report); ``note`` says more (the extractor versions, the correction's title).
    """
    db["extractions"].add_column("extractor_version", int)
    db["report_versions"].add_column("extractor_version", int)
    db["report_versions"].add_column("reason", str)
    db["report_versions"].add_column("note", str)


def m008_scale_indexes(db: sqlite_utils.Database) -> None:
    """What the crawl and readers ask every time, indexed so the cost stays flat as the archive grows:
    every request looks its URL up as ``url`` or ``final_url``; a run's captures are counted by
    ``last_run_id``; users ask for one key across all reports and for the reports a document fed."""
    db["captures"].create_index(["final_url"], if_not_exists=True)
    db["captures"].create_index(["last_run_id"], if_not_exists=True)
    db["cells"].create_index(["key"], if_not_exists=True)
    db["report_sources"].create_index(["sha256"], if_not_exists=True)


def m009_hostile(db: sqlite_utils.Database) -> None:
    """Issue 12. A run counts the responses it could not store (disk full): such a run is an error
    and never marks reports removed. A document refused by a limit records which setting and its
    value then, so it is read again only once that limit is raised."""
    db["crawl_runs"].add_column("storage_errors", int)
    db["extractions"].add_column("limit_setting", str)
    db["extractions"].add_column("limit_value", float)


def m010_operations(db: sqlite_utils.Database) -> None:
    """Operations: where each capture's WARC copy is, and what each run's summary and health said.

    ``captures.warc_file`` / ``warc_offset`` / ``warc_record_id`` / ``warc_type``: the first WARC
    record written for the capture (file name under ``<archive>.warc/``, byte offset of its gzip
    member): a response holding its bytes, or a revisit pointing at the record that holds them.
    ``crawl_runs.summary``: JSON, per site (pages, new captures, new/changed/removed reports, errors
    by kind, blocked, time) and the health checks; ``crawl_runs.health``: ok · warnings · failed.
    """
    db["captures"].add_column("warc_file", str)
    db["captures"].add_column("warc_offset", int)
    db["captures"].add_column("warc_record_id", str)
    db["captures"].add_column("warc_type", str)
    # A payload seen before is found by its SHA-256 (revisit records).
    db["captures"].create_index(["sha256"], if_not_exists=True)
    db["crawl_runs"].add_column("summary", str)
    db["crawl_runs"].add_column("health", str)


def m011_journalists(db: sqlite_utils.Database) -> None:
    """What a journalist browses (issue 10): the report card and a Chinese search that works.

    - ``report_card``: one row per report, headline figures under readable names (archive.report_card),
      kept in step by the archive and by triggers on ``reports``.
    - ``report_search``: FTS5 over character pairs of each report's title, agency and text
      (archive.search), so 1- and 2-character words are found; it replaces the trigram index of
      ``report_texts`` (3+ characters only), dropped here with its triggers.
    - ``cell_keys`` gains each key's table, row and column label and its unit.
    """
    from archive import report_card
    from extractors.keys import FREEFORM_LABELS, T2_GB2019, T2_GB2021, T3_COLUMNS, T3_ROWS_GB2019, T3_ROWS_GB2021, T4_GROUPS, T4_RESULTS

    if db["report_texts_fts"].exists():
        db["report_texts"].disable_fts()
    report_card.create(db)

    tables = {"t2": "二、主动公开政府信息情况", "t3": "三、收到和处理政府信息公开申请情况", "t4": "四、政府信息公开行政复议、行政诉讼情况",
              "ff": "统计（2008–2018 自由格式）"}
    parts: dict[str, tuple[str, str]] = {}
    for rows in (T2_GB2021, T2_GB2019):
        for row, columns in rows:
            parts.update({f"t2.{row.key}.{col.key}": (row.label, col.label) for col in columns})
    for row in T3_ROWS_GB2021 + T3_ROWS_GB2019:
        parts.update({f"t3.{row.key}.{col.key}": (row.label, col.label) for col in T3_COLUMNS})
    for group in T4_GROUPS:
        parts.update({f"t4.{group.key}.{result.key}": (group.label, result.label) for result in T4_RESULTS})
    for key, label in FREEFORM_LABELS.items():
        parts[key] = (label.split("（")[0], "")
    for column in ("table_label", "row_label", "column_label", "unit"):
        db["cell_keys"].add_column(column, str)
    for key, (row_label, column_label) in parts.items():
        db["cell_keys"].update(key, {"table_label": tables[key.split(".")[0]], "row_label": row_label,
                                     "column_label": column_label, "unit": unit_of(key)})


def unit_of(key: str) -> str:
    """The unit a key's number is in (report-format §2): 万元 for fee amounts, 元 for freeform fees,
    条 for proactively published items, the procurement amount as printed, 件 otherwise."""
    if key == "t2.fees.amount_wan":
        return "万元"
    if key == "ff.fees_yuan":
        return "元"
    if key == "ff.proactive_items":
        return "条"
    if key == "t2.procurement.amount":
        return "as printed · 见原文"
    if key.endswith(".delta"):
        return "项 (±)"
    if key.endswith(".prev_items"):
        return "项"
    return "件"


def m012_browse_speed(db: sqlite_utils.Database) -> None:
    """The report card's default order, newest year first, pages without repeating or skipping rows.

    Datasette sorts the first page by ``year desc`` alone and every next page by ``year desc, id``.
    An index on ``year`` read backwards gives a year's rows in descending id, so page two repeated
    page one and skipped the rest of that year. ``(year desc, id)`` read forwards gives them in the
    order the next pages assume. (A sort by ascending year now reads it backwards: ties in
    descending id; SQLite uses one index of the two for both directions, so only one can be right.)
    """
    db.execute("drop index if exists report_card_year")
    db.execute("create index report_card_year on report_card(year desc, id)")
    if db["sqlite_stat1"].exists():  # an archive with statistics keeps them for the new index
        db.execute("analyze report_card_year")


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


MIGRATIONS = (m001_initial, m002_cell_keys_and_views, m003_versions_removals_blocks, m004_cross_year_checks,
              m005_ocr_confidence, m006_agencies, m007_extractor_versions, m008_scale_indexes, m009_hostile,
              m010_operations, m011_journalists, m012_browse_speed, m013_cross_year_speed)


def apply(db: sqlite_utils.Database, path: Path | None = None) -> list[str]:
    """Apply every migration not yet recorded; return the names applied now.

    With ``path`` (the database file), pending migrations run under an exclusive lock on
    ``<path>.migrate.lock``: two processes opening a fresh archive at once do not both run them
    (the second waits, then finds them done). An up-to-date archive costs one small query, no lock.
    """
    if path is None or not _pending(db):
        return _apply(db) if path is None else []
    lock_path = Path(path).with_name(Path(path).name + ".migrate.lock")
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        return _apply(db)


def _pending(db: sqlite_utils.Database) -> bool:
    names = {m.__name__ for m in MIGRATIONS}
    try:
        done = {row[0] for row in db.execute("select name from _migrations")}
    except sqlite3.OperationalError:  # no _migrations table: a fresh archive
        return True
    return bool(names - done)


def _apply(db: sqlite_utils.Database) -> list[str]:
    done = {row["name"] for row in db["_migrations"].rows} if db["_migrations"].exists() else set()
    applied = []
    for migration in MIGRATIONS:
        if migration.__name__ in done:
            continue
        _atomically(db, migration)
        applied.append(migration.__name__)
    return applied


def _atomically(db: sqlite_utils.Database, migration) -> None:
    """Run one migration and record it in one transaction: a process killed half-way (kill -9 while a
    crawl opens a fresh archive) leaves no table created by a migration that is not recorded.

    Python's sqlite3 runs DDL outside transactions, and sqlite-utils commits after each step; here
    the transaction is opened explicitly and the steps' commits are deferred to its end."""
    real = db.conn
    real.execute("BEGIN IMMEDIATE")
    db.conn = _DeferredCommits(real)
    try:
        migration(db)
        db["_migrations"].insert(
            {"name": migration.__name__, "applied_at": datetime.now(timezone.utc).isoformat(timespec="seconds")},
            pk="name",
        )
    except BaseException:
        real.rollback()
        raise
    else:
        real.commit()
    finally:
        db.conn = real


class _DeferredCommits:
    """A connection whose ``commit`` and ``with conn:`` blocks wait for the migration's own commit."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        return False

    def commit(self) -> None:
        pass
