"""Content-addressed storage of raw bytes: ``<root>/ab/cd/<sha256>``, written once.

A blob is written to ``<root>/.tmp/`` and renamed into place, so a crash never leaves a partial file
under a valid name. A write that fails (disk full) removes its temporary file; one left by a
process killed mid-write (SIGKILL, the OOM killer) is removed by the next ``clean_leftovers``,
which ``Archive`` calls on every open — only files of processes that are gone, since another
crawl may be writing into the same archive.
"""
from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

_TMP_NAME = re.compile(r"^[0-9a-f]{64}\.(\d+)\.tmp$")  # <sha256>.<pid>.tmp


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def relative_path(self, sha256: str) -> str:
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"

    @property
    def tmp_dir(self) -> Path:
        return self.root / ".tmp"

    def put(self, data: bytes) -> str:
        """Store ``data`` (once); return its sha256. An ``OSError`` (disk full) leaves nothing behind."""
        digest = sha256_of(data)
        path = self.path_for(digest)
        if path.exists():
            return digest
        path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.tmp_dir / f"{digest}.{os.getpid()}.tmp"
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return digest

    def clean_leftovers(self) -> int:
        """Remove temporary files of writers that are gone; return how many."""
        removed = 0
        if not self.tmp_dir.is_dir():
            return 0
        for entry in os.scandir(self.tmp_dir):
            match = _TMP_NAME.match(entry.name)
            if match and not process_alive(int(match.group(1))):
                Path(entry.path).unlink(missing_ok=True)
                removed += 1
        return removed

    def get(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()


def process_alive(pid: int) -> bool:
    """Whether a process of this machine still exists (a writer that left a temp file or a run row)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
