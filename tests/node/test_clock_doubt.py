"""What refused events say of this machine's clock (node/clock.py ClockDoubt), and how it is said
(node/words.py): one group's events far ahead may be that group's clock (or an infiltrator's
doing); two groups' or more say that this clock is behind, by at least the least of their leads."""
from __future__ import annotations

from pathlib import Path

from events.kinds import ALERT_DEFAULT_EXPIRY_MS, ALERT_MAX_EXPIRY_MS
from node.clock import DOUBT_SOURCES, DOUBT_WINDOW_MS, ClockDoubt, OwnEventsRefused, now_ms
from node.words import clock_behind, span
from node_fixtures import Net, action, wires

HOUR = 3_600_000
NOW = 1_800_000_000_000


def group(n: int) -> bytes:
    return n.to_bytes(32, "big")


def test_one_groups_clock_ahead_says_nothing_of_ours():
    doubt = ClockDoubt()
    for i in range(50):
        doubt.note(group(1), 5 * HOUR, NOW + i)
    assert doubt.behind_ms(NOW + 60) is None


def test_two_groups_ahead_say_this_clock_is_behind_by_the_least_of_their_leads():
    doubt = ClockDoubt()
    doubt.note(group(1), 5 * HOUR, NOW)
    doubt.note(group(2), 3 * HOUR, NOW)
    doubt.note(group(1), 4 * HOUR, NOW + 1)  # each group's newest refusal counts
    assert doubt.behind_ms(NOW + 2) == 3 * HOUR


def test_refusals_older_than_the_window_say_nothing_of_the_clock_now():
    doubt = ClockDoubt()
    doubt.note(group(1), HOUR, NOW)
    doubt.note(group(2), HOUR, NOW + 1000)
    assert doubt.behind_ms(NOW + DOUBT_WINDOW_MS) == HOUR
    assert doubt.behind_ms(NOW + DOUBT_WINDOW_MS + 1) is None  # group 1's is too old: one group is left
    assert doubt.behind_ms(NOW - 1) is None  # a clock set back since: nothing recent by it


def test_the_groups_remembered_are_bounded_the_oldest_going_first():
    doubt = ClockDoubt()
    for n in range(DOUBT_SOURCES + 10):
        doubt.note(group(n), HOUR + n, NOW + n)
    assert len(doubt._leads._seen) == DOUBT_SOURCES
    assert group(0) not in doubt._leads._seen and group(DOUBT_SOURCES + 9) in doubt._leads._seen
    assert doubt.behind_ms(NOW + 100) == HOUR + 10  # the least lead among those kept


def test_the_warning_says_how_far_behind_and_what_to_do():
    assert [span(ms) for ms in (-1, 59_999, 25 * 60_000, HOUR, 3 * HOUR + 5 * 60_000, 50 * HOUR)] == \
        ["0 min", "0 min", "25 min", "1 h 00 min", "3 h 05 min", "50 h 00 min"]
    said = clock_behind(3 * HOUR + 5 * 60_000)
    assert said.startswith("this machine's clock looks 3 h 05 min behind: events of two groups or more")
    assert "`timedatectl`" in said and "alerts included" in said and "stamped too early" in said
    # a group's clock can lie (an infiltrator's two groups): the admin checks before setting it
    assert "of separate branches of the network" in said and "can be wrong, or lie" in said
    assert "before setting this one, compare it with a time you trust (a phone's" in said
    assert "leave it if it is right" in said


