"""One writer per archive: an exclusive lock on ``<archive>.lock`` held for a whole command.

The lock is the kernel's (``flock``) on an open file, so it goes when its process goes, however it
dies (``kill -9``, the OOM killer, power loss): a lock left by a dead process is simply free, and the
holder's details still in the file say whose it was ("recovered"). While held, the file names the
holder — pid, host, command, started at — so a second writer can say who is in the way.
(``flock`` is local to a machine: on NFS, keep one machine per archive.)
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path

from archive.redact import redact


# The locks this process holds, by archive: the crawl's archive writer process shares its lock (``held_fd``).
_HELD: dict[Path, int] = {}


class ArchiveLocked(Exception):
    def __init__(self, path: Path, holder: dict):
        self.path = path
        self.holder = holder
        super().__init__(f"archive {path} is in use by {describe(holder)}")


def describe(holder: dict) -> str:
    if not holder:
        return "another process (it has not written its name yet)"
    return (f"pid {holder.get('pid')} on {holder.get('host')} ({holder.get('command')}, "
            f"started {holder.get('started_at')})")


def lock_path(archive: Path | str) -> Path:
    archive = Path(archive)
    return archive.with_name(archive.name + ".lock")


class ArchiveLock:
    """``with ArchiveLock(path, command) as lock:`` — raises ArchiveLocked at once if another
    process holds it; ``lock.recovered`` is the holder of a lock its process left behind, if any."""

    def __init__(self, archive: Path | str, command: str):
        self.archive = Path(archive)
        self.path = lock_path(archive)
        self.command = command
        self.fd: int | None = None
        self.recovered: dict | None = None

    def __enter__(self) -> ArchiveLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by child programs
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            raise ArchiveLocked(self.archive, holder) from None
        left = _read(fd)
        if left:  # a holder that never released: its process died with the lock
            self.recovered = left
        name_holder(fd, self.command)
        self.fd = fd
        _HELD[self.archive.resolve()] = fd
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is None:
            return
        _HELD.pop(self.archive.resolve(), None)
        os.ftruncate(self.fd, 0)  # empty: released cleanly
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = None


def held_fd(archive: Path | str) -> int | None:
    """The open lock file of ``archive`` when this process holds its lock, else None."""
    return _HELD.get(Path(archive).resolve())


def name_holder(fd: int, command: str) -> None:
    """Write this process into the lock file ``fd`` as the lock's holder."""
    holder = {"pid": os.getpid(), "host": socket.gethostname(), "command": redact(command),  # the file is world-readable
              "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(holder, ensure_ascii=False).encode(), 0)
    os.fsync(fd)


def _read(fd: int) -> dict:
    try:
        text = os.pread(fd, 65536, 0).decode("utf-8", "replace").strip()
        return json.loads(text) if text else {}
    except ValueError:
        return {}
