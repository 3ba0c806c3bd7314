"""A device whose clock ran ahead, then was set right: its rightly stamped events prove its clock
and let in the ones stamped ahead (node/stamped_ahead.py), in every arrival order and batch split,
against a real SQLite log. Without a proof, events stamped ahead stay out; only the immediate
successor proves, and only one that goes in itself. One let in is used at the time its later
events' stamps allow (an alert's order among the live ones, its life, a profile's turn), the same
in every order, and a rebuild of the read models agrees."""
from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

from events.format import Event
from events.projections import ALERT, TABLES
from node.log import MAX_CLOCK_SKEW_MS, EventLog, now_ms
from node import stamped_ahead, views
from node.alert_feed import new_alerts
from node.render import iso
from node.stamped_ahead import MAX_PROVED_LEAD_MS, Link
from node.words import own_stamped_ahead
from node.store import Store
from node_fixtures import Net, action, as_schema, statuses, wires

HOUR = 3_600_000
HOURS_AHEAD = 2 * HOUR


def _sync_until_still(log: EventLog, events: list[Event], rounds: int = 4) -> None:
    """What anti-entropy does: each round sends again every event the log lacks (stored or kept aside
    count as had), until a round changes nothing."""
    for _ in range(rounds):
        lacking = [ev for ev in events if log.store.event_row(ev.id) is None and not log.store.is_pending(ev.id)]
        if not lacking or all(o.status == "rejected" for o in log.ingest(wires(lacking))):
            return


def _final(log: EventLog, events: list[Event]) -> tuple[list[bool], int]:
    return [log.store.event_row(ev.id) is not None for ev in events], log.store.pending_count()


def _ahead_then_right(net: Net) -> list[Event]:
    now = now_ms()
    return [net.device.sign("action", action(1), ts=now + HOURS_AHEAD),  # the clock ran ahead
            net.device.sign("alert", {"region": "calais", "type": "raid", "text": "ahead too"},
                            ts=now + HOURS_AHEAD + 1000, expires=now + HOURS_AHEAD + 3_600_000),
            net.device.sign("alert", {"region": "calais", "type": "raid", "text": "clock set right"},
                            ts=now, expires=now + 3_600_000)]  # set right


def test_the_rule_itself() -> None:
    a, b, c = bytes([1] * 32), bytes([2] * 32), bytes([3] * 32)
    assert stamped_ahead.right([Link(1, a, c, 500, True), Link(2, b, a, 100, True)], limit=100) == {a, b}
    assert stamped_ahead.right([Link(1, a, c, 500, True), Link(2, b, a, 101, True)], limit=100) == set()  # the later one is ahead too
    assert stamped_ahead.right([Link(1, a, c, 500, True), Link(2, b, a, 100, False)], limit=100) == {b}  # unsound: it proves nothing
    assert stamped_ahead.right([Link(1, a, c, 500, True), Link(2, b, c, 100, True)], limit=100) == {b}  # not its successor (prev)
    assert stamped_ahead.right([Link(1, a, c, 500, True), Link(3, b, a, 100, True)], limit=100) == {b}  # not the next seq
    assert stamped_ahead.right([Link(1, a, c, 500, True), Link(2, b, a, 400, True), Link(3, c, b, 90, True)], limit=100) == {a, b, c}
    assert stamped_ahead.right([Link(1, a, c, 100 + MAX_PROVED_LEAD_MS, True), Link(2, b, a, 100, True)], limit=100) == {a, b}
    assert stamped_ahead.right([Link(1, a, c, 101 + MAX_PROVED_LEAD_MS, True), Link(2, b, a, 100, True)], limit=100) == {b}  # too far


def _every_way(net: Net, tmp_path: Path, events: list[Event],
               look: Callable[[EventLog, list[Event]], object] = _final) -> set[str]:
    """The final state of a log fed `events` in every order and every split of that order into
    batches (each followed by the sync rounds that send again what it lacks), as `look` reads it."""
    finals = set()
    for n, order in enumerate(itertools.permutations(events)):
        for cuts in itertools.product([False, True], repeat=len(events) - 1):
            batches, batch = [], [order[0]]
            for ev, cut in zip(order[1:], cuts):
                if cut:
                    batches.append(batch)
                    batch = []
                batch.append(ev)
            log = net.new_log(tmp_path / f"{n}-{''.join('|' if c else '-' for c in cuts)}.db")
            log.ingest(wires(net.group.made))
            for part in batches + [batch]:
                log.ingest(wires(part))
            _sync_until_still(log, events)
            finals.add(repr(look(log, events)))
            log.store.close()
    return finals


