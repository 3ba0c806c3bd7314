"""The lag a node shows is the current one, both ways, during a round too: two real nodes in this
process (node.net.Node, real SQLite homes, the listener served on 127.0.0.1). While Bristol
catches up a backlog, what it shows behind Calais goes down batch by batch to 0 (it used to stay
at the backlog the round began with), and Calais's view of what Bristol lacks goes down as it
streams. The round is a one-off sync (what `solnet sync` runs): once it ends, Calais lists no
Bristol at all, neither connected nor cut off (a visit that ended is no peer lost)."""
from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from node import publishing
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.log import now_ms
from node.net import Node
from node.webapp import Served
from served_nodes import served_node
from sync.link import STREAM_BATCH

PASSPHRASE = "live lag tests only: not a secret"
BACKLOG = 3 * STREAM_BATCH + 100


@pytest.fixture
def network(tmp_path: Path) -> list[LocalNode]:
    nodes = localnet.create_network(tmp_path, [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)
    log = nodes[0].home.log()
    try:
        for i in range(BACKLOG):
            publishing.publish(log, nodes[0].keys, "need", {"category": "tents", "quantity": str(i + 1),
                                                            "region": "calais"}, offline=True)
    finally:
        log.store.close()
    return nodes


@pytest.fixture
async def calais(network: list[LocalNode]) -> AsyncIterator[tuple[Node, Served]]:
    async with served_node(network[0]) as pair:
        yield pair


def view_of(node: Node, device: bytes) -> dict:
    """The node's view of the peer with this device key ({} if it shows none)."""
    views = [v for v in node.peer_views(now_ms()) if v.get("device") == device.hex()]
    assert len(views) <= 1, views
    return views[0] if views else {}


async def test_the_lag_goes_down_as_batches_are_stored_and_streamed(network, calais) -> None:
    node, served = calais
    bristol = Node(network[1].home, network[1].keys)
    calais_device, bristol_device = bytes(network[0].keys.device.public), bytes(network[1].keys.device.public)
    behind: list[int] = []
    ahead: list[int] = []

    def stored(received: int, expected: int) -> None:  # after each batch Bristol stored
        behind.append(view_of(bristol, calais_device).get("behind"))
        ahead.append(view_of(node, bristol_device).get("ahead"))

    await bristol.start(background=False)
    try:
        result = await bristol.sync_once(f"127.0.0.1:{served.port}", progress=stored)
    finally:
        await bristol.stop()
    assert result.complete and result.received >= BACKLOG
    assert None not in behind and None not in ahead, f"no current lag shown during the round: {behind} {ahead}"
    assert len(behind) >= 4 and behind[0] >= BACKLOG - STREAM_BATCH and behind[-1] == 0, behind
    assert all(a > b for a, b in zip(behind, behind[1:])), f"not going down batch by batch: {behind}"
    # Calais streams ahead of what Bristol stores: what Bristol lacks, seen from Calais, is never more.
    assert all(a <= b for a, b in zip(ahead, behind)) and ahead[-1] == 0, (ahead, behind)
    assert min(ahead) < BACKLOG

    deadline = asyncio.get_running_loop().time() + 10
    while view_of(node, bristol_device):  # Calais notices the link's end and forgets the visit
        shown = view_of(node, bristol_device)
        assert asyncio.get_running_loop().time() < deadline, f"Calais still lists Bristol after 10 s: {shown}"
        await asyncio.sleep(0.02)
