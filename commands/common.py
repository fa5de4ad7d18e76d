"""What every command shares: where the archive is, its lock, and the exit codes (docs/operators.md, "Exit codes")."""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

ARCHIVE_HELP = "SQLite archive path (default: $XXGK_ARCHIVE or ./archive.db)"
# Exit codes: 0 ok, 1 finished with warnings, 2 failed (or could not start), 3 archive locked by
# another writer, 70 crashed (a bug, not a verdict on the sites: cron and CI tell them apart).
EXIT_LOCKED = 3
EXIT_CRASHED = 70


def archive_path(args) -> Path:
    return Path(args.archive or os.environ.get("XXGK_ARCHIVE") or "archive.db")


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
