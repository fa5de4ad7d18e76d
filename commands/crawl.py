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
REDIS_FROM_ENV = "$XXGK_REDIS_URL"  # --redis with no URL, or none given: the URL comes from the environment


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
    p.add_argument("--redis", metavar="URL", nargs="?", const=REDIS_FROM_ENV,
                   help="run as one worker of a distributed crawl sharing its frontier in Redis; captures go to "
                        "`xxgk archive-writer` (no --archive). URL omitted: $XXGK_REDIS_URL (keeps a password out of `ps`)")
    p.add_argument("--readers", type=int, metavar="N",
                   help="with --redis: documents read at once by this worker (default $XXGK_EXTRACT_WORKERS or the number of cores; 0: none)")
    p.set_defaults(func=cmd_crawl)

    p = sub.add_parser("archive-writer", help="store the captures of a distributed crawl's workers (the archive's one writer)")
    p.add_argument("--redis", metavar="URL", default=REDIS_FROM_ENV,
                   help="the Redis the workers push to, e.g. redis://:PASSWORD@host:6379/0 (default: $XXGK_REDIS_URL)")
    p.add_argument("--archive", help=ARCHIVE_HELP)
    p.add_argument("--until-idle", type=float, metavar="SECONDS",
                   help="also exit when no crawl came, or no worker has been alive, for this long (default: wait)")
    p.set_defaults(func=cmd_archive_writer)

    p = sub.add_parser("read-documents", help="read the documents of a distributed crawl on this machine (no crawling)")
    p.add_argument("--redis", metavar="URL", default=REDIS_FROM_ENV,
                   help="the crawl's Redis, e.g. redis://:PASSWORD@host:6379/0 (default: $XXGK_REDIS_URL)")
    p.add_argument("--readers", type=int, metavar="N", help="documents read at once (default $XXGK_EXTRACT_WORKERS or the number of cores)")
    p.set_defaults(func=cmd_read_documents)


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
    if args.redis is not None:  # an empty URL is an error, never a quiet single-machine crawl
        return _crawl_worker(args, sites, overrides, registry_problems)
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
    if getattr(args, "badges", None):
        from commands.badges import write_badges

        written = write_badges(Path(args.badges), counts["run_id"], summary)
        print(f"Badges: {len(written)} SVG files in {args.badges}")
    print(f"Browse it:  xxgk serve --archive {path}   (then open http://127.0.0.1:8001/)")
    return max(EXIT_CODES[run["summary"]["health"]] for run in [*earlier, counts])


def _redis_url(args, command: str) -> str | None:
    """The Redis URL of ``--redis``, or of ``$XXGK_REDIS_URL`` (None, said in one line, when neither)."""
    import os

    url = args.redis if args.redis != REDIS_FROM_ENV else os.environ.get("XXGK_REDIS_URL", "")
    if not url:
        print(f"xxgk {command}: no Redis URL: give --redis URL or set XXGK_REDIS_URL", file=sys.stderr)
    return url or None


def _readers(args) -> int:
    from extractors.pool import default_size

    return default_size() if args.readers is None else max(0, args.readers)


def _crawl_worker(args, sites, overrides: dict, registry_problems: list[str]) -> int:
    from archive.redact import redact
    from crawler.distributed.identity import RedisUnavailable
    from crawler.distributed.worker import Stopped, run_worker

    full = _redis_url(args, "crawl")
    if full is None:
        return 2
    url = redact(full)
    command = " ".join(part for part in ("xxgk crawl --sites", str(args.sites), selection_text(args), "--redis", url) if part)
    try:
        done = run_worker(sites, full, overrides, command=command, readers=_readers(args),
                          registry_problems=registry_problems)
    except RedisUnavailable as exc:
        print(f"xxgk crawl: cannot use Redis at {url}: {exc}", file=sys.stderr)
        return 2
    except Stopped:
        print("xxgk crawl: stopped before crawling; nothing taken.", file=sys.stderr)
        return 130
    print(f"Worker done (crawl {done['crawl'][:8]}): {done['requests']} requests, {done['pushed']} captures pushed, "
          f"{done['read']} documents read, {done['requeued']} requests of stopped workers put back"
          + (f", {done['dead_letters']} requests dead-lettered" if done["dead_letters"] else "") + ".")
    if done["interrupted"]:
        print("xxgk crawl: interrupted; requests this worker held go back to the queue once its heartbeat "
              "expires (XXGK_REDIS_WORKER_TTL).", file=sys.stderr)
        return 130
    return 0


