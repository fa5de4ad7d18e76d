"""What stands in front of some portals before the CMS answers: two JavaScript cookie challenges and a
WAF, as government sites run them (research-notes §6.3). A guard sees every request to its host and
either answers it itself or lets it through to the CMS.

- ``RUISHU`` (瑞数 Botgate, "动态安全": 国家卫健委, 海关总署, some provincial 市场监管 sites). The real one
  answers a request without its cookies with **HTTP 412**, sets a server cookie (a site-specific name
  ending in ``S``), and sends a small page: a ``<meta content="…">`` carrying an encoded seed and a
  ``<script r="m">`` whose (heavily obfuscated, VM-evaluated) code computes the client cookie (the
  same name ending in ``T``) and reloads; with both cookies the page itself comes back with 200.
  Here: the S cookie is signed by the replica for the client's address and the time it was issued
  (valid 30 minutes); the meta seed is derived from S; the script runs a few hundred rounds of a
  32-bit FNV-style hash over the seed in the browser (``Math.imul``) and sets T. The server
  recomputes T from S, so neither cookie can be made up or reused from another address. Not
  obfuscated and no anti-devtools: a crawler has to run it (a browser), not read it.
- ``JSL`` (加速乐 / 知道创宇: court.gov.cn, gsxt, cnvd). The real one answers **HTTP 521** with
  ``Set-Cookie: __jsluid_h=…`` (HttpOnly) and an inline script; its second stage, ``go({...})``, gives
  a prefix and suffix and a hash, and the browser tries every pair of characters from a given
  alphabet until hashing prefix+pair+suffix gives that hash, sets ``__jsl_clearance`` to the string it
  found, and reloads. The replica does that second stage in one round trip: the prefix is
  ``<unix time>.<random>|0|<signature of __jsluid_h and the time>``, the pair is chosen per cookie
  and time by the replica's key; a clearance is good for an hour, only with the ``__jsluid_h`` it
  was made for, and only from the address that cookie was issued to.
- ``WAF``: a cloud WAF that has blocked the host for everyone (after a rate-limit trip or a geoblock).
  Every request, a browser's too, gets **HTTP 200** with a block page (no script, nothing to solve):
  a status check alone would take it for content, so a crawler has to recognise it by what it says.

The challenge pages really work in Chromium (``tests/test_replica_hard.py`` runs them through
Playwright), and they are what a crawler would archive by mistake if it never looked: small HTML,
only a script, a 412/521 status. Cookies from the browser can be handed to a plain HTTP client on the
same address; Scrapy's cookie jar then keeps them.
"""
from __future__ import annotations

import hashlib
import hmac
import random
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from replica.pages import Response
from replica.portals import JSL, RUISHU, WAF, Portal

FAULT_KINDS = {RUISHU: "challenge-412", JSL: "challenge-521", WAF: "blocked"}

RUISHU_TTL = 30 * 60  # seconds an S cookie stays good
JSL_TTL = 60 * 60
JSL_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
ROUNDS = 300  # hash rounds the 瑞数 script runs: enough to be work, little enough to be instant


@dataclass(frozen=True)
class Asked:
    """What a guard sees of a request."""

    client: str  # the peer address
    method: str
    target: str  # path and query as sent
    cookies: dict[str, str]
    user_agent: str


Guard = Callable[[Asked], Response | None]


def guard(portal: Portal, secret: bytes) -> Guard | None:
    if portal.guard == RUISHU:
        return Ruishu(portal, secret)
    if portal.guard == JSL:
        return Jsl(secret)
    if portal.guard == WAF:
        return Waf(portal)
    return None


def _sign(secret: bytes, *parts: str) -> str:
    return hmac.new(secret, "|".join(parts).encode(), hashlib.sha256).hexdigest()


