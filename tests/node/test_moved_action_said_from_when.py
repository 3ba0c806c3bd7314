"""An action moved and cancelled says, everywhere it is shown, when and where it was first: the
CLI's list said only "CANCELLED" beside the moved start (who saw it planned for the 9th looked there),
and the cancel's reason went once the move said "cancelled" again, as publish asks of it; the public
page said only "(Moved)"; the calendar feed had no SEQUENCE, so calendar apps kept the version they
held of a moved or cancelled event (RFC 5545 3.8.7.4: the UID stays, SEQUENCE grows)."""
from __future__ import annotations

from pathlib import Path

from node.log import now_ms
from node.public_site import actions_atom, actions_ics, public_data, public_time
from node.render import local_time, view_line
from node.views import view
from node_fixtures import Net, wires

HOUR = 3_600_000
NOW = now_ms()
START = NOW + 48 * HOUR


def _log(net: Net, tmp_path: Path, *updates: dict):
    """Calais's profile (public feeds), a march, the updates given (in order), and a fair left as it is."""
    opted = net.group.sign("group.profile", {"name": "Calais", "region": "calais", "public_feeds": "yes"})
    march = net.device.sign("action", {"title": "March", "region": "calais", "type": "protest",
                                       "starts_at": START, "place": "Town hall"}, ts=NOW - 100)
    fair = net.device.sign("action", {"title": "Fair", "region": "calais", "type": "other",
                                      "starts_at": START + HOUR}, ts=NOW - 90)
    steps = [net.device.sign("action.update", {"action": march.id, **u}, ts=NOW - 50 + i)
             for i, u in enumerate(updates)]
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires([*net.group.made, opted, march, fair, *steps]))
    return log, march.id


def test_a_cancelled_action_moved_after_says_when_it_was_first_and_keeps_why(net: Net, tmp_path: Path):
    log, march = _log(net, tmp_path, {"status": "cancelled", "note": "police ban"},
                      {"starts_at": START + 72 * HOUR, "status": "cancelled"})
    [item] = [a for a in view(log, "actions", now=NOW) if a["id"] == march]
    line = view_line("actions", item, {})
    assert f"CANCELLED by its group (was {local_time(START)}): police ban" in line, line
    data = public_data(log, NOW)
    described = actions_ics(data).decode().replace("\r\n ", "")
    assert f"CANCELLED by its group (it was first {public_time(START)}\\, Town hall)" in described, described
    assert f"it was first {public_time(START)}" in actions_atom(data).decode()
    log.store.close()


def test_the_calendar_says_each_change_as_a_new_sequence_of_the_same_uid(net: Net, tmp_path: Path):
    log, march = _log(net, tmp_path, {"starts_at": START + HOUR}, {"status": "cancelled", "note": "rain"})
    events = actions_ics(public_data(log, NOW)).decode().replace("\r\n ", "").split("BEGIN:VEVENT")[1:]
    [moved] = [e for e in events if f"UID:{march.hex()}@solnet" in e]
    [kept] = [e for e in events if "UID:" in e and march.hex() not in e]
    assert "SEQUENCE:1" in moved and "STATUS:CANCELLED" in moved, moved  # (its updates came 51 ms after it)
    assert "SEQUENCE:0" in kept, kept  # never changed
    log.store.close()


def test_the_public_page_says_from_when_and_where_an_action_moved(net: Net, tmp_path: Path):
    from node.dashboard.app import STATIC_LINKS, render_public

    log, _ = _log(net, tmp_path, {"starts_at": START + 24 * HOUR, "place": "Parc Richelieu"})
    page = render_public(public_data(log, NOW), "en", STATIC_LINKS)
    assert f"(Moved: first planned {public_time(START)}; <bdi>first at Town hall</bdi>)" in page, page
    log.store.close()


def _sequence_and_start(log, action: bytes) -> tuple[int, str, str]:
    """The calendar's SEQUENCE, DTSTART and DTSTAMP of `action`."""
    [event] = [e for e in actions_ics(public_data(log, NOW)).decode().replace("\r\n ", "").split("BEGIN:VEVENT")[1:]
               if f"UID:{action.hex()}@solnet" in e]
    fields = dict(line.split(":", 1) for line in event.split("\r\n") if ":" in line)
    return int(fields["SEQUENCE"]), fields["DTSTART"], fields["DTSTAMP"]


def test_a_revocation_that_takes_a_seized_phones_move_out_raises_the_sequence_not_lowers_it(net: Net, tmp_path: Path):
    """A phone, later seized, moves the march; the group revokes it from that move's seq. Counting the
    updates, the calendar went back to the first start with SEQUENCE:0, and calendar apps, keeping
    the version with the higher SEQUENCE, kept the seized phone's time and place (a trap). SEQUENCE
    now grows with the time of the latest change, a revocation counting as one; whatever order the
    events come in, every node says the same."""
    opted = net.group.sign("group.profile", {"name": "Calais", "region": "calais", "public_feeds": "yes"})
    march = net.device.sign("action", {"title": "March", "region": "calais", "type": "protest",
                                       "starts_at": START, "place": "Town hall"}, ts=NOW - 10 * HOUR)
    phone = net.device_of(net.group)
    moved = phone.sign("action.update", {"action": march.id, "starts_at": START + 5 * HOUR}, ts=NOW - 2 * HOUR)
    revoke = net.group.sign("member.revoke", {"subject": bytes(phone.key.public), "from_seq": moved.seq,
                                             "reason": "phone seized"}, ts=NOW - HOUR)
    first = [*net.group.made[:-1], opted, march]  # (the group's chain without its revocation)
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires([*first, moved]))
    seq_moved, start_moved, _ = _sequence_and_start(log, march.id)
    assert seq_moved == 8 * 3600 and start_moved == public_time_ics(START + 5 * HOUR), (seq_moved, start_moved)
    log.ingest(wires([revoke]))
    seq_back, start_back, stamp = _sequence_and_start(log, march.id)
    assert start_back == public_time_ics(START), start_back  # the seized phone's move is out
    assert seq_back == 9 * 3600 > seq_moved and stamp == public_time_ics(NOW - HOUR), (seq_back, stamp)
    log.store.close()
    # the revocation first, the move after (refused): the same calendar
    other = net.new_log(tmp_path / "b.db")
    other.ingest(wires([*first, revoke]))
    other.ingest(wires([moved]))
    assert _sequence_and_start(other, march.id) == (seq_back, start_back, stamp)
    other.store.close()


def public_time_ics(ms: int) -> str:
    """A time as the calendar writes it (UTC)."""
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ms // 1000, timezone.utc).strftime("%Y%m%dT%H%M%SZ")