def cmd_archive_writer(args) -> int:
    from archive.redact import redact
    from crawler.distributed.identity import RedisUnavailable, connect
    from crawler.distributed.writer import ArchiveWriter, WriterBusy
    from redis import RedisError
    from crawler.settings import XXGK_WARC_ENABLED, XXGK_WARC_MAX_BYTES

    path = archive_path(args)
    full = _redis_url(args, "archive-writer")
    if full is None:
        return 2
    url = redact(full)
    command = f"xxgk archive-writer --redis {url}"
    try:
        server = connect(full)
    except RedisUnavailable as exc:
        print(f"xxgk archive-writer: cannot use Redis at {url}: {exc}", file=sys.stderr)
        return 2
    with archive_lock(path, command) as lock:
        if lock is None:
            return EXIT_LOCKED
        writer = ArchiveWriter(path, server, warc=XXGK_WARC_ENABLED, warc_max_bytes=XXGK_WARC_MAX_BYTES,
                               say=lambda line: print(line, flush=True))
        try:
            counts = writer.serve(until_idle=args.until_idle)
        except WriterBusy as exc:
            print(f"xxgk archive-writer: {exc}; not starting.", file=sys.stderr)
            return EXIT_LOCKED
        except RedisError as exc:  # Redis gone mid-crawl: the run is carried on by the next writer
            print(f"xxgk archive-writer: lost Redis at {url}: {redact(str(exc))}; run the writer again once "
                  f"Redis is back to carry the crawl on.", file=sys.stderr)
            return 2
    if counts is None:  # no crawl came: nothing to do, nothing wrong (or stopped while waiting)
        return 130 if writer.stopping else 0
    readers = counts["readers"]
    health = _print_summary(path, counts, args)
    print(f"Archive writer: {counts['stored']} captures stored; documents read by {len(readers)} reader(s)"
          + (": " + ", ".join(f"{name} ×{n}" for name, n in sorted(readers.items())) if readers else "") + "; "
          + ("crawl finished." if not counts["interrupted"] else "the crawl is not finished: run the writer again to carry it on."))
    return _exit_status("archive-writer", counts) or health


def cmd_read_documents(args) -> int:
    """Readers only: documents of the crawl in Redis, until it is finished (or SIGTERM / Ctrl-C)."""
    import signal
    import time

    from archive.redact import redact
    from crawler.distributed import identity
    from crawler.distributed.readers import Readers

    full = _redis_url(args, "read-documents")
    if full is None:
        return 2
    url = redact(full)
    try:
        server = identity.connect(full)
    except identity.RedisUnavailable as exc:
        print(f"xxgk read-documents: cannot use Redis at {url}: {exc}", file=sys.stderr)
        return 2
    stopping = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.append(True))
    readers = Readers(server, _readers(args) or 1)
    readers.start()
    print(f"xxgk read-documents: {readers.worker.queue_prefetch} reader(s) as {readers.name} on {url} …", flush=True)
    started = None
    try:
        while not stopping:
            crawl, state, _ = identity.current(server)
            started = started or (crawl or {}).get("id")
            if started and (crawl is None or crawl["id"] != started or state == identity.FINISHED):
                break
            time.sleep(0.5)
    finally:
        readers.stop()
    print(f"xxgk read-documents: {readers.read} documents read" + ("; stopped." if stopping else "; the crawl is finished."))
    return 130 if stopping else 0