def test_without_a_rightly_stamped_successor_events_ahead_stay_out(net: Net, tmp_path: Path) -> None:
    events = _ahead_then_right(net)[:2]
    for n, order in enumerate(itertools.permutations(events)):
        log = net.new_log(tmp_path / f"{n}.db")
        log.ingest(wires(net.group.made))
        for ev in order:
            log.ingest(wires([ev]))
        _sync_until_still(log, events)
        assert _final(log, events) == ([False, False], 0)  # each refused: nothing later is rightly stamped
        log.store.close()


def test_a_successor_with_a_bad_signature_proves_nothing(net: Net, tmp_path: Path) -> None:
    ahead, _, right = _ahead_then_right(net)
    forged = right.encode().replace(right.signature, bytes(64))
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    out = log.ingest([ahead.encode(), forged])
    assert out[0].reason == "future_timestamp"
    assert log.store.event_row(ahead.id) is None


def test_a_refusal_says_what_proves_the_clock(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    ev = net.device.sign("action", action(), ts=now_ms() + MAX_CLOCK_SKEW_MS + 60_000)
    [out] = log.ingest(wires([ev]))
    assert statuses([out]) == ["rejected"] and "no rightly stamped event of its author follows it" in out.message


def test_an_event_stamped_days_ahead_waits_whatever_comes_after_it(net: Net, tmp_path: Path) -> None:
    """A proof lets in a clock hours ahead, not an event stamped a year ahead (which would win every
    later edit of its item, or keep an alert live, for that year): it waits for its time as before."""
    now = now_ms()
    far = net.device.sign("action", action(1), ts=now + 365 * 24 * 3_600_000)
    right = net.device.sign("action", action(2), ts=now)
    for n, order in enumerate(itertools.permutations([far, right])):
        log = net.new_log(tmp_path / f"{n}.db")
        log.ingest(wires(net.group.made))
        for ev in order:
            log.ingest(wires([ev]))
        _sync_until_still(log, [far, right])
        assert log.store.event_row(far.id) is None
        log.store.close()


def test_a_chain_stamped_ahead_goes_in_through_its_rightly_stamped_end_in_every_order(net: Net, tmp_path: Path) -> None:
    """Two events stamped ahead, then one rightly stamped: the last proves the second, which proves
    the first, in every order and batch split."""
    assert _every_way(net, tmp_path, _ahead_then_right(net)) == {repr(([True, True, True], 0))}


def test_a_successor_with_a_bad_body_proves_nothing_in_any_order(net: Net, tmp_path: Path) -> None:
    """The successor is refused (its body breaks its kind's rules): it proved the event in when both
    came in one batch, not when they came apart. Now it proves nothing, however they come."""
    now = now_ms()
    ahead = net.device.sign("alert", {"region": "calais", "type": "raid", "text": "ahead"},
                            ts=now + HOURS_AHEAD, expires=now + HOURS_AHEAD + HOUR)
    bad = net.device.sign("action", {"title": "no region, type or start"}, ts=now)
    assert _every_way(net, tmp_path, [ahead, bad]) == {repr(([False, False], 0))}


def test_a_far_later_event_kept_aside_proves_nothing_in_any_order(net: Net, tmp_path: Path) -> None:
    """One signed event at seq 1,000,000, kept aside (it waits for the seqs before it), proved every
    event of its author stamped ahead: only the immediate successor proves now."""
    now = now_ms()
    ahead = net.device.sign("alert", {"region": "calais", "type": "raid", "text": "ahead"},
                            ts=now + HOURS_AHEAD, expires=now + HOURS_AHEAD + HOUR)
    huge = net.device.sign("action", action(1), ts=now, seq=1_000_000, prev=bytes(32))
    assert _every_way(net, tmp_path, [ahead, huge]) == {repr(([False, False], 1))}


def test_a_successor_that_does_not_follow_it_proves_nothing(net: Net, tmp_path: Path) -> None:
    """seq + 1 but another prev (a fork of nothing): not the event's successor."""
    now = now_ms()
    ahead = net.device.sign("action", action(1), ts=now + HOURS_AHEAD)
    other = net.device.sign("action", action(2), ts=now, seq=2, prev=bytes(32))
    assert _every_way(net, tmp_path, [ahead, other]) == {repr(([False, False], 1))}


def test_a_raid_alert_stamped_two_days_ahead_stays_out_in_any_order(net: Net, tmp_path: Path) -> None:
    """A member signs a raid alert stamped 47 h 50 min ahead with the longest life, then any rightly
    stamped event: let in, it sat above every real alert for two days and stayed live 96 h. Past
    MAX_PROVED_LEAD_MS it waits for its time, whatever follows it."""
    now = now_ms()
    fake = net.device.sign("alert", {"region": "calais", "type": "raid", "text": "fake"},
                           ts=now + 47 * HOUR + 50 * 60_000, expires=now + 95 * HOUR + 50 * 60_000)
    right_after = net.device.sign("alert", {"region": "calais", "type": "raid", "text": "real"},
                                  ts=now, expires=now + HOUR)
    assert _every_way(net, tmp_path, [fake, right_after]) == {repr(([False, False], 1))}


def test_the_warning_says_to_publish_only_when_that_lets_the_events_in() -> None:
    """`solnet status` told a device set right to publish anything, which lets its events stamped
    ahead in only if they are stamped at most MAX_PROVED_LEAD_MS ahead (past the 10 minutes)."""
    now = now_ms()
    near = own_stamped_ahead(1, now + MAX_PROVED_LEAD_MS, now)
    far = own_stamped_ahead(1, now + MAX_PROVED_LEAD_MS + 60_000, now)
    assert "Publish anything" in near and "Publish anything" not in far
    assert "only up to 3 h 00 min ahead" in far and "another device of the group" in far, far


def test_the_time_used_for_an_event() -> None:
    """Its stamp, unless a later event of its author is stamped more than the skew before it: then
    just before the earliest such stamp. Read over the whole chain, a staircase of steps under the
    skew each is capped too."""
    assert stamped_ahead.effective(1000 + MAX_CLOCK_SKEW_MS, 1000) == 1000 + MAX_CLOCK_SKEW_MS  # ahead by the skew: normal
    assert stamped_ahead.effective(1001 + MAX_CLOCK_SKEW_MS, 1000) == 999
    assert stamped_ahead.effective(5000, None) == 5000
    # a later stamp years back (a clock that booted without its battery) moves it back 3 h 10 min at most
    assert stamped_ahead.effective(50 * 365 * 24 * HOUR, 0) == 50 * 365 * 24 * HOUR - 3 * HOUR - MAX_CLOCK_SKEW_MS
    step = 9 * 60_000
    stairs = [("a", 5, 0), ("a", 4, step), ("a", 3, 2 * step), ("a", 2, 3 * step), ("b", 1, 10 * HOUR)]
    assert stamped_ahead.capped(stairs) == {3: -1, 2: -1}  # (n 4: 9 min ahead of the end, normal)


def _alert_ahead_and_right(net: Net, now: int, life: int = HOUR) -> tuple[Event, Event]:
    """A raid alert stamped HOURS_AHEAD ahead of `now` for an hour, then one rightly stamped for `life`."""
    return (net.device.sign("alert", {"region": "calais", "type": "raid", "text": "ahead"},
                            ts=now + HOURS_AHEAD, expires=now + HOURS_AHEAD + HOUR),
            net.device.sign("alert", {"region": "calais", "type": "raid", "text": "right"},
                            ts=now + 1000, expires=now + 1000 + life))


def _alerts_seen(now: int) -> Callable[[EventLog, list[Event]], object]:
    """What a reader of the live alerts sees at `now` and at the end of the rightly stamped alert's
    life, and whether a rebuild of the read models from the log gives the same rows."""
    def look(log: EventLog, events: list[Event]) -> object:
        seen = [[(a["text"], a["expires"]) for a in views.view(log, "alerts", now=at, limit=limit)]
                for at in (now, now + HOUR + 60_000) for limit in (None, 50)]
        dump = log.store.projection_dump()
        log.rebuild()
        return _final(log, events), seen, log.store.projection_dump() == dump
    return look


def test_an_alert_let_in_by_a_proof_neither_tops_the_list_nor_outlives_its_life(net: Net, tmp_path: Path) -> None:
    """A raid alert stamped 2 h ahead with a life of 1 h, let in by its author's rightly stamped
    alert: it sat above every rightly stamped alert for 2 h and stayed live 3 h. Now it is used just
    before the stamp that proved it, its life counted from there, in every order and batch split;
    and a rebuild agrees."""
    now = now_ms()
    ahead, right = _alert_ahead_and_right(net, now)
    live = [("right", now + 1000 + HOUR), ("ahead", now + 999 + HOUR)]
    assert _every_way(net, tmp_path, [ahead, right], _alerts_seen(now)) == {
        repr((([True, True], 0), [live, live, [], []], True))}


def test_events_ahead_by_less_than_the_skew_keep_their_stamps(net: Net, tmp_path: Path) -> None:
    """A clock a few minutes fast is normal: its alert stays first, with its stated life."""
    now = now_ms()
    fast = net.device.sign("alert", {"region": "calais", "type": "raid", "text": "fast"},
                           ts=now + 5 * 60_000, expires=now + 5 * 60_000 + HOUR)
    right = net.device.sign("alert", {"region": "calais", "type": "raid", "text": "right"},
                            ts=now + 1000, expires=now + 1000 + HOUR)
    live = [("fast", now + 5 * 60_000 + HOUR), ("right", now + 1000 + HOUR)]
    later = [("fast", now + 5 * 60_000 + HOUR)]
    assert _every_way(net, tmp_path, [fast, right], _alerts_seen(now)) == {
        repr((([True, True], 0), [live, live, later, later], True))}


def test_a_profile_stamped_ahead_gives_way_to_the_one_written_after_it(net: Net, tmp_path: Path) -> None:
    """Last writer wins by the time used: the group's profile written while its clock ran 2 h
    ahead, then the one written once it was set right: the later one is the profile, in every
    order, and after a rebuild."""
    now = now_ms()
    ahead = net.group.sign("group.profile", {"name": "Calais ahead", "region": "calais"}, ts=now + HOURS_AHEAD)
    right = net.group.sign("group.profile", {"name": "Calais", "region": "calais"}, ts=now + 1000)
    made = net.group.made[:-2]

    def look(log: EventLog, events: list[Event]) -> object:
        name = log.store.newest_row("profile", bytes(net.group.key.public)).data["name"]
        log.rebuild()
        again = log.store.newest_row("profile", bytes(net.group.key.public)).data["name"]
        return _final(log, events), name, again

    net.group.made = made  # (the two are fed as the test's events, not with the group's own)
    assert _every_way(net, tmp_path, [ahead, right], look) == {repr((([True, True], 0), "Calais", "Calais"))}


def test_an_alert_held_before_the_stamp_that_caps_it_is_capped_when_it_comes(net: Net, tmp_path: Path) -> None:
    """A node whose clock reached the alert's stamp stores it alone (no proof needed), then its
    successor: the alert is capped then, as on a node that needed the proof. A staircase of steps
    under the skew each is capped through to its end."""
    now = now_ms()
    step = 9 * 60_000
    stairs = [net.device.sign("alert", {"region": "calais", "type": "raid", "text": f"step {i}"},
                              ts=now + (4 - i) * step, expires=now + (4 - i) * step + HOUR) for i in range(5)]
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    for ev in stairs:  # at this node's clock, each is stamped at most the skew ahead: no proof asked
        assert statuses(log.ingest(wires([ev]), now=ev.header.timestamp)) == ["accepted"]
    seen = [(a["text"], a["expires"]) for a in views.view(log, "alerts", now=now, limit=None)]
    assert seen[:2] == [("step 3", now + step + HOUR), ("step 4", now + HOUR)]  # 9 min fast: normal
    # (the three capped are used at the same time: their order is their ids')
    assert sorted(seen[2:]) == [(f"step {i}", now - 1 + HOUR) for i in range(3)]
    dump = log.store.projection_dump()
    log.rebuild()
    assert log.store.projection_dump() == dump


def test_the_alert_feed_hands_on_an_alert_let_in_by_a_proof_for_its_life_alone(net: Net, tmp_path: Path) -> None:
    """Hooks and the API's stream (node/alert_feed.py) were handed the alert stamped 2 h ahead as
    live until its stated end, 3 h away: now its life counts from the stamp that proved it, as in
    the lists, in every order and batch split."""
    now = now_ms()
    ahead, right = _alert_ahead_and_right(net, now, life=2 * HOUR)

    def look(log: EventLog, events: list[Event]) -> object:
        return [[(a["text"], a["published"], a["expires"]) for a in new_alerts(log, 0, at)[1]]
                for at in (now, now + HOUR + 60_000)]

    both = [("ahead", iso(now + 999), iso(now + 999 + HOUR)), ("right", iso(now + 1000), iso(now + 1000 + 2 * HOUR))]
    assert _every_way(net, tmp_path, [ahead, right], look) == {repr([both, both[1:]])}


def test_a_home_of_schema_13_uses_its_alerts_stamped_ahead_as_this_one_does(net: Net, tmp_path: Path) -> None:
    """The migration to schema 14 reads the times used from the chains and moves the rows they
    change: the read models then equal those of a home that stored the events with this code."""
    now = now_ms()
    ahead, right = _alert_ahead_and_right(net, now)
    path = tmp_path / "a.db"
    log = net.new_log(path)
    log.ingest(wires(net.group.made + [ahead, right]))
    dump = log.store.projection_dump()
    log.store.close()
    alerts = TABLES.index(ALERT)
    as_schema(path, 13, "DROP TABLE capped",  # as schema 13 kept them: at their stamps, for their stated lives
              f"UPDATE proj SET vts = (SELECT ts FROM events e WHERE e.n = proj.n), "
              f"t = (SELECT expires FROM events e WHERE e.n = proj.n) WHERE tbl = {alerts}")
    assert Store(path).projection_dump() == dump


def test_an_alert_capped_by_an_event_revoked_since_gets_its_stamp_back(net: Net, tmp_path: Path) -> None:
    """The stamp that capped an alert leaves the log with its event (a seized phone's, revoked from
    that seq): the alert is used at its own stamp again, as on a node that never held the event
    (the outcome does not depend on whether the revocation came before or after it)."""
    now = now_ms()
    ahead = net.device.sign("alert", {"region": "calais", "type": "raid", "text": "ahead"},
                            ts=now + 5 * 60_000, expires=now + 5 * 60_000 + HOUR)
    before = net.device.sign("action", action(1), ts=now - HOUR)  # a clock set back by an hour (a thief's?)
    revoke = net.group.sign("member.revoke", {"subject": bytes(net.device.key.public), "from_seq": before.seq,
                                              "reason": "seized"})
    net.group.made.remove(revoke)

    def look(log: EventLog, events: list[Event]) -> object:
        seen = [(a["text"], a["expires"]) for a in views.view(log, "alerts", now=now, limit=None)]
        dump = log.store.projection_dump()
        log.rebuild()
        return seen, log.store.projection_dump() == dump

    assert _every_way(net, tmp_path, [ahead, before, revoke], look) == {
        repr(([("ahead", now + 5 * 60_000 + HOUR)], True))}


def test_a_live_alert_stays_live_when_its_device_next_signs_with_a_clock_in_1970(net: Net, tmp_path: Path) -> None:
    """A device that rebooted without its clock battery signs stamped in 1970: its live raid alert
    (6 h) is moved back 3 h 10 min at most, in every order, not to 1970 (gone from every list)."""
    now = now_ms()
    alert = net.device.sign("alert", {"region": "calais", "type": "raid", "text": "raid"}, ts=now, expires=now + 6 * HOUR)
    rebooted = net.device.sign("action", action(1), ts=1_000_000)
    live = [("raid", now + 6 * HOUR - 3 * HOUR - MAX_CLOCK_SKEW_MS)]
    assert _every_way(net, tmp_path, [alert, rebooted], _alerts_seen(now)) == {
        repr((([True, True], 0), [live, live, live, live], True))}


def test_a_reader_of_the_same_home_sees_the_alert_moved(net: Net, tmp_path: Path) -> None:
    """The dashboard reads through its own connection, which keeps the rows it rebuilt: an alert
    capped by the writer meanwhile is read again, not served as it was."""
    now = now_ms()
    ahead, right = _alert_ahead_and_right(net, now)
    path = tmp_path / "a.db"
    writer = net.new_log(path)
    writer.ingest(wires(net.group.made + [ahead]), now=ahead.header.timestamp)  # its clock had reached the stamp
    reader = EventLog(Store(path))

    def seen() -> list[tuple[str, int]]:
        return [(a["text"], a["expires"]) for a in views.view(reader, "alerts", now=now, limit=50)]

    assert seen() == [("ahead", now + HOURS_AHEAD + HOUR)]
    writer.ingest(wires([right]))
    assert seen() == [("right", now + 1000 + HOUR), ("ahead", now + 999 + HOUR)]