def test_an_expiry_counted_from_a_clock_behind_is_stretched_by_what_it_lacks(net: Net, tmp_path: Path):
    """A Pi whose clock is 7 h behind publishes a raid alert for 6 h: counted from its clock, the
    alert expired an hour before it was made, by every other node's clock, and was dropped on
    arrival. Stretched by the 7 h, it lives its 6 h everywhere; never beyond the kind's longest."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    raid = {"region": "calais", "type": "raid", "text": "Police at the station"}
    plain = log.append(net.founder.device, "alert", raid, now=NOW, offline=True)
    assert plain.header.expires == NOW + ALERT_DEFAULT_EXPIRY_MS
    log.clock_doubt.note(group(1), 7 * HOUR, NOW)
    log.clock_doubt.note(group(2), 9 * HOUR, NOW)
    stretched = log.append(net.founder.device, "alert", raid, now=NOW + 1, offline=True)
    assert stretched.header.expires == NOW + 1 + ALERT_DEFAULT_EXPIRY_MS + 7 * HOUR
    longest = log.append(net.founder.device, "alert", raid, expires=NOW + 2 + 47 * HOUR, now=NOW + 2, offline=True)
    assert longest.header.expires == NOW + 2 + ALERT_MAX_EXPIRY_MS
    action_ = log.append(net.founder.device, "action", action(1), now=NOW + 3, offline=True)
    assert action_.header.expires is None  # what does not expire is left alone


def test_devices_of_one_group_that_do_not_take_this_nodes_events_are_one_peer():
    """One member certifies devices that each play a peer lacking this node's events (its clock is
    right): they are one group, and one group may be its own clock behind, so nothing is said;
    a second group's peer is needed."""
    refused = OwnEventsRefused()
    for device in (group(10), group(11), group(12)):
        refused.round_done(device, (5, 7), NOW, group=group(1))
        refused.round_done(device, (5, 7), NOW + 1000, group=group(1))
    assert refused.refused(NOW + 1000) is None
    refused.round_done(group(20), (6, 7), NOW + 2000, group=group(2))
    refused.round_done(group(20), (6, 7), NOW + 3000, group=group(2))
    assert refused.refused(NOW + 3000) == (2, 5)


def test_peers_that_do_not_take_what_a_complete_round_gave_them_say_so_from_two():
    """A complete round streamed a peer this device's events 5..7, and the next round finds the peer
    lacking them from 5 again: it refused them (or holds them aside). Two peers so: said."""
    refused = OwnEventsRefused()
    refused.round_done(group(1), (5, 7), NOW)
    refused.round_done(group(1), (5, 8), NOW + 1000)  # a new event since, the old ones still lacking
    assert refused.refused(NOW + 1000) is None  # one peer: it may be its own clock
    refused.round_done(group(2), (6, 7), NOW + 2000)
    refused.round_done(group(2), (6, 8), NOW + 3000)
    assert refused.refused(NOW + 3000) == (2, 5)
    refused.round_done(group(2), None, NOW + 4000)  # it holds them all now (the clock was set)
    assert refused.refused(NOW + 4000) is None
    refused.round_done(group(3), (8, 8), NOW)
    refused.round_done(group(3), (9, 9), NOW + 1)  # took 8, lacks only what is new: no refusal
    assert refused.refused(NOW + 2) is None
    for peer in (group(4), group(5)):
        refused.round_done(peer, (1, 1), NOW + 2000)
        refused.round_done(peer, (1, 1), NOW + 3000)
    assert refused.refused(NOW + 3000) == (3, 1)  # group 1's, and these two
    assert refused.refused(NOW + 3000 + DOUBT_WINDOW_MS + 1) is None  # old news


def test_a_profile_edited_while_this_clock_runs_late_replaces_the_one_it_was_made_to_replace(
        net: Net, tmp_path: Path) -> None:
    """A Pi back from a power cut, its clock an hour late until it reaches a time server (events of
    two groups came stamped that far ahead): the group's new profile, stamped by it, would lose on
    every node (the newest by timestamp wins) to the one it replaces. It is stamped just after that
    one instead; with the clock right, the clock's time."""
    from node import publishing
    from node.views import view

    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made))
    [before] = [e for e in net.group.made if e.kind == "group.profile"]
    late = before.header.timestamp - HOUR
    for g in (1, 2):
        log.clock_doubt.note(group(g), HOUR, late)
    edit = publishing.publish(log, net.founder, "group.profile", {"name": "Calais Solidarity", "region": "calais"},
                              now=late, offline=True)
    assert edit.header.timestamp == before.header.timestamp + 1
    [calais] = [g for g in view(log, "groups") if g["id"] == bytes(net.group.key.public)]
    assert calais["name"] == "Calais Solidarity"
    on_time = before.header.timestamp + HOUR
    again = publishing.publish(log, net.founder, "group.profile", {"name": "Calais", "region": "calais"},
                               now=on_time, offline=True)
    assert again.header.timestamp == on_time


