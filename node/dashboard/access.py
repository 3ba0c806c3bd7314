"""Who is asking: a logged-in admin, a public visitor, or nobody yet.

No request is trusted for where it seems to come from. A Tor onion service, socat, stunnel or
`ssh -L` delivers every remote visitor from 127.0.0.1, and the client writes the Host and
X-Forwarded-* headers itself, so neither the peer address nor any header makes an admin. A visitor
is the admin once it logged in, with the node's passphrase or with a one-time link from `solnet
dashboard-link` (node.login_links), which only someone who can read the node's home can make.
Without a login a visitor sees read-only public pages if the node allows them
(`--public-dashboard`), else the login page. That makes a Host check against DNS rebinding
needless: a rebinding page runs under its own host name, so the browser sends it none of this
node's cookies, and without them it is one more visitor who has not logged in.

Sessions and CSRF: every visitor gets a random session id (cookie, HttpOnly, SameSite=Strict;
Secure when the page came over HTTPS, a reverse proxy's included: `cookies_secure`),
named after the address it was asked at (host and port) so that several nodes on one machine (the
demo) keep separate logins: a browser sends a host's cookies to every port of it. The name is a
hash of that address alone (`cookie_names`), not of anything of the node's: it is in every answer,
the login page's too, and an outsider who knocked on the port learnt from it which device runs
there (its device id, until 2026-12-05), or linked the node's addresses (a keyed hash of its device
key, the same at every address). The CSRF token of a form is an HMAC of the
session id under a per-process secret, so it needs no storage and changes with the session; every
POST must carry it. Logged-in sessions are kept in memory (bounded, with an expiry) and die with
the process, or all at once when the node's user asks (`solnet end-sessions`, `solnet passphrase`,
through the node's local channel).

Failed passphrase logins are throttled, never per address: behind a relay every visitor has the
same one, and an attacker has many. Browsers this node does not know share one count (5 failures a
minute): it stops guessing, but anyone could keep it full and so lock the owner out (until
2026-12-04 it was the only count). So a browser that logged in here once (passphrase or login link)
gets a mark, a cookie only this node can make (a MAC under its device key, which a copy of the
home does not hold in clear; a year long), and each marked browser has a count of its own: an
outsider filling the shared count does not touch it, and a mark does not let anyone guess faster
than one browser could. Marks cannot be made up, so the counts are bounded by the logins that
succeeded; a mark is no login. Logging out deletes it: a person who logs out wants the browser to
keep no trace of this node (until 2026-12-05 the mark stayed a year, its first bytes the login time
in clear, on the laptop's disk). A browser whose session merely ended (closed, or expired) keeps its
mark and its own count; one that logged out counts with the unknown ones until it logs in again, and
a login link (`solnet dashboard-link`) is never held back by these counts. The mark's time of issue
is sealed: it is read only with the node's secret.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import secrets
import struct
import time
from collections.abc import Callable, Mapping
from collections import OrderedDict, deque
from dataclasses import dataclass

from node.dashboard.options import AccessOptions

ADMIN, PUBLIC, ANONYMOUS = "admin", "public", "anonymous"


@dataclass(frozen=True)
class CookieNames:
    session: str  # the session id
    browser: str  # the mark of a browser that logged in here (KnownBrowsers)


COOKIE_PURPOSE = b"solnet-cookie"


def cookie_names(host: str) -> CookieNames:
    """The cookie names at the address a request came to (`host`, its Host header: host and port; ""
    without one; not aiohttp's request.host, which is then this machine's name): another
    at each port of a host, so two nodes on one machine keep separate logins, and the same at every
    start there (a mark lasts a year). A hash of the Host alone, with no secret of the node's: the
    Host is the visitor's to write, so a name keyed by the device key was one any outsider could have
    made a node show at any of its addresses (asking its clearnet port with an onion address as
    Host), and a node at two addresses, or moved to a new one, was recognised by it (until
    2026-12-05). A name anyone can work out from the Host says nothing of the node. The Host as it was
    sent: aiohttp keeps bytes that are not UTF-8 as surrogate escapes, and a plain encode() failed every
    page of the dashboard for such a Host (a 500, and an ERROR line per page anyone could ask for)."""
    tag = hashlib.blake2b(host.lower().encode("utf-8", "surrogateescape"), digest_size=6,
                          person=COOKIE_PURPOSE).hexdigest()
    return CookieNames("solnet_session_" + tag, "solnet_browser_" + tag)


# The hosts a browser counts as "potentially trustworthy" over plain HTTP (loopback, localhost; Tor
# Browser: onion services): it sends them Fetch metadata too, and may refuse a Secure cookie there
_TRUSTED_OVER_HTTP = (".localhost", ".onion")


def cookies_secure(request_secure: bool, headers: Mapping[str, str]) -> bool:
    """Whether the browser reached this page over HTTPS, so that its cookies say Secure (sent over
    HTTPS only). The node's own TLS says it (`request_secure`); behind a reverse proxy that adds
    TLS (the README's way to reach a node from afar) the node sees plain HTTP, and its cookies had no
    Secure: a coordinator who typed the node's name without https:// (a browser tries http:// first)
    sent the login cookie in the clear to whoever was on the way (a café's Wi-Fi), who was then the
    node's admin. So the proxy's word (X-Forwarded-Proto: https) counts, and so does the browser's:
    it sends Fetch metadata (Sec-Fetch-Site) only to a URL it trusts, which for a host that is not
    this machine's loopback nor an onion service means HTTPS. Either is written by the client, and a
    lie costs only the liar: a browser refuses a Secure cookie from a page over plain HTTP, so it is
    not logged in. Loopback and onion addresses keep cookies without Secure (some browsers refuse
    Secure cookies there, which would lock the admin out of `ssh -L` and onion logins)."""
    if request_secure or headers.get("X-Forwarded-Proto", "").strip().lower() == "https":
        return True
    if "Sec-Fetch-Site" not in headers:
        return False
    host = headers.get("Host", "")
    name = (host.rsplit("]", 1)[0].lstrip("[") if host.startswith("[") else host.rsplit(":", 1)[0]).rstrip(".").lower()
    if not name or name == "localhost" or name.endswith(_TRUSTED_OVER_HTTP):
        return False
    try:
        return not ipaddress.ip_address(name).is_loopback
    except ValueError:  # a name (a LAN's or the internet's)
        return True


def role_of(logged_in: bool, options: AccessOptions) -> str:
    if logged_in:
        return ADMIN
    return PUBLIC if options.public else ANONYMOUS


class Sessions:
    """Session ids, logged-in sessions and CSRF tokens (see the module docstring)."""

    def __init__(self, *, ttl_s: float = 12 * 3600, max_logged_in: int = 32, secret: bytes | None = None) -> None:
        self.secret = secret or secrets.token_bytes(32)
        self.ttl_s = ttl_s
        self.max_logged_in = max_logged_in
        self._logged_in: OrderedDict[str, float] = OrderedDict()  # id -> expiry (monotonic)

    @staticmethod
    def new_id() -> str:
        return secrets.token_urlsafe(32)

    def csrf_token(self, session_id: str) -> str:
        return hmac.new(self.secret, b"csrf:" + session_id.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, session_id: str | None, token: str | None) -> bool:
        if not session_id or not token:
            return False
        return hmac.compare_digest(self.csrf_token(session_id), token)

    def log_in(self, now: float | None = None) -> str:
        """A fresh id for a session that just proved the passphrase or a login link (never the old id:
        no fixation)."""
        now = time.monotonic() if now is None else now
        session_id = self.new_id()
        self._logged_in[session_id] = now + self.ttl_s
        while len(self._logged_in) > self.max_logged_in:
            self._logged_in.popitem(last=False)  # the oldest login ends first
        return session_id

    def is_logged_in(self, session_id: str | None, now: float | None = None) -> bool:
        if not session_id:
            return False
        now = time.monotonic() if now is None else now
        expiry = self._logged_in.get(session_id)
        if expiry is None:
            return False
        if expiry <= now:
            del self._logged_in[session_id]
            return False
        return True

    def log_out(self, session_id: str | None) -> None:
        if session_id:
            self._logged_in.pop(session_id, None)

    def log_out_all(self) -> int:
        """End every logged-in session (`solnet end-sessions`, a new passphrase): a session cookie
        copied from a coordinator's laptop, or the browser of one who left, is nobody's admin from
        now on. How many were still open."""
        now = time.monotonic()
        ended = sum(1 for expiry in self._logged_in.values() if expiry > now)
        self._logged_in.clear()
        return ended


class LoginThrottle:
    """At most `max_failures` failed logins in any `window_s` seconds (of one count: `Throttles`)."""

    def __init__(self, max_failures: int = 5, window_s: float = 60.0) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: deque[float] = deque(maxlen=max_failures)

    def wait_s(self, now: float | None = None) -> float:
        """Seconds until the next attempt may be tried (0: now)."""
        now = time.monotonic() if now is None else now
        if len(self._failures) < self.max_failures:
            return 0.0
        return max(0.0, self._failures[0] + self.window_s - now)

    def failed(self, now: float | None = None) -> None:
        self._failures.append(time.monotonic() if now is None else now)

    def succeeded(self) -> None:
        self._failures.clear()


class Throttles:
    """The failed-login counts: one for every browser this node does not know, one for each marked
    browser (`KnownBrowsers`), the `known` most recently used of them kept."""

    def __init__(self, max_failures: int = 5, window_s: float = 60.0, known: int = 256) -> None:
        self.max_failures, self.window_s, self.known = max_failures, window_s, known
        self.unknown = LoginThrottle(max_failures, window_s)
        self._marked: OrderedDict[str, LoginThrottle] = OrderedDict()

    def of(self, browser: str | None) -> LoginThrottle:
        """The count of the marked browser `browser` (its id), or of the unknown ones (None)."""
        if browser is None:
            return self.unknown
        throttle = self._marked.pop(browser, None) or LoginThrottle(self.max_failures, self.window_s)
        self._marked[browser] = throttle
        while len(self._marked) > self.known:
            self._marked.popitem(last=False)
        return throttle


class KnownBrowsers:
    """Marks of browsers that logged in here: a random id, the issued time encrypted, and a MAC of
    both, under secrets only the running node can compute (`derive`: its device key's), base64url.
    The time is XORed with a pad derived from the id (fresh for each mark), so the cookie holds no
    readable time; the MAC covers the encrypted time, so it cannot be changed either."""

    PURPOSE = b"solnet-browser-2"  # (the marks of before, time first and in clear, count for nothing now)
    TIME_PURPOSE = b"solnet-mark-time"  # (a purpose is at most 16 bytes)
    _ISSUED = struct.Struct(">Q")  # seconds since 1970
    ID_BYTES = 16
    MAC_BYTES = 16

    def __init__(self, derive: Callable[[bytes, bytes], bytes], ttl_s: float = 365 * 86400) -> None:
        self._derive = derive
        self.ttl_s = ttl_s

    def _mac(self, data: bytes) -> bytes:
        return self._derive(self.PURPOSE, data)[:self.MAC_BYTES]

    def _pad(self, browser_id: bytes) -> bytes:
        return self._derive(self.TIME_PURPOSE, browser_id)[:self._ISSUED.size]

    def mark(self, now: float | None = None) -> str:
        """A new mark for a browser that just logged in."""
        browser_id = secrets.token_bytes(self.ID_BYTES)
        issued = self._ISSUED.pack(int(time.time() if now is None else now))
        data = browser_id + bytes(a ^ b for a, b in zip(issued, self._pad(browser_id)))
        return base64.urlsafe_b64encode(data + self._mac(data)).decode("ascii").rstrip("=")

    def browser(self, mark: str | None, now: float | None = None) -> str | None:
        """The id of the browser whose mark this is, if this node made it and it has not expired;
        else None (no mark, a made-up or damaged one: a browser this node does not know)."""
        if not mark or len(mark) > 100:
            return None
        try:
            raw = base64.urlsafe_b64decode(mark + "=" * (-len(mark) % 4))
        except ValueError:
            return None
        size = self.ID_BYTES + self._ISSUED.size
        if len(raw) != size + self.MAC_BYTES or not hmac.compare_digest(self._mac(raw[:size]), raw[size:]):
            return None
        browser_id = raw[:self.ID_BYTES]
        (issued,) = self._ISSUED.unpack(bytes(a ^ b for a, b in zip(raw[self.ID_BYTES:size], self._pad(browser_id))))
        now = time.time() if now is None else now
        if not issued - 300 <= now < issued + self.ttl_s:  # (a clock set back a little: still its own)
            return None
        return browser_id.hex()
