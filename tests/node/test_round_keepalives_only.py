"""A member's node that never answers a round, sending keepalives alone, is cut (a real node in this
process dials a hostile listener on 127.0.0.1 that speaks the real handshake).

The dialler opens each anti-entropy round with an Offer; the listener owes its heads (or Same). A
hostile listener answered the Offer with nothing but a keepalive every moment: every frame heard
counted as a sign of life, so the round waited for ever and the dialler never synced with that peer
again, while the link counted as a healthy one. Now keepalives alone (sealed empty IHaves, which
do show the peer alive: websocket pongs no longer count at all) hold a round waiting on the peer
for ROUND_WAIT_TIMEOUTS message timeouts at most (shortened here).
"""
from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from node.demo import localnet
from node.demo.localnet import LocalNode
from scripted_listener import ScriptedListener, dialled_by
from sync.link import ROUND_WAIT_TIMEOUTS
from sync.messages import IHave, Offer, decode, encode
from sync.peers import PeerLimits

PASSPHRASE = "keepalive round tests only: not a secret"
LIMITS = PeerLimits(message_timeout_s=0.5)
WAIT_S = ROUND_WAIT_TIMEOUTS * LIMITS.message_timeout_s + 20


@pytest.fixture
def network(tmp_path: Path) -> list[LocalNode]:
    return localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)


class KeepaliveListener(ScriptedListener):
    """Bristol's node gone bad: it completes the handshake as Bristol, then answers no Offer and
    sends a keepalive (a sealed empty IHave) every tenth of a second."""

    def __init__(self, bristol: LocalNode) -> None:
        super().__init__(bristol)
        self.offered = asyncio.Event()
        self.cut = asyncio.Event()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws, channel = await self.open(request)
        while not ws.closed:
            with contextlib.suppress(asyncio.TimeoutError):
                msg = await asyncio.wait_for(ws.receive(), 0.1)
                if msg.type == aiohttp.WSMsgType.BINARY and isinstance(decode(channel.open(msg.data)), Offer):
                    self.offered.set()
                elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                    break
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_bytes(channel.seal(encode(IHave(()))))
        if self.offered.is_set():
            self.cut.set()
        return ws


async def test_a_peer_answering_an_offer_with_keepalives_alone_is_cut(network: list[LocalNode]) -> None:
    calais, bristol = network
    listener = KeepaliveListener(bristol)
    async with dialled_by(calais, listener.handle, LIMITS):
        async with asyncio.timeout(WAIT_S):
            await listener.offered.wait()
        async with asyncio.timeout(WAIT_S):
            await listener.cut.wait()
