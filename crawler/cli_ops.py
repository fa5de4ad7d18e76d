"""Operations commands: `xxgk verify` (and the scheduling command), each in its own function."""
from __future__ import annotations

import contextlib
import sys

# Exit codes of the commands that write an archive (README, "Exit codes").
EXIT_LOCKED = 3


@contextlib.contextmanager
def archive_lock(path, command: str):
    """Hold the archive's lock for the block; yields None (after saying who holds it) when another
    process does. A lock whose process died is taken over, and that is said too."""
    from archive.lock import ArchiveLock, ArchiveLocked, describe

    lock = ArchiveLock(path, command)
    try:
        lock.__enter__()
    except ArchiveLocked as exc:
        print(f"{command.split(' --')[0]}: {exc}; not starting.", file=sys.stderr)
        yield None
        return
    try:
        if lock.recovered:
            print(f"{command.split(' --')[0]}: recovered the lock left by {describe(lock.recovered)}: "
                  f"that process is gone", file=sys.stderr, flush=True)
        yield lock
    finally:
        lock.__exit__(None, None, None)


def add_parsers(sub, archive_help: str) -> None:
    p = sub.add_parser("verify", help="re-hash every blob and check every row refers to what exists; exit 1 if not")
    p.add_argument("--archive", help=archive_help)
    p.set_defaults(func=cmd_verify)


def cmd_verify(args) -> int:
    from archive.verify import verify
    from crawler.cli import _archive_path

    path = _archive_path(args)
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
