"""Who is asking: the local admin, a logged-in coordinator, a public visitor, or nobody yet.

The rule, in order:
- a request from a loopback address, with a loopback Host header and no proxy header, comes from
  someone at this machine: the local admin (no login). The Host check stops DNS rebinding (a web
  page that makes the admin's browser talk to 127.0.0.1 under its own name); the proxy check stops
  a reverse proxy on this machine from turning every remote visitor into the admin.
- `require_login` treats every request as remote (a reverse proxy that adds no header; tests).
- a remote request is an admin once it logged in with the node's passphrase (session cookie);
  otherwise it sees read-only public pages if the node allows them, else the login page.

Sessions and CSRF: every visitor gets a random session id (cookie, HttpOnly, SameSite=Strict).
The CSRF token of a form is an HMAC of that id under a per-process secret, so it needs no storage
and changes with the session; every POST must carry it. Logged-in sessions are kept in memory
(bounded, with an expiry) and die with the process. Failed logins are throttled for the whole
node, not per address (addresses are not kept, and an attacker has many).
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import time
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Mapping

SESSION_COOKIE = "solnet_session"
PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip")

ADMIN, PUBLIC, ANONYMOUS = "admin", "public", "anonymous"


@dataclass(frozen=True)
class AccessOptions:
    public: bool = False          # remote visitors may read public pages without logging in
    require_login: bool = False   # treat every request as remote, loopback included


def _is_loopback(text: str) -> bool:
    try:
        return ipaddress.ip_address(text.strip("[]")).is_loopback
    except ValueError:
        return text.lower() == "localhost"


def host_is_loopback(host: str | None) -> bool:
    if not host:
        return False
    host = host.strip()
    if host.startswith("["):  # [::1]:7700
        name = host[1:host.find("]")] if "]" in host else host
    else:
        name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return _is_loopback(name)


def is_local(remote: str | None, headers: Mapping[str, str], options: AccessOptions) -> bool:
    """True when the request comes from someone at this machine (see the module docstring)."""
    if options.require_login or not remote or not _is_loopback(remote):
        return False
    lowered = {k.lower(): v for k, v in headers.items()}
    if any(h in lowered for h in PROXY_HEADERS):
        return False
    return host_is_loopback(lowered.get("host"))


def role_of(local: bool, logged_in: bool, options: AccessOptions) -> str:
    if local or logged_in:
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
        """A fresh id for a session that just proved the passphrase (never the old id: no fixation)."""
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
