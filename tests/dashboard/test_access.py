"""Roles, sessions, CSRF tokens, the login throttle, where a login may send the browser, and the
one-time login links (pure, or real files in a temporary home; no sockets)."""
from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from node import login_links
from node.dashboard.access import ADMIN, ANONYMOUS, PUBLIC, AccessOptions, LoginThrottle, Sessions, role_of
from node.dashboard.app import safe_next


def test_only_a_login_makes_an_admin() -> None:
    assert role_of(True, AccessOptions()) == ADMIN
    assert role_of(True, AccessOptions(public=True)) == ADMIN
    assert role_of(False, AccessOptions()) == ANONYMOUS
    assert role_of(False, AccessOptions(public=True)) == PUBLIC


@pytest.mark.parametrize("value, expected", [
    ("/publish/action", "/publish/action"),
    ("/?region=calais&lang=fr", "/?region=calais&lang=fr"),
    ("/event/ab%20cd", "/event/ab%20cd"),
    ("//evil.example/", "/"),
    ("/\\evil.example/", "/"),
    ("/\t/evil.example/", "/"),       # browsers drop the tab: //evil.example/
    ("/\n/evil.example/", "/"),
    ("/\r\nSet-Cookie: x=1", "/"),
    ("/a\x00b", "/"), ("/a\x7fb", "/"), ("/a\x85b", "/"), ("/a b", "/"), ("/caf\u00e9", "/"),
    ("https://evil.example/", "/"), ("evil.example", "/"), ("", "/"), (None, "/"),
])
def test_next_is_a_path_on_this_site_in_printable_ascii(value: str | None, expected: str) -> None:
    assert safe_next(value) == expected


def test_a_login_link_works_once_and_keeps_only_its_hash(tmp_path: Path) -> None:
    token, expires = login_links.create(tmp_path, now_ms=1_000_000)
    assert expires == 1_000_000 + login_links.TTL_S * 1000
    folder = tmp_path / login_links.FOLDER
    [file] = list(folder.iterdir())
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(file.stat().st_mode) == 0o600
    assert token not in file.name and token.encode() not in file.read_bytes()
    assert login_links.redeem(tmp_path, token, now_ms=1_000_001)
    assert not login_links.redeem(tmp_path, token, now_ms=1_000_002), "a second use"
    assert not list(folder.iterdir())


def test_a_login_link_expires_and_is_then_gone(tmp_path: Path) -> None:
    token, expires = login_links.create(tmp_path, now_ms=0)
    assert not login_links.redeem(tmp_path, token, now_ms=expires)
    assert not list((tmp_path / login_links.FOLDER).iterdir())


def test_a_clock_set_back_does_not_lengthen_a_login_links_life(tmp_path: Path) -> None:
    """Made at 14:00 for five minutes, then the clock is set back two hours: it would have worked
    until 14:05 by the new clock, 2 h 05 min. Refused; one of an earlier version (no time made) as before."""
    token, _ = login_links.create(tmp_path, now_ms=10**12)
    assert not login_links.redeem(tmp_path, token, now_ms=10**12 - 7_200_000)
    token, _ = login_links.create(tmp_path, now_ms=10**12)
    assert login_links.redeem(tmp_path, token, now_ms=10**12 - 1000)  # clocks read in turn: taken
    old, _ = login_links.create(tmp_path, now_ms=10**12)
    [file] = list((tmp_path / login_links.FOLDER).iterdir())
    file.write_text(f"{10**12 + 300_000}\n")
    assert login_links.redeem(tmp_path, old, now_ms=10**12 - 7_200_000)


@pytest.mark.parametrize("token", ["", None, "x" * 43 + "/", "../keystore", "A" * 43, "A" * 44, "é" * 43])
def test_a_made_up_token_is_refused(tmp_path: Path, token: str | None) -> None:
    real, _ = login_links.create(tmp_path)
    assert not login_links.redeem(tmp_path, token)
    assert login_links.redeem(tmp_path, real), "a refused guess does not spend a real link"


def test_a_damaged_link_file_is_refused(tmp_path: Path) -> None:
    token, _ = login_links.create(tmp_path)
    [file] = list((tmp_path / login_links.FOLDER).iterdir())
    file.write_bytes(b"\xff not a time")
    assert not login_links.redeem(tmp_path, token)


