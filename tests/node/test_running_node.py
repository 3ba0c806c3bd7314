"""Two real nodes in this process (node.net.Node, real SQLite homes made by node.demo.localnet, the
listener's app served on 127.0.0.1): who is blamed when a link fails, and how soon an event
published through a node's own API travels.

- A failure of this node's own code while serving a link (here: its trust graph raising in the
  middle of a round) ends the link, is logged as this node's failure, and costs the peer nothing:
  the peer syncs again at once. (Before the link protocol object, any exception in the round's
  state machine was taken for the peer's breach: 30 penalty points, a ban after four.)
- An event published through the API goes to gossip at once, not when the watcher next looks
  at the store: with the watcher not running at all, the peer still receives it.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from node.demo import localnet
from node.demo.localnet import LocalNode
from node.log import now_ms
from node.net import Node
from node.net.peer_link import RoundCut
from node.net.watcher import Watcher
from node.webapp import Served
from served_nodes import served_node

PASSPHRASE = "running node tests only: not a secret"
WAIT_S = 10.0


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> list[LocalNode]:
    return localnet.create_network(tmp_path_factory.mktemp("running"), [("Calais", "calais"), ("Bristol", "bristol")],
                                   PASSPHRASE)


@pytest.fixture
async def calais(network: list[LocalNode], tmp_path: Path) -> AsyncIterator[tuple[Node, Served]]:
    """Calais's node and app, served on a port of 127.0.0.1 as `solnet run` serves them."""
    async with served_node(network[0]) as pair:
        yield pair


async def until(predicate, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, f"not within {WAIT_S:.0f} s: {what}"
        await asyncio.sleep(0.05)


async def test_our_own_failure_on_a_link_costs_the_peer_nothing(network, calais, caplog) -> None:
    caplog.set_level(logging.INFO, "solnet")
    node, served = calais
    await node.publish("need", {"category": "tents", "quantity": "3", "region": "calais"}, offline=True)
    storage = node.links.ports.storage

    def broken(author: bytes) -> bool:
        raise RuntimeError("a bug in this node's trust graph")

    storage.is_group_key = broken  # called while Calais plans what Bristol lacks
    bristol = Node(network[1].home, network[1].keys)
    await bristol.start(background=False)
    try:
        with pytest.raises(RoundCut):
            await bristol.sync_once(f"127.0.0.1:{served.port}")
        await until(lambda: asyncio.sleep(0, "this node failed" in caplog.text), "Calais logged its own failure")
        device = bytes(network[1].keys.device.public)
        assert node.policy.devices.current_penalty(device, now_ms()) == 0
        assert not node.policy.devices.is_banned(device, now_ms())
        assert "sent invalid data" not in caplog.text
        del storage.is_group_key  # the bug fixed: the same peer is welcome at once
        result = await bristol.sync_once(f"127.0.0.1:{served.port}")
        assert result.complete and result.outcomes["accepted"] >= 1
    finally:
        await bristol.stop()


async def test_an_event_published_through_the_api_is_gossiped_at_once(network, calais, monkeypatch) -> None:
    node, served = calais
    bristol = Node(network[1].home, network[1].keys, peers=[f"127.0.0.1:{served.port}"], sync_interval_s=3600)
    await bristol.start()
    try:
        await until(lambda: asyncio.sleep(0, len(node.links) == 1 and len(bristol.links) == 1), "the link is up")
        for task in node._tasks:  # Calais's watcher stops looking at the store
            if task.get_name() == "watcher":
                task.cancel()
        monkeypatch.setattr(Watcher, "poke", lambda self: None)
        token = network[0].admin_token()
        async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {token}"}) as http:
            async def publish() -> dict | None:
                async with http.post(f"http://127.0.0.1:{served.port}/api/v1/events", json={
                        "kind": "alert", "fields": {"region": "calais", "type": "raid", "text": "vans at the port"}}) as r:
                    body = await r.json()
                    return body["event"] if r.status == 201 else None  # 422 until the first round ended

            event: dict | None = None

            async def published() -> bool:
                nonlocal event
                event = event or await publish()
                return event is not None

            await until(published, "Calais may publish (its first round with Bristol is over)")
        wanted = bytes.fromhex(event["id"])

        async def arrived() -> bool:
            return wanted in await bristol.db(bristol.log.store.known, [wanted])

        await until(arrived, "the alert reached Bristol by gossip")
    finally:
        await bristol.stop()


async def test_the_watcher_stops_when_cancelled_just_as_it_is_poked(calais) -> None:
    """A node stopping cancels its watcher; a poke (something stored a moment before) may land in
    the same turn of the loop. asyncio.wait_for of Python 3.11 then returned the poke and dropped
    the cancellation, so the watcher looked on for ever and the node's stop waited on it."""
    node, _ = calais
    [watcher] = [task for task in node._tasks if task.get_name() == "watcher"]
    await until(lambda: asyncio.sleep(0, bool(node.watcher._poked._waiters)), "the watcher waiting for a poke")
    node.watcher.poke()
    watcher.cancel()
    done, _ = await asyncio.wait([watcher], timeout=WAIT_S)
    assert watcher in done and watcher.cancelled(), "the watcher went on looking after it was cancelled"
