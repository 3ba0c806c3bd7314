"""A successor past its key's revocation proves nothing (node/stamped_ahead.py), in every arrival
order and batch split, against a real SQLite log.

A seized phone (or a mole's device its group cut off) signs an event stamped two hours ahead at a
seq it may still sign, then a rightly stamped one past its revocation. Until 2026-12-06 that
second event, refused itself (kept aside as revoked), still proved the first, which went in at
once to top every list for two hours; now the first waits aside for its time, whichever came
first, the revocation, the events, or all in one batch."""
from __future__ import annotations

from pathlib import Path

from node.log import now_ms
from node_fixtures import Net, action, wires
from test_stamped_ahead import _every_way, _sync_until_still

HOUR = 3_600_000


def _seized(net: Net) -> tuple[list, int]:
    """The phone's event stamped 2 h ahead (seq 1), its rightly stamped successor (seq 2), and its
    group's revocation of it from seq 2 (not part of the setup `_every_way` ingests first)."""
    now = now_ms()
    ahead = net.device.sign("alert", {"region": "calais", "type": "raid", "text": "fake, stamped ahead"},
                            ts=now + 2 * HOUR, expires=now + 3 * HOUR)
    after = net.device.sign("action", action(1), ts=now)
    revoke = net.group.sign("member.revoke", {"subject": bytes(net.device.key.public), "from_seq": 2,
                                              "reason": "seized"})
    net.group.made.remove(revoke)
    return [ahead, after, revoke], now


def test_a_successor_past_a_revocation_proves_nothing_in_any_order(net: Net, tmp_path: Path) -> None:
    events, _ = _seized(net)
    # neither in the log; both kept aside (the first for its time, the second as revoked)
    assert _every_way(net, tmp_path, events) == {repr(([False, False, True], 2))}


def test_the_event_goes_in_when_its_time_comes(net: Net, tmp_path: Path) -> None:
    (ahead, after, revoke), now = _seized(net)
    setup = list(net.group.made)
    later = now + 2 * HOUR  # its stamp is this node's time then
    anything = net.group.sign("group.profile", {"name": "Calais", "region": "calais"}, ts=later)
    for name, batches in (("apart", [[ahead], [after], [revoke]]), ("together", [[ahead, after, revoke]]),
                          ("revoked first", [[revoke], [after, ahead]])):
        log = net.new_log(tmp_path / f"{name}.db")
        try:
            log.ingest(wires(setup), now=now)
            for batch in batches:
                said = {o.id: o.status for o in log.ingest(wires(batch), now=now)}
                assert said.get(ahead.id) != "accepted", name  # (taken out again in its own batch: not said stored)
            _sync_until_still(log, [ahead, after, revoke])  # the next rounds send again what was refused
            assert log.store.event_row(ahead.id) is None, name
            assert log.store.is_pending(ahead.id), name
            log.ingest(wires([anything]), now=later)
            assert log.store.event_row(ahead.id) is not None, name
            assert log.store.event_row(after.id) is None and log.store.is_pending(after.id), name
        finally:
            log.store.close()


def test_a_revocation_found_void_gives_both_back_in_any_order(tmp_path: Path) -> None:
    """G1's key revokes its device g1 (pinned at the event stamped ahead); the founder then revokes
    G1 from before that revocation (its group key stolen): the revocation counts no more, and the
    event stamped ahead goes in with its successor, which proves it again, whatever the order."""
    import itertools

    from test_order_independence import certified_world, ingest_in

    world = certified_world()
    now = now_ms()
    g1 = world.authors["g1"]
    ahead = g1.sign("need", {"category": "food", "quantity": 3, "region": "calais"}, ts=now + 2 * HOUR)
    after = g1.sign("need", {"category": "food", "quantity": 4, "region": "calais"}, ts=now)
    revoke = world.authors["G1"].sign("member.revoke", {"subject": world.pub("g1"), "from_seq": after.seq,
                                                        "reason": "seized", "pin": ahead.id})
    void = world.authors["F"].sign("member.revoke", {"subject": world.pub("G1"), "from_seq": revoke.seq,
                                                     "reason": "group key stolen"})
    setup = list(world.events)
    for label, events, expected in (("revoked", [ahead, after, revoke], (False, False)),
                                    ("void", [ahead, after, revoke, void], (True, True))):
        for n, order in enumerate(itertools.permutations(events)):
            cut = n % len(events)  # one batch split of each order
            log = ingest_in(tmp_path / f"{label}-{n}.db", world, setup, [])
            try:
                for batch in (order[:cut], order[cut:]):
                    if batch:
                        log.ingest([e.encode() for e in batch])
                _sync_until_still(log, events)
                got = tuple(log.store.event_row(e.id) is not None for e in (ahead, after))
                assert got == expected, (label, [events.index(e) for e in order], cut)
            finally:
                log.store.close()
