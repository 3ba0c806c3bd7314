"""Large events travel in messages that fit a frame, with two real nodes in this process (node.net.Node,
real SQLite homes made by node.demo.localnet, the listener's app served on 127.0.0.1).

A frame carries at most 4 MiB (sync/channel.py). A `sealed` event may be 63 KiB: a member whose 100
such events (each accepted everywhere) went out in one Events message of 6 MiB stopped the stream
of every round with every peer (the sending side's writer died on the oversized frame, the round
was cut after 15 s without progress, and no author after that one got through). Streams, answers
and gossip now cut their events into messages of at most 1 MiB (sync/messages.py event_batches)."""
from __future__ import annotations

import asyncio
import logging
import os

from events.canonical import pack
from events.format import sign_event
from node.demo.localnet import LocalNode
from node.log import now_ms
from node.net import Node
from served_nodes import calais, network  # noqa: F401 (fixtures)

ROUND_S = 60.0  # a bound on a round that moves ~6 MiB on this machine in well under a second


async def sealed_events(network: list[LocalNode], node: Node, count: int) -> list[bytes]:
    """`count` sealed events of Calais's device, each with a 60 KiB envelope (opaque to every node
    but its recipients', so accepted everywhere as it is). The running node's store is read on its
    database thread (node/store/owner.py)."""
    key = network[0].keys.device
    log = node.log
    seq, prev = await node.db(log.store.head, bytes(key.public))
    wires = []
    for _ in range(count):
        ev = sign_event(key, network=log.network_id, seq=seq + 1, prev=prev, timestamp=now_ms(), kind="sealed",
                        body=pack({"envelope": os.urandom(60 * 1024)}))
        wires.append(ev.encode())
        seq, prev = seq + 1, ev.id
    return wires


async def test_a_round_streams_a_members_long_sealed_events_in_messages_that_fit(network, calais) -> None:
    node, served = calais
    wires = await sealed_events(network, node, 100)
    assert {o.status for o in await node.db(node.log.ingest, wires)} == {"accepted"}
    assert sum(map(len, wires)) > 4 * 1024 * 1024  # more than one frame holds
    bristol = Node(network[1].home, network[1].keys)
    await bristol.start(background=False)
    try:
        result = await asyncio.wait_for(bristol.sync_once(f"127.0.0.1:{served.port}"), ROUND_S)
        assert result.complete and result.outcomes["accepted"] >= 100, result
        stored = set(await bristol.db(bristol.log.store.chain_wires, bytes(network[0].keys.device.public)))
        assert set(wires) <= stored
    finally:
        await bristol.stop()


async def test_gossip_carries_a_members_long_sealed_events_in_messages_that_fit(network, calais, caplog) -> None:
    """Bristol linked to Calais, rounds an hour apart: once the first round is over only gossip
    carries events. 100 long sealed events stored in Calais's home by another process (here: the
    test, on the node's database thread) are pushed on by its watcher, in several messages, over
    the same link (one 6 MiB push failed to send, and only the round of a new link brought them)."""
    caplog.set_level(logging.INFO, "solnet")
    node, served = calais
    bristol = Node(network[1].home, network[1].keys, peers=[f"127.0.0.1:{served.port}"], sync_interval_s=3600)
    await bristol.start()
    try:
        await until(lambda: any(p.get("last_sync") for p in bristol.peer_views(now_ms())), "the first round over")
        wires = await sealed_events(network, node, 100)
        outcomes = await node.db(node.log.ingest, wires)
        assert {o.status for o in outcomes} == {"accepted"}
        ids = [o.id for o in outcomes]

        async def arrived() -> bool:
            return len(await bristol.db(bristol.log.store.known, ids)) == len(ids)

        await until(arrived, "all 100 on Bristol, by gossip")
        assert "failed to send" not in caplog.text and caplog.text.count("connected (outbound)") == 1, caplog.text
    finally:
        await bristol.stop()


async def until(predicate, what: str) -> None:
    """Wait for `predicate` (sync or async), at most ROUND_S."""
    deadline = asyncio.get_running_loop().time() + ROUND_S
    while True:
        done = predicate()
        if asyncio.iscoroutine(done):
            done = await done
        if done:
            return
        assert asyncio.get_running_loop().time() < deadline, f"not within {ROUND_S:.0f} s: {what}"
        await asyncio.sleep(0.05)
