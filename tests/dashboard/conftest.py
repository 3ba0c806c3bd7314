"""Fixtures of the dashboard's HTTP tests: a real network (homes made by node.demo.localnet) with sample
events published through node.publishing, and real nodes (node.net.Node and its web app) started in
this process, so a test can pick the dashboard's options and see the wipe callback: `start_node`
drives the app with pytest-aiohttp's client, `serve_node` serves it on a real port of 127.0.0.1 as
`solnet run` does (for tests that need the listener itself, or a relay in front of it). Every node
started is stopped at the end of the test, pass or fail. Nobody is the admin without logging in:
`RunningNode.log_in` does it with a one-time link, as `solnet dashboard-link`."""
from __future__ import annotations

import dataclasses
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from node import login_links, publishing
from node.demo import localnet
from node.dashboard import AccessOptions, DashboardOptions
from node.demo.localnet import LocalNode
from node.home import Home
from node.net import Node
from node.webapp import AppOptions, Served, create_app, serve
from link_login import use_link
from made_here import as_made_here
from page_text import PASSPHRASE, PRIVATE


@dataclass
class Sample:
    nodes: list[LocalNode]
    ids: dict[str, str] = field(default_factory=dict)


def publish_samples(node: LocalNode) -> dict[str, str]:
    """One event of each kind the overview shows, in neutral words (no English UI word in them)."""
    log = node.home.log()
    keys = node.home.keys(PASSPHRASE)
    own = node.home.config().group_id
    try:
        ids = {}
        ids["action"] = publishing.publish(log, keys, "action", {
            "title": "Manif 42", "region": "calais", "type": "protest", "starts_at": "2031-06-01T18:00",
            "place": "Quai 3"}).id.hex()
        ids["alert"] = publishing.publish(log, keys, "alert", {
            "region": "calais", "type": "raid", "location": "Zone 7", "text": "CRS 12:40"}, expires_in="6h").id.hex()
        fund = publishing.publish(log, keys, "fundraiser", {
            "title": "Kit 2031", "goal": "1500", "currency": "EUR", "region": "calais"})
        ids["fundraiser"] = fund.id.hex()
        publishing.publish(log, keys, "fundraiser.update", {"fundraiser": fund.id.hex(), "raised": "600"})
        ids["need"] = publishing.publish(log, keys, "need", {
            "category": "tents", "quantity": "20", "region": "calais"}).id.hex()
        ids["offer"] = publishing.publish(log, keys, "offer", {
            "category": "blankets", "quantity": "40", "region": "bristol"}).id.hex()
        ids["support"] = publishing.publish(log, keys, "support.request", {
            "region": "calais", "type": "safeguarding_minor", "people": "1", "urgency": "high"},
            private=PRIVATE, to=[own]).id.hex()
    finally:
        log.store.close()
    return ids


@pytest.fixture(scope="session")
def sample_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Sample]:
    """The sample network, made once per session (key derivation and publishing are slow)."""
    root = tmp_path_factory.mktemp("dashboard-network")
    nodes = localnet.create_network(root, [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)
    return root, Sample(nodes, publish_samples(nodes[0]))


@pytest.fixture
def sample(sample_template: tuple[Path, Sample], tmp_path: Path) -> Sample:
    """A copy of the sample network of the test's own (a test may change it), with fresh ports."""
    root, template = sample_template
    shutil.copytree(root, tmp_path / "net")
    as_made_here(tmp_path / "net")
    ports = localnet.free_ports(len(template.nodes))
    nodes = [dataclasses.replace(node, home=Home(localnet.home_dir(tmp_path / "net", node.name)), port=port, peers=[])
             for node, port in zip(template.nodes, ports)]
    return Sample(nodes, dict(template.ids))


@dataclass
class RunningNode:
    node: Node
    url: str  # where it answers: the test server's address, or the served port's
    wiped: list[bool]
    client: TestClient | None = None  # in-process (start_node)
    served: Served | None = None  # on a real port (serve_node)
    stopped: bool = False

    async def log_in(self, http: aiohttp.ClientSession | None = None, base: str | None = None) -> None:
        """Log in as the admin with a fresh login link: this node's client, or `http` (through
        `base`, e.g. a relay)."""
        token, _ = login_links.create(self.node.home.path)
        path = f"/login/link?token={token}"
        if http is None:
            assert self.client is not None, "a served node: give the session to log in"
            status, headers, text = await use_link(self.client, path)
        else:
            status, headers, text = await use_link(http, (base or self.url) + path)
        assert status == 303 and headers["Location"] == "/", text

    async def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            if self.client is not None:
                await self.client.close()
            if self.served is not None:
                await self.served.close()


async def _starting(open_app: Callable[[Node, web.Application, list[bool]], Awaitable[RunningNode]],
                    ) -> AsyncIterator[Callable[..., Awaitable[RunningNode]]]:
    started: list[RunningNode] = []

    async def start(node: LocalNode, access: AccessOptions | None = None) -> RunningNode:
        wiped: list[bool] = []
        running = Node(node.home, node.home.keys(PASSPHRASE), listen=("127.0.0.1", 0))
        options = AppOptions(DashboardOptions(access or AccessOptions(), on_wiped=lambda: wiped.append(True)))
        started.append(await open_app(running, create_app(running, options), wiped))
        return started[-1]

    try:
        yield start
    finally:
        for running in started:
            await running.stop()


@pytest.fixture
async def start_node(aiohttp_client) -> AsyncIterator[Callable[..., Awaitable[RunningNode]]]:
    """Start a node and its app in-process; `RunningNode.client` speaks to it."""
    async def in_process(node: Node, app: web.Application, wiped: list[bool]) -> RunningNode:
        client = await aiohttp_client(app)
        return RunningNode(node, str(client.make_url("")).rstrip("/"), wiped, client=client)

    async for start in _starting(in_process):
        yield start


@pytest.fixture
async def serve_node() -> AsyncIterator[Callable[..., Awaitable[RunningNode]]]:
    """Start a node and serve its app on a real port of 127.0.0.1, as `solnet run` does."""
    async def on_a_port(node: Node, app: web.Application, wiped: list[bool]) -> RunningNode:
        served = await serve(app, "127.0.0.1", 0)
        return RunningNode(node, f"http://127.0.0.1:{served.port}", wiped, served=served)

    async for start in _starting(on_a_port):
        yield start


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    # unsafe=True: keep cookies for an IP address host (127.0.0.1), as a browser does
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                     timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session
