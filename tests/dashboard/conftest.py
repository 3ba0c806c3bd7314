"""Fixtures of the dashboard's HTTP tests: a real network (homes made by node.localnet) with sample
events published through node.publishing, and real nodes (NodeRuntime serving its aiohttp app on
127.0.0.1) started in this process, so a test can pick the dashboard's options and see the wipe
callback. Every node started is stopped at the end of the test, pass or fail. Nobody is the admin
without logging in: `RunningNode.log_in` does it with a one-time link, as `solnet dashboard-link`."""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest

from node import localnet, login_links, publishing
from node.dashboard import AccessOptions, DashboardOptions
from node.localnet import LocalNode
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


@pytest.fixture
def sample(tmp_path: Path) -> Sample:
    nodes = localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)
    return Sample(nodes, publish_samples(nodes[0]))


@dataclass
class RunningNode:
    url: str
    runtime: object
    wiped: list[bool]
    stopped: bool = False

    async def log_in(self, http: aiohttp.ClientSession, base: str | None = None) -> None:
        """Log `http` in as the admin with a fresh login link (through `base`, e.g. a relay)."""
        token, _ = login_links.create(self.runtime.home.path)
        async with http.get(f"{base or self.url}/login/link?token={token}", allow_redirects=False) as r:
            assert r.status == 303 and r.headers["Location"] == "/", await r.text()

    async def stop(self) -> None:
        if not self.stopped:
            self.stopped = True
            await self.runtime.stop()


@pytest.fixture
async def start_node() -> AsyncIterator[Callable[..., object]]:
    from node.runtime import NodeRuntime
    started = []

    async def start(node: LocalNode, access: AccessOptions | None = None) -> RunningNode:
        runtime = NodeRuntime(node.home, node.home.keys(PASSPHRASE), listen=("127.0.0.1", 0))
        wiped: list[bool] = []
        runtime.dashboard_options = DashboardOptions(access or AccessOptions(), on_wiped=lambda: wiped.append(True))
        running = RunningNode("", runtime, wiped)
        started.append(running)
        await runtime.start()
        running.url = f"http://127.0.0.1:{runtime.bound_port}"
        return running

    try:
        yield start
    finally:
        for running in started:
            await running.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    # unsafe=True: keep cookies for an IP address host (127.0.0.1), as a browser does
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True),
                                     timeout=aiohttp.ClientTimeout(total=30)) as session:
        yield session
