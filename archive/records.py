"""What the crawl hands to the archive: one HTTP exchange, plain data (no Scrapy types)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

# Capture kinds: why the crawler fetched the URL.
LISTING = "listing"
DETAIL = "detail"  # a page whose title says it is an annual report
ATTACHMENT = "attachment"
OTHER = "other"

# Capture flags: what came back.
OK = "ok"
HTTP_ERROR = "http_error"  # a response with status >= 400
NETWORK_ERROR = "network_error"  # no (complete) response: refused, timeout, truncated body
CHALLENGE = "challenge"  # an anti-bot page instead of the content (never extracted)
REFUSED = "refused"  # the crawler would not take it: too large, a decompression bomb, a redirect loop,
#                      off the site's hosts or to a private address (``error`` says which)
ERROR_FLAGS = (HTTP_ERROR, NETWORK_ERROR, CHALLENGE, REFUSED)  # what a run counts as errors


@dataclass(frozen=True)
class Capture:
    """One response (or failure) the crawl received, with its provenance.

    ``body`` is the exact bytes the server sent (decompressed by HTTP content-encoding only);
    it is stored once per sha256. A failure without a response has ``status`` None,
    an empty body and ``error`` set.
    """

    url: str
    fetched_at: str  # UTC, ISO 8601
    site: str
    spider: str
    kind: str
    flag: str
    status: int | None = None
    final_url: str | None = None
    redirect_chain: tuple[str, ...] = ()
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    referer: str | None = None
    error: str | None = None
    title: str | None = None  # the link text that led here (listing title), if any
    agency_hint: str | None = None  # the site's agency, for reports that do not name themselves
    rendered: bool = False  # the body is Chromium's DOM after scripts ran, not the server's bytes
    # What went over the wire, for the WARC copy: one dict per HTTP exchange (redirect hops, then the
    # final one) with method, url, request_headers, request_body, status, protocol, headers, date.
    wire: tuple[dict, ...] = field(default=(), compare=False)

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type") or self.headers.get("content-type")

    @property
    def filename(self) -> str:
        return document_filename(self.headers, self.final_url or self.url)


def document_filename(headers: dict[str, str], url: str) -> str:
    """A document's own name: Content-Disposition, then a ``filename=`` query (downfile.jsp), then the path."""
    disposition = headers.get("Content-Disposition") or headers.get("content-disposition") or ""
    match = re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)", disposition, re.I)
    if match:
        return unquote(match.group(1))
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    return unquote(query.get("filename") or parts.path.rsplit("/", 1)[-1])


@dataclass(frozen=True)
class Blocked:
    """A host that answered with an anti-bot page no browser got past; ``url`` is the evidence."""

    host: str
    site: str
    url: str
    reason: str
    at: str
