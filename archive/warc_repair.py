"""WARC files cut short by a forced stop: found by `xxgk verify`, repaired by the next crawl.

A crawl killed while its writer wrote (``kill -9`` after SIGTERM, a time limit, power loss) leaves
the file it was writing with a cut record at its end: a gzip member that stops mid-way, or whole
members whose record is shorter than its ``Content-Length``. warcio reads such a file without
complaint up to the cut and then stops, so a tool reading it silently misses the end, and a writer
appending after it would hide its next records behind a broken member.

Every record is one gzip member, so a file is good up to the end of its last whole record (one
whose block digest checks). Nothing is ever appended to an existing file (``WarcFiles`` opens new
files only), so a repair is: the file is truncated there, and the cut bytes are kept beside it as
``<file>.torn-<offset>`` (not ``*.warc.gz``: WACZ packaging and replay never see them).

The next crawl looks only at the files of runs that did not finish, and only from the last record a
capture points at (written and flushed before that pointer was committed), so its check costs one
batch of records per file, not the whole file. `xxgk verify` reads every file whole.
"""
from __future__ import annotations

import os
import zlib
from dataclasses import dataclass
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed


@dataclass(frozen=True)
class Torn:
    file: Path
    whole: int  # bytes of whole records from the start
    size: int  # bytes in the file

    def __str__(self) -> str:
        return (f"WARC file {self.file.name}: a record cut short at byte {self.whole} "
                f"({self.size - self.whole} bytes past the last whole record; a forced stop?)")


def whole_length(path: Path, start: int = 0) -> int:
    """Where the whole records of ``path`` end, reading from ``start`` (a record's offset)."""
    end = start
    with open(path, "rb") as fh, open(path, "rb") as raw:
        fh.seek(start)
        records = ArchiveIterator(fh, check_digests=True)
        try:
            for record in records:
                records.read_to_end(record)
                checker = getattr(record, "digest_checker", None)
                offset, length = records.get_record_offset(), records.get_record_length()  # in the file
                # warcio reads a cut gzip member as a short record without a word: the member must end
                if (checker is not None and checker.passed is False) or not _whole_member(raw, offset, length):
                    break
                end = offset + length
        except (ArchiveLoadFailed, EOFError, OSError, ValueError):
            pass  # a member that does not even decompress: the cut is here
    return end


def _whole_member(fh, offset: int, length: int) -> bool:
    """Whether ``length`` bytes at ``offset`` are one complete gzip member (its end and checksum read)."""
    fh.seek(offset)
    member = zlib.decompressobj(31)  # 31: gzip framing
    left = length
    try:
        while left > 0 and not member.eof:
            chunk = fh.read(min(left, 1 << 20))
            if not chunk:
                return False
            left -= len(chunk)
            member.decompress(chunk)  # the output is not kept: only whether the member ends matters
    except zlib.error:
        return False
    return member.eof


def find_torn(path: Path, start: int = 0) -> Torn | None:
    size = path.stat().st_size
    whole = whole_length(path, start)
    return Torn(path, whole, size) if whole < size else None


def repair(torn: Torn) -> Path:
    """Truncate ``torn.file`` after its last whole record; the cut bytes go to ``<file>.torn-<offset>``."""
    kept = torn.file.with_name(f"{torn.file.name}.torn-{torn.whole}")
    with open(torn.file, "r+b") as fh:
        fh.seek(torn.whole)
        kept.write_bytes(fh.read())
        fh.truncate(torn.whole)
        fh.flush()
        os.fsync(fh.fileno())
    return kept


def repair_unfinished_runs(db, folder: Path) -> list[Torn]:
    """Find and repair the cut files of runs that did not finish (``crawl_runs.status`` other than
    finished): the crawl's start calls this before its writer opens any file."""
    if not folder.is_dir():
        return []
    runs = [row[0] for row in db.execute("select id from crawl_runs where status != 'finished'")]
    repaired = []
    for run_id in runs:
        for path in sorted(folder.glob(f"r{run_id:05d}-*.warc.gz")):
            row = db.execute("select max(warc_offset) from captures where warc_file = ?", [path.name]).fetchone()
            torn = find_torn(path, row[0] or 0)
            if torn is not None:
                repair(torn)
                repaired.append(torn)
    return repaired
