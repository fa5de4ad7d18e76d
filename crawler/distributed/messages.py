"""What travels through Redis, as data: msgpack (bytes stay raw bytes), optionally signed.

Captures, blocked hosts and readings go through Redis lists, requests through scrapy-redis's queues
(this module is their ``SCHEDULER_SERIALIZER``). None of it is a pickle: anyone who can write to the
Redis could otherwise run code on every worker and on the archive's writer. Decoding builds only
our own plain dataclasses from checked fields, and a request only as one of Scrapy's request classes.

With ``XXGK_REDIS_SECRET`` set (the same on every machine), every message carries an HMAC-SHA256
of its contents under that secret, and a message without one, or with a wrong one, is refused.

Whatever does not decode raises ``BadMessage``; its reader moves the raw item to the dead-letter list
``xxgk:dead`` with the reason (``dead_letter``), counts it, and goes on.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, fields
from datetime import datetime, timezone

import msgpack

from archive.records import Blocked, Capture

FORMAT = "xxgk1"
DEAD = "xxgk:dead"  # list of JSON records: which queue, why, when, the item's size and first bytes
DEAD_COUNT = "xxgk:dead:count"  # hash: queue → items dead-lettered
SECRET_SETTING = "XXGK_REDIS_SECRET"

# The request classes a queued request may name (``_class``); anything else is refused before import.
REQUEST_CLASSES = {"scrapy.http.request.Request", "scrapy.http.request.form.FormRequest",
                   "scrapy.http.request.json_request.JsonRequest"}


class BadMessage(ValueError):
    """An item that is not one of ours: not msgpack, the wrong shape, unsigned or wrongly signed."""


def _secret() -> bytes | None:
    secret = os.environ.get(SECRET_SETTING, "")
    return secret.encode() if secret else None


def _sign(kind: str, payload: bytes, secret: bytes) -> bytes:
    return hmac.new(secret, kind.encode() + b"\0" + payload, hashlib.sha256).digest()


def pack(kind: str, data, *, default=None) -> bytes:
    """``data`` (plain data: dicts, lists, str, bytes, numbers) as one message of ``kind``."""
    payload = msgpack.packb(data, use_bin_type=True, default=default)
    secret = _secret()
    return msgpack.packb([FORMAT, kind, payload, _sign(kind, payload, secret) if secret else None], use_bin_type=True)


def unpack(raw: bytes, *, object_hook=None) -> tuple[str, object]:
    """(kind, data) of a message made by ``pack``; ``BadMessage`` for anything else."""
    try:
        frame = msgpack.unpackb(raw, raw=False, use_list=True)
    except Exception as exc:  # noqa: BLE001 - msgpack raises several kinds for bytes that are not msgpack
        raise BadMessage(f"not a message ({type(exc).__name__}: {exc})"[:200]) from None
    if not (isinstance(frame, list) and len(frame) == 4 and frame[0] == FORMAT and isinstance(frame[1], str)
            and isinstance(frame[2], bytes) and isinstance(frame[3], (bytes, type(None)))):
        raise BadMessage("not a message (wrong frame)")
    _, kind, payload, signature = frame
    secret = _secret()
    if secret is not None:
        if signature is None:
            raise BadMessage(f"unsigned {kind} refused ({SECRET_SETTING} is set)")
        if not hmac.compare_digest(signature, _sign(kind, payload, secret)):
            raise BadMessage(f"{kind} with a wrong signature refused")
    try:
        return kind, msgpack.unpackb(payload, raw=False, use_list=True, object_hook=object_hook)
    except BadMessage:
        raise
    except Exception as exc:  # noqa: BLE001
        raise BadMessage(f"{kind}: unreadable contents ({type(exc).__name__}: {exc})"[:200]) from None


def dead_letter(server, queue: str, raw: bytes, error: str) -> None:
    """Keep an item that did not decode where an operator can look at it, with why; count it."""
    record = {"queue": queue, "error": error, "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "size": len(raw), "head": raw[:64].hex()}
    pipe = server.pipeline()
    pipe.rpush(DEAD, json.dumps(record))
    pipe.hincrby(DEAD_COUNT, queue, 1)
    pipe.execute()


def dead_letters(server) -> dict[str, int]:
    return {k.decode(): int(v) for k, v in server.hgetall(DEAD_COUNT).items()}


# --- captures and blocked hosts ---------------------------------------------------------------

_CAPTURE_FIELDS = {f.name for f in fields(Capture)}
_BLOCKED_FIELDS = {f.name for f in fields(Blocked)}


def pack_item(item: Capture | Blocked) -> bytes:
    if isinstance(item, Capture):
        return pack("capture", asdict(item))
    return pack("blocked", asdict(item))


def unpack_item(raw: bytes) -> Capture | Blocked:
    kind, data = unpack(raw)
    if kind == "capture":
        _expect(data, _CAPTURE_FIELDS, {"url", "fetched_at", "site", "spider", "kind", "flag"}, kind)
        _types(data, kind, str=("url", "fetched_at", "site", "spider", "kind", "flag"), bytes=("body",),
               dict=("headers",), list=("redirect_chain", "wire"))
        data["redirect_chain"] = tuple(data.get("redirect_chain") or ())
        data["wire"] = tuple(data.get("wire") or ())
        return Capture(**data)
    if kind == "blocked":
        _expect(data, _BLOCKED_FIELDS, _BLOCKED_FIELDS, kind)
        _types(data, kind, str=tuple(_BLOCKED_FIELDS))
        return Blocked(**data)
    raise BadMessage(f"a {kind!r} where a capture was expected")


def _expect(data, allowed: set, required: set, kind: str) -> None:
    if not isinstance(data, dict):
        raise BadMessage(f"{kind}: not a map")
    if unknown := set(data) - allowed:
        raise BadMessage(f"{kind}: unknown fields {sorted(map(str, unknown))[:5]}")
    if missing := required - set(data):
        raise BadMessage(f"{kind}: missing fields {sorted(missing)}")


def _types(data: dict, kind: str, **expected) -> None:
    for type_name, names in expected.items():
        wanted = {"str": str, "bytes": bytes, "dict": dict, "list": list}[type_name]
        for name in names:
            if name in data and data[name] is not None and not isinstance(data[name], wanted):
                raise BadMessage(f"{kind}: {name} is not {type_name}")


# --- requests: scrapy-redis's SCHEDULER_SERIALIZER (a module with loads and dumps) ---------------

def _encode_object(value):
    """The objects a request's meta holds besides plain data: the site it belongs to, browser steps."""
    from scrapy_playwright.page import PageMethod

    from crawler.sites import Site

    if isinstance(value, Site):
        return {"__xxgk__": "site", "id": value.id, "agency": value.agency, "start_url": value.start_url,
                "platform": value.platform, "extra": value.extra}
    if isinstance(value, PageMethod) and isinstance(value.method, str):
        return {"__xxgk__": "page_method", "method": value.method, "args": list(value.args), "kwargs": value.kwargs}
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"a request's meta holds a {type(value).__name__}, which does not travel through Redis")


