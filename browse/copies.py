"""Archived copies served safely: the original bytes with the type they were captured with.

``/blobs/ab/cd/<sha256>`` (the blob's path in the archive's blob folder) answers with the blob's bytes, never changed, and headers chosen from the
capture that fetched them:

- the captured Content-Type; when a portal sent none or a generic one (``downfile.jsp`` serves PDFs
  as application/octet-stream), the type read from the bytes (``extractors.sniff``);
- for HTML and text, the charset the bytes are really in (pages labelled gb2312 are often UTF-8, and
  GBK is read as its superset GB18030), so a browser shows the Chinese right;
- ``X-Content-Type-Options: nosniff`` always, and for HTML a Content-Security-Policy that sandboxes
  the page (no portal script ever runs on this origin) and lets it load nothing (opening an
  archived page does not call the portal, or this server, back);
- PDFs and pictures inline; DOC, XLS, DOCX, XLSX and anything else as a download under the
  document's original file name.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from extractors import sniff

ROUTE = r"^/blobs/(?:[0-9a-f]{2}/[0-9a-f]{2}/)?(?P<sha256>[0-9a-f]{64})$"
SANDBOX = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"

_BY_KIND = {
    sniff.HTML: "text/html",
    sniff.TEXT: "text/plain",
    sniff.PDF: "application/pdf",
    sniff.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    sniff.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    sniff.OLE: "application/msword",
    sniff.RTF: "application/rtf",
    sniff.ZIP: "application/zip",
    sniff.BINARY: "application/octet-stream",
}
_INLINE = ("text/html", "text/plain", "application/pdf", "image/png", "image/jpeg", "image/gif", "image/tiff")
_GENERIC = {"", "application/octet-stream", "application/x-download", "application/force-download", "binary/octet-stream"}
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn"}


@dataclass(frozen=True)
class Copy:
    body: bytes
    headers: dict[str, str]  # everything but the Content-Type
    content_type: str


def copy_path(sha256: str) -> str:
    return f"/blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def blob_path(database_path: str | Path, sha256: str) -> Path:
    """Where an archive keeps a blob: ``<archive>.blobs/ab/cd/<sha256>`` (archive.blobs)."""
    db = Path(database_path)
    return db.with_name(db.name + ".blobs") / sha256[:2] / sha256[2:4] / sha256


def serve_copy(body: bytes, capture: dict | None) -> Copy:
    """The response for a blob, given the capture that fetched it (None: no capture names it)."""
    capture = capture or {}
    headers = _json(capture.get("headers"))
    url = capture.get("final_url") or capture.get("url") or ""
    declared = (capture.get("content_type") or _header(headers, "Content-Type") or "").strip()
    mime = declared.split(";")[0].strip().lower()
    name = original_filename(headers, url)
    kind = sniff.sniff(body, name, declared)
    if mime in _GENERIC or kind in (sniff.PDF, sniff.OLE, sniff.RTF, sniff.DOCX, sniff.XLSX) or not mime:
        mime = _image_type(body) if kind == sniff.IMAGE else _BY_KIND.get(kind, "application/octet-stream")
        if kind == sniff.OLE and name.lower().endswith((".xls", ".et")):
            mime = "application/vnd.ms-excel"
    content_type = mime
    if mime.startswith("text/"):
        content_type = f"{mime}; charset={charset_of(body, declared)}"
    out = {"X-Content-Type-Options": "nosniff", "Cache-Control": "max-age=31536000, immutable"}
    if mime == "text/html":
        out["Content-Security-Policy"] = SANDBOX
    disposition = "inline" if mime in _INLINE else "attachment"
    out["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(name or 'document')}"
    return Copy(body, out, content_type)


def charset_of(body: bytes, declared: str) -> str:
    """The encoding text bytes are in, by the extractors' rule (``extractors.sniff.decode``): UTF-8
    whatever the label says when the bytes are UTF-8, else the declared one, GB names read as GB18030."""
    as_utf8 = body.decode("utf-8", errors="replace")
    if as_utf8.count("\ufffd") <= max(2, len(as_utf8) // 2000):  # a cut or stray byte: still UTF-8
        return "utf-8"
    match = re.search(r"charset\s*=\s*[\"']?([-\w]+)", declared, re.I) or re.search(
        rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w]+)""", body[:4096], re.I)
    name = match.group(1) if match else ""
    name = (name.decode("ascii", "replace") if isinstance(name, bytes) else name).lower()
    return "gb18030" if not name or name in _GB_FAMILY or name.replace("-", "") == "utf8" else name


def original_filename(headers: dict, url: str) -> str:
    """The document's own name: Content-Disposition, then a ``filename=`` query, then the URL path."""
    disposition = _header(headers, "Content-Disposition") or ""
    match = re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)", disposition, re.I)
    if match:
        return unquote(match.group(1))
    parts = urlsplit(url)
    return unquote(dict(parse_qsl(parts.query)).get("filename") or parts.path.rsplit("/", 1)[-1])


def _image_type(body: bytes) -> str:
    for magic, mime in ((b"\x89PNG", "image/png"), (b"\xff\xd8\xff", "image/jpeg"), (b"GIF8", "image/gif")):
        if body.startswith(magic):
            return mime
    return "image/tiff"


def _header(headers: dict, name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value[0] if isinstance(value, list) else value
    return None


def _json(text: str | None) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
