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
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from archive import migrations
from archive.blobs import BlobStore
from archive.records import Capture, NETWORK_ERROR, HTTP_ERROR, CHALLENGE

DEFAULT_PATH = "archive.db"


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def default_path() -> Path:
    return Path(os.environ.get("XXGK_ARCHIVE", DEFAULT_PATH))


def report_id(agency: str, year: int, scope: str) -> str:
    """Readable and the same on every run: the report's agency, year and scope."""
    return f"{agency}-{year}-{scope}"


def _fingerprint(c: Capture, sha256: str | None) -> str:
    """Identity of a capture: the same URL answering the same way is one capture, however often."""
    parts = [c.url, c.final_url or "", str(c.status), sha256 or "", "" if sha256 else (c.error or "")]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


class Archive:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite_utils.Database(self.path)
        # WAL lets Datasette read while a crawl writes; busy_timeout rides out short lock waits.
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA busy_timeout=30000")
        migrations.apply(self.db)
        self.blobs = BlobStore(self.path.with_name(self.path.name + ".blobs"))

    def close(self) -> None:
        self.db.close()

    # --- crawl runs ---------------------------------------------------------------------------

    def start_run(self, command: str, settings: dict) -> int:
        text = json.dumps(settings, sort_keys=True, ensure_ascii=False, default=str)
        with self.db.conn:
            table = self.db["crawl_runs"].insert(
                {
                    "started_at": utc_now(),
                    "command": command,
                    "settings_digest": hashlib.sha256(text.encode()).hexdigest()[:16],
                    "settings": text,
                    "status": "running",
                }
            )
        return table.last_pk

    def finish_run(self, run_id: int, *, requests: int, status: str = "finished") -> dict:
        """Close a run with its counts, taken from what the archive holds (so they are true)."""
        one = lambda sql: self.db.execute(sql, [run_id]).fetchone()[0]  # noqa: E731
        counts = {
            "requests": requests,
            "new_captures": one("select count(*) from captures where run_id = ?"),
            "new_blobs": one("select count(*) from blobs where first_run_id = ?"),
            "new_reports": one("select count(*) from reports where first_run_id = ?"),
            "errors": one(
                f"select count(*) from captures where last_run_id = ? and flag in "
                f"('{HTTP_ERROR}', '{NETWORK_ERROR}', '{CHALLENGE}')"
            ),
        }
        with self.db.conn:
            self.db["crawl_runs"].update(run_id, {"finished_at": utc_now(), "status": status, **counts})
        return counts

    # --- captures -----------------------------------------------------------------------------

    def record_capture(self, c: Capture, run_id: int) -> tuple[int, bool]:
        """Store the body (bytes first), then the capture row. Returns (capture id, new?)."""
        sha256 = None
        if c.body or c.status is not None:
            sha256 = self.blobs.put(c.body)
            row = {
                "sha256": sha256,
                "size": len(c.body),
                "path": self.blobs.relative_path(sha256),
                "first_seen": c.fetched_at,
                "first_run_id": run_id,
            }
            with self.db.conn:
                self.db["blobs"].insert(row, ignore=True)
        fingerprint = _fingerprint(c, sha256)
        existing = self.db.execute("select id from captures where fingerprint = ?", [fingerprint]).fetchone()
        with self.db.conn:
            if existing:
                self.db.execute(
                    "update captures set last_fetched_at = ?, last_run_id = ?, times_fetched = times_fetched + 1 where id = ?",
                    [c.fetched_at, run_id, existing[0]],
                )
                return existing[0], False
            table = self.db["captures"].insert(
                {
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
                }
            )
        return table.last_pk, True

    def capture(self, capture_id: int) -> dict:
        return self.db["captures"].get(capture_id)

    # --- extractions and reports --------------------------------------------------------------

    def extraction_outcome(self, sha256: str) -> dict | None:
        """What an earlier extraction of these bytes gave, if any (bytes never change)."""
        rows = list(self.db["extractions"].rows_where("sha256 = ?", [sha256]))
        return rows[0] if rows else None

    def touch_report(self, rid: str, seen_at: str) -> None:
        with self.db.conn:
            self.db.execute("update reports set last_seen = max(last_seen, ?) where id = ?", [seen_at, rid])

    def record_extraction(self, extraction, *, capture_id: int, run_id: int, agency_hint: str | None = None) -> str | None:
        """File an extraction of a capture's bytes. Returns the report id, or None for a non-report.

        The same report reached through several documents (an HTML body and its PDF, or two URLs)
        stays one report; its numbers come from the best-read source, chosen the same way whatever
        order the documents arrive in, so a re-run changes nothing.
        """
        cap = self.capture(capture_id)
        sha256, seen_at = cap["sha256"], cap["fetched_at"]
        agency = extraction.agency or agency_hint
        if not extraction.is_report or not agency or not extraction.year:
            reason = extraction.reason or ("no agency named" if not agency else "no report year found")
            self._note_extraction(sha256, "not_report", None, reason, seen_at)
            return None
        rid = report_id(agency, extraction.year, extraction.scope or "organ")
        source = {
            "report_id": rid,
            "sha256": sha256,
            "capture_id": capture_id,
            "url": cap["final_url"] or cap["url"],
            "source_format": extraction.source_format,
            "cells_filled": sum(v is not None for v in extraction.cells.values()),
            "checks_failed": sum(not c.passed for c in extraction.checks),
            "problems": len(extraction.problems),
            "used": 0,
            "first_seen": seen_at,
        }
        current = self.db.execute("select sha256 from report_sources where report_id = ? and used = 1", [rid]).fetchone()
        with self.db.conn:
            self.db["report_sources"].insert(source, ignore=True)
            if current is None:
                self._write_report(rid, agency, extraction, source, run_id, seen_at)
            elif current[0] != sha256 and _quality(source) > _quality(self.db["report_sources"].get((rid, current[0]))):
                self.db.execute("update report_sources set used = 0 where report_id = ?", [rid])
                self._write_report(rid, agency, extraction, source, run_id, seen_at)
            else:
                self.db.execute("update reports set last_seen = max(last_seen, ?) where id = ?", [seen_at, rid])
            self._note_extraction(sha256, "report", rid, None, seen_at)
        return rid

    def record_extraction_failure(self, sha256: str, reason: str, at: str) -> None:
        """An extractor crash on these bytes: recorded, so it is counted and can be retried."""
        self._note_extraction(sha256, "failed", None, reason, at)

    def _note_extraction(self, sha256: str, outcome: str, rid: str | None, reason: str | None, at: str) -> None:
        with self.db.conn:
            self.db["extractions"].upsert(
                {"sha256": sha256, "outcome": outcome, "report_id": rid, "reason": reason, "extracted_at": at},
                pk="sha256",
            )

    def _write_report(self, rid: str, agency: str, ex, source: dict, run_id: int, seen_at: str) -> None:
        existing = self.db["reports"].count_where("id = ?", [rid])
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
            "capture_id": source["capture_id"],
            "sha256": source["sha256"],
            "last_seen": seen_at,
            "cells_filled": source["cells_filled"],
            "checks_failed": source["checks_failed"],
            "warnings": json.dumps(list(ex.warnings), ensure_ascii=False),
            "problems": json.dumps(list(ex.problems), ensure_ascii=False),
        }
        if existing:
            self.db["reports"].update(rid, row)
        else:
            self.db["reports"].insert({**row, "first_seen": seen_at, "first_run_id": run_id})
        self.db.execute("update report_sources set used = 1 where report_id = ? and sha256 = ?", [rid, source["sha256"]])
        for table in ("cells", "checks"):
            self.db[table].delete_where("report_id = ?", [rid])
        self.db["cells"].insert_all(
            {"report_id": rid, "key": k, "tbl": k.split(".")[0], "value": v, "raw": ex.raw.get(k)}
            for k, v in ex.cells.items()
        )
        self.db["checks"].insert_all(
            {"report_id": rid, "rule": c.rule, "subject": c.subject, "left": c.left, "right": c.right, "passed": int(c.passed)}
            for c in ex.checks
        )
        self.db["report_texts"].upsert({"report_id": rid, "title": ex.title, "agency": agency, "text": ex.text}, pk="report_id")

    # --- summaries ----------------------------------------------------------------------------

    def summary(self) -> dict:
        q = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "reports": q("select count(*) from reports"),
            "captures": q("select count(*) from captures"),
            "blobs": q("select count(*) from blobs"),
            "cells": q("select count(*) from cells"),
            "failed_checks": q("select count(*) from checks where passed = 0"),
            "reports_with_failed_checks": q("select count(*) from reports where checks_failed > 0"),
            "capture_errors": q(f"select count(*) from captures where flag in ('{HTTP_ERROR}', '{NETWORK_ERROR}', '{CHALLENGE}')"),
        }


def _quality(source: dict) -> tuple:
    """Order the documents of one report: fully read first, then fewer failed checks, more cells.

    The sha256 breaks ties so the choice never depends on arrival order.
    """
    return (-source["problems"], -source["checks_failed"], source["cells_filled"], source["sha256"])