def _decode_object(data: dict):
    tag = data.get("__xxgk__")
    if tag is None:
        return data
    if tag == "site":
        from crawler.sites import Site

        return Site(str(data["id"]), str(data["agency"]), str(data["start_url"]), str(data["platform"]),
                    dict(data.get("extra") or {}))
    if tag == "page_method" and isinstance(data.get("method"), str):
        from scrapy_playwright.page import PageMethod

        return PageMethod(data["method"], *data.get("args", []), **data.get("kwargs", {}))
    raise BadMessage(f"request: unknown object {tag!r}")


def dumps(request: dict) -> bytes:
    return pack("request", request, default=_encode_object)


def loads(raw: bytes) -> dict:
    kind, data = unpack(raw, object_hook=_decode_object)
    if kind != "request" or not isinstance(data, dict) or not isinstance(data.get("url"), str):
        raise BadMessage(f"a {kind!r} where a request was expected")
    if data.get("_class", "scrapy.http.request.Request") not in REQUEST_CLASSES:
        raise BadMessage(f"request: class {data.get('_class')!r} refused")
    for name in ("callback", "errback"):
        if data.get(name) is not None and not isinstance(data[name], str):
            raise BadMessage(f"request: {name} is not a method name")
    return data


# --- readings: what a reader made of one document, back to the writer ---------------------------

def pack_reading(sha256: str, reader: str, *, status: str, extraction=None, limit: str | None = None,
                 limit_value: float | None = None, reason: str | None = None, seconds: float = 0.0) -> bytes:
    data = {"sha256": sha256, "reader": reader, "status": status, "limit": limit, "limit_value": limit_value,
            "reason": reason, "seconds": seconds, "extraction": None if extraction is None else asdict(extraction)}
    return pack("reading", data)


def unpack_reading(raw: bytes) -> dict:
    """The reading's fields, its ``extraction`` an ``Extraction`` again (or None)."""
    from extractors.model import Check, Extraction

    kind, data = unpack(raw)
    if kind != "reading":
        raise BadMessage(f"a {kind!r} where a reading was expected")
    _expect(data, {"sha256", "reader", "status", "limit", "limit_value", "reason", "seconds", "extraction"},
            {"sha256", "reader", "status"}, kind)
    _types(data, kind, str=("sha256", "reader", "status", "limit", "reason"), dict=("extraction",))
    if data["status"] not in ("done", "limit", "crashed"):
        raise BadMessage(f"reading: status {data['status']!r}")
    found = data.get("extraction")
    if found is not None:
        allowed = {f.name for f in fields(Extraction)}
        _expect(found, allowed, {"is_report"}, "extraction")
        _types(found, "extraction", dict=("cells", "raw", "sections"), list=("checks", "warnings", "problems"))
        try:
            checks = tuple(Check(**c) for c in found.get("checks") or ())
        except TypeError as exc:
            raise BadMessage(f"extraction: checks: {exc}") from None
        data["extraction"] = Extraction(**{**found, "checks": checks, "warnings": tuple(found.get("warnings") or ()),
                                           "problems": tuple(found.get("problems") or ())})
    elif data["status"] == "done":
        raise BadMessage("reading: done without an extraction")
    return data


def sign_task(task: dict) -> str | None:
    """A reading task's signature (tasks are Dramatiq's JSON messages; the secret signs them too)."""
    secret = _secret()
    if secret is None:
        return None
    return _sign("task", json.dumps(task, sort_keys=True).encode(), secret).hex()


def check_task(task, signature) -> None:
    if not (isinstance(task, dict) and set(task) == {"sha256", "filename", "content_type"}
            and all(isinstance(v, str) for v in task.values()) and len(task["sha256"]) == 64):
        raise BadMessage("reading task: wrong shape")
    secret = _secret()
    if secret is not None:
        if not isinstance(signature, str):
            raise BadMessage(f"unsigned reading task refused ({SECRET_SETTING} is set)")
        if not hmac.compare_digest(signature, _sign("task", json.dumps(task, sort_keys=True).encode(), secret).hex()):
            raise BadMessage("reading task with a wrong signature refused")
