"""A peer this node's user blocked (`solnet peers block`) is refused as such in this node's words
(`solnet peers`, the dashboard's Network health): blocked here, and how to undo it; never "not a
member", which reads as if its group were revoked. The peer itself is told no more than before."""
from __future__ import annotations

import random

import pytest

from node.net.links import refusal_words
from node.net.peer_policy import PeerPolicy
from node_fixtures import wires
from sync.handshake import NOT_A_MEMBER, HandshakeError
from sync.peers import PeerBook, PeerLimits


@pytest.mark.parametrize("which", ["device", "group"])
def test_a_blocked_member_is_said_to_be_blocked_here_not_a_non_member(net, tmp_path, which) -> None:
    log = net.new_log(tmp_path / "solnet.db")
    log.ingest(wires(net.group.made))
    device, group = bytes(net.device.key.public), bytes(net.group.key.public)
    blocked = frozenset({device if which == "device" else group})
    policy = PeerPolicy(PeerLimits(), lambda: log, lambda: PeerBook(random.Random(1)), blocked=lambda: blocked)
    with pytest.raises(HandshakeError) as refused:
        policy.check_peer(device)
    assert refused.value.reason == NOT_A_MEMBER and refused.value.ours  # what the wire says is unchanged
    words = refusal_words(refused.value)
    assert words.startswith("blocked by this node's user") and "solnet peers unblock" in words, words
    assert "member" not in words, words
    log.store.close()


def test_a_key_the_network_does_not_know_is_still_said_to_be_no_member(net, tmp_path) -> None:
    log = net.new_log(tmp_path / "solnet.db")
    log.ingest(wires(net.group.made))
    policy = PeerPolicy(PeerLimits(), lambda: log, lambda: PeerBook(random.Random(1)))
    with pytest.raises(HandshakeError) as refused:
        policy.check_peer(bytes(32))
    assert refusal_words(refused.value).startswith("this node does not count it as a member")
    log.store.close()
