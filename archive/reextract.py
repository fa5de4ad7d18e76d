"""Re-read stored documents with a newer extractor: no network, only the archive's own bytes.

Every extraction records the extractor version that made it (``extractions.extractor_version``,
null before versions were recorded). ``reextract`` picks the documents an older extractor read
(or all of them), reads their blobs again with the extract function it is given, and files each
reading with ``Archive.record_reextraction``: a report whose numbers now read differently gets a
new version (reason ``reextracted``) and keeps the old version's cells. Running it again changes
nothing: the documents then carry the new version, and their readings equal the reports' current
ones.

The extract function is a parameter (``extract(data, filename=, content_type=) -> Extraction``)
so a worker pool, or a test with an older reading, can drive the same loop.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from archive.records import document_filename
from archive.store import Archive
from extractors import EXTRACTOR_FAILED


@dataclass(frozen=True)
class Document:
    """One stored document to re-read: its bytes' hash and the capture that names it."""

    sha256: str
    capture_id: int
    filename: str
    content_type: str
    agency_hint: str | None  # the agency of the site that found it (as the crawl gives it)
    extractor_version: int | None
    report_id: str | None = None  # the report an earlier reading filed it under


@dataclass
class Summary:
    documents: int = 0  # documents re-read
    reports: set[str] = field(default_factory=set)  # reports whose documents were re-read
    versions_added: list[tuple[str, int, int]] = field(default_factory=list)  # (report, version, cells changed)
    moved: list[tuple[str, str]] = field(default_factory=list)  # (earlier report, report it reads as now)
    failed: int = 0  # documents the extractor crashed on

    @property
    def cells_changed(self) -> int:
        return sum(n for _, _, n in self.versions_added)


def documents(archive: Archive, *, older_than: int | None) -> list[Document]:
    """The documents to re-read: read by an extractor older than ``older_than`` (unrecorded counts
    as oldest), or every extracted document when ``older_than`` is None."""
    sql = """
        select e.sha256, e.extractor_version, e.report_id,
               (select c.id from captures c where c.sha256 = e.sha256 and c.flag = 'ok' order by c.id limit 1) as capture_id
        from extractions e
    """
    params: list = []
    if older_than is not None:
        sql += " where coalesce(e.extractor_version, 0) < ?"
        params.append(older_than)
    out = []
    for sha256, version, report_id, capture_id in archive.db.execute(sql + " order by e.sha256", params).fetchall():
        if capture_id is None:
            continue  # bytes never captured OK (cannot happen for an extraction, but never guess a name)
        cap = archive.capture(capture_id)
        headers = json.loads(cap["headers"] or "{}")
        site = archive.db.execute("select agency from sites where id = ?", [cap["site"]]).fetchone()
        out.append(Document(sha256, capture_id, document_filename(headers, cap["final_url"] or cap["url"]),
                            cap["content_type"] or "", site[0] if site else None, version, report_id))
    return out


def reextract(archive: Archive, extract: Callable, extractor_version: int, *, run_id: int,
              docs: Iterable[Document], progress: Callable[[Iterable], Iterable] = iter) -> Summary:
    """Re-read ``docs`` from their blobs with ``extract`` and file each reading.

    ``progress`` wraps the iteration (a progress bar on a terminal)."""
    summary = Summary()
    for doc in progress(docs):
        data = archive.blobs.get(doc.sha256)
        result = extract(data, filename=doc.filename, content_type=doc.content_type)
        summary.documents += 1
        if not result.is_report and (result.reason or "").startswith(EXTRACTOR_FAILED):
            # a crash is a bug, not a verdict: counted, nothing filed, so the next run tries again
            summary.failed += 1
            continue
        rid, version, changed = archive.record_reextraction(
            result, capture_id=doc.capture_id, run_id=run_id, extractor_version=extractor_version,
            agency_hint=doc.agency_hint)
        if rid:
            summary.reports.add(rid)
        if rid and doc.report_id and rid != doc.report_id:  # e.g. an agency name read better now
            summary.moved.append((doc.report_id, rid))
        if version:
            summary.versions_added.append((rid, version, changed))
    return summary

