"""A member's node that never answers a round, sending keepalives alone, is cut (a real node in this
process dials a hostile listener on 127.0.0.1 that speaks the real handshake).

The dialler opens each anti-entropy round with an Offer; the listener owes its heads (or Same). A
hostile listener answered the Offer with nothing but a keepalive every moment: every frame heard
counted as a sign of life, so the round waited for ever and the dialler never synced with that peer
again, while the link counted as a healthy one. Now keepalives alone (sealed empty IHaves, which
do show the peer alive: websocket pongs no longer count at all) hold a round waiting on the peer
for ROUND_WAIT_TIMEOUTS message timeouts at most (shortened here).

A batch of no events is a keepalive by another name: it carries nothing, yet each counted as the
round moving, so a listener that answered the Offer with its heads and then sent an empty Events a
tenth of a second, and never its End, held the dialler's round with it for ever (until 2026-12-08).
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
from sync.messages import End, Events, Heads, IHave, Message, Offer, decode, encode
from sync.peers import PeerLimits

PASSPHRASE = "keepalive round tests only: not a secret"
LIMITS = PeerLimits(message_timeout_s=0.5)
WAIT_S = ROUND_WAIT_TIMEOUTS * LIMITS.message_timeout_s + 20


@pytest.fixture
def network(tmp_path: Path) -> list[LocalNode]:
    return localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)


class RoundHolder(ScriptedListener):
    """Bristol's node gone bad: it completes the handshake as Bristol, answers the Offer with
    `answer` (None: nothing), and from then on sends `each` every tenth of a second, never its End."""

    def __init__(self, bristol: LocalNode, answer: Message | None, each: Message) -> None:
        super().__init__(bristol)
        self.answer, self.each = answer, each
        self.offered = asyncio.Event()
        self.dialler_ended = asyncio.Event()  # the dialler's stream is over: the round waits on us alone
        self.cut = asyncio.Event()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws, channel = await self.open(request)
        while not ws.closed:
            with contextlib.suppress(asyncio.TimeoutError):
                msg = await asyncio.wait_for(ws.receive(), 0.1)
                if msg.type == aiohttp.WSMsgType.BINARY:
                    message = decode(channel.open(msg.data))
                    if isinstance(message, Offer) and not self.offered.is_set():
                        self.offered.set()
                        if self.answer is not None:
                            await ws.send_bytes(channel.seal(encode(self.answer)))
                    elif isinstance(message, End):
                        self.dialler_ended.set()
                elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                    break
            if self.offered.is_set():
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.send_bytes(channel.seal(encode(self.each)))
        if self.offered.is_set():
            self.cut.set()
        return ws


async def test_a_peer_answering_an_offer_with_keepalives_alone_is_cut(network: list[LocalNode]) -> None:
    calais, bristol = network
    listener = RoundHolder(bristol, None, IHave(()))  # (a keepalive: a sealed empty IHave)
    async with dialled_by(calais, listener.handle, LIMITS):
        async with asyncio.timeout(WAIT_S):
            await listener.offered.wait()
        async with asyncio.timeout(WAIT_S):
            await listener.cut.wait()


async def test_a_peer_streaming_empty_batches_and_never_its_end_is_cut(network: list[LocalNode]) -> None:
    calais, bristol = network
    # Heads of nothing: the dialler streams it all it holds, then waits on its batches and End
    listener = RoundHolder(bristol, Heads(()), Events(()))
    async with dialled_by(calais, listener.handle, LIMITS):
        async with asyncio.timeout(WAIT_S):
            await listener.dialler_ended.wait()
        async with asyncio.timeout(WAIT_S):
            await listener.cut.wait()
