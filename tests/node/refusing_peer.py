"""A peer on 127.0.0.1 that a node under test dials and that refuses it after the handshake, as a
listener does once it has read the dialler's credentials: `Error("refused", text)`, with any key
(a member's, or one nobody certified). It counts the dials it answered."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from crypto.keys import SigningKey
from node.demo.localnet import LocalNode
from node.net.credentials import credential_chain
from sync.channel import SecureChannel
from sync.handshake import Responder
from sync.messages import Error, encode
from sync.addresses import normalize_address
from sync.transport import SYNC_PATH
from served_nodes import served_node

WAIT_S = 10.0


def _any_key(device: bytes) -> None:
    """The refusing peer takes whoever dials: it is the dialling node that is under test."""


@contextlib.asynccontextmanager
async def refusing_peer(network_id: bytes, device: SigningKey, text: str) -> AsyncIterator[tuple[int, list[bytes]]]:
    """Its port, and the device of each dial it refused (appended as they come), while the `with` lasts."""
    dials: list[bytes] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        hs = Responder(network_id, device, _any_key)
        await ws.send_bytes(hs.reply((await asyncio.wait_for(ws.receive(), WAIT_S)).data))
        keys = hs.accept((await asyncio.wait_for(ws.receive(), WAIT_S)).data)
        await asyncio.wait_for(ws.receive(), WAIT_S)  # the dialler's credentials
        dials.append(keys.peer_device)
        await ws.send_bytes(SecureChannel(keys).seal(encode(Error("refused", text))))
        await ws.close()
        return ws

    app = web.Application()
    app.router.add_get(SYNC_PATH, handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield site._server.sockets[0].getsockname()[1], dials  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


def know_bristols_device(network: list[LocalNode]) -> None:
    """Calais's home holds the credentials of Bristol's device (as after a first sync)."""
    calais, bristol = network
    device = bytes(bristol.keys.device.public)
    theirs, ours = bristol.home.log(), calais.home.log()
    try:
        ours.ingest(credential_chain(theirs, device))
        assert ours.trust.member(device) is not None
    finally:
        theirs.store.close()
        ours.store.close()


@contextlib.asynccontextmanager
async def refused_once(local: LocalNode, device: SigningKey, text: str) -> AsyncIterator[tuple[Any, Any, list[bytes]]]:
    """`local`'s node, served, once it dialled a peer that refused it with `text` under `device`
    and counted that dial failed: the node, the peer's entry in its book, and the dials refused."""
    async with served_node(local) as (node, _), refusing_peer(node.log.network_id, device, text) as (port, dials):
        address = normalize_address(f"127.0.0.1:{port}")
        assert node.directory.overlay.learn(address, "config")
        peer = node.directory.book.get(address)
        deadline = asyncio.get_running_loop().time() + WAIT_S
        while peer.failures < 1:
            assert asyncio.get_running_loop().time() < deadline, "the refused dial was not counted as a failure"
            await asyncio.sleep(0.05)
        yield node, peer, dials
