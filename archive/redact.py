"""Passwords out of anything written or shown: ``redis://:secret@host`` becomes ``redis://:***@host``.

Commands keep their arguments in the lock file, in ``crawl_runs.command`` and ``settings`` (which
`xxgk serve` shows) and in every WARC file's ``warcinfo`` record (which goes into every WACZ), and
print them; a Redis URL among them may carry a password, in its user part or as ``?password=``.
"""
from __future__ import annotations

import re

_USERINFO = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^:@/\s\"']*):[^@/\s\"']+@", re.I)
_QUERY = re.compile(r"(?P<head>[?&](?:password|pass|pwd)=)[^&#\s\"']+", re.I)
HIDDEN = "***"


def redact(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``."""
    if not text or "://" not in text and "=" not in text:
        return text
    text = _USERINFO.sub(lambda m: f"{m['head']}:{HIDDEN}@", text)
    return _QUERY.sub(lambda m: m["head"] + HIDDEN, text)
