"""WARC 1.1 copies of every capture, written with warcio into size-rotated ``.warc.gz`` files.

What a response record holds: the body exactly as the archive's blob holds it (decoded from its
HTTP ``Content-Encoding`` by Scrapy), under the headers the server sent, rewritten to match that
body — ``Content-Encoding`` and ``Transfer-Encoding`` dropped, ``Content-Length`` set to the body's
length — with the server's own values kept as ``X-Archive-Orig-*`` headers (pywb's convention).
So a record's payload, its ``WARC-Payload-Digest`` and the blob's SHA-256 are one and the same.

Records per capture (see ``WarcFiles.write``):
- ``request`` + ``response`` for a body seen for the first time, linked both ways by
  ``WARC-Concurrent-To``; redirect hops before it get their own pair (status and headers as sent);
- ``request`` + ``revisit`` (profile identical-payload-digest) when the same bytes were archived
  before, pointing at that record with ``WARC-Refers-To``, ``-Target-URI`` and ``-Date``;
- ``request`` + ``revisit`` (profile server-not-modified) for a ``304`` to a conditional request,
  whose HTTP block is the response the 304 stands for: the status and headers of the record it
  refers to, updated by the 304's own header fields as a cache updates a stored response (RFC 9111
  §3.2; ``Content-Length`` and wire-only fields excepted). Replay tools serve a revisit's block
  with the payload of the record it refers to (pywb since 2.7, wabac.js), so a page unchanged
  since the last crawl replays with its content; a block holding the 304 itself replayed as an
  empty ``304 Not Modified``. The profile still says the server answered 304. Only when no WARC
  record holds the payload (an archive from before WARC copies) is the 304's own block kept;
- ``resource`` for a page rendered in Chromium (the browser's DOM, not what a server sent).
Every file opens with a ``warcinfo`` record carrying the crawl run's settings.

No Scrapy here: the crawl hands over plain data (``Capture.wire``).
"""
from __future__ import annotations

import base64
import json
import os
import platform
import socket
from dataclasses import dataclass
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders, StatusAndHeadersParser
from warcio.warcwriter import WARCWriter

from archive.records import Capture
from archive.redact import redact

WARC_VERSION = "WARC/1.1"
IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
# Headers that describe the bytes on the wire, not the body the record holds.
_WIRE_ONLY = ("content-encoding", "transfer-encoding")
# Fields a 304 never updates in the stored response (RFC 9111 §3.1, §3.2).
_NOT_FRESHENED = {*_WIRE_ONLY, "content-length", "connection", "keep-alive", "proxy-connection", "te", "trailer",
                  "upgrade"}
PAYLOAD_TYPES = ("response", "resource")


def warc_folder(archive_path: Path | str) -> Path:
    """Where an archive keeps its WARC files: ``<archive>.warc/`` beside the SQLite file."""
    path = Path(archive_path)
    return path.with_name(path.name + ".warc")


def payload_digest(sha256_hex: str) -> str:
    """A WARC digest (``sha256:`` + base32, as WARC writers spell it) from the blob's hex SHA-256."""
    return "sha256:" + base64.b32encode(bytes.fromhex(sha256_hex)).decode()


@dataclass(frozen=True)
class Earlier:
    """The record an unchanged payload refers to."""

    record_id: str | None
    uri: str
    date: str  # WARC-Date form
    file: str | None = None  # where that record is (a file of the same folder), when known
    offset: int | None = None


@dataclass(frozen=True)
class Written:
    """Where the record holding (or pointing to) a capture's payload was written."""

    file: str
    offset: int
    record_id: str
    record_type: str


