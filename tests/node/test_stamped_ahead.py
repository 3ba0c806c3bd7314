"""A device whose clock ran ahead, then was set right: its rightly stamped events prove its clock
and let in the ones stamped ahead (node/stamped_ahead.py), in every arrival order and batch split,
against a real SQLite log. Without a proof, events stamped ahead stay out; only the immediate
successor proves, and only one that goes in itself."""
from __future__ import annotations

import itertools
from pathlib import Path

from events.format import Event
from node.log import MAX_CLOCK_SKEW_MS, EventLog, now_ms
from node import stamped_ahead
from node.stamped_ahead import MAX_PROVED_LEAD_MS, Link
from node.words import own_stamped_ahead
from node_fixtures import Net, action, statuses, wires

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


def _every_way(net: Net, tmp_path: Path, events: list[Event]) -> set[str]:
    """The final state of a log fed `events` in every order and every split of that order into
    batches (each followed by the sync rounds that send again what it lacks)."""
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
            finals.add(repr(_final(log, events)))
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