def test_a_profile_signed_while_this_clock_ran_ahead_does_not_drag_the_next_edits_along(
        net: Net, tmp_path: Path) -> None:
    """A profile this node signed while its clock ran 3 hours ahead (peers refused it): with the
    clock set right, the next edit is stamped with the clock's time, which peers take, not just
    after that one. A clock a few minutes late, with nothing known of it: just after the profile
    it replaces (within what peers take)."""
    from node import publishing

    log = net.new_log(tmp_path / "calais.db")
    log.ingest(wires(net.group.made))
    [before] = [e for e in net.group.made if e.kind == "group.profile"]
    minutes_late = before.header.timestamp - 5 * 60_000
    edit = publishing.publish(log, net.founder, "group.profile", {"name": "Calais Solidarity", "region": "calais"},
                              now=minutes_late, offline=True)
    assert edit.header.timestamp == before.header.timestamp + 1
    publishing.publish(log, net.founder, "group.profile", {"name": "Calais", "region": "calais"},
                       now=before.header.timestamp + 3 * HOUR, offline=True)
    right = before.header.timestamp + 60_000
    again = publishing.publish(log, net.founder, "group.profile", {"name": "Calais Solidarity", "region": "calais"},
                               now=right, offline=True)
    assert again.header.timestamp == right


def test_events_forged_in_members_names_stamped_ahead_say_nothing_of_the_clock(tmp_path: Path):
    """Anyone who can send events (a relay, any peer) wrote events in the names of devices of two
    groups of separate lineages, with no key of theirs (the signature is garbage), stamped 40 h
    ahead: they were refused as stamped ahead before their signature counted, blamed on those
    groups, and made the node say its right clock was 40 h behind (a critic). Refused as forged now,
    and no clock is judged by them; the same events rightly signed still count."""
    from events.format import Event
    from test_order_independence import certified_world, ingest_in

    world = certified_world()  # F founded the network and admitted G1, G2 and G3 (each its own lineage)
    log = ingest_in(tmp_path / "h.db", world, world.events, [])
    now = now_ms()
    signed = [world.authors[dev].sign("need", {"category": "food", "quantity": 3, "region": "calais"},
                                      ts=now + 40 * HOUR, seq=50, prev=bytes(range(32))) for dev in ("g2", "g3")]
    forged = [Event(ev.id, ev.header, ev.header_bytes, bytes(64), ev.body).encode() for ev in signed]
    try:
        outcomes = log.ingest(forged)
        assert [o.reason for o in outcomes] == ["bad_signature", "bad_signature"], outcomes
        assert log.clock_doubt.behind_ms(now_ms()) is None
        outcomes = log.ingest([ev.encode() for ev in signed])
        assert [o.reason for o in outcomes] == ["future_timestamp", "future_timestamp"], outcomes
        assert log.clock_doubt.behind_ms(now_ms()) is not None
    finally:
        log.store.close()


def test_an_expiry_counted_from_a_clock_set_back_under_its_own_events_is_stretched_by_their_lead(
        net: Net, tmp_path: Path):
    """A Pi set back 5 h by a power cut, before any peer's fresh event came to say so (no doubt
    noted): its own newest event, signed before the cut, is stamped 5 h after its clock. A raid
    alert for 2 h counted from the clock had expired 3 h before it was made, by every other node's
    clock (the week). Its own events are its own signature, not a peer's word: the expiry is put off
    by their lead, again after the first alert so stamped (its newest event is no longer the
    highest), and within the kind's longest. Until 2026-12-08 only the words said it."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    raid = {"region": "calais", "type": "raid", "text": "Police at the station"}
    log.append(net.founder.device, "alert", raid, now=NOW, offline=True)  # before the power cut
    back = NOW - 5 * HOUR
    first = log.append(net.founder.device, "alert", raid, expires=back + 2 * HOUR, now=back, offline=True)
    assert first.header.expires == NOW + 2 * HOUR
    second = log.append(net.founder.device, "alert", raid, expires=back + 1 + 2 * HOUR, now=back + 1, offline=True)
    assert second.header.expires == NOW + 2 * HOUR
    longest = log.append(net.founder.device, "alert", raid, expires=back + 2 + 47 * HOUR, now=back + 2, offline=True)
    assert longest.header.expires == back + 2 + ALERT_MAX_EXPIRY_MS
    # within the skew peers allow, a clock stepped back a little is left alone
    log.append(net.founder.device, "alert", raid, now=NOW + 1, offline=True)
    near = log.append(net.founder.device, "alert", raid, now=NOW - 60_000, offline=True)
    assert near.header.expires == NOW - 60_000 + ALERT_DEFAULT_EXPIRY_MS
