"""A flood of websocket pings on one link is closed, not served (two real nodes in this process on
real SQLite homes, a relay between them on 127.0.0.1 that writes the flood).

Pings and pongs cost no byte budget (they are not the peer's word: anyone on the path can write
them), and the node answered every one: a flood from one member's link, or from anyone on one
link's path, held the node's event loop (its pages took 1.5-2.8 s instead of 5 ms while it lasted).
Now a link that brings more than CONTROL_FRAMES_PER_TIMEOUT of them within a message timeout is
closed, and not held against the peer: it dials again and links at once.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from hostile_relay import relayed_nodes
from node.demo import localnet
from node.demo.localnet import LocalNode
from sync.peers import PeerLimits
from sync.transport import CONTROL_FRAMES_PER_TIMEOUT

PASSPHRASE = "ping flood tests only: not a secret"
LIMITS = PeerLimits(message_timeout_s=60.0)  # the flood must be closed for what it is, not for silence
WAIT_S = 30.0


@pytest.fixture
def network(tmp_path: Path) -> list[LocalNode]:
    return localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)


async def _until(condition, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"not within {WAIT_S:.0f} s: {what}"
        await asyncio.sleep(0.05)


async def test_a_flood_of_pings_on_a_link_closes_it_without_blaming_the_peer(network: list[LocalNode]) -> None:
    async with relayed_nodes(*network, LIMITS, bristol_interval_s=3600) as (calais, _, relay):
        await _until(lambda: bool(list(calais.links.open())), "Bristol's link with Calais")
        [answered] = list(calais.links.open())
        [conn] = relay.conns
        conn.flood(20 * CONTROL_FRAMES_PER_TIMEOUT)
        await _until(lambda: answered.closed, "Calais closed the flooded link")
        await _until(lambda: any(link.number != answered.number for link in calais.links.open()),
                     "Bristol linked again at once (the flood was not held against it)")