class WarcFiles:
    """One writer's sequence of files ``<prefix>-00001.warc.gz``, ``-00002`` …, each at most about
    ``max_bytes`` (a capture's records are never split across files). Not thread-safe: one writer
    per thread."""

    def __init__(self, folder: Path, prefix: str, info: dict, max_bytes: int):
        self.folder = Path(folder)
        self.prefix = prefix
        self.info = info
        self.max_bytes = max_bytes
        self.sequence = 0
        self.file = None
        self.writer: WARCWriter | None = None
        self.name = ""

    def _open_next(self) -> None:
        self.close()
        self.folder.mkdir(parents=True, exist_ok=True)
        while True:
            self.sequence += 1
            self.name = f"{self.prefix}-{self.sequence:05d}.warc.gz"
            if not (self.folder / self.name).exists():
                break
        self.file = open(self.folder / self.name, "xb")
        self.writer = WARCWriter(self.file, gzip=True, warc_version=WARC_VERSION)
        self.writer.write_record(self.writer.create_warcinfo_record(self.name, self.info))

    def close(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file = None

    def flush(self) -> None:
        """Hand what was written to the OS: done before the archive notes where records went, so a
        pointer committed names a record on disk (a forced stop then cuts only unnoted records)."""
        if self.file is not None:
            self.file.flush()

    def write(self, capture: Capture, sha256: str | None, earlier: Earlier | None) -> Written | None:
        """Write ``capture``'s records; return where its payload record went (None: nothing to write).

        ``earlier``: the record already holding these bytes (or, for a 304, this URL's last
        payload), which makes the record a revisit.
        """
        if capture.rendered:
            return self._records([], capture, sha256, earlier, resource=True)
        if not capture.wire or capture.wire[-1].get("status") is None:
            return None  # nothing came back over the wire (served from the archive, or no response)
        return self._records(list(capture.wire), capture, sha256, earlier, resource=False)

    def _records(self, exchanges: list[dict], capture: Capture, sha256: str | None, earlier: Earlier | None,
                 *, resource: bool) -> Written:
        if self.writer is None or self.file.tell() >= self.max_bytes:
            self._open_next()
        w = self.writer
        for hop in exchanges[:-1]:  # redirects: what the server answered, as it answered it
            response = w.create_warc_record(
                hop["url"], "response", payload=BytesIO(hop.get("body") or b""), length=len(hop.get("body") or b""),
                http_headers=_status_headers(hop["status"], hop["protocol"], hop["headers"]),
                warc_headers_dict=_ids(hop["date"]))
            self._pair(hop, response, hop["date"])
        if resource:
            body = capture.body
            headers = {"WARC-Date": _warc_date(capture.fetched_at), "WARC-Record-ID": _new_id(),
                       "WARC-Payload-Digest": payload_digest(sha256), "WARC-Block-Digest": payload_digest(sha256)}
            record = w.create_warc_record(capture.final_url or capture.url, "resource", payload=BytesIO(body),
                                          length=len(body), warc_content_type=capture.content_type or "text/html",
                                          warc_headers_dict=headers)
            record.rec_headers.add_header("WARC-Source-URI", "chromium-dom")  # what made it: not a server
            return self._write(record)
        final = exchanges[-1]
        # The capture's fetched_at is the record's date, so a revisit's WARC-Refers-To-Date (read
        # from the captures table) is exactly the date of the record it refers to.
        ids = _ids(capture.fetched_at)
        if final["status"] == 304:
            stored = self._stored_response(earlier) if sha256 else None
            http = _status_headers(304, final["protocol"], final["headers"]) if stored is None else \
                StatusAndHeaders(stored.statusline, _freshened(stored.headers, final["headers"]), protocol=stored.protocol)
            record = w.create_warc_record(final["url"], "revisit", http_headers=http, warc_headers_dict=ids)
            record.rec_headers.add_header("WARC-Profile", SERVER_NOT_MODIFIED)
            if sha256:
                record.rec_headers.add_header("WARC-Payload-Digest", payload_digest(sha256))
            _refer(record, earlier)
        elif earlier is not None and sha256:
            http = _status_headers(final["status"], final["protocol"], _consistent(final["headers"], capture.body))
            record = w.create_revisit_record(final["url"], payload_digest(sha256), earlier.uri, earlier.date,
                                             http_headers=http, warc_headers_dict=ids)
            if earlier.record_id:
                record.rec_headers.add_header("WARC-Refers-To", earlier.record_id)
        else:
            body = capture.body
            http = _status_headers(final["status"], final["protocol"], _consistent(final["headers"], body))
            if sha256:
                ids["WARC-Payload-Digest"] = payload_digest(sha256)
            record = w.create_warc_record(final["url"], "response", payload=BytesIO(body), length=len(body),
                                          http_headers=http, warc_headers_dict=ids)
        return self._pair(final, record, capture.fetched_at)

    def _stored_response(self, earlier: Earlier | None) -> StatusAndHeaders | None:
        """The HTTP status and headers of the response record ``earlier`` names (None: none readable)."""
        if earlier is None or earlier.file is None or earlier.offset is None:
            return None
        self.file.flush()  # the record may be in the file being written
        try:
            with open(self.folder / earlier.file, "rb") as fh:
                fh.seek(earlier.offset)
                record = next(iter(ArchiveIterator(fh)), None)
                if record is None or record.rec_type != "response" or record.http_headers is None:
                    return None
                if record.rec_headers.get_header("WARC-Record-ID") != earlier.record_id:
                    return None
                return record.http_headers
        except (OSError, ArchiveLoadFailed, EOFError, ValueError):
            return None

    def _pair(self, exchange: dict, response, date: str) -> Written:
        """Write a response (or revisit) and the request that asked for it, each naming the other."""
        request = self._request(exchange, date)
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        request_id = request.rec_headers.get_header("WARC-Record-ID")
        response.rec_headers.add_header("WARC-Concurrent-To", request_id)
        request.rec_headers.add_header("WARC-Concurrent-To", response_id)
        written = self._write(response)
        self.writer.write_record(request)
        return written

    def _write(self, record) -> Written:
        offset = self.file.tell()
        self.writer.write_record(record)
        return Written(self.name, offset, record.rec_headers.get_header("WARC-Record-ID"), record.rec_type)

    def _request(self, exchange: dict, date: str):
        split = urlsplit(exchange["url"])
        target = (split.path or "/") + (f"?{split.query}" if split.query else "")
        headers = list(exchange["request_headers"])
        if not any(k.lower() == "host" for k, _ in headers):
            headers.insert(0, ("Host", split.netloc))
        body = exchange.get("request_body") or b""
        http = StatusAndHeaders(f"{exchange['method']} {target} {exchange['protocol']}", headers, is_http_request=True)
        return self.writer.create_warc_record(exchange["url"], "request", payload=BytesIO(body), length=len(body),
                                              http_headers=http, warc_headers_dict=_ids(date))


def _refer(record, earlier: Earlier | None) -> None:
    if earlier is None:
        return
    if earlier.record_id:
        record.rec_headers.add_header("WARC-Refers-To", earlier.record_id)
    record.rec_headers.add_header("WARC-Refers-To-Target-URI", earlier.uri)
    record.rec_headers.add_header("WARC-Refers-To-Date", earlier.date)


def _freshened(stored: list[tuple[str, str]], fresh: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A stored response's headers updated by a 304's (RFC 9111 §3.2): each field the 304 sends
    replaces the stored one, except the length, wire-only and hop-by-hop fields."""
    updates: dict[str, list[tuple[str, str]]] = {}
    for name, value in fresh:
        if name.lower() not in _NOT_FRESHENED:
            updates.setdefault(name.lower(), []).append((name, value))
    return [(n, v) for n, v in stored if n.lower() not in updates] + [pair for pairs in updates.values() for pair in pairs]


def _consistent(headers: list[tuple[str, str]], body: bytes) -> list[tuple[str, str]]:
    """The server's headers made true of the decoded body; the originals kept as X-Archive-Orig-*."""
    out = []
    for name, value in headers:
        low = name.lower()
        if low in _WIRE_ONLY:
            out.append((f"X-Archive-Orig-{name}", value))
        elif low == "content-length":
            if value.strip() != str(len(body)):
                out.append((f"X-Archive-Orig-{name}", value))
        else:
            out.append((name, value))
    out.append(("Content-Length", str(len(body))))
    return out


def _status_headers(status: int, protocol: str | None, headers: list[tuple[str, str]]) -> StatusAndHeaders:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = ""
    return StatusAndHeaders(f"{status} {reason}".strip(), list(headers), protocol=protocol or "HTTP/1.1")


def _new_id() -> str:
    return StatusAndHeadersParser.make_warc_id()


def _ids(date: str) -> dict:
    return {"WARC-Record-ID": _new_id(), "WARC-Date": _warc_date(date)}


def _warc_date(iso: str) -> str:
    """WARC-Date form (UTC, ``Z``) of an ISO 8601 time."""
    return iso.replace("+00:00", "Z") if iso.endswith("+00:00") else iso


def warcinfo(run: dict, settings_text: str) -> dict:
    """The fields of a file's warcinfo record: who wrote it, how, for which crawl run."""
    try:
        settings = json.loads(settings_text or "{}")
    except ValueError:
        settings = {}
    return {
        "software": "xxgk-archive 0.1 (warcio)",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "hostname": socket.gethostname(),
        "operator-pid": str(os.getpid()),
        "python": platform.python_version(),
        "http-header-user-agent": settings.get("USER_AGENT", ""),
        "robots": "obey" if settings.get("ROBOTSTXT_OBEY", True) else "ignore",
        "isPartOf": f"xxgk crawl run {run['id']}",
        "xxgk-run-id": str(run["id"]),
        "xxgk-command": redact(run.get("command") or ""),
        "xxgk-run-started": run.get("started_at") or "",
        "xxgk-settings-digest": run.get("settings_digest") or "",
        "xxgk-settings": redact(json.dumps(settings, ensure_ascii=False, sort_keys=True, default=str)),
        "xxgk-payloads": "decoded from Content-Encoding; headers rewritten to match, originals as X-Archive-Orig-*",
    }


# --- the archive's side: which record holds a payload, and where a capture's copy went ----------

def earlier_record(db, capture: dict, final_status: int | None) -> Earlier | None:
    """The record a new copy of ``capture`` (a captures row) should refer to instead of repeating
    its bytes: its own first record (same URL, same bytes), else any record of the same bytes."""
    if capture["warc_record_id"] and capture["warc_type"] in PAYLOAD_TYPES:
        return Earlier(capture["warc_record_id"], capture["final_url"] or capture["url"], _warc_date(capture["fetched_at"]),
                       capture["warc_file"], capture["warc_offset"])
    if capture["sha256"] is None:
        return None
    row = db.execute(
        "select warc_record_id, coalesce(final_url, url), fetched_at, warc_file, warc_offset from captures "
        "where sha256 = ? and warc_type in ('response', 'resource') order by id limit 1", [capture["sha256"]]).fetchone()
    if row:
        return Earlier(row[0], row[1], _warc_date(row[2]), row[3], row[4])
    if final_status == 304:  # no copy of the payload in any WARC yet: still say what it refers to
        return Earlier(None, capture["final_url"] or capture["url"], _warc_date(capture["fetched_at"]))
    return None


def note_written(db, capture_id: int, written: Written) -> None:
    """Point a capture at the first record written for it; a later record holding its bytes
    replaces a revisit (an archive from before WARC copies, say)."""
    # One statement: committed on its own, or part of the caller's transaction (a batch of captures).
    db.execute("update captures set warc_file = ?, warc_offset = ?, warc_record_id = ?, warc_type = ? "
               "where id = ? and (warc_record_id is null or (warc_type = 'revisit' and ? != 'revisit'))",
               [written.file, written.offset, written.record_id, written.record_type, capture_id,
                written.record_type])
