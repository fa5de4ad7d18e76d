"""The archive's identity tables: the sites a crawl used, the agencies reports belong to, their aliases.

``archive.agencies`` decides who an agency is (pure); this module keeps the answers in SQLite:
``sites`` (registry rows as the crawl used them), ``agencies`` (one row per agency id, with the
sites it publishes on and the names it printed), ``agency_aliases`` (an old agency id and its
successor), and the agency columns of ``reports``.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils
import yaml

from archive.agencies import DIVISION_CHANGED, Identity, resolve
from archive.divisions import Divisions, read_data

SITE_COLUMNS = ("agency", "region_code", "level", "home_url", "start_url", "platform")
SHIPPED_REGISTRY = Path(__file__).resolve().parents[1] / "registry" / "sites.yaml"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _text(value) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def site_row(row: dict) -> dict:
    """A registry row (as loaded, any extra columns) as a ``sites`` row."""
    kept = {k: _text(row.get(k)) for k in SITE_COLUMNS}
    extra = {k: v for k, v in row.items() if k not in ("id", *SITE_COLUMNS) and v not in (None, "")}
    return {"id": str(row["id"]), **kept, "registry": json.dumps(extra, ensure_ascii=False, sort_keys=True, default=str)}


def shipped_sites() -> dict[str, dict]:
    """The rows of the repository's registry, by id (what an archive crawled from them can learn)."""
    try:
        rows = yaml.safe_load(SHIPPED_REGISTRY.read_text(encoding="utf-8")) or []
    except OSError:
        return {}
    rows = rows.get("sites", []) if isinstance(rows, dict) else rows
    return {str(r["id"]): site_row(r) for r in rows if isinstance(r, dict) and r.get("id")}


def register_sites(db: sqlite_utils.Database, rows: list[dict], run_id: int | None) -> list[str]:
    """Record the registry rows a crawl uses; return the ids whose place (region, level) changed,
    whose reports are then resolved again (a site first crawled without a region code, say)."""
    changed = []
    for row in rows:
        new = site_row(row)
        old = next(db["sites"].rows_where("id = ?", [new["id"]]), None)
        if old is None:
            db["sites"].insert({**new, "first_run_id": run_id, "last_run_id": run_id, "first_seen": _now()})
            if db["reports"].count_where("site = ?", [new["id"]]):
                changed.append(new["id"])
            continue
        db["sites"].update(new["id"], {**new, "last_run_id": run_id})
        if (old["region_code"], old["level"]) != (new["region_code"], new["level"]):
            changed.append(new["id"])
    for site in changed:
        reassign(db, site)
    if changed:
        split_collisions(db)
    return changed


def site(db: sqlite_utils.Database, site_id: str | None) -> dict | None:
    return next(db["sites"].rows_where("id = ?", [site_id]), None) if site_id else None


def identify(db: sqlite_utils.Database, name: str, site_id: str | None) -> Identity:
    return resolve(name, site(db, site_id))


def note_agency(db: sqlite_utils.Database, identity: Identity, site_id: str | None, printed: str) -> None:
    """Add or update the agency's row: the sites it publishes on and the names it printed grow."""
    row = next(db["agencies"].rows_where("id = ?", [identity.agency_id]), None)
    sites = set(json.loads(row["sites"])) if row else set()
    names = set(json.loads(row["names"])) if row else set()
    sites |= {site_id} if site_id else set()
    names.add(printed)
    values = {"id": identity.agency_id, "name": identity.name, "region_code": identity.region_code,
              "level": identity.level, "parent_id": identity.parent_id,
              "sites": json.dumps(sorted(sites), ensure_ascii=False), "names": json.dumps(sorted(names), ensure_ascii=False)}
    if row:
        db["agencies"].update(identity.agency_id, values)
    else:
        db["agencies"].insert({**values, "first_seen": _now()})
    if identity.successor_id:  # its county became a district since: the same body under the new code
        link(db, identity.agency_id, identity.successor_id, DIVISION_CHANGED, "division_changes (GB/T 2260)", replace=False)


