"""Anti-bot pages: recognised by status and content, never archived as a report.

- 瑞数 (Ruishu): HTTP 412 and a page of obfuscated script that computes a cookie and reloads.
- 加速乐 (Jiasule): HTTP 521 and a script that sets ``__jsl_clearance`` and reloads.
- Cloud WAFs: a short block page (403/405/418/468, sometimes 200) that says the request was
  intercepted; no browser gets past it.
The first two are passed by letting a real browser run the script (see ``PortalSpider``). Some
deployments answer the challenge with status 200: a short page that is nothing but the challenge's
script (瑞数's ``$_ts`` state and ``r='m'`` scripts; 加速乐's ``__jsl_clearance``) is one whatever
the status, so it is never archived as the page it stands in for.
"""
from __future__ import annotations

import re

RUISHU = "ruishu"
JIASULE = "jiasule"
WAF = "waf"
BROWSER_SOLVABLE = (RUISHU, JIASULE)

# Searched in the lower-cased body as plain substrings (one case-insensitive alternation of them
# took ~5 ms on a 30 kB page, on every page the crawl fetched): ASCII letters fold, Chinese bytes
# stay as they are.
_COOKIE_WORDS = (b"document.cookie", b"$_ts")
_COOKIE_SET = re.compile(rb"cookie\s*=")
_JSL = b"jsl_clearance"
# Wordings of block pages (Chinese cloud WAFs and generic ones): short pages that say so.
_WAF_WORDS = tuple(w.encode("utf-8").lower() for w in (
    "访问被拦截", "请求被拦截", "已被拦截", "安全威胁", "网站防火墙", "Web应用防火墙", "云防护", "访问受限", "非法请求",
    "Access Denied", "Request blocked", "has been blocked")) + ("Web应用防火墙".encode("gbk").lower(),)
# 瑞数's bootstrap: its state object $_ts, and script/meta elements marked r='m'.
_RUISHU_STATE = re.compile(rb"\$_ts\s*(?:=|\.|\[)")
_RUISHU_MARK = re.compile(rb"""<(?:script|meta)\b[^>]*\br\s*=\s*["']?m\b""", re.I)
_WAF_STATUSES = (403, 405, 418, 468, 493)
_BLOCK_PAGE_MAX = 30_000  # real report pages are longer; a block page says little


def detect_challenge(status: int, body: bytes) -> str | None:
    """RUISHU, JIASULE, WAF, or None for an ordinary response."""
    short = len(body) <= _BLOCK_PAGE_MAX
    if not short and status not in (412, 521):
        return None
    lower = body.lower()
    sets_cookie = any(w in lower for w in _COOKIE_WORDS) or _COOKIE_SET.search(lower) is not None
    if status == 412 and sets_cookie:
        return RUISHU
    if status == 521 and (_JSL in lower or sets_cookie):
        return JIASULE
    if short:  # a challenge served with another status, 200 most often
        if _RUISHU_STATE.search(body) and _RUISHU_MARK.search(body):
            return RUISHU
        if _JSL in lower and sets_cookie:
            return JIASULE
        if (status in _WAF_STATUSES or status == 200) and any(w in lower for w in _WAF_WORDS):
            return WAF
    return None
