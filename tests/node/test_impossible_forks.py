"""A member peer that says this device's key forked at a seq this home never signed (a real node
served in the test's process dials a peer on 127.0.0.1 that refuses it with Bristol's key, a member's).

A fork is two events signed with this device's key at one seq. One past this home's own head is
not one this home made: if the peer says true, the key signs elsewhere (a copied home, a seized or
stolen device, an older backup restored here) - the theft case, where the user must hear "make a
new device and revoke this one". For a day of this session such a refusal was dismissed as the
peer's lie and never kept (a real freeze was said as "not believed"); now it is kept and said as
that peer's word, naming the key in other hands.
"""
from __future__ import annotations

import logging

from node import publishing, revoked_here
from refusing_peer import know_bristols_device, refused_once
from served_nodes import network  # noqa: F401 (the fixture)


async def test_a_fork_claimed_past_this_homes_own_head_is_said_as_the_key_signing_elsewhere(network, caplog):
    caplog.set_level(logging.INFO, "solnet")
    know_bristols_device(network)
    async with refused_once(network[0], network[1].keys.device, "frozen:999") as (node, peer, _):
        kept = node.refused_as_revoked
        assert kept is not None and kept["forked_at"] == 999 and kept.get("elsewhere") is True, kept
        assert await node.db(revoked_here.load, node.log.store) == kept  # `solnet status` says it too
        port = peer.address.rsplit(":", 1)[1]
    said = revoked_here.warning(kept, "GROUP", "today")
    assert "one peer's word" in said and "a seq this home never reached" in said and "signs elsewhere" in said, said
    assert "revoke" in said and "not believed" not in said, said
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "seq 999" in r.getMessage()]
    assert logged and all(port not in m for m in logged), logged


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
        assert not node.refused_as_revoked.get("elsewhere")  # a seq this home signed: its own fork's words
