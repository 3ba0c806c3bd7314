"""What a round says a peer holds of this device's events (node/net/peer_link.py `RoundResult.own_held`,
node/own_unsent.py): the heads the peer offered say it holds all before the first streamed it. A
round that streamed any noted nothing, so a phone whose rounds streamed what it signed (a running
one, or a sync cut before its confirming round) kept no record even of what the peer already held,
and once revoked was told those events were held by no peer."""
from __future__ import annotations

from node.net.peer_link import RoundResult


def test_a_round_notes_the_peers_head_of_this_device_only_if_it_is_this_devices_event() -> None:
    """`own_seen`: the peer's head of this device, checked against this device's event at its seq
    (node/net/peer_link.py `_own_seen`)."""
    assert RoundResult(complete=True, own_seen=4, own_sent=(5, 7)).own_held == 4
    assert RoundResult(complete=True, own_seen=7).own_held == 7  # it held all this side offered
    # not those streamed: the round ends before the peer stored them, and it may refuse them
    assert RoundResult(complete=True, own_sent=(1, 7)).own_held is None
    assert RoundResult(complete=False, own_seen=4, own_sent=(5, 7)).own_held is None  # cut: says nothing
    assert RoundResult(complete=True).own_held is None  # this device signed nothing, or the peer said Same
    # a head of another branch (a copied home's) at seq 3: fork evidence streamed, nothing held
    assert RoundResult(complete=True, own_diverged=True, own_sent=(3, 3)).own_held is None


def test_nothing_is_known_held_while_a_fork_of_this_device_is_known(tmp_path) -> None:
    """A fork point is found late, and may be lowered later: a record noted before (or from a
    peer's heads on the other hands' branch) is set back to none, and not raised while it stands."""
    from node import own_unsent
    from node.store import Store

    device, other = b"\x01" * 32, b"\x02" * 32
    store = Store(tmp_path / "solnet.db")
    try:
        own_unsent.note(store, device, 3)
        with store.write():
            store.record_fork(other, 2, [], 0)  # another device's fork: the record stands
        own_unsent.note(store, device, 0)
        assert own_unsent.held(store, device) == 3
        with store.write():
            store.record_fork(device, 2, [], 0)
        assert own_unsent.held(store, device) == 0  # read as none at once (`status`, `solnet revoke`)
        own_unsent.note(store, device, 5)
        assert own_unsent.held(store) == 0  # set back to none, and not raised
    finally:
        store.close()
