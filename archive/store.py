"""The archive: one SQLite file plus a content-addressed blob folder beside it.

Bytes first: a capture's body is on disk before any row points at it, and before anything is
extracted from it, so an extractor bug never loses a document. Every write is idempotent: the same
crawl run twice adds a crawl_runs row and nothing else (a capture seen again only gets its
``last_fetched_at`` moved; a report seen again only its ``last_seen``).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import socket
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import sqlite3
from contextlib import contextmanager

import sqlite_utils
from tenacity import retry, retry_if_exception, stop_after_delay, wait_random_exponential

from archive import identities, migrations, report_card
from archive.definitions import CROSS_YEAR
from archive.blobs import BlobStore, process_alive
from archive.records import CHALLENGE, ERROR_FLAGS, Blocked, Capture

def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _fingerprint(c: Capture, sha256: str | None) -> str:
    """Identity of a capture: the same URL answering the same way is one capture, however often."""
    parts = [c.url, c.final_url or "", str(c.status), sha256 or "", "" if sha256 else (c.error or "")]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def _locked(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


@retry(retry=retry_if_exception(_locked), stop=stop_after_delay(30), reraise=True,
       wait=wait_random_exponential(multiplier=0.01, max=0.5))
def _use_wal(db: sqlite_utils.Database) -> None:
    """Switch the file to WAL. Processes opening a fresh archive at once each switch it: SQLite
    answers one of two such switches "database is locked" at once, without its busy timeout (each
    holds the lock the other must see released), so the loser tries again shortly after. Seen in CI:
    one of four processes starting on a fresh archive (tests/test_migrations_lock.py)."""
    db.execute("PRAGMA journal_mode=WAL")


class Archive:
    def __init__(self, path: Path | str, *, shared: bool = False):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # ``shared``: the connection may be used by another thread than the one that opened it (one
        # thread at a time: the crawl's writer thread, then the thread that drains extraction).
        self.db = sqlite_utils.Database(sqlite3.connect(self.path, check_same_thread=not shared))
        # busy_timeout rides out short lock waits; WAL lets Datasette read while a crawl writes.
        self.db.execute("PRAGMA busy_timeout=30000")
        _use_wal(self.db)
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a killed process loses no
        # committed transaction (only a power cut may lose the last ones, as it may the blob files,
        # which are not fsync'd either), and a commit costs microseconds instead of an fsync.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.applied_on_open = migrations.apply(self.db, self.path)
        self.blobs = BlobStore(self.path.with_name(self.path.name + ".blobs"))
        # What a killed crawl (kill -9, the OOM killer) left: its run still "running", half-written blobs.
        self.mark_dead_runs_interrupted()
        self.blobs.clean_leftovers()

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self):
        """One transaction around a block of writes (joined by any ``transaction`` inside it).

        sqlite-utils commits after each statement run outside a transaction it can see, and
        ``with conn:`` opens none, so a write of several statements was as many commits (and not
        atomic); here the transaction is opened first and committed once at the end."""
        conn = self.db.conn
        if conn.in_transaction:
            yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    def register_sites(self, rows: list[dict], run_id: int | None = None) -> list[str]:
        """Record the registry rows a crawl uses (``archive.identities.register_sites``)."""
        with self.transaction():
            return identities.register_sites(self.db, rows, run_id)

    # --- crawl runs ---------------------------------------------------------------------------

    def start_run(self, command: str, settings: dict) -> int:
        """Open a crawl run. If the last run of the same command was interrupted, this one resumes it."""
        text = json.dumps(settings, sort_keys=True, ensure_ascii=False, default=str)
        interrupted = self.interrupted_run(command)
        with self.transaction():
            if interrupted:
                self.db["crawl_runs"].update(interrupted, {"status": "interrupted"})
            table = self.db["crawl_runs"].insert(
                {
                    "started_at": utc_now(),
                    "command": command,
                    "settings_digest": hashlib.sha256(text.encode()).hexdigest()[:16],
                    "settings": text,
                    "status": "running",
                    "resumed_from": interrupted,
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                }
            )
        return table.last_pk

    def mark_dead_runs_interrupted(self) -> int:
        """Runs of this host still "running" whose process is gone (killed, out of memory) are interrupted."""
        rows = self.db.execute("select id, pid from crawl_runs where status = 'running' and host = ?",
                               [socket.gethostname()]).fetchall()
        dead = [run_id for run_id, pid in rows if not (pid and process_alive(pid))]
        if dead:
            with self.transaction():
                self.db.execute(f"update crawl_runs set status = 'interrupted' where id in ({', '.join('?' * len(dead))})", dead)
        return len(dead)

    def interrupted_run(self, command: str) -> int | None:
        """The last run of ``command`` if it never finished (interrupted, or its process is gone)."""
        row = self.db.execute(
            "select id, status, pid, host from crawl_runs where command = ? order by id desc limit 1", [command]
        ).fetchone()
        if row and row[1] == "interrupted":
            return row[0]
        if not row or row[1] != "running":
            return None
        run_id, _, pid, host = row
        if host == socket.gethostname() and pid and process_alive(pid):
            return None  # still crawling: a concurrent run, not an interrupted one
        return run_id

    def resumed_runs(self, run_id: int) -> list[int]:
        """The interrupted runs this run carries on (a chain, if it was interrupted more than once)."""
        chain = []
        current = self.db["crawl_runs"].get(run_id)["resumed_from"]
        while current:
            chain.append(current)
            current = self.db["crawl_runs"].get(current)["resumed_from"]
        return chain

    def archived_response(self, url: str, run_ids: list[int] | None = None) -> dict | None:
        """The last good capture of ``url`` (requested or final), with its headers decoded.

        With ``run_ids``, only a capture last fetched by one of those runs counts.
        """
        sql = "select * from captures where (url = ? or final_url = ?) and flag = 'ok' and status = 200"
        params: list = [url, url]
        if run_ids is not None:
            sql += f" and last_run_id in ({', '.join('?' * len(run_ids))})"
            params += run_ids
        capture = next(self.db.query(sql + " order by last_fetched_at desc limit 1", params), None)
        if capture is None:
            return None
        capture["headers"] = json.loads(capture["headers"])
        capture["redirect_chain"] = json.loads(capture["redirect_chain"])
        return capture

    def finish_run(self, run_id: int, *, requests: int, status: str = "finished", storage_errors: int = 0) -> dict:
        """Close a run with its counts, taken from what the archive holds (so they are true); responses
        that could not be stored are not in it, so the crawl counts them (``storage_errors``)."""
        one = lambda sql: self.db.execute(sql, [run_id]).fetchone()[0]  # noqa: E731
        counts = {
            "requests": requests,
            "new_captures": one("select count(*) from captures where run_id = ?"),
            "new_blobs": one("select count(*) from blobs where first_run_id = ?"),
            "new_reports": one("select count(*) from reports where first_run_id = ?"),
            "errors": one(
                f"select count(*) from captures where last_run_id = ? and flag in "
                f"({', '.join(repr(flag) for flag in ERROR_FLAGS)})"
            ) + storage_errors,
            "storage_errors": storage_errors,
        }
        with self.transaction():
            self.db["crawl_runs"].update(run_id, {"finished_at": utc_now(), "status": status, **counts})
        self.refresh_cross_year_checks()
        return counts

    def refresh_cross_year_checks(self) -> int:
        """Store the cross-year checks (T3-CARRY, T2-STOCK: view ``cross_year_checks``) as rows of
        ``checks``, under the later report's current version, like the within-report rules. Run at
        the end of every crawl (a new or changed report changes its neighbours' checks too).

        Only rows that differ are written: at 100k reports the view has ~800k rows, nearly all as
        the last crawl left them, and rewriting them all took 15 s (and as much WAL). Returns the
        number of cross-year rows stored."""
        key = "f.report_id = c.report_id and f.version = c.version and f.rule = c.rule and f.subject is c.subject"
        same = f'{key} and f."left" is c."left" and f."right" is c."right" and f.passed is c.passed'
        gone = f"c.rule in {CROSS_YEAR} and not exists (select 1 from temp.cross_year_now f where {same})"
        new = f"not exists (select 1 from checks c where {same})"
        with self.transaction():
            for table in ("cross_year_now", "cross_year_touched"):
                self.db.execute(f"drop table if exists temp.{table}")
            self.db.execute('create temp table cross_year_now as select x.report_id, r.version, x.rule, x.subject, '
                            'x."left", x."right", x.passed from cross_year_checks x join reports r on r.id = x.report_id')
            self.db.execute("create index temp.cross_year_now_key on cross_year_now (report_id, version, rule, subject)")
            # the reports whose cross-year rows change: their flags follow (reports.cross_year_failed, the card)
            self.db.execute(f"create temp table cross_year_touched as select report_id from checks c where {gone} "
                            f"union select report_id from temp.cross_year_now f where {new}")
            self.db.execute(f"delete from checks as c where {gone}")
            self.db.execute('insert or replace into checks (report_id, version, rule, subject, "left", "right", passed) '
                            'select report_id, version, rule, subject, "left", "right", passed from temp.cross_year_now f '
                            f"where {new}")
            self.db.execute(f"""update reports set cross_year_failed = (select count(*) from checks k
                                where k.report_id = reports.id and k.version = reports.version and k.rule in {CROSS_YEAR}
                                and not k.passed) where id in (select report_id from temp.cross_year_touched)""")
            report_card.refresh(self.db, among="select report_id from temp.cross_year_touched")
            stored = self.db.execute("select count(*) from temp.cross_year_now").fetchone()[0]
            self.db.execute("drop table temp.cross_year_now")
            self.db.execute("drop table temp.cross_year_touched")
        return stored

    # --- captures -----------------------------------------------------------------------------

    def record_capture(self, c: Capture, run_id: int) -> tuple[int, bool]:
        """Store the body (bytes first), then the capture row. Returns (capture id, new?)."""
        sha256 = self.blobs.put(c.body) if c.body or c.status is not None else None
        fingerprint = _fingerprint(c, sha256)
        with self.transaction():
            if sha256:
                self.db.execute("insert or ignore into blobs (sha256, size, path, first_seen, first_run_id) "
                                "values (?, ?, ?, ?, ?)",
                                [sha256, len(c.body), self.blobs.relative_path(sha256), c.fetched_at, run_id])
            existing = self.db.execute("select id from captures where fingerprint = ?", [fingerprint]).fetchone()
            if existing:
                self.db.execute(
                    "update captures set last_fetched_at = ?, last_run_id = ?, times_fetched = times_fetched + 1 where id = ?",
                    [c.fetched_at, run_id, existing[0]],
                )
                return existing[0], False
            row = {
                "fingerprint": fingerprint,
                "run_id": run_id,
                "last_run_id": run_id,
                "site": c.site,
                "spider": c.spider,
                "kind": c.kind,
                "flag": c.flag,
                "url": c.url,
                "final_url": c.final_url,
                "redirect_chain": json.dumps(list(c.redirect_chain), ensure_ascii=False),
                "status": c.status,
                "headers": json.dumps(c.headers, ensure_ascii=False, sort_keys=True),
                "content_type": c.content_type,
                "sha256": sha256,
                "size": len(c.body) if sha256 else None,
                "referer": c.referer,
                "title": c.title,
                "error": c.error,
                "fetched_at": c.fetched_at,
                "last_fetched_at": c.fetched_at,
                "times_fetched": 1,
                "rendered": int(c.rendered),
            }
            # Plain SQL: sqlite-utils' insert reads the schema back on every call.
            cursor = self.db.execute(f"insert into captures ({', '.join(row)}) values ({', '.join('?' * len(row))})",
                                     list(row.values()))
        return cursor.lastrowid, True

    def block_host(self, blocked: Blocked, run_id: int) -> None:
        """Mark a host blocked, pointing at the challenge capture that shows it."""
        evidence = self.db.execute(
            "select id from captures where (url = ? or final_url = ?) and flag = ? order by id desc limit 1",
            [blocked.url, blocked.url, CHALLENGE],
        ).fetchone()
        with self.transaction():
            self.db["blocked_hosts"].upsert(
                {"host": blocked.host, "site": blocked.site, "reason": blocked.reason,
                 "capture_id": evidence[0] if evidence else None, "run_id": run_id, "blocked_at": blocked.at},
                pk="host",
            )

    def row(self, sql: str, params=()) -> dict | None:
        """The first row of ``sql`` as a dict, or None. (sqlite-utils' ``get`` and ``rows_where``
        read the table's schema back on every call: too slow for what the crawl asks per capture.)"""
        cursor = self.db.execute(sql, params)
        row = cursor.fetchone()
        return dict(zip((d[0] for d in cursor.description), row)) if row else None

    def capture(self, capture_id: int) -> dict:
        row = self.row("select * from captures where id = ?", [capture_id])
        if row is None:
            raise KeyError(capture_id)
        return row

    # --- extractions and reports --------------------------------------------------------------

    def extraction_outcome(self, sha256: str) -> dict | None:
        """What an earlier extraction of these bytes gave, if any (bytes never change)."""
        return self.row("select * from extractions where sha256 = ?", [sha256])

    def touch_report(self, rid: str, seen_at: str) -> None:
        """The report was seen again unchanged (and so is not removed)."""
        with self.transaction():
            self.db.execute(
                "update reports set last_seen = max(last_seen, ?), removed_at = null where id = ?", [seen_at, rid]
            )

    def record_extraction(self, extraction, *, capture_id: int, run_id: int, agency_hint: str | None = None,
                          extractor_version: int | None = None) -> str | None:
        """File an extraction of a capture's bytes. Returns the report id, or None for a non-report.

        - The same report reached through several documents (an HTML body and its PDF, two URLs)
          stays one report; its numbers come from the best-read document, chosen the same way
          whatever order the documents arrive in (the extraction pool finishes them in any
          order), so a re-run changes nothing.
        - One of its documents saying something else now (the one its numbers came from, or
          another known at that URL) is a new version; the old version's numbers stay. The other
          documents of that change, read in the same run, are better or worse readings of it.

        ``extractor_version``: the extractor that read it (default: this one's).
        """
        version_read = _current_extractor_version() if extractor_version is None else extractor_version
        cap = self.capture(capture_id)
        sha256, seen_at = cap["sha256"], cap["fetched_at"]
        agency = extraction.agency or agency_hint
        if not extraction.is_report or not agency or not extraction.year:
            reason = extraction.reason or ("no agency named" if not agency else "no report year found")
            self._note_extraction(sha256, "not_report", None, reason, seen_at, version_read)
            return None
        # Who the agency is: the registry row of the site that found it, and the name it gives.
        identity = identities.identify(self.db, agency, cap["site"])
        rid = identities.report_for(self.db, identity, extraction.year, extraction.scope or "organ")
        source = _source_row(extraction, rid, cap)
        content = content_hash(extraction)
        report = next(self.db["reports"].rows_where("id = ?", [rid]), None)
        write = partial(self._write_version, rid, agency, identity, extraction, source, content, run_id,
                        extractor_version=version_read)
        correction = self._correction_note(cap, extraction)
        with self.transaction():
            identities.note_agency(self.db, identity, cap["site"], agency)
            self.db["report_sources"].insert(source, ignore=True)
            if report is None:
                write(version=1, reason="correction" if correction else "first", note=correction)
            elif content == report["content_hash"]:
                if self._reads_better(source, report):  # the same numbers: the better document is their source
                    made = self._current_version(report)
                    self._write_version(rid, agency, identity, extraction, source, content, made["run_id"],
                                        version=report["version"], made_at=made["first_seen"], extractor_version=version_read)
                else:
                    self.touch_report(rid, seen_at)
            elif correction or self._current_version(report)["reason"] == "correction":
                self._file_around_correction(report, source, content, correction, write)
            elif source["url"] == report["url"] or (self._changed_at_its_url(source) and self._current_version(report)["run_id"] != run_id):
                write(version=report["version"] + 1, reason="changed")
            elif self._reads_better(source, report):
                write(version=report["version"])
            else:
                self.touch_report(rid, seen_at)
            self._note_extraction(sha256, "report", rid, None, seen_at, version_read)
        return rid

    def _reads_better(self, source: dict, report: dict) -> bool:
        current = self.db["report_sources"].get((report["id"], report["sha256"]))
        return _quality(source) > _quality(current)

    def _current_version(self, report: dict) -> dict:
        """The report's current version row: why it was made, by which run, when."""
        return self.db["report_versions"].get((report["id"], report["version"]))

    def _changed_at_its_url(self, source: dict) -> bool:
        """Whether this report was read before from other bytes at this document's URL (its
        attachment, republished beside its page)."""
        return self.db.execute("select 1 from report_sources where report_id = ? and url = ? and sha256 != ?",
                               [source["report_id"], source["url"], source["sha256"]]).fetchone() is not None

    def _file_around_correction(self, report: dict, source: dict, content: str, correction: str | None, write) -> None:
        """A 更正 and the report it corrects, whichever arrives first.

        A correction's reading is the report's next version (reason ``correction``, the notice's
        title and stated reason as ``note``), unless it is another document of the correction the
        current version came from (its PDF beside its page): then the better reading of the two
        stands, as for any report. The original, arriving after its correction, is filed as
        version 1 below the correction's versions, which stay current; an original already
        filed, or one read differently from another copy, changes nothing.
        """
        rid = report["id"]
        versions = list(self.db.query("select * from report_versions where report_id = ? order by version", [rid]))
        current = versions[-1] if versions and versions[-1]["version"] == report["version"] else None
        if correction:
            same_notice = current is not None and current["reason"] == "correction" and current["note"] == correction
            if not same_notice or source["url"] == report["url"]:
                write(version=report["version"] + 1, reason="correction", note=correction)
            elif self._reads_better(source, report):
                write(version=report["version"])
            else:
                self.touch_report(rid, source["first_seen"])
            return
        if any(v["content_hash"] == content for v in versions) or any(v["reason"] != "correction" for v in versions):
            self.touch_report(rid, source["first_seen"])
            return
        self._shift_versions_up(rid)
        write(version=1, reason="first", current=False)
        self.touch_report(rid, source["first_seen"])

    def record_reextraction(self, extraction, *, capture_id: int, run_id: int, extractor_version: int,
                            agency_hint: str | None = None) -> tuple[str | None, int | None, int]:
        """File a newer extractor's reading of bytes already in the archive (no network).

        A report whose numbers now read differently, from the document they came from (or from
        another of its documents that now reads better), gets a new version with reason
        ``reextracted``; the old version's cells stay. A document newly read as a report files
        one as ``record_extraction`` would. A document the new extractor no longer reads as a
        report leaves its report untouched (its old reading stays the best there is).
        Returns (report id or None, version added or None, cells changed).
        """
        cap = self.capture(capture_id)
        sha256 = cap["sha256"]
        earlier = self.extraction_outcome(sha256) or {}
        agency = extraction.agency or agency_hint
        if not extraction.is_report or not agency or not extraction.year:
            if earlier.get("outcome") != "report":
                reason = extraction.reason or ("no agency named" if not agency else "no report year found")
                self._note_extraction(sha256, "not_report", None, reason, utc_now(), extractor_version)
            else:
                with self.transaction():
                    self.db["extractions"].update(sha256, {"extractor_version": extractor_version})
            return None, None, 0
        identity = identities.identify(self.db, agency, cap["site"])
        rid = identities.report_for(self.db, identity, extraction.year, extraction.scope or "organ")
        report = next(self.db["reports"].rows_where("id = ?", [rid]), None)
        if report is None:
            self.record_extraction(extraction, capture_id=capture_id, run_id=run_id, agency_hint=agency_hint,
                                   extractor_version=extractor_version)
            return rid, 1, len(extraction.cells)
        known = self.db["report_sources"].rows_where("report_id = ? and sha256 = ?", [rid, sha256])
        first_seen = next(iter(known), {}).get("first_seen") or cap["fetched_at"]
        source = {**_source_row(extraction, rid, cap), "first_seen": first_seen}
        content = content_hash(extraction)
        current = self.db["report_sources"].get((rid, report["sha256"]))
        added, changed = None, 0
        with self.transaction():
            self.db["report_sources"].upsert({**source, "used": int(sha256 == report["sha256"])}, pk=("report_id", "sha256"))
            from_current = sha256 == report["sha256"]
            if content != report["content_hash"] and (from_current or _quality(source) > _quality(current)):
                old = {r["key"]: r["value"] for r in self.db["cells"].rows_where(
                    "report_id = ? and version = ?", [rid, report["version"]])}
                changed = sum(old.get(k, "<none>") != v for k, v in extraction.cells.items()) + len(old.keys() - extraction.cells.keys())
                added = report["version"] + 1
                previous = self.db.execute("select extractor_version from report_versions where report_id = ? and version = ?",
                                           [rid, report["version"]]).fetchone()
                note = f"extractor {previous[0] if previous and previous[0] is not None else 'unrecorded'} → {extractor_version}"
                self._write_version(rid, agency, identity, extraction, {**source, "first_seen": report["last_seen"]}, content,
                                    run_id, version=added, reason="reextracted", note=note,
                                    extractor_version=extractor_version, made_at=utc_now())
            self._note_extraction(sha256, "report", rid, None, utc_now(), extractor_version)
        return rid, added, changed

    def record_extraction_failure(self, sha256: str, reason: str, at: str, extractor_version: int | None = None) -> None:
        """An extractor crash on these bytes: recorded, so it is counted and can be retried."""
        self._note_extraction(sha256, "failed", None, reason, at, extractor_version)

    def note_limit(self, sha256: str, setting: str, value: float | None) -> None:
        """The document was refused by the limit ``setting`` at ``value``: read again once it is raised."""
        with self.transaction():
            self.db.execute("update extractions set limit_setting = ?, limit_value = ? where sha256 = ?", [setting, value, sha256])

    def _note_extraction(self, sha256: str, outcome: str, rid: str | None, reason: str | None, at: str,
                         extractor_version: int | None) -> None:
        with self.transaction():
            self.db["extractions"].upsert(
                {"sha256": sha256, "outcome": outcome, "report_id": rid, "reason": reason, "extracted_at": at,
                 "extractor_version": extractor_version,
                 "limit_setting": None, "limit_value": None},  # a new reading: any limit noted is the caller's
                pk="sha256",
            )

    def _write_version(self, rid: str, agency: str, identity, ex, source: dict, content: str, run_id: int, *, version: int,
                       reason: str | None = None, note: str | None = None, extractor_version: int | None = None,
                       made_at: str | None = None, current: bool = True) -> None:
        """Make ``source``'s reading version ``version`` of the report (new, or a better reading of it).

        ``reason``/``note``: why the version exists (None: a better reading of an existing version,
        which keeps its reason). ``made_at``: when the version was made, if not when its document
        was first seen (a re-extraction). ``current``: False files an earlier version below the
        current one (an original seen after its correction), leaving the report row as it is."""
        seen_at = source["first_seen"]
        if reason is None:
            kept = self.db.execute("select reason, note from report_versions where report_id = ? and version = ?",
                                   [rid, version]).fetchone()
            reason, note = kept if kept else ("first", None)
        row = {
            "id": rid,
            "agency": agency,
            "year": ex.year,
            "scope": ex.scope or "organ",
            "template": ex.template,
            "title": ex.title,
            "url": source["url"],
            "site": self.capture(source["capture_id"])["site"],
            "source_format": ex.source_format,
            "ocr_confidence": ex.ocr_confidence,
            "capture_id": source["capture_id"],
            "sha256": source["sha256"],
            "last_seen": seen_at,
            "cells_filled": source["cells_filled"],
            "checks_failed": source["checks_failed"],
            "cross_year_failed": 0,  # this version's cross-year rows are stored at the crawl's end
            "warnings": json.dumps(list(ex.warnings), ensure_ascii=False),
            "problems": json.dumps(list(ex.problems), ensure_ascii=False),
            "version": version,
            "content_hash": content,
            "removed_at": None,
        }
        row |= identities.report_columns(identity)
        exists = self.db["reports"].count_where("id = ?", [rid])
        if current and exists:
            self.db["reports"].update(rid, row)
        elif current:
            self.db["reports"].insert({**row, "first_seen": seen_at, "first_run_id": run_id})
        self.db["report_versions"].upsert(
            {
                "report_id": rid,
                "version": version,
                "content_hash": content,
                "sha256": source["sha256"],
                "capture_id": source["capture_id"],
                "url": source["url"],
                "source_format": ex.source_format,
                "run_id": run_id,
                "first_seen": made_at or seen_at,
                "extractor_version": extractor_version,
                "reason": reason,
                "note": note,
            },
            pk=("report_id", "version"),
        )
        if current:
            self.db.execute("update report_sources set used = (sha256 = ?) where report_id = ?", [source["sha256"], rid])
        for table in ("cells", "checks"):
            self.db[table].delete_where("report_id = ? and version = ?", [rid, version])
        self.db["cells"].insert_all(
            {"report_id": rid, "version": version, "key": k, "tbl": k.split(".")[0], "value": v, "raw": ex.raw.get(k)}
            for k, v in ex.cells.items()
        )
        self.db["checks"].insert_all(
            {"report_id": rid, "version": version, "rule": c.rule, "subject": c.subject, "left": c.left, "right": c.right,
             "passed": int(c.passed)}
            for c in ex.checks
        )
        if current:
            self.db["report_texts"].upsert({"report_id": rid, "title": ex.title, "agency": agency, "text": ex.text}, pk="report_id")
        # The journalists' card and search index follow every version written (archive.report_card).
        card_id = report_card.refresh(self.db, rid)
        if current and card_id is not None:
            report_card.index_text(self.db, card_id, ex.title, agency, ex.text)

    def _shift_versions_up(self, rid: str) -> None:
        """Renumber a report's versions N → N+1, freeing version 1 (through negatives, so the
        primary keys never collide mid-update)."""
        for table in ("report_versions", "cells", "checks"):
            self.db.execute(f"update {table} set version = -(version + 1) where report_id = ?", [rid])
            self.db.execute(f"update {table} set version = -version where report_id = ? and version < 0", [rid])
        self.db.execute("update reports set version = version + 1 where id = ?", [rid])

    def _correction_note(self, cap: dict, extraction) -> str | None:
        """The correction notice's title and its stated reason, when this document is a 更正: its
        listing title, the title of the page that linked it, or its own title says so."""
        from extractors.titles import CORRECTION, classify_title

        titles = [cap["title"], extraction.title]
        if cap["referer"]:
            titles += [r[0] for r in self.db.execute(
                "select title from captures where (url = ? or final_url = ?) and title is not null", [cap["referer"]] * 2)]
        title = next((t for t in titles if t and (k := classify_title(t)) and k.kind == CORRECTION), None)
        if title is None:
            return None
        why = next((s.strip() for s in re.split(r"[。\n]", extraction.text or "") if "更正" in s and s.strip() != title), "")
        return f"{title}：{why[:300]}" if why else title

    def mark_removed(self, run_id: int) -> int:
        """Reports of a fully listed site that this run did not see again: removed, never deleted.

        A site counts as fully listed when the run fetched its listing pages and none failed, so a
        flaky listing page never makes its reports look removed.
        """
        started = self.db["crawl_runs"].get(run_id)["started_at"]
        listed_sites = [
            row[0]
            for row in self.db.execute(
                "select site from captures where last_run_id = ? and kind = 'listing' group by site "
                "having sum(flag != 'ok') = 0",
                [run_id],
            )
        ]
        marked = 0
        with self.transaction():
            for site in listed_sites:
                marked += self.db.execute(
                    "update reports set removed_at = ? where site = ? and removed_at is null and last_seen < ?",
                    [utc_now(), site, started],
                ).rowcount
        return marked

    # --- summaries ----------------------------------------------------------------------------

    def summary(self) -> dict:
        q = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "reports": q("select count(*) from reports"),
            "captures": q("select count(*) from captures"),
            "blobs": q("select count(*) from blobs"),
            "cells": q("select count(*) from cells"),
            # Both counts read the partial index of failed checks (m013); the cross-year rows are
            # the ones stored at the end of the last run (refresh_cross_year_checks), not the view.
            "failed_checks": q(f"select count(*) from checks where passed = 0 and rule not in {CROSS_YEAR}"),
            "reports_with_failed_checks": q("select count(*) from reports where checks_failed > 0"),
            "documents_failed": q("select count(*) from extractions where outcome = 'failed'"),
            "cross_year_failed": q(f"select count(*) from checks where passed = 0 and rule in {CROSS_YEAR}"),
            "capture_errors": q(f"select count(*) from captures where flag in ({', '.join(repr(f) for f in ERROR_FLAGS)})"),
        }


def content_hash(extraction) -> str:
    """What makes two readings the same version: the numbers and what they are about, not the bytes
    (a page whose visit counter ticks is not a new version of its report)."""
    payload = [extraction.template, extraction.title, sorted(extraction.cells.items())]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()[:32]


def _source_row(extraction, rid: str, cap: dict) -> dict:
    """The report_sources row of one document's reading: how well it was read."""
    return {
        "report_id": rid,
        "sha256": cap["sha256"],
        "capture_id": cap["id"],
        "url": cap["final_url"] or cap["url"],
        "source_format": extraction.source_format,
        "ocr_confidence": extraction.ocr_confidence,
        "cells_filled": sum(v is not None for v in extraction.cells.values()),
        "checks_failed": sum(not c.passed for c in extraction.checks),
        "problems": len(extraction.problems),
        "used": 0,
        "first_seen": cap["fetched_at"],
    }


def _current_extractor_version() -> int:
    from extractors import EXTRACTOR_VERSION  # read lazily: opening an archive needs no extractor

    return EXTRACTOR_VERSION


def _quality(source: dict) -> tuple:
    """Order the documents of one report: fully read first, then fewer failed checks, more cells.

    The sha256 breaks ties so the choice never depends on arrival order.
    """
    return (-source["problems"], -source["checks_failed"], source["cells_filled"], source["sha256"])
