"""A member's node that streams empty batches in a round and never ends it is cut (a real node in
this process dials a hostile listener on 127.0.0.1 that speaks the real handshake).

A round waiting on the peer is cut once nothing of it moves for ROUND_WAIT_TIMEOUTS message
timeouts (tests/node/test_round_keepalives_only.py: keepalives alone). A batch of no events is a
keepalive by another name: it carries nothing, yet each counted as the round moving, so a listener
that answered the Offer with its heads and then sent an empty Events a tenth of a second, and never
its End, held the dialler's round with it (and every later one) for ever, its link counted healthy.
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
from sync.messages import End, Events, Heads, Offer, decode, encode
from sync.peers import PeerLimits

PASSPHRASE = "empty batches round tests only: not a secret"
LIMITS = PeerLimits(message_timeout_s=0.5)
WAIT_S = ROUND_WAIT_TIMEOUTS * LIMITS.message_timeout_s + 20


@pytest.fixture
def network(tmp_path: Path) -> list[LocalNode]:
    return localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)


class EmptyBatchesListener(ScriptedListener):
    """Bristol's node gone bad: it answers the Offer with heads of nothing (so the dialler streams
    it all it holds), then sends an empty batch every tenth of a second and never its End."""

    def __init__(self, bristol: LocalNode) -> None:
        super().__init__(bristol)
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
                        await ws.send_bytes(channel.seal(encode(Heads(()))))
                    elif isinstance(message, End):
                        self.dialler_ended.set()
                elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                    break
            if self.offered.is_set():
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.send_bytes(channel.seal(encode(Events(()))))
        if self.dialler_ended.is_set():
            self.cut.set()
        return ws


async def test_a_peer_streaming_empty_batches_and_never_its_end_is_cut(network: list[LocalNode]) -> None:
    calais, bristol = network
    listener = EmptyBatchesListener(bristol)
    async with dialled_by(calais, listener.handle, LIMITS):
        async with asyncio.timeout(WAIT_S):
            await listener.dialler_ended.wait()
        async with asyncio.timeout(WAIT_S):
            await listener.cut.wait()
