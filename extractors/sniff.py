"""What a document's bytes are (HTML, text, PDF, Word…) and, for text kinds, how to decode them.

Portals serve UTF-8 mostly, GBK/GB2312 still often, and some pages declare nothing. GB2312 and GBK
are decoded as GB18030, their superset: pages labelled gb2312 routinely contain characters outside
it. The kind comes from the bytes first (magic numbers), the file name and Content-Type only break
ties, because portals mislabel attachments.
"""
from __future__ import annotations

import re
import zipfile
from io import BytesIO

HTML = "html"
TEXT = "text"
PDF = "pdf"
OLE = "doc"  # DOC, XLS, WPS, ET: the OLE2 compound file
RTF = "rtf"  # Word's Rich Text Format, often served as .doc
DOCX = "docx"
XLSX = "xlsx"
ZIP = "zip"
IMAGE = "image"
BINARY = "binary"

_MAGIC = (
    (b"%PDF-", PDF),
    (b"{\\rtf", RTF),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", OLE),
    (b"\x89PNG", IMAGE),
    (b"\xff\xd8\xff", IMAGE),
    (b"GIF8", IMAGE),
    (b"II*\x00", IMAGE),
    (b"MM\x00*", IMAGE),
)
_DECLARED_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([-\w]+)""", re.I)
_HTML_START = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title|div|p|table|span)\b", re.I | re.S)
_HTML_ANYWHERE = re.compile(rb"<(html|body|table|/p|br|div)\b", re.I)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"}


def sniff(data: bytes, filename: str = "", content_type: str = "") -> str:
    """The kind of document the bytes hold (one of the module's constants)."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    head = data[:4096].lstrip(b"\xef\xbb\xbf")
    if _HTML_START.match(head):
        return HTML
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return BINARY
    name = filename.lower()
    if name.endswith((".html", ".htm", ".shtml", ".jsp", ".php", ".asp", ".aspx")) or "html" in content_type.lower():
        return HTML
    if _HTML_ANYWHERE.search(head) and not name.endswith(".txt"):
        return HTML
    return TEXT


def _zip_kind(data: bytes) -> str:
    try:
        names = zipfile.ZipFile(BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        return BINARY
    if any(n.startswith("word/") for n in names):
        return DOCX
    if any(n.startswith("xl/") for n in names):
        return XLSX
    return ZIP


def decode(data: bytes, *, content_type: str = "") -> str | None:
    """The text of HTML or text bytes, or None when no Chinese encoding reads them cleanly."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    declared = _declared_charset(data, content_type)
    # UTF-8 first whatever the label says: GBK bytes almost never form valid UTF-8, while pages
    # labelled gb2312 but saved as UTF-8 are common, and GB18030 would read them as mojibake.
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # A UTF-8 page cut mid-character or with a stray byte is still UTF-8: GB18030 would accept
    # the bytes and turn every character into mojibake, so a few bad bytes do not switch encoding.
    as_utf8 = data.decode("utf-8", errors="replace")
    if as_utf8.count("\ufffd") <= max(2, len(as_utf8) // 2000):
        return as_utf8
    for encoding in ([declared] if declared and declared not in _GB_FAMILY else []) + ["gb18030"]:
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    text = data.decode("gb18030", errors="replace")
    return text if text.count("\ufffd") <= max(3, len(text) // 200) else None


def _declared_charset(data: bytes, content_type: str) -> str | None:
    match = re.search(r"charset\s*=\s*([-\w]+)", content_type or "", re.I)
    if match:
        return _normal_charset(match.group(1))
    match = _DECLARED_CHARSET.search(data[:4096])
    return _normal_charset(match.group(1).decode("ascii", "replace")) if match else None


def _normal_charset(name: str) -> str:
    name = name.lower().strip()
    return "gb18030" if name in _GB_FAMILY else name
