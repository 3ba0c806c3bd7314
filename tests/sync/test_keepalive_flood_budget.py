"""Sealed messages that carry nothing (an empty IHave: a keepalive; an empty Push or IWant) are
held to the peer group's events/s budget, one event each (node/net/peer_link.py `serve`).

Each costs the node a decryption and a decoding on its event loop; until 2026-12-08 no budget but
the bytes/s one held them, and a member's ~45-byte frames went as fast as the node could open them
(8 MiB/s lets ~190,000 through a second; an honest node sends one keepalive a tick). A real node
served on 127.0.0.1, a mole member's link (tests/sync/hostile_double.py). Counted in tokens of the
budget, on a clock that stands still (no refill): the same on any machine. So are pushed copies of
an event the node holds (node/net/peer_link.py `_queue`).
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from hostile_double import HostilePeer, query
from node.net import Node
from node.webapp import create_app, serve
from signing_author import Author
from sync.messages import IHave, IWant, Message, Push
from sync.peers import PeerLimits
from test_group_link_lines import _network_with_a_mole

FLOOD = 600  # messages of nothing, within the burst: nothing waits
WAIT_S = 60.0


async def _taken_by(tmp_path: Path, flood: Callable[[Author], list[Message]]) -> float:
    """How much of its group's events budget a mole device's link took sending `flood(author)`,
    then a new event of its own (read after them: the end of the flood), on a clock that stands still."""
    calais, mole, network_id, [device, *_] = _network_with_a_mole(tmp_path)
    node = Node(calais.home, calais.keys, listen=("127.0.0.1", 0), sync_interval_s=3600, limits=PeerLimits())
    node.policy._clock = lambda: 0  # (the budgets' clock stands still: what is taken is not given back)
    served = await serve(create_app(node), "127.0.0.1", 0)
    author = Author(device, network_id)
    try:
        peer = await HostilePeer.connect(f"127.0.0.1:{served.port}", network_id, device, mole.credentials())
        peer.start_draining()
        try:
            for message in flood(author):
                await peer.send(message)
            marker = author.sign()
            await peer.send(Push((marker.encode(),)))
            async with asyncio.timeout(WAIT_S):
                while not query(calais.home.db_path, "SELECT 1 FROM events WHERE id=?", (marker.id,)):
                    await asyncio.sleep(0.05)
        finally:
            await peer.close()
        bucket = node.policy._events[node.policy.payer(bytes(device.public))]
        return bucket.burst - bucket.available(0)
    finally:
        await served.close()
        mole.log.store.close()


async def test_messages_of_nothing_are_charged_to_the_groups_events_budget(tmp_path: Path) -> None:
    taken = await _taken_by(tmp_path, lambda author: [(IHave(()), Push(()), IWant(()))[i % 3] for i in range(FLOOD)])
    # (the marker is one; the credentials' vouch stored at the handshake may be charged too)
    assert taken >= FLOOD, f"{FLOOD} messages of nothing took {taken:.0f} of the group's events budget"


async def test_pushed_copies_of_a_held_event_are_charged_to_the_groups_events_budget(tmp_path: Path) -> None:
    """... as copies of an event pushed again are (each decoded to find its id), counted: a wall
    clock's lower bound held on a loaded machine without the charge."""
    def flood(author: Author) -> list[Message]:
        held = author.sign().encode()
        return [Push((held,)), *(Push((held,) * 50) for _ in range(FLOOD // 50))]
    taken = await _taken_by(tmp_path, flood)
    assert taken >= FLOOD + 2, f"{FLOOD} pushed copies of a held event took {taken:.0f} of the group's events budget"
