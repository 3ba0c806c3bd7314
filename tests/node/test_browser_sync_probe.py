"""A web page cannot use the visitor's browser to probe the node on its machine (or its network)
through the sync port (a real node served on 127.0.0.1, the page a websocket client that sends
what every browser sends with a websocket: an Origin header).

A page's script may open a websocket to any address, 127.0.0.1 included, and read every frame
(websockets have no same-origin rule). Anyone who knows the network id can speak the handshake,
and the listener names its device in its reply (sync/handshake.py: the responder shows itself
first), so any site a coordinator visited learned that a solnet node ran on the visitor's machine,
its device id (its group, for a member running the site) and the visitor's IP address: who is
who, from a link in a chat, and the node's Tor route was no help, as the browser went direct.
Until 2026-12-06 the node answered such a page's hello like any other. Now an upgrade that carries
an Origin (a browser's; no node's dial carries one) is refused before any work: no reply, no
device id, no token of the hello budget taken; a node's dial still gets its reply.
"""
from __future__ import annotations

import logging

import aiohttp
import pytest

from crypto.keys import SigningKey
from node.demo.localnet import LocalNode
from node.webapp import GUARD
from served_nodes import network, served_node  # noqa: F401  (the fixture)
from sync.handshake import Initiator
from sync.transport import SYNC_PATH
from test_member_handshake_reserve import _network_id

WAIT_S = 10.0


async def _probe(port: int, network_id: bytes, headers: dict[str, str]) -> bytes | None:
    """Dial as a stranger (a fresh key) and read the device the node names in its reply; None if
    the upgrade was refused."""
    seen: list[bytes] = []
    hs = Initiator(network_id, SigningKey.generate(), seen.append)  # (records the responder's key)
    timeout = aiohttp.ClientTimeout(total=WAIT_S)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        try:
            ws = await session.ws_connect(f"http://127.0.0.1:{port}{SYNC_PATH}", headers=headers, autoping=False)
        except aiohttp.WSServerHandshakeError as exc:
            assert exc.status == 403, exc
            return None
        async with ws:
            await ws.send_bytes(hs.hello())
            reply = await ws.receive(timeout=WAIT_S)
            assert reply.type == aiohttp.WSMsgType.BINARY, reply
            hs.finish(reply.data)
            return seen[0]


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1:7700"])
async def test_a_web_page_gets_no_answer_to_a_sync_hello(network: list[LocalNode], origin: str,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, "solnet")
    calais, _ = network
    async with served_node(calais) as (_, served):
        budget = served.runner.app[GUARD].hello_budget
        assert budget is not None
        browser = {"Origin": origin, "Sec-Fetch-Mode": "websocket", "Sec-Fetch-Site": "cross-site"}
        assert await _probe(served.port, _network_id(calais), browser) is None
        assert budget.replied == 0 and budget.turned_away == 0  # refused before the budget: no work done
        # A node's dial (no Origin) is answered as ever: the listener names its device
        assert await _probe(served.port, _network_id(calais), {}) == bytes(calais.keys.device.public)
    assert "web page" in caplog.text and "127.0.0.1" not in caplog.text
