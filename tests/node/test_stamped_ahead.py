"""A device whose clock ran ahead, then was set right: its rightly stamped events prove its clock
and let in the ones stamped ahead (node/stamped_ahead.py), in every arrival order and batch split,
against a real SQLite log. Without a proof, events stamped ahead stay out."""
from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from events.format import Event
from node.log import MAX_CLOCK_SKEW_MS, EventLog, now_ms
from node.stamped_ahead import MAX_PROVED_LEAD_MS, proved_right, shown_time
from node_fixtures import Net, action, statuses, wires

HOURS_AHEAD = 3 * 3_600_000


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
    assert proved_right(1, 500, [(2, 100)], limit=100)
    assert not proved_right(1, 500, [(2, 101)], limit=100)  # the later one is ahead too
    assert not proved_right(2, 500, [(1, 50), (2, 50)], limit=100)  # only a higher seq proves
    assert proved_right(1, 100 + MAX_PROVED_LEAD_MS, [(2, 100)], limit=100)
    assert not proved_right(1, 101 + MAX_PROVED_LEAD_MS, [(2, 100)], limit=100)  # too far ahead to be let in
    assert shown_time(500, 200) == (200, True)
    assert shown_time(100, 200) == (100, False)
    assert shown_time(500, None) == (500, False)


@pytest.mark.parametrize("split", ["one by one", "one batch"])
def test_a_clock_set_right_lets_its_chain_in_whatever_the_order(net: Net, tmp_path: Path, split: str) -> None:
    events = _ahead_then_right(net)
    outcomes = set()
    for n, order in enumerate(itertools.permutations(events)):
        log = net.new_log(tmp_path / f"{split}-{n}.db")
        log.ingest(wires(net.group.made))
        for batch in ([[ev] for ev in order] if split == "one by one" else [list(order)]):
            log.ingest(wires(batch))
        _sync_until_still(log, events)
        outcomes.add(repr(_final(log, events)))
        log.store.close()
    assert outcomes == {repr(([True, True, True], 0))}


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
    assert statuses([out]) == ["rejected"] and "no later event of its author" in out.message


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
