"""Fixtures of the HTTP API tests: a real node (node.net.Node, real SQLite file) and its web app
(node.webapp.create_app) driven in the test's process by pytest-aiohttp's client. One test starts
the app on a real port as `solnet run` does (`served_api`).

The network (Calais founded it, Bristol joined) is made once per session by node.demo.localnet and
copied into each test's tmp_path, since key derivation is slow; a test may change its copy.
"""
from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from made_here import as_made_here
from node.demo import localnet
from node.home import Home
from node.net import Node
from node.webapp import create_app, serve

PASSPHRASE = "api tests only: not a secret"


@dataclass
class Api:
    """A running node and an HTTP client for its API (`client`: pytest-aiohttp's, or a session
    with the served app's address as `base`)."""

    node: Node
    client: TestClient | aiohttp.ClientSession
    token: str
    base: str = ""

    def url(self, path: str) -> str:
        """What `client` takes for `path`: the path itself (pytest-aiohttp's client), or a full URL."""
        return self.base + path

    async def request(self, method: str, path: str, *, token: str | None | bool = True, **kwargs: Any,
                      ) -> tuple[int, Any]:
        """(status, parsed JSON body); token=True sends the node's admin token, a string sends that."""
        headers = dict(kwargs.pop("headers", {}))
        if token is True:
            headers["Authorization"] = f"Bearer {self.token}"
        elif isinstance(token, str):
            headers["Authorization"] = token
        async with self.client.request(method, self.url(path), headers=headers, **kwargs) as reply:
            assert reply.content_type == "application/json", (reply.status, await reply.text())
            return reply.status, await reply.json()

    async def get(self, path: str, **kwargs: Any) -> Any:
        status, body = await self.request("GET", path, **kwargs)
        assert status == 200, body
        return body

    async def publish(self, kind: str, **fields: str) -> dict[str, Any]:
        """Publish `fields` as `kind`. In any region the test names ("new_region": true: the refusal of a
        region no one follows is tests/api/test_new_region_api.py's)."""
        body = {"kind": kind, "fields": fields, **({"new_region": True} if "region" in fields else {})}
        status, body = await self.request("POST", "/api/v1/events", json=body)
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
    as_made_here(tmp_path / "net")
    return {name: Home(tmp_path / "net" / name) for name in ("calais", "bristol")}


@pytest.fixture
def passphrase() -> str:
    """The test network's passphrase, for a `solnet` command run on one of its homes."""
    return PASSPHRASE


@pytest.fixture
def unlock() -> Callable[[Home], Any]:
    """The keys of a home of the test network (another group's, to publish as it)."""
    return lambda home: home.keys(PASSPHRASE)


def calais_node(homes: dict[str, Home]) -> Node:
    return Node(homes["calais"], homes["calais"].keys(PASSPHRASE), sync_interval_s=3600)


@pytest.fixture
async def api(homes: dict[str, Home], aiohttp_client) -> Api:
    """Calais's node and its app, running in-process, with pytest-aiohttp's client."""
    node = calais_node(homes)
    client = await aiohttp_client(create_app(node))
    return Api(node, client, homes["calais"].admin_token(node.keys))


@pytest.fixture
async def bristol_api(homes: dict[str, Home], aiohttp_client) -> Api:
    """Bristol's node (a group that joined through Calais, and named it) and its app, in-process."""
    node = Node(homes["bristol"], homes["bristol"].keys(PASSPHRASE), sync_interval_s=3600)
    client = await aiohttp_client(create_app(node))
    return Api(node, client, homes["bristol"].admin_token(node.keys))


@contextlib.asynccontextmanager
async def serving(homes: dict[str, Home], add_routes: Callable[[web.Application], None] | None = None,
                  ) -> AsyncIterator[Api]:
    """Calais's node served on a real port of 127.0.0.1, as `solnet run` serves it (with the test's
    own routes added to its app, when `add_routes` is given)."""
    node = Node(homes["calais"], homes["calais"].keys(PASSPHRASE), listen=("127.0.0.1", 0), sync_interval_s=3600)
    app = create_app(node)
    if add_routes is not None:
        add_routes(app)
    served = await serve(app, "127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession() as session:
            yield Api(node, session, homes["calais"].admin_token(node.keys), f"http://127.0.0.1:{served.port}")
    finally:
        await served.close()


@pytest.fixture
async def served_api(homes: dict[str, Home]) -> AsyncIterator[Api]:
    """Calais's node served on a real port of 127.0.0.1, as `solnet run` serves it."""
    async with serving(homes) as api:
        yield api


@pytest.fixture
def serve_calais(homes: dict[str, Home]) -> Callable[..., contextlib.AbstractAsyncContextManager[Api]]:
    """`async with serve_calais(add_routes) as api:` Calais's node served, with the test's routes too."""
    return lambda add_routes=None: serving(homes, add_routes)
