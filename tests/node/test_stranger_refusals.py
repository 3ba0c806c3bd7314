"""A refusal of this node's device told by a key that is no member here (a real node served in the
test's process dials a peer on 127.0.0.1 that refuses it).

Anyone can answer at an address a node dials (a taken-over address, anyone on the path) and say
"revoked": `solnet peers` then said "it refused this node's device as revoked", the network's
verdict in a stranger's mouth. It says what the peer is: no member of this network.
"""
from __future__ import annotations

import pytest

from crypto.keys import SigningKey
from refusing_peer import know_bristols_device, refused_once
from served_nodes import network  # noqa: F401 (the fixture)


async def refused_words(network, device: SigningKey | None, text: str) -> str:
    """What `solnet peers` says of a peer that refused Calais's node with `text`, under `device`
    (None: a key nobody certified)."""
    async with refused_once(network[0], device or SigningKey.generate(), text) as (node, peer, _):
        assert node.refused_as_revoked is None or device is not None  # a stranger's word is never kept
        return peer.last_error


@pytest.mark.parametrize("text", ["revoked", "frozen:3", "not_a_member"])
async def test_a_strangers_refusal_says_the_peer_is_no_member_not_that_this_device_is_revoked(network, text):
    words = await refused_words(network, None, text)
    # Said as what the peer is: its words are not read at all since 2026-12-05 (a key the dialler knows
    # nothing of is asked to present first, and its refusal is not believed: sync/transport.py)
    assert words.startswith(("it is not a member of this network", "this node does not count it as a member")), words
    assert "as revoked" not in words and "fork" not in words and "solnet status" not in words, words


async def test_a_members_refusal_is_still_said_as_the_network_says_it(network):
    know_bristols_device(network)
    words = await refused_words(network, network[1].keys.device, "revoked")
    assert words.startswith("it refused this node's device as revoked"), words
