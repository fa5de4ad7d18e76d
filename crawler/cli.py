"""`xxgk`: the command-line tool. Every command is documented in README.md (a test checks that)."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


# The replica serves each portal on its own 127.0.0.x address; one fixed port keeps every URL the
# same from one demo to the next, so a second demo over the same archive finds nothing new.
DEMO_PORT = 8642
# Exit codes (README, "Exit codes"): 0 ok, 1 finished with warnings, 2 failed (or could not start),
# 3 archive locked by another writer, 70 crashed.
EXIT_CRASHED = 70


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="xxgk", description="Crawl and archive government information-disclosure annual reports.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="crawl the bundled portal replica (offline) into an archive")
    p.add_argument("--archive", help="SQLite archive path (default: $XXGK_ARCHIVE or ./archive.db)")
    p.add_argument("--port", type=int, default=DEMO_PORT,
                   help=f"port of the replica's portals on 127.0.0.x (default {DEMO_PORT}; fixed, so a re-run fetches the same URLs)")
    _output_options(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("crawl", help="crawl the sites of a registry file into an archive")
    p.add_argument("--sites", required=True, help="site registry, YAML or CSV (id, agency, start_url, platform)")
    p.add_argument("--archive", help="SQLite archive path (default: $XXGK_ARCHIVE or ./archive.db)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a Scrapy setting (repeatable)")
    _output_options(p)
    p.add_argument("--redis", metavar="URL", help="run as one worker of a distributed crawl sharing its frontier in Redis; "
                                                  "captures go to `xxgk archive-writer` (no --archive)")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("archive-writer", help="store the captures of a distributed crawl's workers (the archive's one writer)")
    p.add_argument("--redis", metavar="URL", required=True, help="the Redis the workers push to, e.g. redis://host:6379/0")
    p.add_argument("--archive", help="SQLite archive path (default: $XXGK_ARCHIVE or ./archive.db)")
    p.add_argument("--until-idle", type=float, metavar="SECONDS",
                   help="exit once no worker has been alive and nothing was queued for this long (default: run until stopped)")
    p.add_argument("--workers", type=int, help="extraction processes (default $XXGK_EXTRACT_WORKERS or the number of cores)")
    p.set_defaults(func=cmd_archive_writer)

    p = sub.add_parser("serve", help="browse an archive in Datasette, read-only")
    p.add_argument("--archive", help="SQLite archive path (default: $XXGK_ARCHIVE or ./archive.db)")
    p.add_argument("--port", type=int, default=8001)
    p.add_argument("--host", default="127.0.0.1")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("upgrade", help="bring an archive made by an older xxgk up to date (apply its pending migrations)")
    p.add_argument("--archive", help="SQLite archive path (default: $XXGK_ARCHIVE or ./archive.db)")
    p.set_defaults(func=cmd_upgrade)

    p = sub.add_parser("extract", help="extract one report file (.html/.htm/.txt …) and print the result")
    p.add_argument("path")
    p.add_argument("--json", action="store_true", help="print the full result as one JSON object")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("reextract", help="re-read archived documents with this extractor (no network); new versions where numbers change")
    p.add_argument("--archive", help="SQLite archive path (default: $XXGK_ARCHIVE or ./archive.db)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help="re-read every extracted document")
    which.add_argument("--older-than", type=int, metavar="VERSION",
                       help="re-read documents read by an extractor older than VERSION (default: this extractor's version)")
    p.set_defaults(func=cmd_reextract)

    p = sub.add_parser("extract-pending", help="read every archived document not read yet (after a crawl ended or crashed)")
    p.add_argument("--archive", help="SQLite archive path (default: $XXGK_ARCHIVE or ./archive.db)")
    p.add_argument("--sites", help="site registry whose agencies name reports that do not name themselves "
                                   "(default: the sites the archive's crawls registered)")
    p.add_argument("--workers", type=int, help="child processes reading at once (default $XXGK_EXTRACT_WORKERS or the number of cores)")
    p.set_defaults(func=cmd_extract_pending)

    p = sub.add_parser("sites", help="check or list a site registry (default registry/sites.yaml)")
    sites = p.add_subparsers(dest="sites_command", required=True)
    q = sites.add_parser("validate", help="check every rule of a registry; print each problem, exit 1 if any")
    q.add_argument("file", nargs="?", help="registry, YAML or CSV (default: the repository's registry/sites.yaml)")
    q.set_defaults(func=cmd_sites_validate)
    q = sites.add_parser("list", help="one line per site: id, level, platform, where a crawl starts, agency")
    q.add_argument("file", nargs="?", help="registry, YAML or CSV (default: the repository's registry/sites.yaml)")
    q.add_argument("--level", help="only sites of this level (national, provincial, …)")
    q.add_argument("--platform", help="only sites of this platform (trs, hanweb, gkmlpt, generic)")
    q.set_defaults(func=cmd_sites_list)

    from crawler import cli_agencies, cli_research

    cli_agencies.add_parser(sub, "SQLite archive path (default: $XXGK_ARCHIVE or ./archive.db)")
    cli_research.add_parsers(sub, "SQLite archive path (default: $XXGK_ARCHIVE or ./archive.db)")

    from crawler import cli_ops

    cli_ops.add_parsers(sub, "SQLite archive path (default: $XXGK_ARCHIVE or ./archive.db)")

    p = sub.add_parser("wacz", help="package the archive's WARC files (or one run's) as a WACZ file")
    p.add_argument("--archive", help="SQLite archive path (default: $XXGK_ARCHIVE or ./archive.db)")
    p.add_argument("--out", required=True, help="the .wacz file to write")
    p.add_argument("--run", type=int, help="only this crawl run (its WARC files and the payloads it revisited)")
    p.set_defaults(func=cmd_wacz)

    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except Exception:  # a bug, not a verdict on the sites: its own exit code, so cron and CI tell them apart
        import traceback

        traceback.print_exc()
        return EXIT_CRASHED


def _output_options(p) -> None:
    p.add_argument("--verbose", action="store_true", help="Scrapy's own log at INFO instead of the progress display")
    p.add_argument("--badges", metavar="DIR", help="write an SVG status badge per site and one for the run into DIR")


def _archive_path(args) -> Path:
    return Path(args.archive or os.environ.get("XXGK_ARCHIVE") or "archive.db")


def cmd_demo(args) -> int:
    import multiprocessing

    from crawler.cli_ops import EXIT_LOCKED, archive_lock

    path = _archive_path(args)
    # Twice, as time passes: the portals as first published, then a while later (one report corrected
    # in place, one added, one taken out of its column), so the archive shows a changed report. Each
    # round in a fresh process (Twisted's reactor runs once per process); this one holds the lock.
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    with archive_lock(path, "xxgk demo") as lock:
        if lock is None:
            return EXIT_LOCKED
        rounds = []
        for version in (1, 2):
            child = context.Process(target=_demo_round, args=(version, args.port, path, results, args.verbose))
            child.start()
            child.join()  # the counts it sends back are a few numbers: they never fill the pipe
            if child.exitcode == EXIT_PORT_BUSY:  # the child said so in one line
                return EXIT_PORT_BUSY
            if child.exitcode:
                print(f"xxgk demo: the crawl of world {version} failed (exit {child.exitcode})", file=sys.stderr)
                return EXIT_CRASHED
            rounds.append(results.get(timeout=10))
    worst = _print_summary(path, rounds[-1], args, earlier=rounds[:-1])
    worst = 0 if worst < 2 else worst  # the demo's planted faults give warnings: that is the demo working
    return _exit_status("demo", rounds[-1]) or worst


EXIT_PORT_BUSY = 2


def _demo_round(version: int, port: int, path: Path, results, verbose: bool) -> None:
    from crawler.run import run_crawl
    from crawler.sites import Site
    from replica.portals import build_world
    from replica.server import Replica

    when = "as first published" if version == 1 else "a while later"
    try:
        replica = Replica.start(build_world(version=version), port=port)
    except OSError as exc:  # another demo (or anything else) holds the port on one of the replica's addresses
        print(f"xxgk demo: port {port} is busy ({exc.strerror or exc}); is another `xxgk demo` running? Try --port N.",
              file=sys.stderr)
        sys.exit(EXIT_PORT_BUSY)
    with replica:
        sites = [Site(s.id, s.agency, s.start_url, s.platform, {"region_code": s.region_code, "level": s.level})
                 for s in replica.sites]
        print(f"Portal replica ({when}): {len(sites)} sites on 127.0.0.1; crawling into {path} …", flush=True)
        results.put(run_crawl(sites, path, command=f"xxgk demo (world {version})", verbose=verbose))


def cmd_crawl(args) -> int:
    from crawler.cli_ops import EXIT_LOCKED, archive_lock
    from crawler.run import run_crawl
    from crawler.sites import RegistryError, load_sites

    try:
        sites = load_sites(args.sites)
    except (OSError, RegistryError) as exc:
        print(f"xxgk crawl: {args.sites}: {exc}", file=sys.stderr)
        return 2
    overrides = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            print(f"xxgk crawl: --set takes NAME=VALUE, got {item!r}", file=sys.stderr)
            return 2
        overrides[name] = value
    if args.redis:
        from crawler.distributed import run_worker

        done = run_worker(sites, args.redis, overrides)
        print(f"Worker done: {done['requests']} requests, {done['pushed']} captures pushed to {args.redis}, "
              f"{done['requeued']} requests of stopped workers put back.")
        return 0
    path = _archive_path(args)
    command = "xxgk crawl --sites " + str(args.sites)
    with archive_lock(path, command) as lock:
        if lock is None:
            return EXIT_LOCKED
        counts = run_crawl(sites, path, command=command, overrides=overrides, verbose=args.verbose)
    health = _print_summary(path, counts, args)
    return _exit_status("crawl", counts) or health


def _exit_status(command: str, counts: dict) -> int:
    """What the health checks cannot say: a run that could not store everything (failed, 2) or was
    interrupted (130); saying so on stderr. 0 otherwise."""
    if counts["storage_errors"]:
        print(f"xxgk {command}: {counts['storage_errors']} responses could not be stored in the archive "
              f"(first: {counts['storage_error']}); no report was marked removed.", file=sys.stderr)
        return 2
    if counts["interrupted"]:
        print(f"xxgk {command}: interrupted; run {counts['run_id']} is marked interrupted and the next run resumes it.",
              file=sys.stderr)
        return 130
    return 0


def _print_summary(path: Path, counts: dict, args, earlier: list[dict] = ()) -> int:
    """Print the run's summary and the archive's totals; return the exit code its health gives (the
    worst of this run and ``earlier`` runs of the same command, whose first line only is printed)."""
    from archive.run_summary import EXIT_CODES
    from archive.store import Archive
    from crawler.summary_text import summary_lines

    archive = Archive(path)
    total = archive.summary()
    archive.close()
    summary = counts["summary"]
    print("")
    for run in earlier:  # their first line and what their checks found
        lines = summary_lines(run["run_id"], run, run["summary"], run["seconds"])
        print("\n".join([lines[0], *[line for line in lines[2:] if line.startswith(("  FAILED", "  warning", "  notice"))]]))
    print("\n".join(summary_lines(counts["run_id"], counts, summary, counts["seconds"])))
    waiting = f"; {counts['pending']} still waiting (xxgk extract-pending)" if counts.get("pending") else ""
    print(f"Documents read by the extraction pool: {counts.get('extracted', 0)}{waiting}.")
    print(
        f"Archive {path}: {total['reports']} reports, {total['captures']} captures, {total['cells']} cells, "
        f"{total['failed_checks']} failed checks in {total['reports_with_failed_checks']} reports, "
        f"{total['cross_year_failed']} failed cross-year checks, {total['capture_errors']} capture errors, "
        f"{total['documents_failed']} documents the extractor failed on."
    )
    if args.badges:
        from crawler.badges import write_badges

        written = write_badges(Path(args.badges), counts["run_id"], summary)
        print(f"Badges: {len(written)} SVG files in {args.badges}")
    print(f"Browse it:  xxgk serve --archive {path}   (then open http://127.0.0.1:8001/)")
    return max(EXIT_CODES[run["summary"]["health"]] for run in [*earlier, counts])


def cmd_serve(args) -> int:
    from browse.serve import NotServable, check_archive, serve

    path = _archive_path(args)
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
    from crawler.cli_ops import EXIT_LOCKED, archive_lock

    path = _archive_path(args)
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


def cmd_wacz(args) -> int:
    from archive.store import Archive
    from archive.wacz import WaczError, build_wacz

    path = _archive_path(args)
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


def cmd_extract(args) -> int:
    from extractors.isolation import Job, read_isolated
    from extractors.model import Extraction

    path = Path(args.path)
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        print(f"xxgk extract: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    # Read in a child under the same memory and time limits as in a crawl.
    outcome = read_isolated(Job(path=str(path), filename=path.name))
    if outcome.status != "done":
        if args.json:
            print(json.dumps({**Extraction(is_report=False, reason=outcome.reason).to_json(), "limit": outcome.limit},
                             ensure_ascii=False, indent=1))
        else:
            print(f"{path}: not read ({outcome.reason})")
        return 1
    result = outcome.extraction
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
    elif not result.is_report:
        print(f"{path}: not a report ({result.reason})")
    else:
        filled = sum(v is not None for v in result.cells.values())
        failed = [f"{c.rule}:{c.subject}" for c in result.checks if not c.passed]
        print(f"{path}: {result.agency} {result.year} ({result.template}, {result.scope})")
        print(f"  {filled}/{len(result.cells)} cells filled; {len(result.checks)} checks, {len(failed)} failed {' '.join(failed)}")
        for line in result.problems + result.warnings:
            print(f"  ! {line}")
    return 0


def cmd_reextract(args) -> int:
    import extractors
    from crawler.cli_ops import EXIT_LOCKED, archive_lock

    path = _archive_path(args)
    if not path.exists():
        print(f"xxgk reextract: no archive at {path}", file=sys.stderr)
        return 2
    with archive_lock(path, "xxgk reextract") as lock:
        if lock is None:
            return EXIT_LOCKED
        return _reextract(path, args, extractors.EXTRACTOR_VERSION)


def _reextract(path: Path, args, version: int) -> int:
    from tqdm import tqdm

    import extractors
    from archive.reextract import documents, reextract
    from archive.store import Archive

    older_than = None if args.all else (args.older_than or version)
    archive = Archive(path)
    try:
        docs = documents(archive, older_than=older_than)
        which = "extracted documents (all)" if older_than is None else f"documents read by an extractor older than {older_than}"
        print(f"Re-reading {len(docs)} {which} in {path} with extractor {version} …", flush=True)
        run_id = archive.start_run("xxgk reextract", {"all": args.all, "older_than": older_than, "extractor_version": version})
        bar = lambda items: tqdm(items, total=len(docs), unit="doc", disable=not docs or not sys.stderr.isatty())  # noqa: E731
        summary = reextract(archive, extractors.extract, version, run_id=run_id, docs=docs, progress=bar)
        archive.finish_run(run_id, requests=0)
    finally:
        archive.close()
    new = [v for v in summary.versions_added if v[1] == 1]
    added = len(summary.versions_added) - len(new)
    print(f"Re-extraction run {run_id}: {summary.documents} documents re-read ({len(summary.reports)} reports), "
          f"{added} version{'' if added == 1 else 's'} added, {summary.cells_changed - sum(n for *_, n in new)} cells changed, "
          f"{len(new)} new reports, {summary.failed} documents the extractor failed on.")
    for rid, v, changed in summary.versions_added:
        print(f"  {rid}: version {v}, " + ("new report" if v == 1 else f"{changed} cells changed"))
    for old, new_rid in summary.moved:
        print(f"  {old} → {new_rid}: a document of {old} now reads as {new_rid}; {old} keeps its numbers")
    return 0


def cmd_archive_writer(args) -> int:
    from crawler.archive_writer import ArchiveWriter
    from crawler.cli_ops import EXIT_LOCKED, archive_lock

    path = _archive_path(args)
    command = f"xxgk archive-writer --redis {args.redis}"
    with archive_lock(path, command) as lock:
        if lock is None:
            return EXIT_LOCKED
        writer = ArchiveWriter(path, args.redis, workers=args.workers)
        print(f"Archive writer: storing captures from {args.redis} into {path} (run {writer.run_id}) …", flush=True)
        counts = writer.run(until_idle=args.until_idle)
    print(f"Archive writer run {counts['run_id']}: {counts['stored']} captures stored ({counts['new_captures']} new, "
          f"{counts['new_blobs']} new blobs), {counts['new_reports']} new reports, {counts['removed']} marked removed, "
          f"{counts['errors']} errors; {counts['extracted']} documents read by the extraction pool.")
    return 0


def cmd_extract_pending(args) -> int:
    from crawler.cli_ops import EXIT_LOCKED, archive_lock
    from crawler.sites import RegistryError, load_sites

    path = _archive_path(args)
    if not path.exists():
        print(f"xxgk extract-pending: no archive at {path}", file=sys.stderr)
        return 2
    hints = {}
    if args.sites:
        try:
            hints = {s.id: s.agency for s in load_sites(args.sites)}
        except (OSError, RegistryError) as exc:
            print(f"xxgk extract-pending: {args.sites}: {exc}", file=sys.stderr)
            return 2
    with archive_lock(path, "xxgk extract-pending") as lock:  # one writer: not beside a crawl of this archive
        if lock is None:
            return EXIT_LOCKED
        return _extract_pending(path, args.workers, hints)


def _extract_pending(path: Path, workers: int | None, hints: dict) -> int:
    from crawler.extraction import ExtractionFeeder, count_pending

    feeder = ExtractionFeeder(path, workers=workers, agency_hints=hints)
    waiting = count_pending(feeder.archive, feeder.limits)
    print(f"{path}: {waiting} documents to read with {feeder.pool.size} workers …", flush=True)
    try:
        feeder.drain(on_progress=lambda p: print(f"  {p['extracted']} read, {p['pending']} waiting", flush=True)
                     if p["extracted"] % 50 == 0 else None)
        done = feeder.progress()
        feeder.archive.refresh_cross_year_checks()  # new reports change their neighbours' checks, as at a crawl's end
        left = count_pending(feeder.archive, feeder.limits)
    finally:
        feeder.close()
    print(f"Read {done['extracted']} documents: {done['report']} reports, {done['not_report']} not reports, "
          f"{done['failed']} failed, {done['limit']} stopped by a limit; {left} still pending.")
    return 0


def _registry_path(args) -> Path:
    return Path(args.file) if args.file else Path(__file__).resolve().parents[1] / "registry" / "sites.yaml"


def cmd_sites_validate(args) -> int:
    from crawler.sites import read_rows, validate_registry

    path = _registry_path(args)
    problems = validate_registry(path)
    for line in problems:
        print(f"{path}: {line}")
    if problems:
        print(f"{len(problems)} problem(s) in {path}", file=sys.stderr)
        return 1
    rows = read_rows(path)
    levels: dict[str, int] = {}
    for row in rows:
        levels[str(row["level"])] = levels.get(str(row["level"]), 0) + 1
    with_column = sum(bool(str(row.get("start_url") or "").strip()) for row in rows)
    confirmed = sum(bool(str(row.get("confirmed") or "").strip()) for row in rows)
    by_level = ", ".join(f"{n} {level}" for level, n in sorted(levels.items(), key=lambda kv: -kv[1]))
    print(f"{len(rows)} sites: {by_level}; {with_column} with a column URL (start_url), {confirmed} confirmed by a crawl")
    return 0


def cmd_sites_list(args) -> int:
    import yaml

    from crawler.sites import RegistryError, read_rows

    path = _registry_path(args)
    try:
        rows = read_rows(path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RegistryError) as exc:
        print(f"xxgk sites list: {path}: {exc}", file=sys.stderr)
        return 2
    for row in rows:
        if not isinstance(row, dict):
            continue
        value = lambda key: str(row.get(key) or "").strip()  # noqa: E731
        if args.level and value("level") != args.level or args.platform and value("platform") != args.platform:
            continue
        start = value("start_url") or f"(home) {value('home_url')}"
        print(f"{value('id'):<22} {value('level'):<11} {value('platform'):<8} {start}  {value('agency')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
