"""The public calendars (calendar.ics) said neither that an action had been moved nor why one was
cancelled, while the Atom feed said both: an event a reader had subscribed to moved to another day
with no word in their calendar, and "CANCELLED: Vigil" gave no reason. The calendar now says what
the feed says: MOVED in the summary, where and when it was before and its group's note in the
description, and a cancelled action's note."""
from __future__ import annotations

from pathlib import Path

from icalendar import Calendar

from node.log import now_ms
from node.public_site import actions_atom, actions_ics, public_data
from node_fixtures import Net, wires

DAY = 86_400_000


def _events(ics: bytes) -> dict[str, tuple[str, str]]:
    """Each event's summary and description, by summary's end (its title)."""
    out = {}
    for item in Calendar.from_ical(ics).walk("VEVENT"):
        summary = str(item.get("summary"))
        out[summary.split(": ")[-1]] = (summary, str(item.get("description")))
    return out


def test_the_calendar_says_a_move_and_why_an_action_was_cancelled(net: Net, tmp_path: Path) -> None:
    now = now_ms()
    d = net.device
    vigil = d.sign("action", {"title": "Vigil", "region": "calais", "type": "protest", "starts_at": now + 14 * DAY},
                   ts=now - DAY)
    rally = d.sign("action", {"title": "Rally", "region": "calais", "type": "protest", "starts_at": now + 20 * DAY},
                   ts=now - DAY)
    d.sign("action.update", {"action": vigil.id, "starts_at": now + 15 * DAY, "place": "Place d'Armes",
                             "note": "the prefecture square is closed"}, ts=now - 2000)
    d.sign("action.update", {"action": rally.id, "status": "cancelled", "note": "prefecture ban"}, ts=now - 1000)
    net.group.sign("group.profile", {"name": "Calais", "region": "calais", "public_feeds": "yes"})
    log = net.new_log(tmp_path / "c.db")
    log.ingest(wires(net.group.made + d.made), now=now)
    data = public_data(log, now)
    events = _events(actions_ics(data))
    summary, said = events["Vigil"]
    assert summary == "MOVED — Calais: Vigil" and "MOVED by its group (it was " in said
    assert "the prefecture square is closed" in said
    summary, said = events["Rally"]
    assert summary == "CANCELLED — Calais: Rally" and said.startswith("CANCELLED by its group. prefecture ban")
    feed = actions_atom(data).decode()  # the feed says the same
    assert "MOVED — Calais: Vigil" in feed and "the prefecture square is closed" in feed and "prefecture ban" in feed
