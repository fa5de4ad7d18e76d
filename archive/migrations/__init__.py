"""Named schema migrations, applied in order when an archive is opened.

One module per migration, ``mNNN_name.py`` in this folder, holding a function of the same name; they
run in the order of their names, each once, and the name is recorded in ``_migrations``. Never edit a
migration that has shipped: add a new module. Column comments live in ``archive/metadata.py``
(Datasette metadata).
"""
from __future__ import annotations

import fcntl
import importlib
import pkgutil
import re
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils


def _discover() -> tuple:
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if re.fullmatch(r"m\d{3}_\w+", m.name))
    return tuple(getattr(importlib.import_module(f"{__name__}.{name}"), name) for name in names)


MIGRATIONS = _discover()


def apply(db: sqlite_utils.Database, path: Path | None = None) -> list[str]:
    """Apply every migration not yet recorded; return the names applied now.

    With ``path`` (the database file), pending migrations run under an exclusive lock on
    ``<path>.migrate.lock``: two processes opening a fresh archive at once do not both run them
    (the second waits, then finds them done). An up-to-date archive costs one small query, no lock.
    """
    if path is None or not _pending(db):
        return _apply(db) if path is None else []
    lock_path = Path(path).with_name(Path(path).name + ".migrate.lock")
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        return _apply(db)


def _pending(db: sqlite_utils.Database) -> bool:
    names = {m.__name__ for m in MIGRATIONS}
    try:
        done = {row[0] for row in db.execute("select name from _migrations")}
    except sqlite3.OperationalError:  # no _migrations table: a fresh archive
        return True
    return bool(names - done)


def _apply(db: sqlite_utils.Database) -> list[str]:
    done = {row["name"] for row in db["_migrations"].rows} if db["_migrations"].exists() else set()
    applied = []
    for migration in MIGRATIONS:
        if migration.__name__ in done:
            continue
        _atomically(db, migration)
        applied.append(migration.__name__)
    return applied


def _atomically(db: sqlite_utils.Database, migration) -> None:
    """Run one migration and record it in one transaction: a process killed half-way (kill -9 while a
    crawl opens a fresh archive) leaves no table created by a migration that is not recorded.

    Python's sqlite3 runs DDL outside transactions, and sqlite-utils commits after each step; here
    the transaction is opened explicitly and the steps' commits are deferred to its end."""
    real = db.conn
    real.execute("BEGIN IMMEDIATE")
    db.conn = _DeferredCommits(real)
    try:
        migration(db)
        db["_migrations"].insert(
            {"name": migration.__name__, "applied_at": datetime.now(timezone.utc).isoformat(timespec="seconds")},
            pk="name",
        )
    except BaseException:
        real.rollback()
        raise
    else:
        real.commit()
    finally:
        db.conn = real


class _DeferredCommits:
    """A connection whose ``commit`` and ``with conn:`` blocks wait for the migration's own commit."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn

    def __getattr__(self, name):
        return getattr(self._conn, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> bool:
        return False

    def commit(self) -> None:
        pass
