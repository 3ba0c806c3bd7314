"""A proxy set while the node runs (`solnet proxy URL`) whose SOCKS support does not load.

The connector through a proxy (aiohttp-socks) is loaded only when a proxy is set (sync/peer_session.py).
When that import failed as a running node took up a new proxy, the route had already taken the
proxy (`solnet status` said it) while its client session stayed the direct one: every dial went
out directly, and the exception ended the task that saves the node's status and follows the route.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from node.home import Config, Home
from node.net.database import DbThread
from node.net.route import Route
from sync.peers import PeerLimits


async def test_a_proxy_whose_support_does_not_load_leaves_the_route_as_it_was(tmp_path: Path, monkeypatch,
                                                                               caplog: pytest.LogCaptureFixture) -> None:
    home = Home(tmp_path / "home")
    home.path.mkdir(mode=0o700)
    home.save_config(Config(group_id="11" * 32, device_id="22" * 32, device_encryption_key="33" * 32,
                            group_name="Calais", region="fr-hdf"))
    route, db = Route(None, PeerLimits(), follows_config=True), DbThread()
    route.open()
    direct = route.http
    try:
        assert await route.follow(home, db) is None  # (config.json read once: nothing changed)
        monkeypatch.delitem(sys.modules, "sync.socks_connector", raising=False)
        monkeypatch.setitem(sys.modules, "aiohttp_socks", None)  # an install whose aiohttp-socks does not import
        config = home.config()
        config.proxy = "socks5://127.0.0.1:9050"
        home.save_config(config)
        with caplog.at_level(logging.WARNING):
            assert await route.follow(home, db) is None
        assert route.proxy is None and route.http is direct
        assert "cannot go through the proxy at 127.0.0.1:9050" in caplog.text, caplog.text
        assert "peer connections keep their route" in caplog.text
    finally:
        await route.close()
        db.shutdown()
