"""`xxgk verify`: is the archive still what it says it is?

Re-hashes every blob, checks that every row points at something that exists (captures → blobs,
runs and WARC records; reports, versions, sources, cells, checks, extractions → what they name),
runs SQLite's own ``integrity_check`` and ``foreign_key_check``, reads every WARC file to its end
(a record cut by a forced stop is named). Reads only: the SQLite file is
opened read-only and nothing is repaired — each problem is named so a person can decide.
"""
from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from archive.warc import warc_folder

# (what, SQL returning (row key, missing value) for rows whose reference points nowhere)
_REFERENCES = (
    ("capture {0}: its blob {1} has no row in blobs",
     "select c.id, c.sha256 from captures c left join blobs b on b.sha256 = c.sha256 "
     "where c.sha256 is not null and b.sha256 is null"),
    ("capture {0}: its crawl run {1} does not exist",
     "select c.id, c.run_id from captures c left join crawl_runs r on r.id = c.run_id "
     "where c.run_id is not null and r.id is null"),
    ("report {0}: its capture {1} does not exist",
     "select r.id, r.capture_id from reports r left join captures c on c.id = r.capture_id "
     "where r.capture_id is not null and c.id is null"),
    ("report {0}: its bytes {1} have no row in blobs",
     "select r.id, r.sha256 from reports r left join blobs b on b.sha256 = r.sha256 "
     "where r.sha256 is not null and b.sha256 is null"),
    ("report {0}: its current version {1} has no row in report_versions",
     "select r.id, r.version from reports r left join report_versions v on v.report_id = r.id and v.version = r.version "
     "where v.report_id is null"),
    ("report version {0}: its capture {1} does not exist",
     "select v.report_id || ' v' || v.version, v.capture_id from report_versions v "
     "left join captures c on c.id = v.capture_id where v.capture_id is not null and c.id is null"),
    ("report version {0}: its report does not exist ({1})",
     "select v.report_id || ' v' || v.version, v.report_id from report_versions v "
     "left join reports r on r.id = v.report_id where r.id is null"),
    ("report source {0}: its capture {1} does not exist",
     "select s.report_id || ' ' || s.sha256, s.capture_id from report_sources s "
     "left join captures c on c.id = s.capture_id where s.capture_id is not null and c.id is null"),
    ("report source {0}: its report does not exist ({1})",
     "select s.report_id || ' ' || s.sha256, s.report_id from report_sources s "
     "left join reports r on r.id = s.report_id where r.id is null"),
    ("cell {0}: no such report version ({1})",
     "select c.report_id || ' v' || c.version || ' ' || c.key, c.report_id || ' v' || c.version from cells c "
     "left join report_versions v on v.report_id = c.report_id and v.version = c.version where v.report_id is null"),
    ("check {0}: no such report version ({1})",
     "select c.report_id || ' v' || c.version || ' ' || c.rule || ' ' || c.subject, c.report_id || ' v' || c.version "
     "from checks c left join report_versions v on v.report_id = c.report_id and v.version = c.version "
     "where v.report_id is null"),
    ("extraction of {0}: no such blob ({1})",
     "select e.sha256, e.sha256 from extractions e left join blobs b on b.sha256 = e.sha256 where b.sha256 is null"),
    ("extraction of {0}: its report {1} does not exist",
     "select e.sha256, e.report_id from extractions e left join reports r on r.id = e.report_id "
     "where e.report_id is not null and r.id is null"),
)


@dataclass
class Verdict:
    problems: list[str] = field(default_factory=list)
    counted: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(path: Path) -> Verdict:
    verdict = Verdict()
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        _integrity(db, verdict)
        _blobs(db, Path(str(path) + ".blobs"), verdict)
        _references(db, verdict)
        _warc_records(db, warc_folder(path), verdict)
    finally:
        db.close()
    return verdict


