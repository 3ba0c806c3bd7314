"""Heads and counts are kept in the ingest transaction, not recomputed from the log each round:
after every way events leave the log (a revocation from a later seq or from the first, a fork)
and come back (a revocation that stops counting), they must still say what the log holds."""
from __future__ import annotations

from pathlib import Path

from node.log import EventLog
from node_fixtures import Net, action, statuses, wires


def truth(log: EventLog) -> tuple[list[tuple[bytes, int, bytes]], int]:
    """The heads and the count as the stored events say them."""
    events = log.store.event_states()
    newest: dict[bytes, tuple[int, bytes]] = {}
    for event_id, author, seq, _ in events:
        newest[author] = max(newest.get(author, (0, b"")), (seq, event_id))
    return sorted((a, s, i) for a, (s, i) in newest.items()), len(events)


def kept(log: EventLog) -> tuple[list[tuple[bytes, int, bytes]], int]:
    return sorted(log.store.heads()), log.store.count()


def test_heads_and_count_follow_revocations_forks_and_returns(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    device = bytes(net.founder.device.public)
    evs = [net.device.sign("action", action(i)) for i in range(5)]
    assert set(statuses(log.ingest(wires(evs)))) == {"accepted"}
    assert kept(log) == truth(log) and log.store.head(device) == (5, evs[4].id)

    later = net.group.sign("member.revoke", {"subject": device, "from_seq": 3})  # the tail leaves
    assert statuses(log.ingest(wires([later]))) == ["accepted"]
    assert kept(log) == truth(log) and log.store.head(device) == (2, evs[1].id)

    whole = net.group.sign("member.revoke", {"subject": device, "from_seq": 1})  # every event leaves
    assert statuses(log.ingest(wires([whole]))) == ["accepted"]
    assert kept(log) == truth(log) and log.store.head(device) == (0, None)
    assert device not in {h.author for h in log.store.heads()}


def test_heads_and_count_follow_a_fork(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    evs = [net.device.sign("action", action(i)) for i in range(4)]
    log.ingest(wires(evs))
    twin = net.device.sign("action", action(99), seq=3, prev=evs[1].id)
    assert log.ingest(wires([twin]))[0].reason == "fork"
    assert kept(log) == truth(log) and log.store.head(bytes(net.founder.device.public)) == (2, evs[1].id)


def test_heads_follow_events_that_waited_for_their_vouch(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    other = net.device_of(net.group)
    theirs = [other.sign("action", action(i)) for i in range(3)]
    assert set(statuses(log.ingest(wires(theirs)))) == {"pending"}
    assert kept(log) == truth(log) and log.store.head(bytes(other.key.public)) == (0, None)
    assert statuses(log.ingest(wires(net.group.made[-1:]))) == ["accepted"]  # the vouch: they go in
    assert kept(log) == truth(log) and log.store.head(bytes(other.key.public)) == (3, theirs[2].id)
