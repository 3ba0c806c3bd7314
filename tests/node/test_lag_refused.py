"""What a peer lacks, as `solnet peers` and the dashboard show it, once a round ends: the events
it did not store (refused: stamped past its clock here) are still lacked, not "0 events they lack".
Two real nodes in this process (node.net.Node, real SQLite homes, on 127.0.0.1): Calais holds an
event of its own device stamped two hours ahead, which Bristol refuses at every round; a complete
round streamed it before, and each next round finds Bristol lacking it again."""
from __future__ import annotations

import asyncio
import dataclasses

from node import publishing
from node.log import now_ms
from node.net import Node
from node.net.peer_link import streamed_again
from sync.addresses import normalize_address
from served_nodes import network, served_node  # noqa: F401 (the fixture)

HOUR = 3_600_000


def test_what_a_round_streams_again_is_counted_per_author():
    a, b = b"a" * 32, b"b" * 32
    assert streamed_again({}, {a: (1, 5)}) == 0
    assert streamed_again({a: (3, 5)}, {a: (3, 6), b: (1, 2)}) == 3  # 3..5 again, 6 new, b new
    assert streamed_again({a: (3, 5)}, {a: (6, 9)}) == 0  # the peer took 3..5


async def test_a_peer_that_refused_events_is_shown_lacking_them_after_the_round(network):
    calais, bristol = network
    log = calais.home.log()
    try:  # a clock two hours ahead when it was signed: Bristol refuses it
        publishing.publish(log, calais.keys, "need", {"category": "tents", "quantity": "3", "region": "calais"},
                           now=now_ms() + 2 * HOUR, offline=True)
    finally:
        log.store.close()
    async with served_node(bristol) as (_, served):
        node = Node(calais.home, calais.keys, listen=("127.0.0.1", 0), sync_interval_s=0.2)
        await node.start()
        try:
            after: list[int | None] = []  # what Calais shows Bristol lacking as each round ends
            finished = node.links.ports.round_finished

            def spy(link, result) -> None:
                finished(link, result)
                after.extend(peer.ahead for lk, peer in node.links._open.values() if lk is link)
            node.links.ports = dataclasses.replace(node.links.ports, round_finished=spy)  # before any link
            assert node.directory.overlay.learn(normalize_address(f"127.0.0.1:{served.port}"), "config")
            deadline = asyncio.get_running_loop().time() + 20
            while len(after) < 3:
                assert asyncio.get_running_loop().time() < deadline, f"rounds did not end: {after}"
                await asyncio.sleep(0.05)
            assert after[0] == 0 and after[1:3] == [1, 1], after  # the first round cannot know yet
        finally:
            await node.stop()
