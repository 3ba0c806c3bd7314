"""A peer whose refusal this node cannot read (a real node served in the test's process dials a
peer on 127.0.0.1 that refuses it with hostile words).

"frozen:²" passed str.isdigit(), then int() raised ValueError: the dial task died ("Task exception
was never retrieved"), the dial was never counted failed, and the node dialled that peer again
every half second for ever (each time a signed handshake, its credentials and a traceback). Now
the refusal is one the node cannot read: a failed dial like any other, with its backoff and words.
"""
from __future__ import annotations

import logging

import pytest

from refusing_peer import know_bristols_device, refused_once
from served_nodes import network  # noqa: F401 (the fixture)

@pytest.mark.parametrize("text", ["frozen:²", "frozen:١٢", "no such refusal"])
async def test_a_refusal_this_node_cannot_read_is_a_failed_dial_with_its_backoff(network, text, caplog):
    caplog.set_level(logging.INFO, "solnet")
    know_bristols_device(network)  # a member's refusal is read (a stranger is asked to present first: sync/transport.py)
    async with refused_once(network[0], network[1].keys.device, text) as (_, peer, dials):
        assert "cannot read" in peer.last_error and "²" not in peer.last_error, peer.last_error
        assert len(dials) == 1  # and not dialled again before its backoff
        port = peer.address.rsplit(":", 1)[1]
    logged = caplog.text
    assert "Traceback" not in logged and "never retrieved" not in logged, logged
    assert port not in logged  # (logs never hold a peer's address)
