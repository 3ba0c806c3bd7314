"""Who is the local admin, sessions, CSRF tokens and the login throttle (pure, no sockets)."""
from __future__ import annotations

import pytest

from node.dashboard.access import (ADMIN, ANONYMOUS, PUBLIC, AccessOptions, LoginThrottle, Sessions, host_is_loopback,
                                   is_local, role_of)

LOCAL = {"Host": "127.0.0.1:7700"}


@pytest.mark.parametrize("remote, headers, expected", [
    ("127.0.0.1", LOCAL, True),
    ("::1", {"Host": "[::1]:7700"}, True),
    ("127.0.0.1", {"Host": "localhost:7700"}, True),
    ("192.168.1.20", {"Host": "192.168.1.5:7700"}, False),            # another machine
    ("127.0.0.1", {"Host": "evil.example:7700"}, False),             # DNS rebinding
    ("127.0.0.1", {}, False),                                        # no Host at all
    ("127.0.0.1", {**LOCAL, "X-Forwarded-For": "203.0.113.9"}, False),  # a reverse proxy on this machine
    ("127.0.0.1", {**LOCAL, "forwarded": "for=203.0.113.9"}, False),
    (None, LOCAL, False),
])
def test_local_admin_rule(remote: str | None, headers: dict, expected: bool) -> None:
    assert is_local(remote, headers, AccessOptions()) is expected


def test_require_login_makes_loopback_remote() -> None:
    assert is_local("127.0.0.1", LOCAL, AccessOptions(require_login=True)) is False


def test_host_parsing() -> None:
    assert host_is_loopback("127.0.0.2:80") and host_is_loopback("localhost") and host_is_loopback("[::1]")
    assert not host_is_loopback("127.0.0.1.evil.example") and not host_is_loopback("") and not host_is_loopback(None)


def test_roles() -> None:
    assert role_of(True, False, AccessOptions()) == ADMIN
    assert role_of(False, True, AccessOptions()) == ADMIN
    assert role_of(False, False, AccessOptions()) == ANONYMOUS
    assert role_of(False, False, AccessOptions(public=True)) == PUBLIC


def test_csrf_token_is_bound_to_the_session_and_the_process_secret() -> None:
    sessions = Sessions()
    a, b = Sessions.new_id(), Sessions.new_id()
    token = sessions.csrf_token(a)
    assert sessions.csrf_ok(a, token)
    assert not sessions.csrf_ok(b, token)
    assert not sessions.csrf_ok(a, token[:-1] + ("0" if token[-1] != "0" else "1"))
    assert not sessions.csrf_ok(a, None) and not sessions.csrf_ok(None, token) and not sessions.csrf_ok(a, "")
    assert not Sessions().csrf_ok(a, token)  # another process (restart): old forms are refused


def test_login_gives_a_new_id_that_expires_and_can_log_out() -> None:
    sessions = Sessions(ttl_s=100, max_logged_in=2)
    sid = sessions.log_in(now=0)
    assert sessions.is_logged_in(sid, now=50)
    assert not sessions.is_logged_in(sid, now=100)
    sid = sessions.log_in(now=200)
    sessions.log_out(sid)
    assert not sessions.is_logged_in(sid, now=201)
    first, second, third = (sessions.log_in(now=300) for _ in range(3))
    assert not sessions.is_logged_in(first, now=301)  # bounded: the oldest login ended
    assert sessions.is_logged_in(second, now=301) and sessions.is_logged_in(third, now=301)
    assert not sessions.is_logged_in("made-up", now=301) and not sessions.is_logged_in(None)


def test_throttle_allows_a_few_failures_per_window() -> None:
    throttle = LoginThrottle(max_failures=3, window_s=60)
    for now in (0, 1, 2):
        assert throttle.wait_s(now) == 0
        throttle.failed(now)
    assert throttle.wait_s(3) == pytest.approx(57)
    assert throttle.wait_s(60) == 0      # the first failure left the window
    throttle.failed(60)
    assert throttle.wait_s(61) == pytest.approx(0)  # window 1..61: failures at 1, 2, 60 -> 1+60-61
    throttle.succeeded()
    assert throttle.wait_s(62) == 0
