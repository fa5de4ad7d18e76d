"""What went over the wire, for the WARC copy: each request as sent and each response as received.

Placed next to the downloader (after every middleware that adds request headers, before
decompression, redirects, retries and the archive's 304 handling see the response), it notes every
exchange in ``request.meta["xxgk_wire"]``: method, URL, request headers and body, then status,
protocol and headers of the answer. A redirect's chain accumulates (each hop is one exchange); any
other new request starts afresh, so a retried or replayed request keeps only its own exchanges.
Bodies are not kept (the capture has the final one) except a redirect's, which is small.
A response the archive served without a request (resumed crawls) has no exchange.
"""
from __future__ import annotations

from datetime import datetime, timezone

WIRE = "xxgk_wire"
_SENT = "xxgk_wire_sent"


class WireMiddleware:
    def process_request(self, request):
        chain = request.meta.get(WIRE) or []
        redirects = request.meta.get("redirect_urls") or []
        if not (chain and redirects and chain[-1]["url"] == redirects[-1]):
            chain = []
        request.meta[WIRE] = chain
        request.meta[_SENT] = {
            "method": request.method,
            "url": request.url,
            "request_headers": _pairs(request.headers),
            "request_body": request.body or b"",
        }
        return None

    def process_response(self, request, response):
        sent = request.meta.pop(_SENT, None)
        if sent is None or "archived" in response.flags:
            return response
        exchange = {
            **sent,
            "status": response.status,
            "protocol": response.protocol or "HTTP/1.1",
            "headers": _pairs(response.headers),
            "body": response.body if 300 <= response.status < 400 else None,
            "date": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
        }
        # A new list each time: Scrapy copies meta shallowly into retried and redirected requests.
        request.meta[WIRE] = [*request.meta.get(WIRE, []), exchange]
        return response


def _pairs(headers) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, values in headers.items() for v in values]


def exchanges_for(meta: dict, final_url: str) -> tuple[dict, ...]:
    """The exchanges that led to the response at ``final_url`` (empty when none went over the wire)."""
    chain = meta.get(WIRE) or []
    return tuple(chain) if chain and chain[-1]["url"] == final_url else ()
