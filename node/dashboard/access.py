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

Sessions and CSRF: every visitor gets a random session id (cookie, HttpOnly, SameSite=Strict),
named after this node so that several nodes on one machine (the demo) keep separate logins: a
browser sends a host's cookies to every port of it. The CSRF token of a form is an HMAC of the
session id under a per-process secret, so it needs no storage and changes with the session; every
POST must carry it. Logged-in sessions are kept in memory (bounded, with an expiry) and die with
the process. Failed logins are throttled for the whole node, not per address (addresses are not
kept, and an attacker has many).
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

ADMIN, PUBLIC, ANONYMOUS = "admin", "public", "anonymous"


@dataclass(frozen=True)
class AccessOptions:
    public: bool = False  # visitors who have not logged in may read the public pages


def session_cookie(node_id: str) -> str:
    """The session cookie's name for the node whose device id is `node_id` (hex)."""
    return "solnet_session_" + node_id[:12]


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


class LoginThrottle:
    """At most `max_failures` failed logins in any `window_s` seconds, for the whole node."""

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
