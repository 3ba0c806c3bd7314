"""A hostile member says a device is linked twice (closes its link with the `linked_twice` notice of
node/linked_twice.py) when it holds one link of it: a false alarm that could make that device's
group revoke it. The node told cannot see the teller's links, so the alarm is said, in its log,
`solnet status` and the dashboard's banner, as that peer's word, by its label and device id,
never as this node's own finding (until 2026-12-05 `solnet status` said "a peer said" and who was
not kept). A real node served on 127.0.0.1; the mole speaks the real wire protocol."""
from __future__ import annotations

import asyncio
import logging

from hostile_double import PASSPHRASE, HostilePeer, Mole
from node.demo import localnet
from node.linked_twice import LINKED_TWICE
from node.net import Node
from node.webapp import create_app, serve
from node.words import node_fact_warnings
from sync.messages import Error

WAIT_S = 10.0


async def test_a_linked_twice_notice_is_said_as_the_word_of_the_peer_that_sent_it(tmp_path, caplog) -> None:
    caplog.set_level(logging.INFO, "solnet")
    calais, = localnet.create_network(tmp_path, [("Calais", "calais")], PASSPHRASE)
    keys = calais.home.keys(PASSPHRASE)
    founder_log = calais.home.log()
    try:
        mole = Mole.admit(tmp_path, founder_log, keys)
    finally:
        founder_log.store.close()
    device = mole.new_device()
    node = Node(calais.home, keys, listen=("127.0.0.1", 0), sync_interval_s=3600)
    served = await serve(create_app(node), "127.0.0.1", 0)
    try:
        peer = await HostilePeer.connect(f"127.0.0.1:{served.port}", mole.network_id, device, mole.credentials())
        await peer.send(Error(LINKED_TWICE, "this node holds two links of your device at once (it holds one)"))
        await peer.close()
        deadline = asyncio.get_running_loop().time() + WAIT_S
        while not (facts := node.live_facts()).get("linked_twice_told"):
            assert asyncio.get_running_loop().time() < deadline, "the notice was not taken in"
            await asyncio.sleep(0.05)
    finally:
        await served.close()
        mole.log.store.close()
    who = f"(device {bytes(device.public).hex()[:12]})"
    assert who in facts["linked_twice_told_by"], facts
    [said] = node_fact_warnings(facts)  # as `solnet status` says it
    assert said.index(who) < said.index(" said on ") and "its word: this node cannot see that peer's links" in said
    assert "a peer said" not in said, said
    [logged] = [r.getMessage() for r in caplog.records if "two links of this device" in r.getMessage()]
    assert who in logged and "its word" in logged, logged