def test_old_links_are_tidied_and_their_number_bounded(tmp_path: Path) -> None:
    expired, _ = login_links.create(tmp_path, now_ms=0)
    tokens = [login_links.create(tmp_path, now_ms=10**12 + i)[0] for i in range(login_links.MAX_OUTSTANDING + 3)]
    names = os.listdir(tmp_path / login_links.FOLDER)
    assert len(names) == login_links.MAX_OUTSTANDING
    assert not login_links.redeem(tmp_path, expired, now_ms=10**12)
    assert not login_links.redeem(tmp_path, tokens[0], now_ms=10**12), "the oldest went"
    assert login_links.redeem(tmp_path, tokens[-1], now_ms=10**12)


def test_racing_visits_with_one_link_log_in_once(tmp_path: Path) -> None:
    for _ in range(20):
        token, _ = login_links.create(tmp_path)
        results: list[bool] = []
        barrier = threading.Barrier(4)

        def visit() -> None:
            barrier.wait(5)
            results.append(login_links.redeem(tmp_path, token))
        threads = [threading.Thread(target=visit) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert sorted(results) == [False, False, False, True]


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


def test_a_long_flood_of_wrong_passphrases_stays_throttled() -> None:
    """Someone guessing as fast as the node lets them, for ten minutes: five tries a minute, the
    whole time (not only in the first minute)."""
    throttle, tries = LoginThrottle(), []
    for tick in range(0, 600 * 4):
        now = tick / 4
        if throttle.wait_s(now) == 0:
            throttle.failed(now)
            tries.append(now)
    assert tries[:6] == [0.0, 0.25, 0.5, 0.75, 1.0, 60.0]  # five, then the window of the first
    for start in range(0, 540, 30):  # any minute holds at most five
        assert sum(1 for t in tries if start <= t < start + 60) <= 5, start
    assert len(tries) >= 5 * 9


def test_sessions_keep_the_newest_32_logins_by_default() -> None:
    sessions = Sessions()
    ids = [sessions.log_in(now=0) for _ in range(33)]
    assert not sessions.is_logged_in(ids[0], now=1)
    assert all(sessions.is_logged_in(i, now=1) for i in ids[1:])


def test_a_link_file_that_names_no_time_is_refused(tmp_path: Path) -> None:
    token, _ = login_links.create(tmp_path)
    [file] = list((tmp_path / login_links.FOLDER).iterdir())
    file.write_text("soon\n")
    assert not login_links.redeem(tmp_path, token)
    assert not list((tmp_path / login_links.FOLDER).iterdir())


def test_leftover_temporary_files_do_not_stop_the_tidying(tmp_path: Path) -> None:
    """A crash between writing a link and renaming it leaves a dot file: expired links beside any
    number of them are still tidied."""
    expired = [login_links.create(tmp_path, now_ms=0)[0] for _ in range(12)]
    folder = tmp_path / login_links.FOLDER
    for i in range(12):
        (folder / f".left.{i}.tmp").write_text("1")
    login_links.create(tmp_path, now_ms=10**12)
    links = [name for name in os.listdir(folder) if not name.startswith(".")]
    assert len(links) == 1
    assert not any(login_links.redeem(tmp_path, token, now_ms=1) for token in expired)


def test_a_browser_mark_counts_only_if_this_node_made_it_and_it_is_not_too_old() -> None:
    from crypto.keys import SigningKey
    from node.dashboard.access import KnownBrowsers

    ours, other = KnownBrowsers(SigningKey.generate().derive), KnownBrowsers(SigningKey.generate().derive)
    mark = ours.mark(now=1_000_000)
    assert ours.browser(mark, now=1_000_010) is not None
    assert ours.browser(mark, now=1_000_000 + 366 * 86400) is None  # a year old: no longer
    assert other.browser(mark, now=1_000_010) is None  # another node's (or a made-up) mark
    flipped = mark[:20] + ("A" if mark[20] != "A" else "B") + mark[21:]  # (not the last: padding bits)
    assert ours.browser(flipped, now=1_000_010) is None
    for junk in (None, "", "é" * 10, "A" * 300, "!!!!"):
        assert ours.browser(junk, now=1_000_010) is None
