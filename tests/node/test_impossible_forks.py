"""A member peer that says this device's key forked at a seq it never signed (a real node served in
the test's process dials a peer on 127.0.0.1 that refuses it with Bristol's key, a member's).

One member told every node that dialled it "frozen:999": each kept it, `solnet status` told its user
to revoke a device that was fine, and every publish said it reached no node. A fork is two events
this device signed at one seq: one past this device's own head cannot be, and is not believed.
"""
from __future__ import annotations

import logging

from node import publishing, revoked_here
from refusing_peer import know_bristols_device, refused_once
from served_nodes import network  # noqa: F401 (the fixture)


async def test_a_fork_claimed_past_this_devices_own_head_is_not_believed(network, caplog):
    caplog.set_level(logging.INFO, "solnet")
    know_bristols_device(network)
    async with refused_once(network[0], network[1].keys.device, "frozen:999") as (node, peer, _):
        assert node.refused_as_revoked is None
        assert revoked_here.load(node.log.store) is None  # `solnet status` says nothing of it either
        assert "cannot be" in peer.last_error and "not believed" in peer.last_error, peer.last_error
        port = peer.address.rsplit(":", 1)[1]
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "seq 999" in r.getMessage()]
    assert len(said) == 1 and "a fork that cannot be" in said[0] and port not in said[0], said


async def test_a_fork_claimed_at_a_seq_this_device_signed_is_kept_as_before(network):
    know_bristols_device(network)
    calais = network[0]
    log = calais.home.log()
    try:  # Calais's device signs seq 1
        publishing.publish(log, calais.keys, "need", {"category": "tents", "quantity": "3", "region": "calais"},
                           offline=True)
    finally:
        log.store.close()
    async with refused_once(network[0], network[1].keys.device, "frozen:1") as (node, _, _):
        assert node.refused_as_revoked is not None and node.refused_as_revoked["forked_at"] == 1
