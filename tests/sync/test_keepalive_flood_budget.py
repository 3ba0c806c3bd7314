"""Sealed messages that carry nothing (an empty IHave: a keepalive; an empty Push or IWant) are
held to the peer group's events/s budget, one event each (node/net/peer_link.py `serve`).

Each costs the node a decryption and a decoding on its event loop; until 2026-12-08 no budget but
the bytes/s one held them, and a member's ~45-byte frames went as fast as the node could open them
(8 MiB/s lets ~190,000 through a second; an honest node sends one keepalive a tick). A real node
served on 127.0.0.1, a mole member's link (tests/sync/hostile_double.py). Counted in tokens of the
budget, on a clock that stands still (no refill): the same on any machine.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

from hostile_double import HostilePeer, query
from node.net import Node
from node.webapp import create_app, serve
from signing_author import Author
from sync.messages import IHave, IWant, Push
from sync.peers import PeerLimits
from test_group_link_lines import _network_with_a_mole

FLOOD = 600  # messages of nothing, within the burst: nothing waits
WAIT_S = 60.0


async def test_messages_of_nothing_are_charged_to_the_groups_events_budget(tmp_path: Path) -> None:
    calais, mole, network_id, [device, *_] = _network_with_a_mole(tmp_path)
    node = Node(calais.home, calais.keys, listen=("127.0.0.1", 0), sync_interval_s=3600, limits=PeerLimits())
    node.policy._clock = lambda: 0  # (the budgets' clock stands still: what is taken is not given back)
    served = await serve(create_app(node), "127.0.0.1", 0)
    marker = Author(device, network_id).sign()
    try:
        peer = await HostilePeer.connect(f"127.0.0.1:{served.port}", network_id, device, mole.credentials())
        peer.start_draining()
        try:
            for i in range(FLOOD):
                await peer.send((IHave(()), Push(()), IWant(()))[i % 3])
            await peer.send(Push((marker.encode(),)))  # read after them: the end of the flood
            async with asyncio.timeout(WAIT_S):
                while not query(calais.home.db_path, "SELECT 1 FROM events WHERE id=?", (marker.id,)):
                    await asyncio.sleep(0.05)
        finally:
            await peer.close()
        bucket = node.policy._events[node.policy.payer(bytes(device.public))]
        taken = bucket.burst - bucket.available(0)
        # (the marker is one; the credentials' vouch stored at the handshake may be charged too)
        assert taken >= FLOOD, f"{FLOOD} messages of nothing took {taken:.0f} of the group's events budget"
    finally:
        await served.close()
        mole.log.store.close()
