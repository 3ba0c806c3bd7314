"""A listener for tests that speaks the real handshake and credentials exchange as a member's
device, then whatever its test scripts, and a real node in this process dialling it on 127.0.0.1."""
from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

from aiohttp import web

from node.demo.localnet import LocalNode
from node.net import Node
from node.net.credentials import credential_chain
from sync.channel import SecureChannel
from sync.handshake import Responder
from sync.messages import Credentials, encode
from sync.peers import PeerLimits
from sync.transport import SYNC_PATH


class ScriptedListener:
    """`member`'s device answering dials: `open` takes a websocket through the handshake (with
    `responder`, the version it speaks) and the credentials exchange."""

    responder: type[Responder] = Responder

    def __init__(self, member: LocalNode) -> None:
        log = member.home.log()
        try:
            self.network_id = log.network_id
            self.credentials = credential_chain(log, bytes(member.keys.device.public))
        finally:
            log.store.close()
        self.device = member.keys.device

    async def open(self, request: web.Request) -> tuple[web.WebSocketResponse, SecureChannel]:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        hs = self.responder(self.network_id, self.device, lambda device: None)
        await ws.send_bytes(hs.reply((await ws.receive()).data))
        channel = SecureChannel(hs.accept((await ws.receive()).data))
        channel.open((await ws.receive()).data)  # the dialler's credentials
        await ws.send_bytes(channel.seal(encode(Credentials(self.credentials))))
        return ws, channel


@contextlib.asynccontextmanager
async def dialled_by(local: LocalNode, handle: Callable[[web.Request], Awaitable[web.StreamResponse]],
                     limits: PeerLimits) -> AsyncIterator[Node]:
    """`handle` served on 127.0.0.1 and `local`'s node (its rounds hourly) dialling it, while the `with` lasts."""
    app = web.Application()
    app.router.add_get(SYNC_PATH, handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    node = Node(local.home, local.keys, peers=[f"127.0.0.1:{port}"], limits=limits, sync_interval_s=3600)
    await node.start()
    try:
        yield node
    finally:
        await node.stop()
        await runner.cleanup()
