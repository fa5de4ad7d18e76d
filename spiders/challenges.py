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

_SETS_COOKIE = re.compile(rb"document\.cookie|\$_ts|cookie\s*=", re.I)
_JSL = re.compile(rb"__jsl_clearance|jsl_clearance", re.I)
# Wordings of block pages (Chinese cloud WAFs and generic ones): short pages that say so.
_WAF_WORDS = re.compile(
    "访问被拦截|请求被拦截|已被拦截|安全威胁|网站防火墙|Web应用防火墙|云防护|访问受限|非法请求|"
    "Access Denied|Request blocked|has been blocked".encode("utf-8")
    + b"|"
    + "Web应用防火墙".encode("gbk"),
    re.I,
)
# 瑞数's bootstrap: its state object $_ts, and script/meta elements marked r='m'.
_RUISHU_STATE = re.compile(rb"\$_ts\s*(?:=|\.|\[)")
_RUISHU_MARK = re.compile(rb"""<(?:script|meta)\b[^>]*\br\s*=\s*["']?m\b""", re.I)
_WAF_STATUSES = (403, 405, 418, 468, 493)
_BLOCK_PAGE_MAX = 30_000  # real report pages are longer; a block page says little


def detect_challenge(status: int, body: bytes) -> str | None:
    """RUISHU, JIASULE, WAF, or None for an ordinary response."""
    if status == 412 and _SETS_COOKIE.search(body):
        return RUISHU
    if status == 521 and (_JSL.search(body) or _SETS_COOKIE.search(body)):
        return JIASULE
    if len(body) <= _BLOCK_PAGE_MAX:  # a challenge served with another status, 200 most often
        if _RUISHU_STATE.search(body) and _RUISHU_MARK.search(body):
            return RUISHU
        if _JSL.search(body) and _SETS_COOKIE.search(body):
            return JIASULE
    if len(body) <= _BLOCK_PAGE_MAX and _WAF_WORDS.search(body) and (status in _WAF_STATUSES or status == 200):
        return WAF
    return None
