"""`xxgk agencies list|find|link`: the agencies of an archive, and links from an old agency to its successor."""
from __future__ import annotations

import json
import sys

from commands.common import ARCHIVE_HELP, EXIT_LOCKED, archive_lock, archive_path


def add_parsers(sub) -> None:
    p = sub.add_parser("agencies", help="list, find and link the agencies of an archive")
    agencies = p.add_subparsers(dest="agencies_command", required=True)
    q = agencies.add_parser("list", help="one line per agency: id, level, reports, years, sites")
    q.add_argument("--archive", help=ARCHIVE_HELP)
    q.add_argument("--region", help="only agencies in this region (a GB/T 2260 code; 130100 takes in its districts)")
    q.add_argument("--level", help="only agencies of this level (national, provincial, prefectural, county)")
    q.set_defaults(func=cmd_list)
    q = agencies.add_parser("find", help="agencies whose id or any printed name contains TEXT, with their aliases")
    q.add_argument("text")
    q.add_argument("--archive", help=ARCHIVE_HELP)
    q.set_defaults(func=cmd_find)
    q = agencies.add_parser("link", help="record that agency OLD was renamed / merged into / split into NEW")
    q.add_argument("old_id")
    q.add_argument("new_id")
    q.add_argument("--relation", required=True, choices=("renamed", "merged_into", "split_from", "division_changed"),
                   help="renamed (same body, new name), merged_into (OLD is now part of NEW), split_from (NEW was "
                        "split from OLD), division_changed (its county became a district)")
    q.add_argument("--note", help="why: the reform or document that says so")
    q.add_argument("--archive", help=ARCHIVE_HELP)
    q.set_defaults(func=cmd_link)
    q = agencies.add_parser("suggest", help="links the 2018 institutional reform suggests (工商局 → 市场监督管理局 …)")
    q.add_argument("--apply", action="store_true", help="record the suggested links (source: reform-2018)")
    q.add_argument("--archive", help=ARCHIVE_HELP)
    q.set_defaults(func=cmd_suggest)


def _open(args):
    from archive.store import Archive

    path = archive_path(args)
    if not path.exists():
        print(f"xxgk agencies: no archive at {path}", file=sys.stderr)
        return None
    return Archive(path)


_SUMMARY = """
    select a.id, a.level, a.sites, count(r.id) as reports, min(r.year) as first_year, max(r.year) as last_year,
           min(r.agency_confidence) as confidence, group_concat(distinct r.agency_resolution) as how
    from agencies a left join reports r on r.agency_id = a.id
"""


def _print(rows) -> None:
    for r in rows:
        years = f"{r['first_year']}–{r['last_year']}" if r["reports"] else "-"
        sites = ",".join(json.loads(r["sites"] or "[]"))
        # the id last: Chinese characters are two columns wide, so padding them would misalign
        print(f"{r['level'] or '?':<11} {r['reports']:>3} reports {years:<9} {r['how'] or '':<20} {sites:<16} {r['id']}")


def cmd_list(args) -> int:
    archive = _open(args)
    if archive is None:
        return 2
    where, params = [], []
    if args.region:
        code = args.region.strip()
        prefix = code[:2] if code.endswith("0000") else code[:4] if code.endswith("00") else code
        where.append("a.region_code like ?")
        params.append(prefix + "%")
    if args.level:
        where.append("a.level = ?")
        params.append(args.level)
    sql = _SUMMARY + (" where " + " and ".join(where) if where else "") + " group by a.id order by a.region_code, a.id"
    rows = list(archive.db.query(sql, params))
    _print(rows)
    print(f"{len(rows)} agencies", file=sys.stderr)
    archive.close()
    return 0


def cmd_find(args) -> int:
    archive = _open(args)
    if archive is None:
        return 2
    like = f"%{args.text}%"
    rows = list(archive.db.query(_SUMMARY + " where a.id like ? or a.names like ? group by a.id order by a.id", [like, like]))
    _print(rows)
    for r in rows:
        for alias in archive.db.query("select * from agency_aliases where old_id = ? or new_id = ? order by old_id, new_id",
                                      [r["id"], r["id"]]):
            print(f"    {alias['old_id']} —{alias['relation']}→ {alias['new_id']}"
                  + (f"  ({alias['note']})" if alias["note"] else "") + f"  [{alias['source']}]")
    if not rows:
        print(f"no agency matches {args.text!r}", file=sys.stderr)
    archive.close()
    return 0 if rows else 1


def cmd_link(args) -> int:
    with archive_lock(archive_path(args), "xxgk agencies link") as lock:  # one writer at a time
        return _link(args) if lock else EXIT_LOCKED


def _link(args) -> int:
    from archive import identities

    archive = _open(args)
    if archive is None:
        return 2
    missing = [a for a in (args.old_id, args.new_id) if not archive.db["agencies"].count_where("id = ?", [a])]
    if args.old_id == args.new_id or missing:
        why = "an agency cannot succeed itself" if not missing else f"no agency {', '.join(map(repr, missing))} (see `xxgk agencies find`)"
        print(f"xxgk agencies link: {why}", file=sys.stderr)
        archive.close()
        return 2
    with archive.db.conn:
        identities.link(archive.db, args.old_id, args.new_id, args.relation, args.note)
    print(f"{args.old_id} —{args.relation}→ {args.new_id}")
    archive.close()
    return 0


def cmd_suggest(args) -> int:
    from archive import identities
    from archive.agencies import reform_links

    archive = _open(args)
    if archive is None:
        return 2
    links = reform_links(list(archive.db.query("select id, name, region_code from agencies order by id")))
    for old_id, new_id, relation, note in links:
        known = archive.db["agency_aliases"].count_where("old_id = ? and new_id = ?", [old_id, new_id])
        print(f"{old_id} —{relation}→ {new_id}  ({note})" + ("  [linked]" if known else ""))
    if args.apply:
        with archive.db.conn:
            for old_id, new_id, relation, note in links:
                identities.link(archive.db, old_id, new_id, relation, note, source="reform-2018", replace=False)
    print(f"{len(links)} suggested link(s)" + (", recorded" if args.apply else "; --apply records them"), file=sys.stderr)
    archive.close()
    return 0
