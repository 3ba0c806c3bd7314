"""A wrong clock is nobody's attack, and the peer that passes an event on is not its author.

When this machine's clock is behind (a Raspberry Pi has no real-time clock: after a power cut it
starts from the time it last saved, until it reaches a time server), every fresh event from its
peers looks stamped in the future. Such events are refused (they come again at the next round,
and are taken once the clock is right), but until 2026-12-03 the peer passing them on was charged
2 penalty points each: 50 of them banned an honest peer for an hour, so a node whose clock had
fallen behind cut itself off from every peer, alerts included, and said "sent invalid data". Now
nobody is charged, and once events of two groups or more came so stamped, the node says that its
clock looks behind, by how much, and what that costs. Here the wire double (the real handshake
and frames) plays a member whose events are stamped an hour after this machine's clock; a real
`solnet sync` process takes them.
"""
from __future__ import annotations

import asyncio
import json
import re

import pytest

from hostile_double import PASSPHRASE, Author, HostilePeer, HostileServer
from node.log import now_ms
from sync.messages import HEAD_PREFIX, End, Events, Heads, Offer
from test_sync_cut import heads_of, sink, solnet_sync, stored_by  # noqa: F401 (sink: the fixture)

pytestmark = pytest.mark.integration  # a real `solnet sync` process

AHEAD_MS = 3_570_000  # the peer's clock is right; ours is 59 min 30 s behind (said as 59 min)
EVENTS = 300  # 2 points each banned the peer after 50


async def sync_with_events_ahead(node, mole, *, also_of_own_group: bool):
    """One `solnet sync` of `node` with the double streaming EVENTS events of a mole device stamped
    AHEAD_MS after this clock (`also_of_own_group`: and one of the node's own device, a second group)."""
    key = mole.new_device()
    author = Author(key, mole.network_id)
    later = now_ms() + AHEAD_MS
    events = [author.sign(ts=later + i).encode() for i in range(EVENTS)]
    if also_of_own_group:
        own = Author(node.home.keys(PASSPHRASE).device, mole.network_id, seq=900, prev=bytes(32))
        events.append(own.sign(ts=later).encode())

    async def script(peer: HostilePeer) -> None:
        assert isinstance(await peer.receive(5), Offer)
        await peer.send(Heads((*heads_of(node), (bytes(key.public), EVENTS, author.prev[:HEAD_PREFIX]))))
        assert isinstance(await peer.receive(5), Heads) and await peer.receive(5) == End(0)
        for i in range(0, len(events), 100):
            await peer.send(Events(tuple(events[i:i + 100])))
        await peer.send(End(len(events)))
        await peer.receive(30)  # the sink ends the round and closes (it was not banned mid-stream)

    server = HostileServer(mole.network_id, key, mole.credentials(), script)
    port = await server.start()
    try:
        done = await asyncio.to_thread(solnet_sync, node, port, "--json")
        await asyncio.wait_for(server.results.get(), 30)
    finally:
        await server.stop()
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)  # refused events: exit 1, as always
    report = json.loads(done.stdout)
    assert report["complete"] is True and report["outcomes"] == {"rejected": len(events)}, report
    assert stored_by(node, bytes(key.public)) == 0  # refused: they come again once the clock is right
    return done.stderr


async def test_events_stamped_after_this_machines_clock_are_refused_and_the_peer_is_not_charged(sink):
    node, mole = sink
    said = await sync_with_events_ahead(node, mole, also_of_own_group=False)
    assert "banned" not in said and "sent invalid data" not in said, said
    assert "events of Mole from peers were refused as stamped more than 10 minutes after this machine's clock" in said, said
    assert "If this machine's clock is behind" in said and "set it (`timedatectl`)" in said, said
    assert "clock looks" not in said, said  # one group's events: maybe only that group's clock is ahead


async def test_events_of_two_groups_ahead_say_this_machines_clock_looks_behind(sink):
    node, mole = sink
    said = await sync_with_events_ahead(node, mole, also_of_own_group=True)
    assert re.search(r"warning: this machine's clock looks 5[89] min behind: events of two groups or more", said), said
    assert "alerts included" in said and "banned" not in said, said
