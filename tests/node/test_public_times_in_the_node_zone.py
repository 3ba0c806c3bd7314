"""The public page and the Atom feeds gave every time in UTC only: people in Calais read '19:00 UTC'
for a 20:00 action. They give it now in the node's zone (its group's, where it runs) with its offset
from UTC, so a reader elsewhere tells the moment too. And the actions feed said an action CANCELLED
but not MOVED: a reader who saw the first entry was not told its new time or place."""
from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from node.log import now_ms
from node_fixtures import Net, wires

# 2030-01-15 19:00 UTC: 20:00 in Calais (CET), 19:00 in London (GMT)
START = int(datetime(2030, 1, 15, 19, 0, tzinfo=timezone.utc).timestamp() * 1000)
MOVED = START + 24 * 3_600_000


def _until() -> int:
    """An alert's end, on a minute two hours after the test runs (taken at import, an alert signed late
    in a slow run would end before its stamp)."""
    return (now_ms() // 60_000 + 120) * 60_000


@pytest.fixture
def paris(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _log(net: Net, tmp_path: Path, moved: bool, until: int | None = None):
    opted = net.group.sign("group.profile", {"name": "Calais", "region": "calais", "public_feeds": "yes"})
    action = net.device.sign("action", {"title": "Vigil", "region": "calais", "type": "protest", "starts_at": START,
                                        "place": "Town hall"})
    events = [opted, action]
    if moved:
        events.append(net.device.sign("action.update", {"action": action.id, "starts_at": MOVED,
                                                        "place": "Parc Richelieu", "note": "rain"}))
    alert = net.device.sign("alert", {"region": "calais", "type": "raid", "text": "CRS at the camp", "public": "yes"},
                            expires=until or _until())
    log = net.new_log(tmp_path / "p.db")
    log.ingest(wires([*net.group.made[:-1], *events, alert]))
    return log


def test_the_feeds_and_the_page_give_the_node_s_time_with_its_offset(net: Net, tmp_path: Path, paris) -> None:
    from node.dashboard.app import STATIC_LINKS, render_public
    from node.public_site import actions_atom, alerts_atom, public_data

    until_ms = _until()
    data = public_data(_log(net, tmp_path, moved=False, until=until_ms), now_ms())
    feed = actions_atom(data).decode()
    assert "2030-01-15 20:00 CET (UTC+01:00)" in feed and "19:00 UTC" not in feed, feed
    alerts = alerts_atom(data).decode()
    until = datetime.fromtimestamp(until_ms / 1000).astimezone()
    assert f"Until {until:%Y-%m-%d %H:%M} {until.tzname()} (UTC+0" in alerts and " UTC." not in alerts, alerts
    page = render_public(data, "en", STATIC_LINKS)
    assert "2030-01-15 20:00 CET (UTC+01:00)" in page and "19:00 UTC" not in page


def test_the_actions_feed_says_a_moved_action_moved(net: Net, tmp_path: Path, paris) -> None:
    from node.public_site import actions_atom, public_data

    feed = actions_atom(public_data(_log(net, tmp_path, moved=True), now_ms())).decode()
    assert "MOVED — Calais: Vigil" in feed, feed
    assert "MOVED by its group (it was 2030-01-15 20:00 CET (UTC+01:00), Town hall). rain" in feed, feed
    assert "2030-01-16 20:00 CET (UTC+01:00) — calais, Parc Richelieu" in feed, feed


def test_in_utc_a_time_says_utc_once() -> None:
    from node.public_site import public_time

    if time.localtime().tm_gmtoff == 0 and time.tzname[0] in ("UTC", "GMT"):
        assert public_time(START) in ("2030-01-15 19:00 UTC", "2030-01-15 19:00 GMT")
