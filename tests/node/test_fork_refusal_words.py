"""A key frozen by a fork is refused in the fork's words, never as "revoked": nobody revoked it. A
device of a group whose key forked was told `revoked` at the handshake, and an open link dropped
for a fork (the device's or its group's) said "revoked" too; each now says which key signed two
different events at which seq, and `solnet status` what to do (node/revoked_here.py)."""
from __future__ import annotations

import random

import pytest

from node import revoked_here
from node.net.links import dropped_words, refusal_words
from node.net.peer_policy import PeerPolicy
from node_fixtures import Net, action, wires
from sync.handshake import FROZEN, GROUP_FROZEN, HandshakeError, told_refusal
from sync.peers import PeerBook, PeerLimits


def _refusal(net: Net, log) -> HandshakeError:
    policy = PeerPolicy(PeerLimits(), lambda: log, lambda: PeerBook(random.Random(1)))
    with pytest.raises(HandshakeError) as refused:
        policy.check_peer(bytes(net.device.key.public))
    return refused.value


def test_a_device_of_a_group_whose_key_forked_is_told_the_groups_fork(net, tmp_path) -> None:
    log = net.new_log(tmp_path / "solnet.db")
    log.ingest(wires(net.group.made))  # its vouch for the device at seq 1, its profile at seq 2
    other = net.group.sign("group.profile", {"name": "Calais bis", "region": "calais"}, seq=2,
                           prev=net.group.made[0].id)  # a copy of the group's home signs at seq 2 too
    log.ingest(wires([other]))
    assert log.trust.fork_point(bytes(net.group.key.public)) == 2

    ours = _refusal(net, log)
    assert (ours.reason, ours.seq, ours.told()) == (GROUP_FROZEN, 2, "group_frozen:2"), str(ours)
    assert "group key is frozen" in str(ours) and "revoked" not in str(ours), str(ours)
    code, text = dropped_words(ours)  # an open link dropped for it
    assert code == "group_frozen:2" and "your group's key signed two different events at seq 2" in text, text
    assert "revoked" not in text, text

    told = told_refusal(ours.told(), b"\x07" * 32)  # as the refused device reads it
    assert told is not None and (told.reason, told.seq) == (GROUP_FROZEN, 2)
    words = refusal_words(told)
    assert "group key signed two different events at seq 2" in words and "revoked" not in words, words
    assert "its word" in words and "every node has frozen" not in words, words  # one peer's (tests/node/test_group_fork_claims.py)
    kept = {"by": "07" * 32, "group": "08" * 32, "name": "Dover", "at": 1, "forked_at": 2, "forked_key": "group",
            "also": [{"by": "09" * 32, "group": "0a" * 32, "name": "Leeds"}]}
    warning = revoked_here.warning(kept, net.group.key.public.hex(), "today")
    assert "group key signed two different events at seq 2" in warning, warning
    assert "admit a new group made with `solnet init`" in warning and "as revoked" not in warning, warning
    log.store.close()


def test_an_open_link_dropped_for_the_devices_own_fork_says_the_fork(net, tmp_path) -> None:
    log = net.new_log(tmp_path / "solnet.db")
    log.ingest(wires(net.group.made))
    first = net.device.sign("action", action(1))
    again = net.device.sign("action", action(2), seq=1, prev=None)
    log.ingest(wires([first, again]))
    ours = _refusal(net, log)
    assert ours.reason == FROZEN and ours.seq == 1
    code, text = dropped_words(ours)
    assert code == "frozen:1" and "your device key signed two different events at seq 1" in text, text
    assert "revoked" not in text, text
    log.store.close()
