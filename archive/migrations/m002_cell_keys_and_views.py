"""Migration m002 (shipped: never edit it; add a new migration instead)."""
from __future__ import annotations

import sqlite_utils


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
