"""`xxgk demo`, `xxgk crawl` and `xxgk archive-writer`: crawls into an archive, and the summary they print."""
from __future__ import annotations

import sys
from pathlib import Path

from commands.common import ARCHIVE_HELP, EXIT_CRASHED, EXIT_LOCKED, archive_lock, archive_path
from commands.sites import add_selection_options, load_selected, selection_text

# The replica serves each portal on its own 127.0.0.x address; one fixed port keeps every URL the
# same from one demo to the next, so a second demo over the same archive finds nothing new.
DEMO_PORT = 8642
EXIT_PORT_BUSY = 2


def add_parsers(sub) -> None:
    p = sub.add_parser("demo", help="crawl the bundled portal replica (offline) into an archive")
    p.add_argument("--archive", help=ARCHIVE_HELP)
    p.add_argument("--port", type=int, default=DEMO_PORT,
                   help=f"port of the replica's portals on 127.0.0.x (default {DEMO_PORT}; fixed, so a re-run fetches the same URLs)")
    _output_options(p)
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("crawl", help="crawl the sites of a registry file into an archive")
    p.add_argument("--sites", required=True, help="site registry, YAML or CSV (id, agency, start_url, platform), e.g. registry/all.csv")
    add_selection_options(p)
    p.add_argument("--archive", help=ARCHIVE_HELP)
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="override a Scrapy setting (repeatable)")
    _output_options(p)
    p.add_argument("--redis", metavar="URL", help="run as one worker of a distributed crawl sharing its frontier in Redis; "
                                                  "captures go to `xxgk archive-writer` (no --archive)")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("archive-writer", help="store the captures of a distributed crawl's workers (the archive's one writer)")
    p.add_argument("--redis", metavar="URL", required=True, help="the Redis the workers push to, e.g. redis://host:6379/0")
    p.add_argument("--archive", help=ARCHIVE_HELP)
    p.add_argument("--until-idle", type=float, metavar="SECONDS",
                   help="exit once no worker has been alive and nothing was queued for this long (default: run until stopped)")
    p.add_argument("--workers", type=int, help="extraction processes (default $XXGK_EXTRACT_WORKERS or the number of cores)")
    p.set_defaults(func=cmd_archive_writer)


def _output_options(p) -> None:
    p.add_argument("--verbose", action="store_true", help="Scrapy's own log at INFO instead of the progress display")
    p.add_argument("--badges", metavar="DIR", help="write an SVG status badge per site and one for the run into DIR")


def cmd_demo(args) -> int:
    import multiprocessing

    path = archive_path(args)
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
    from crawler.run import run_crawl

    loaded = load_selected(Path(args.sites), args, "xxgk crawl")  # bad rows are named on stderr and skipped
    if isinstance(loaded, int):
        return loaded
    sites, registry_problems = loaded
    overrides = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep:
            print(f"xxgk crawl: --set takes NAME=VALUE, got {item!r}", file=sys.stderr)
            return 2
        overrides[name] = value
    if args.redis:
        from crawler.distributed.worker import run_worker

        done = run_worker(sites, args.redis, overrides)
        print(f"Worker done: {done['requests']} requests, {done['pushed']} captures pushed to {args.redis}, "
              f"{done['requeued']} requests of stopped workers put back.")
        return 0
    path = archive_path(args)
    command = " ".join(["xxgk crawl --sites", str(args.sites), selection_text(args)]).strip()
    with archive_lock(path, command) as lock:
        if lock is None:
            return EXIT_LOCKED
        counts = run_crawl(sites, path, command=command, overrides=overrides, verbose=args.verbose,
                           registry_problems=registry_problems)
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
        from commands.badges import write_badges

        written = write_badges(Path(args.badges), counts["run_id"], summary)
        print(f"Badges: {len(written)} SVG files in {args.badges}")
    print(f"Browse it:  xxgk serve --archive {path}   (then open http://127.0.0.1:8001/)")
    return max(EXIT_CODES[run["summary"]["health"]] for run in [*earlier, counts])


def cmd_archive_writer(args) -> int:
    from crawler.distributed.writer import ArchiveWriter
    path = archive_path(args)
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
