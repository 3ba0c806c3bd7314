"""A peer on 127.0.0.1 that a node under test dials and that refuses it after the handshake, as a
listener does once it has read the dialler's credentials: `Error("refused", text)`, with any key
(a member's, or one nobody certified). It counts the dials it answered."""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from crypto.keys import SigningKey
from sync.channel import SecureChannel
from sync.handshake import Responder
from sync.messages import Error, encode
from sync.transport import SYNC_PATH

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