def _integrity(db, verdict: Verdict) -> None:
    said = [row[0] for row in db.execute("pragma integrity_check")]
    if said != ["ok"]:
        verdict.problems += [f"sqlite integrity_check: {line}" for line in said]
    for table, rowid, parent, _ in db.execute("pragma foreign_key_check"):
        verdict.problems.append(f"sqlite foreign_key_check: {table} row {rowid} points to a missing {parent} row")


def _blobs(db, root: Path, verdict: Verdict) -> None:
    n = 0
    for sha256, size, rel in db.execute("select sha256, size, path from blobs"):
        n += 1
        file = root / rel
        if not file.is_file():
            verdict.problems.append(f"blob {sha256}: file {file} is missing")
            continue
        digest, length = _hash(file)
        if digest != sha256:
            verdict.problems.append(f"blob {sha256}: file {file} now hashes to {digest} ({length} bytes, row says {size})")
        elif size is not None and length != size:
            verdict.problems.append(f"blob {sha256}: file is {length} bytes, row says {size}")
    verdict.counted["blobs re-hashed"] = n


def _hash(file: Path) -> tuple[str, int]:
    digest, length = hashlib.sha256(), 0
    with open(file, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
            length += len(chunk)
    return digest.hexdigest(), length


def _references(db, verdict: Verdict) -> None:
    tables = {row[0] for row in db.execute("select name from sqlite_master where type in ('table', 'view')")}
    for table in ("captures", "reports", "report_versions", "report_sources", "cells", "checks", "extractions"):
        if table in tables:
            verdict.counted[f"{table} rows"] = db.execute(f"select count(*) from {table}").fetchone()[0]
    for message, sql in _REFERENCES:
        for key, missing in db.execute(sql):
            verdict.problems.append(message.format(key, missing))


def _warc_records(db, folder: Path, verdict: Verdict) -> None:
    """Every capture's WARC pointer: the file exists and the record at the offset is the one named."""
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    columns = {row[1] for row in db.execute("pragma table_info(captures)")}
    if "warc_file" not in columns:
        return
    n = 0
    for cid, name, offset, record_id in db.execute(
            "select id, warc_file, warc_offset, warc_record_id from captures where warc_file is not null order by warc_file, warc_offset"):
        n += 1
        file = folder / name
        if not file.is_file():
            verdict.problems.append(f"capture {cid}: WARC file {file} is missing")
            continue
        try:
            with open(file, "rb") as fh:
                fh.seek(offset)
                record = next(iter(ArchiveIterator(fh)), None)
                found = record.rec_headers.get_header("WARC-Record-ID") if record else None
        # warcio meets a record cut short in its headers with an AttributeError (a URI of None) at
        # some offsets: cut files are what this check is for, so that is "unreadable" too.
        except (ArchiveLoadFailed, OSError, EOFError, ValueError, AttributeError) as exc:
            found = f"unreadable ({type(exc).__name__})"
        if found != record_id:
            verdict.problems.append(f"capture {cid}: WARC record at {name}:{offset} is {found}, not {record_id}")
    verdict.counted["WARC records found"] = n
    _warc_files_whole(folder, verdict)


def _warc_files_whole(folder: Path, verdict: Verdict) -> None:
    """Every WARC file read to its end, each record's digest checked: a record cut by a forced stop
    is named (the next crawl repairs it, ``archive.warc_repair``)."""
    from archive.warc_repair import find_torn

    files = sorted(folder.glob("*.warc.gz")) if folder.is_dir() else []
    for file in files:
        torn = find_torn(file)
        if torn is not None:
            verdict.problems.append(f"{torn}; the next crawl truncates it there, keeping the cut bytes beside it")
    verdict.counted["WARC files read whole"] = len(files)
    kept = sorted(folder.glob("*.warc.gz.torn-*")) if folder.is_dir() else []
    if kept:
        verdict.counted["cut WARC tails kept aside (*.torn-*)"] = len(kept)
