"""An action moved and cancelled says, everywhere it is shown, when and where it was first: the
CLI's list said only "CANCELLED" beside the moved start (who saw it planned for the 9th looked there),
and the cancel's reason went once the move said "cancelled" again, as publish asks of it; the public
page said only "(Moved)". The calendar carries no SEQUENCE (RFC 5545 3.8.7.4): one worked out from the
events held went down when a revocation took a seized phone's move out, and a calendar app keeping
the version with the higher SEQUENCE kept the trap's time and place."""
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


def test_the_public_page_says_from_when_and_where_an_action_moved(net: Net, tmp_path: Path):
    from node.dashboard.app import STATIC_LINKS, render_public

    log, _ = _log(net, tmp_path, {"starts_at": START + 24 * HOUR, "place": "Parc Richelieu"})
    page = render_public(public_data(log, NOW), "en", STATIC_LINKS)
    assert f"(Moved: first planned {public_time(START)}; <bdi>first at Town hall</bdi>)" in page, page
    french = render_public(public_data(log, NOW), "fr", STATIC_LINKS)  # (not 'Déplacée: ...; ...', 'Calais: ...')
    assert "Déplacée\u202f: " in french and "\u202f; <bdi>" in french and "</bdi>\u202f: <strong>" in french, french
    log.store.close()


def _start_and_stamp(log, action: bytes) -> tuple[str | None, str, str]:
    """The calendar's SEQUENCE (None: none), DTSTART and DTSTAMP of `action`."""
    [event] = [e for e in actions_ics(public_data(log, NOW)).decode().replace("\r\n ", "").split("BEGIN:VEVENT")[1:]
               if f"UID:{action.hex()}@solnet" in e]
    fields = dict(line.split(":", 1) for line in event.split("\r\n") if ":" in line)
    return fields.get("SEQUENCE"), fields["DTSTART"], fields["DTSTAMP"]


def test_a_revocation_that_takes_a_seized_phones_move_out_leaves_no_higher_sequence_behind(net: Net,
                                                                                           tmp_path: Path):
    """A phone, later seized, moves the march; the group revokes it from that move's seq. The
    calendar goes back to the first start, and no SEQUENCE ever said the move was a later version
    (counting the updates held, it said 1 then 0; a calendar app kept the trap's time and place),
    whatever order the events came in."""
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
    sequence, start_moved, _ = _start_and_stamp(log, march.id)
    assert sequence is None and start_moved == public_time_ics(START + 5 * HOUR), (sequence, start_moved)
    log.ingest(wires([revoke]))
    back = _start_and_stamp(log, march.id)
    assert back[:2] == (None, public_time_ics(START)), back  # the seized phone's move is out
    log.store.close()
    # the revocation first, the move after (refused): the same calendar
    other = net.new_log(tmp_path / "b.db")
    other.ingest(wires([*first, revoke]))
    other.ingest(wires([moved]))
    assert _start_and_stamp(other, march.id) == back
    other.store.close()


def public_time_ics(ms: int) -> str:
    """A time as the calendar writes it (UTC)."""
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ms // 1000, timezone.utc).strftime("%Y%m%dT%H%M%SZ")
