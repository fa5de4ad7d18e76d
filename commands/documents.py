"""`xxgk extract`, `xxgk reextract` and `xxgk extract-pending`: reading documents, outside a crawl."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from commands.common import ARCHIVE_HELP, EXIT_LOCKED, archive_lock, archive_path


def add_parsers(sub) -> None:
    p = sub.add_parser("extract", help="extract one report file (.html/.htm/.txt …) and print the result")
    p.add_argument("path")
    p.add_argument("--json", action="store_true", help="print the full result as one JSON object")
    p.set_defaults(func=cmd_extract)

    p = sub.add_parser("reextract", help="re-read archived documents with this extractor (no network); new versions where numbers change")
    p.add_argument("--archive", help=ARCHIVE_HELP)
    which = p.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true", help="re-read every extracted document")
    which.add_argument("--older-than", type=int, metavar="VERSION",
                       help="re-read documents read by an extractor older than VERSION (default: this extractor's version)")
    p.set_defaults(func=cmd_reextract)

    p = sub.add_parser("extract-pending", help="read every archived document not read yet (after a crawl ended or crashed)")
    p.add_argument("--archive", help=ARCHIVE_HELP)
    p.add_argument("--sites", help="site registry whose agencies name reports that do not name themselves "
                                   "(default: the sites the archive's crawls registered)")
    p.add_argument("--workers", type=int, help="child processes reading at once (default $XXGK_EXTRACT_WORKERS or the number of cores)")
    p.set_defaults(func=cmd_extract_pending)


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

    path = archive_path(args)
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


def cmd_extract_pending(args) -> int:
    from crawler.sites import RegistryError, load_sites

    path = archive_path(args)
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
    from crawler.store.extraction import ExtractionFeeder, count_pending

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
