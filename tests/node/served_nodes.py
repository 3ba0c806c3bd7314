"""A real node of a local network served in the test's own process: node.net.Node on its real
SQLite home, the listener's app on a free port of 127.0.0.1, as `solnet run` serves them."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from node.demo import localnet
from node.demo.localnet import LocalNode
from node.net import Node
from node.webapp import Served, create_app, serve


@contextlib.asynccontextmanager
async def served_node(local: LocalNode) -> AsyncIterator[tuple[Node, Served]]:
    """`local`'s node and its served app while the `with` lasts (its own rounds hourly: the test
    drives them)."""
    node = Node(local.home, local.keys, listen=("127.0.0.1", 0), sync_interval_s=3600)
    served = await serve(create_app(node), "127.0.0.1", 0)
    try:
        yield node, served
    finally:
        await served.close()


async def until(condition: Callable[[], bool], what: str, timeout_s: float = 15.0) -> None:
    """Wait until `condition()` holds, checked every 50 ms; fail naming `what` after `timeout_s`."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, f"not within {timeout_s:.0f} s: {what}"
        await asyncio.sleep(0.05)


PASSPHRASE = "served node tests only: not a secret"


@pytest.fixture
def network(tmp_path: Path) -> list[LocalNode]:
    """Calais founds a network and invites Bristol, each in its own home."""
    return localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)


@pytest.fixture
async def calais(network: list[LocalNode]) -> AsyncIterator[tuple[Node, Served]]:
    """Calais's node, served."""
    async with served_node(network[0]) as pair:
        yield pair
