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

from node import membership, publishing
from crypto.keystore import NodeKeys
from node.home import Config, Home
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.log import now_ms
from node.net import Node
from node.webapp import Served
from served_nodes import served_node
from sync.link import STREAM_BATCH

PASSPHRASE = "live lag tests only: not a secret"
BACKLOG = 3 * STREAM_BATCH + 100
DOVER = 2 * STREAM_BATCH - 100  # a new group's events (fewer than the thousand an ingest may hold waiting)


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

    def stored(received: int, expected: int, unknown_authors: int) -> None:  # after each batch Bristol stored
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


def _dover_joins_calais(tmp_path: Path, calais: LocalNode, events: int) -> None:
    """A new group, Dover, admitted by Calais (on Calais's home only), publishes `events` events,
    and Calais holds them all: Dover's device is an author Bristol does not know yet. Its key sorts
    before Calais's device's, so its events stream to Bristol before Calais's backlog."""
    before = bytes(calais.keys.device.public)
    keys = next(k for k in (NodeKeys.generate(with_group=True) for _ in range(200)) if bytes(k.device.public) < before)
    home = Home(tmp_path / "dover")  # (membership.prepare_group with the keys chosen)
    home.create(Config(group_id=keys.group.public.hex(), device_id=keys.device.public.hex(),
                       device_encryption_key=keys.device_encryption.public.hex(), group_name="Dover",
                       region="dover"), keys, PASSPHRASE)
    log = calais.home.log()
    try:
        token, _ = membership.invite(log, calais.keys, bytes(keys.group.public), [], bytes(calais.keys.group.public))
        dover = membership.join(home, token, keys)
        try:
            for i in range(events):
                publishing.publish(dover, keys, "need", {"category": "tents", "quantity": str(i + 1),
                                                         "region": "dover"}, offline=True)
            log.ingest([dover.store.wire(e[7:10]) for e in dover.store.all_events()])
        finally:
            dover.store.close()
    finally:
        log.store.close()


async def test_a_new_groups_events_do_not_bring_the_lag_down_early(network, tmp_path) -> None:
    """Events of authors this node does not know are not in `behind` (events of members it would
    take): stored, they brought it down all the same, to 0 while the backlog of members it knows was
    still to come. `solnet sync`'s progress says them apart."""
    _dover_joins_calais(tmp_path, network[0], DOVER)
    bristol = Node(network[1].home, network[1].keys)
    calais_device = bytes(network[0].keys.device.public)
    shown: list[tuple[int, int, int, int | None]] = []  # (received, expected, unknown authors, behind)

    def stored(received: int, expected: int, unknown_authors: int) -> None:
        shown.append((received, expected, unknown_authors, view_of(bristol, calais_device).get("behind")))

    async with served_node(network[0]) as (_, served):
        await bristol.start(background=False)
        try:
            result = await bristol.sync_once(f"127.0.0.1:{served.port}", progress=stored)
        finally:
            await bristol.stop()
    assert result.complete and result.received >= BACKLOG + DOVER, result
    lag = result.lag
    assert BACKLOG <= lag < BACKLOG + STREAM_BATCH, result  # Calais's backlog and its admission of Dover
    # Dover's keys, authors Bristol does not know: the whole is not known then, so not what arrived
    assert all(unknown >= 1 and expected == lag for _, expected, unknown, _ in shown), shown
    behind = [b for *_, b in shown]
    # Dover's events came first: what is behind stays until Calais's backlog comes, then goes down to 0
    assert behind[0] >= BACKLOG and any(received >= STREAM_BATCH and b >= BACKLOG for received, _, _, b in shown), shown
    assert all(b > 0 for b in behind[:-1]) and behind[-1] == 0, shown
    assert all(a >= b for a, b in zip(behind, behind[1:])), shown
