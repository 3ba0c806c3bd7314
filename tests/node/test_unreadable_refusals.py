"""A peer whose refusal this node cannot read (a real node served in the test's process dials a
peer on 127.0.0.1 that refuses it with hostile words).

"frozen:²" passed str.isdigit(), then int() raised ValueError: the dial task died ("Task exception
was never retrieved"), the dial was never counted failed, and the node dialled that peer again
every half second for ever (each time a signed handshake, its credentials and a traceback). Now
the refusal is one the node cannot read: a failed dial like any other, with its backoff and words.
"""
from __future__ import annotations

import asyncio
import logging

import pytest

from crypto.keys import SigningKey
from node.demo import localnet
from sync.addresses import normalize_address
from refusing_peer import refusing_peer
from served_nodes import network, served_node  # noqa: F401 (network: the fixture)

WAIT_S = 10.0


async def until(predicate, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, f"not within {WAIT_S:.0f} s: {what}"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("text", ["frozen:²", "frozen:١٢", "no such refusal"])
async def test_a_refusal_this_node_cannot_read_is_a_failed_dial_with_its_backoff(network, text, caplog):
    caplog.set_level(logging.INFO, "solnet")
    calais = network[0]
    async with served_node(calais) as (node, _), \
            refusing_peer(node.log.network_id, SigningKey.generate(), text) as (port, dials):
        address = normalize_address(f"127.0.0.1:{port}")
        assert node.directory.overlay.learn(address, "config")
        peer = node.directory.book.get(address)
        await until(lambda: peer.failures >= 1, "the refused dial counted as a failure")
        assert "cannot read" in peer.last_error and "²" not in peer.last_error, peer.last_error
        assert len(dials) == 1  # and not dialled again before its backoff
    logged = caplog.text
    assert "Traceback" not in logged and "never retrieved" not in logged, logged
    assert f"{port}" not in logged  # (logs never hold a peer's address)
