"""`xxgk serve`, `xxgk upgrade`, `xxgk verify` and `xxgk wacz`: the archive itself."""
from __future__ import annotations

import sys
from pathlib import Path

from commands.common import ARCHIVE_HELP, EXIT_LOCKED, archive_lock, archive_path


def add_parsers(sub) -> None:
    p = sub.add_parser("serve", help="browse an archive in Datasette, read-only")
    p.add_argument("--archive", help=ARCHIVE_HELP)
    p.add_argument("--port", type=int, default=8001)
    p.add_argument("--host", default="127.0.0.1")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("upgrade", help="bring an archive made by an older xxgk up to date (apply its pending migrations)")
    p.add_argument("--archive", help=ARCHIVE_HELP)
    p.set_defaults(func=cmd_upgrade)

    p = sub.add_parser("verify", help="re-hash every blob and check every row refers to what exists; exit 1 if not")
    p.add_argument("--archive", help=ARCHIVE_HELP)
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("wacz", help="package the archive's WARC files (or one run's) as a WACZ file")
    p.add_argument("--archive", help=ARCHIVE_HELP)
    p.add_argument("--out", required=True, help="the .wacz file to write")
    p.add_argument("--run", type=int, help="only this crawl run (its WARC files and the payloads it revisited)")
    p.set_defaults(func=cmd_wacz)


def cmd_serve(args) -> int:
    from browse.serve import NotServable, check_archive, serve

    path = archive_path(args)
    try:
        check_archive(path)
    except NotServable as exc:
        print(f"xxgk serve: {exc}", file=sys.stderr)
        return 2
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        print(f"xxgk serve: note: {wal.name} is not empty (a crawl is writing, or was stopped): serving what is "
              f"checkpointed; run `xxgk upgrade` after the crawl to include the rest", file=sys.stderr)
    print(f"Serving {path} read-only at http://{args.host}:{args.port}/ (Ctrl-C stops)", flush=True)
    serve(path, args.host, args.port)
    return 0


def cmd_upgrade(args) -> int:
    import sqlite3

    from archive.store import Archive

    path = archive_path(args)
    if not path.is_file():
        print(f"xxgk upgrade: no archive at {path}", file=sys.stderr)
        return 2
    with archive_lock(path, "xxgk upgrade") as lock:
        if lock is None:
            return EXIT_LOCKED
        try:
            archive = Archive(path)
        except sqlite3.DatabaseError as exc:
            print(f"xxgk upgrade: {path} is not an SQLite archive ({exc})", file=sys.stderr)
            return 2
        applied = archive.applied_on_open
        archive.close()
    print(f"{path}: applied {', '.join(applied)}" if applied else f"{path}: already up to date")
    return 0


def cmd_verify(args) -> int:
    from archive.verify import verify

    path = archive_path(args)
    if not path.exists():
        print(f"xxgk verify: no archive at {path}", file=sys.stderr)
        return 2
    verdict = verify(path)
    for problem in verdict.problems:
        print(problem)
    counted = ", ".join(f"{n} {what}" for what, n in verdict.counted.items())
    if verdict.ok:
        print(f"{path}: ok ({counted}; sqlite integrity_check ok)")
        return 0
    print(f"{path}: {len(verdict.problems)} problem(s) ({counted})", file=sys.stderr)
    return 1


def cmd_wacz(args) -> int:
    from archive.store import Archive
    from archive.wacz import WaczError, build_wacz

    path = archive_path(args)
    if not path.exists():
        print(f"xxgk wacz: no archive at {path}", file=sys.stderr)
        return 2
    archive = Archive(path)
    try:
        made = build_wacz(archive.db, path, Path(args.out), run_id=args.run)
    except WaczError as exc:
        print(f"xxgk wacz: {exc}", file=sys.stderr)
        return 1
    finally:
        archive.close()
    print(f"{args.out}: {len(made['files'])} WARC file(s), {made['pages']} report pages in pages/pages.jsonl")
    for url in made["unmatched_pages"]:
        print(f"  ! page without a record in the index: {url}", file=sys.stderr)
    return 0
