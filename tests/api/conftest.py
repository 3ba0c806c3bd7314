"""Fixtures of the HTTP API tests: a real node (NodeRuntime, real SQLite file, real aiohttp server
on 127.0.0.1) in the test's process, and a client that speaks to it over TCP.

The network (Calais founded it, Bristol joined) is made once per session by node.localnet and
copied into each test's tmp_path, since key derivation is slow; a test may change its copy.
"""
from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from node import localnet
from node.home import Home
from node.runtime import NodeRuntime

PASSPHRASE = "api tests only: not a secret"


@dataclass
class Api:
    """A running node and an HTTP client for its API."""

    runtime: NodeRuntime
    session: aiohttp.ClientSession
    token: str
    base: str

    def url(self, path: str) -> str:
        return self.base + path

    async def request(self, method: str, path: str, *, token: str | None | bool = True, **kwargs: Any,
                      ) -> tuple[int, Any]:
        """(status, parsed JSON body); token=True sends the node's admin token, a string sends that."""
        headers = dict(kwargs.pop("headers", {}))
        if token is True:
            headers["Authorization"] = f"Bearer {self.token}"
        elif isinstance(token, str):
            headers["Authorization"] = token
        async with self.session.request(method, self.url(path), headers=headers, **kwargs) as reply:
            assert reply.content_type == "application/json", (reply.status, await reply.text())
            return reply.status, await reply.json()

    async def get(self, path: str, **kwargs: Any) -> Any:
        status, body = await self.request("GET", path, **kwargs)
        assert status == 200, body
        return body

    async def publish(self, kind: str, **fields: str) -> dict[str, Any]:
        status, body = await self.request("POST", "/api/v1/events", json={"kind": kind, "fields": fields})
        assert status == 201, body
        return body["event"]


@pytest.fixture(scope="session")
def network_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("api-network")
    localnet.create_network(root, [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)
    return root


@pytest.fixture
def homes(network_template: Path, tmp_path: Path) -> dict[str, Home]:
    shutil.copytree(network_template, tmp_path / "net")
    return {name: Home(tmp_path / "net" / name) for name in ("calais", "bristol")}


async def start_node(home: Home) -> NodeRuntime:
    runtime = NodeRuntime(home, home.keys(PASSPHRASE), listen=("127.0.0.1", 0), sync_interval_s=3600)
    await runtime.start()
    return runtime


@pytest.fixture
async def api(homes: dict[str, Home]) -> AsyncIterator[Api]:
    """Calais's node, running, with a client."""
    runtime = await start_node(homes["calais"])
    try:
        async with aiohttp.ClientSession() as session:
            yield Api(runtime, session, homes["calais"].admin_token(), f"http://127.0.0.1:{runtime.bound_port}")
    finally:
        await runtime.stop()