def fnv_rounds(seed: str, rounds: int = ROUNDS) -> str:
    """The 瑞数 script's computation, in Python (the server's check); ``RUISHU_SCRIPT`` is the same in
    JavaScript. Four 32-bit lanes of FNV-1a, ``rounds`` passes over the seed."""
    lanes = [0x811C9DC5, 0x01000193, 0x5BD1E995, 0x2545F491]
    for r in range(rounds):
        for i, ch in enumerate(seed):
            lane = (i + r) % 4
            lanes[lane] = ((lanes[lane] ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
        lanes[r % 4] ^= r
    return "".join(f"{lane:08x}" for lane in lanes)


RUISHU_SCRIPT = """(function(){
  var seed = document.querySelector('meta[r="m"]').getAttribute("content");
  var lanes = [0x811C9DC5, 0x01000193, 0x5BD1E995, 0x2545F491];
  for (var r = 0; r < %(rounds)d; r++) {
    for (var i = 0; i < seed.length; i++) {
      var lane = (i + r) %% 4;
      lanes[lane] = Math.imul((lanes[lane] ^ seed.charCodeAt(i)) >>> 0, 0x01000193) >>> 0;
    }
    lanes[r %% 4] = (lanes[r %% 4] ^ r) >>> 0;
  }
  var out = "";
  for (var k = 0; k < 4; k++) { out += ("00000000" + lanes[k].toString(16)).slice(-8); }
  document.cookie = "%(name)s=" + out + "; path=/";
  location.replace(location.href);
})();"""


class Ruishu:
    """HTTP 412 + a meta seed + a script that computes the T cookie; S and T both checked."""

    def __init__(self, portal: Portal, secret: bytes):
        name = random.Random(f"{portal.id}:ruishu").choices(JSL_CHARS + "0123456789", k=13)
        self.prefix = "".join(name)  # site-specific, like the real one's
        self.secret = secret

    def _seed(self, s_cookie: str) -> str:
        return _sign(self.secret, "meta", s_cookie)[:48]

    def _valid_s(self, value: str, client: str) -> bool:
        issued, _, signature = value.partition(".")
        if not issued.isdigit() or not hmac.compare_digest(signature, _sign(self.secret, "S", client, issued)[:40]):
            return False
        return 0 <= time.time() - int(issued) <= RUISHU_TTL

    def __call__(self, asked: Asked) -> Response | None:
        s_cookie = asked.cookies.get(self.prefix + "S", "")
        t_cookie = asked.cookies.get(self.prefix + "T", "")
        if self._valid_s(s_cookie, asked.client) and hmac.compare_digest(t_cookie, fnv_rounds(self._seed(s_cookie))):
            return None
        headers: tuple[tuple[str, str], ...] = ()
        if not self._valid_s(s_cookie, asked.client):
            issued = str(int(time.time()))
            s_cookie = f"{issued}.{_sign(self.secret, 'S', asked.client, issued)[:40]}"
            headers = (("Set-Cookie", f"{self.prefix}S={s_cookie}; Path=/; HttpOnly"),)
        script = RUISHU_SCRIPT % {"rounds": ROUNDS, "name": self.prefix + "T"}
        body = (f'<!DOCTYPE html>\n<html><head>\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
                f'<meta content="{self._seed(s_cookie)}" r="m">\n<script type="text/javascript" r="m">{script}</script>\n'
                f"</head><body></body></html>\n")
        return Response(body.encode("utf-8"), "text/html; charset=utf-8", 412,
                        headers + (("Cache-Control", "no-cache, no-store"),))


def _pair(secret: bytes, jsluid: str, issued: str) -> str:
    digest = hmac.new(secret, f"pair|{jsluid}|{issued}".encode(), hashlib.sha256).digest()
    return JSL_CHARS[digest[0] % len(JSL_CHARS)] + JSL_CHARS[digest[1] % len(JSL_CHARS)]


def jsl_hash(text: str) -> str:
    """The hash the 加速乐 script searches with (FNV-1a over UTF-16 code units, as hex)."""
    h = 0x811C9DC5
    for ch in text:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return f"{h:08x}"


JSL_SCRIPT = """var go = function(p){
  function hash(s){ var h = 0x811C9DC5;
    for (var i = 0; i < s.length; i++) { h = Math.imul((h ^ s.charCodeAt(i)) >>> 0, 0x01000193) >>> 0; }
    return ("00000000" + h.toString(16)).slice(-8); }
  for (var i = 0; i < p.chars.length; i++) {
    for (var j = 0; j < p.chars.length; j++) {
      var cookie = p.bts[0] + p.chars[i] + p.chars[j] + p.bts[1];
      if (hash(cookie) == p.ct) {
        document.cookie = p.tn + "=" + cookie + ";max-age=" + p.vt + ";path=/";
        location.href = location.pathname + location.search;
        return;
      }
    }
  }
};
go(%s);"""


class Jsl:
    """HTTP 521 + ``__jsluid_h`` + a script that brute-forces ``__jsl_clearance``."""

    def __init__(self, secret: bytes):
        self.secret = secret

    def _valid_uid(self, uid: str, client: str) -> bool:
        nonce, signature = uid[:16], uid[16:]
        return len(uid) == 32 and hmac.compare_digest(signature, _sign(self.secret, "uid", client, nonce)[:16])

    def _prefix(self, uid: str, issued: str, nonce: str) -> str:
        return f"{issued}.{nonce}|0|{_sign(self.secret, 'clearance', uid, issued)[:24]}"

    def _valid_clearance(self, value: str, uid: str) -> bool:
        head, sep, rest = value.partition("|0|")
        issued, _, nonce = head.partition(".")
        if not sep or not issued.isdigit() or not 0 <= time.time() - int(issued) <= JSL_TTL:
            return False
        expected = self._prefix(uid, issued, nonce) + _pair(self.secret, uid, issued) + "%3D"
        return hmac.compare_digest(value, expected)

    def __call__(self, asked: Asked) -> Response | None:
        uid = asked.cookies.get("__jsluid_h", "")
        if self._valid_uid(uid, asked.client) and self._valid_clearance(asked.cookies.get("__jsl_clearance", ""), uid):
            return None
        headers: tuple[tuple[str, str], ...] = ()
        if not self._valid_uid(uid, asked.client):
            nonce = secrets.token_hex(8)
            uid = nonce + _sign(self.secret, "uid", asked.client, nonce)[:16]
            headers = (("Set-Cookie", f"__jsluid_h={uid}; max-age=31536000; path=/; HttpOnly"),)
        issued = str(int(time.time()))
        prefix = self._prefix(uid, issued, str(100 + secrets.randbelow(900)))
        pair = _pair(self.secret, uid, issued)
        params = ('{"bts":["%s","%%3D"],"chars":"%s","ct":"%s","ha":"fnv","tn":"__jsl_clearance","vt":"3600","wt":"1500"}'
                  % (prefix, JSL_CHARS, jsl_hash(prefix + pair + "%3D")))
        body = f"<script>{JSL_SCRIPT % params}</script>"
        return Response(body.encode("ascii"), "text/html", 521, headers)


class Waf:
    """The host is blocked: a block page with 200 for every request, no way through."""

    def __init__(self, portal: Portal):
        self.portal = portal

    def __call__(self, asked: Asked) -> Response | None:
        event = hashlib.sha256(f"{asked.client}|{asked.target}|{time.time_ns()}".encode()).hexdigest()[:24]
        body = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>访问受限</title></head>
<body style="text-align:center;font-family:sans-serif">
<h2>抱歉，您的访问已被网站安全防护系统拦截</h2>
<p>系统检测到您的请求存在异常，可能对网站安全造成影响，已暂停对本站的访问。</p>
<p>如您是正常访问，请稍后再试，或将以下信息提供给网站管理员：</p>
<p>拦截时间：{time.strftime('%Y-%m-%d %H:%M:%S')}　事件编号：{event}</p>
<p>访问地址：{escape(asked.target)}</p>
<p>网站云防护 提供安全保护</p>
</body></html>
"""
        return Response(body.encode("utf-8"), "text/html; charset=utf-8", 200, (("Cache-Control", "no-store"),))
