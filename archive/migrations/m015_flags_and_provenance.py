"""Migration m015 (shipped: never edit it; add a new migration instead)."""
from __future__ import annotations

import sqlite_utils


def m015_flags_and_provenance(db: sqlite_utils.Database) -> None:
    """One definition per flag (archive.definitions), and what researchers cite (issue 26).

    - ``reports.cross_year_failed``: failed cross-year checks (T3-CARRY, T2-STOCK) stored under the
      report's current version, beside ``checks_failed`` (its own rules); kept up to date where the
      cross-year rows are stored (``Archive.refresh_cross_year_checks``).
    - ``reports.published`` and ``report_versions.published``: the publication date the document
      states (发布日期 / 发布时间), ISO 8601; null where it states none.
    - ``report_card`` rebuilt with the columns of today's definitions (both refusal rates, the
      cross-year count, a ``checks`` status that fails on either kind), ids and indexes kept.
    """
    from archive import report_card
    from archive.definitions import CROSS_YEAR

    db["reports"].add_column("cross_year_failed", int, not_null_default=0)
    db["reports"].add_column("published", str)
    db["report_versions"].add_column("published", str)
    db.execute(f"""update reports set cross_year_failed = (select count(*) from checks k where k.report_id = reports.id
                   and k.version = reports.version and k.rule in {CROSS_YEAR} and not k.passed)""")
    report_card.rebuild(db)
