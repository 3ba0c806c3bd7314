"""A peer of the previous version, busy and showing it only with websocket pongs, is not cut (a real
node in this process dials a listener on 127.0.0.1 that speaks that version's handshake and
liveness).

Nodes of the previous version kept a link alive with pongs alone: busy (loading its heads on a large
database, storing a batch), such a node sent an unsolicited pong each tick and nothing sealed. This
version counts only sealed frames, which a relay on the path cannot write: it cut such a peer one
message timeout into each round ('timeout', never charged, but at every round, until the peer was
upgraded: a network of Pis upgraded one at a time lost its links). A peer whose handshake did not
name sealed liveness (sync/handshake.py) is of the previous version: its pongs count again.
"""
from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from crypto import aead
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.log import now_ms
from scripted_listener import ScriptedListener, dialled_by
from sync.handshake import NONCE_SIZE, Responder
from sync.messages import Offer, Same, decode, encode
from sync.peers import PeerLimits

PASSPHRASE = "old version peer tests only: not a secret"
LIMITS = PeerLimits(message_timeout_s=0.5)
BUSY_S = 6 * LIMITS.message_timeout_s  # the old node's heads take this long to load: pongs meanwhile
WAIT_S = 30.0


@pytest.fixture
def network(tmp_path: Path) -> list[LocalNode]:
    return localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)


class OldResponder(Responder):
    """The previous version's handshake: its nonce, 32 random bytes, names no feature."""

    def _nonce(self) -> bytes:
        return aead.random_bytes(NONCE_SIZE)


class BusyOldListener(ScriptedListener):
    """Bristol's node of the previous version: it answers the first Offer only after BUSY_S, sending
    a websocket pong (its keepalive) a third of a timeout meanwhile, and nothing sealed."""

    responder = OldResponder

    def __init__(self, bristol: LocalNode) -> None:
        super().__init__(bristol)
        self.answered = asyncio.Event()  # it sent Same, the link still open
        self.cut = asyncio.Event()  # the dialler closed the link

    async def handle(self, request: web.Request) -> web.StreamResponse:
        ws, channel = await self.open(request)
        busy_until = None
        while not ws.closed:
            with contextlib.suppress(asyncio.TimeoutError):
                msg = await asyncio.wait_for(ws.receive(), LIMITS.message_timeout_s / 3)
                if msg.type == aiohttp.WSMsgType.BINARY:
                    if isinstance(decode(channel.open(msg.data)), Offer) and busy_until is None:
                        busy_until = asyncio.get_running_loop().time() + BUSY_S
                elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                    break
            if busy_until is None or self.answered.is_set():
                continue
            with contextlib.suppress(ConnectionError, RuntimeError):
                if asyncio.get_running_loop().time() < busy_until:
                    await ws.pong(b"")  # c9fa80c's Link.keepalive: an unsolicited pong
                else:
                    await ws.send_bytes(channel.seal(encode(Same())))
                    self.answered.set()
        self.cut.set()
        return ws


async def test_a_busy_peer_of_the_previous_version_keeping_alive_with_pongs_is_not_cut(network) -> None:
    calais, bristol = network
    listener = BusyOldListener(bristol)
    async with dialled_by(calais, listener.handle, LIMITS) as node:
        answered = asyncio.ensure_future(listener.answered.wait())
        cut = asyncio.ensure_future(listener.cut.wait())
        await asyncio.wait({answered, cut}, timeout=WAIT_S, return_when=asyncio.FIRST_COMPLETED)
        answered.cancel()
        cut.cancel()
        assert listener.answered.is_set() and not listener.cut.is_set(), \
            "the old peer, busy and sending pongs, was cut before it answered the Offer"
        deadline = asyncio.get_running_loop().time() + WAIT_S
        while not any(p.get("last_sync") for p in node.peer_views(now_ms())):
            assert asyncio.get_running_loop().time() < deadline, "the round with the old peer never ended"
            await asyncio.sleep(0.05)
        assert not listener.cut.is_set()
