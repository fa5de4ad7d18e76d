"""Migration m003 (shipped: never edit it; add a new migration instead)."""
from __future__ import annotations

import sqlite_utils


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
