"""A refusal of this node's device told by a key that is no member here (a real node served in the
test's process dials a peer on 127.0.0.1 that refuses it).

Anyone can answer at an address a node dials (a taken-over address, anyone on the path) and say
"revoked": `solnet peers` then said "it refused this node's device as revoked", the network's
verdict in a stranger's mouth. It says what the peer is: no member of this network.
"""
from __future__ import annotations

import asyncio

import pytest

from crypto.keys import SigningKey
from node.net.credentials import credential_chain
from sync.addresses import normalize_address
from refusing_peer import refusing_peer
from served_nodes import network, served_node  # noqa: F401 (network: the fixture)

WAIT_S = 10.0


async def refused_words(network, device: SigningKey | None, text: str) -> str:
    """What `solnet peers` says of a peer that refused Calais's node with `text`, under `device`
    (None: a key nobody certified)."""
    async with served_node(network[0]) as (node, _), \
            refusing_peer(node.log.network_id, device or SigningKey.generate(), text) as (port, _dials):
        address = normalize_address(f"127.0.0.1:{port}")
        assert node.directory.overlay.learn(address, "config")
        peer = node.directory.book.get(address)
        deadline = asyncio.get_running_loop().time() + WAIT_S
        while peer.failures < 1:
            assert asyncio.get_running_loop().time() < deadline, "the refused dial was not counted as a failure"
            await asyncio.sleep(0.05)
        assert node.refused_as_revoked is None or device is not None  # a stranger's word is never kept
        return peer.last_error


@pytest.mark.parametrize("text", ["revoked", "frozen:3", "not_a_member"])
async def test_a_strangers_refusal_says_the_peer_is_no_member_not_that_this_device_is_revoked(network, text):
    words = await refused_words(network, None, text)
    assert words.startswith("it is not a member of this network"), words
    assert "as revoked" not in words and "fork" not in words and "solnet status" not in words, words


def know_bristols_device(network) -> None:
    """Calais's home holds the credentials of Bristol's device (as after a first sync)."""
    calais, bristol = network
    device = bytes(bristol.keys.device.public)
    theirs, ours = bristol.home.log(), calais.home.log()
    try:
        ours.ingest(credential_chain(theirs, device))
        assert ours.trust.member(device) is not None
    finally:
        theirs.store.close()
        ours.store.close()


async def test_a_members_refusal_is_still_said_as_the_network_says_it(network):
    know_bristols_device(network)
    words = await refused_words(network, network[1].keys.device, "revoked")
    assert words.startswith("it refused this node's device as revoked"), words