def report_for(db: sqlite_utils.Database, identity: Identity, year: int, scope: str) -> str:
    """The id of the agency's report for the year and scope: the one the archive has, else a new one.

    New ids are ``<agency id>-<year>-<scope>``; an id taken by another agency's report (an archive
    from before agency identity, whose ids were names only) gets ``~2``, ``~3``….
    """
    found = db.execute("select id from reports where agency_id = ? and year = ? and scope = ?",
                       [identity.agency_id, year, scope]).fetchone()
    if found:
        return found[0]
    base = f"{identity.agency_id}-{year}-{scope}"
    rid, n = base, 1
    while db["reports"].count_where("id = ?", [rid]):
        n += 1
        rid = f"{base}~{n}"
    return rid


def report_columns(identity: Identity) -> dict:
    return {"agency_id": identity.agency_id, "region_code": identity.region_code, "level": identity.level,
            "agency_resolution": identity.resolution, "agency_confidence": identity.confidence}


def reassign(db: sqlite_utils.Database, site_id: str) -> int:
    """Resolve again the agency of every report of a site whose place became known or changed.

    Report ids never change. A report whose new agency already has a report for that year and
    scope keeps its old agency (two reports are never merged behind anyone's back).
    """
    moved = 0
    for report in list(db["reports"].rows_where("site = ?", [site_id])):
        identity = identify(db, report["agency"], site_id)
        if identity.agency_id == report["agency_id"]:
            continue
        taken = db.execute("select 1 from reports where agency_id = ? and year = ? and scope = ? and id != ?",
                           [identity.agency_id, report["year"], report["scope"], report["id"]]).fetchone()
        if taken:
            continue
        note_agency(db, identity, site_id, report["agency"])
        db["reports"].update(report["id"], report_columns(identity))
        moved += 1
    return moved


def split_collisions(db: sqlite_utils.Database) -> int:
    """Documents filed under a report whose agency their own site says is another one.

    Until agency identity (m006), and while a site's registry row gave no region, two agencies of the
    same name shared one report and only the winning document's numbers were stored; the others have
    no cells to move. Their source rows leave the report and their extraction is marked failed,
    which makes the next crawl read them again (bytes are never lost) and file them under their own
    agency. Returns how many documents were marked.
    """
    rows = db.execute(
        "select s.report_id, s.sha256, c.site, r.agency, r.agency_id from report_sources s "
        "join captures c on c.id = s.capture_id join reports r on r.id = s.report_id "
        "where c.site is not r.site"
    ).fetchall()
    marked = 0
    for rid, sha256, site_id, agency, current in rows:
        if identify(db, agency, site_id).agency_id == current:
            continue
        db.execute("delete from report_sources where report_id = ? and sha256 = ?", [rid, sha256])
        db.execute("update extractions set outcome = 'failed', report_id = null, reason = ? where sha256 = ?",
                   [f"agency identity: read again (filed under {rid}, but its site makes it another agency's)", sha256])
        marked += 1
    return marked


def link(db: sqlite_utils.Database, old_id: str, new_id: str, relation: str, note: str | None = None,
         *, source: str = "user", replace: bool = True) -> None:
    row = {"old_id": old_id, "new_id": new_id, "relation": relation, "note": note, "source": source,
           "created_at": _now()}
    if replace:
        db["agency_aliases"].upsert(row, pk=("old_id", "new_id"))
    else:
        db["agency_aliases"].insert(row, pk=("old_id", "new_id"), ignore=True)


def load_divisions(db: sqlite_utils.Database) -> None:
    divisions = Divisions.load()
    db["divisions"].insert_all(
        ({"code": d.code, "name": d.name, "level": d.level, "parent_code": d.parent_code or None,
          "current": int(d.current), "successor": d.successor or None} for d in divisions.all),
        pk=("code", "name"), replace=True,
    )
    db["division_changes"].insert_all({**r, "year": int(r["year"])} for r in read_data("division_changes.csv"))
