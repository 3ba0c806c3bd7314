"""What a store keeps from one write transaction to the next (chain heads, the newest `n`, meta values
such as the trust version, whether it has peers or events kept aside, the soonest expiry) holds only
while no other connection commits: a second writer on the same home (`solnet publish` in a terminal
beside a running node) is seen at the next write, never signed over. Two connections to one real
SQLite file, as two processes would have."""
from __future__ import annotations

from pathlib import Path

import pytest

from crypto.keys import SigningKey
from node.log import EventLog, now_ms
from node.store import Store
from node_fixtures import Net, action, device_vouch, wires

ALERT = {"region": "calais", "type": "raid", "text": "vans at the bridge"}


def two_writers(net: Net, tmp_path: Path) -> tuple[EventLog, EventLog]:
    path = tmp_path / "home.db"
    first = net.new_log(path)
    first.ingest(wires(net.group.made))
    return first, EventLog(Store(path))


def test_a_chain_that_another_connection_extended_is_continued_not_forked(net: Net, tmp_path: Path) -> None:
    first, second = two_writers(net, tmp_path)
    device = net.founder.device
    mine = first.append(device, "action", action(1))  # `first` now knows this chain's head and the newest n
    theirs = second.append(device, "action", action(2))
    after = first.append(device, "action", action(3))
    assert (after.seq, after.header.prev) == (theirs.seq + 1, theirs.id)
    assert first.store.fork_count() == 0
    ns = [first.store.event_n(e.id) for e in (mine, theirs, after)]
    assert ns == sorted(set(ns)) and first.store.last_n() == ns[-1]


def test_a_key_that_another_connection_vouched_for_signs_at_once(net: Net, tmp_path: Path) -> None:
    first, second = two_writers(net, tmp_path)
    first.append(net.founder.device, "action", action(1))  # `first` knows the trust version
    newcomer = SigningKey.generate()
    second.append(net.founder.group, "member.vouch", device_vouch(net.founder.group, newcomer, bytes(32)))
    assert first.append(newcomer, "action", action(2)).seq == 1


def test_a_body_that_another_connection_stored_expires_on_time(net: Net, tmp_path: Path) -> None:
    first, second = two_writers(net, tmp_path)
    now = now_ms()
    first.append(net.founder.device, "alert", ALERT, now=now)  # `first` knows the soonest expiry: an hour away
    soon = second.append(net.founder.device, "alert", ALERT, expires=now + 60_000, now=now)
    assert first.purge_expired(now + 120_000) == 1
    assert first.store.event_row(soon.id).body is None


def test_peers_and_events_kept_aside_by_another_connection_are_seen(net: Net, tmp_path: Path) -> None:
    first, second = two_writers(net, tmp_path)
    stranger = SigningKey.generate()
    with first.store.write():
        assert not first.store.has_peers() and first.store.pending_authors() == []
    with second.store.write():
        second.store.save_peer("127.0.0.1:9", "config")
        second.store.hold(bytes(32), bytes(stranger.public), 3, b"wire", "bad_chain", now_ms(), "action")
    with first.store.write():
        assert first.store.has_peers()
        assert first.store.pending_authors() == [(bytes(stranger.public), 3)]


def test_what_a_rolled_back_write_taught_is_forgotten(net: Net, tmp_path: Path) -> None:
    first, _ = two_writers(net, tmp_path)
    store = first.store
    with pytest.raises(LookupError):
        with store.write():
            store.set_meta("probe", b"rolled back")
            raise LookupError("the write fails")
    with store.write():
        assert store.get_meta("probe") is None
    with store.group():
        with pytest.raises(LookupError):
            with store.write():  # a savepoint of the group
                store.set_meta("probe", b"rolled back too")
                raise LookupError("this part fails")
        assert store.get_meta("probe") is None
    device = net.founder.device
    head = store.head(bytes(device.public))
    with pytest.raises(LookupError):
        with store.group():  # one transaction: the append in it is rolled back with it
            first.append(device, "action", action(1))
            raise LookupError("the write fails after the append")
    with store.write():
        assert store.head(bytes(device.public)) == head


def test_a_publish_after_another_reads_no_head_meta_or_row_number_again(net: Net, tmp_path: Path) -> None:
    """The facts a publish needs were learnt by the one before: its transaction reads none again."""
    first, _ = two_writers(net, tmp_path)
    first.append(net.founder.device, "action", action(1))
    statements: list[str] = []
    first.store._db.set_trace_callback(statements.append)
    first.append(net.founder.device, "action", action(2))
    first.store._db.set_trace_callback(None)
    reads = [s for s in statements if s.startswith("SELECT")]
    assert not [s for s in reads if "FROM heads" in s or "FROM meta" in s or "max(n)" in s or "FROM peers" in s
                or "FROM pending" in s or "expires <=" in s], reads


def test_the_events_another_connection_stored_are_told_apart_from_this_ones(net: Net, tmp_path: Path) -> None:
    """What the watcher gossips of what another process stored (`solnet import` into a running
    node's home): that connection's events only, alerts alone when asked, never this one's own
    (peers' events its links forward, or not, as they should), in stored order and up to a row."""
    first, second = two_writers(net, tmp_path)
    start = first.store.last_n()
    device = net.founder.device
    mine = [first.append(device, "action", action(1))]
    theirs = [second.append(device, "action", action(2)), second.append(device, "alert", ALERT)]
    mine.append(first.append(device, "action", action(3)))
    theirs.append(second.append(device, "action", action(4)))
    last = first.store.last_n()

    def ids(rows: list) -> list:
        return [row[1] for row in rows]

    assert ids(first.store.stored_elsewhere(start, last, 10)) == [e.id for e in theirs]
    assert ids(first.store.stored_elsewhere(start, last, 10, kinds=["alert"])) == [theirs[1].id]
    assert ids(first.store.stored_elsewhere(start, last, 1)) == [theirs[0].id]
    assert ids(first.store.stored_elsewhere(first.store.event_n(theirs[1].id), last, 10)) == [theirs[2].id]
    assert ids(first.store.stored_elsewhere(start, first.store.event_n(mine[1].id), 10)) == [e.id for e in theirs[:2]]
    first.store.forget_written(first.store.event_n(mine[0].id))  # what the watcher has gone past
    assert ids(first.store.stored_elsewhere(first.store.event_n(mine[0].id), last, 10)) == [e.id for e in theirs]
    assert ids(second.store.stored_elsewhere(start, last, 10)) == [e.id for e in mine]


def test_a_row_number_a_rolled_back_part_gave_again_reads_as_its_new_event(net: Net, tmp_path: Path) -> None:
    """In a group, a part rolled back gives its event's row number `n` again to the next part's event;
    `numbered_row` of the rolled-back event (looked up by the `n` its write kept, Store._n_stored) is
    then no event, not the other event that now bears that `n`."""
    first, _ = two_writers(net, tmp_path)
    store, device = first.store, net.founder.device
    with store.group():
        with pytest.raises(LookupError):
            with store.write():  # a savepoint of the group
                gone = first.append(device, "action", action(1))
                raise LookupError("this part fails after its append")
        kept = first.append(device, "action", action(2))  # the next part: the same seq, the same n
        assert store.numbered_row(kept.id).id == kept.id
        assert store.event_n(kept.id) == store.numbered_row(kept.id).n
        assert store.numbered_row(gone.id) is None and store.event_row(gone.id) is None
    assert store.numbered_row(gone.id) is None and store.numbered_row(kept.id).id == kept.id
