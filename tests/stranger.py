"""A stranger at an address a node dials: a fresh key no group certified, holding the network id (on
the path, at an address that changed hands, or typed in by mistake). It answers the handshake as
a real responder does and records what each dialler hands it: its device id (message 3) and every
message after the handshake; then it closes, saying the dialler is revoked (a lie it must not
believe). Every wait is bounded.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from crypto.keys import SigningKey
from sync.channel import SecureChannel
from sync.handshake import Responder
from sync.messages import Error, Message, decode, encode
from sync.transport import SYNC_PATH

WAIT_S = 5.0  # for each frame of a dialler


@dataclass
class Dialled:
    """What one dialler sent the stranger."""

    device: bytes | None = None  # the dialler's device id, if its message 3 came
    messages: list[Message] = field(default_factory=list)  # sealed messages after the handshake


@dataclass
class Stranger:
    network_id: bytes
    key: SigningKey = field(default_factory=SigningKey.generate)
    refusal: str | None = "revoked"  # what it tells a dialler after its first message (None: nothing)
    dials: list[Dialled] = field(default_factory=list)
    came: asyncio.Event = field(default_factory=asyncio.Event)  # set when a dial is over

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(SYNC_PATH, self._answer)
        return app

    async def _answer(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        dialled = Dialled()
        self.dials.append(dialled)
        try:
            hs = Responder(self.network_id, self.key, lambda device: None)
            await ws.send_bytes(hs.reply(await _frame(ws)))
            finish = await _frame(ws)
            if finish is None:  # the dialler stopped after message 2
                return ws
            keys = hs.accept(finish)
            dialled.device = keys.peer_device
            channel = SecureChannel(keys)
            while (frame := await _frame(ws)) is not None:
                dialled.messages.append(decode(channel.open(frame)))
                if len(dialled.messages) == 1 and self.refusal is not None:  # refuse it, with a lie
                    await ws.send_bytes(channel.seal(encode(Error("refused", self.refusal))))
        finally:
            await ws.close()
            self.came.set()
        return ws


async def _frame(ws: web.WebSocketResponse) -> bytes | None:
    """The next binary frame, or None once the dialler closed (or stayed silent WAIT_S)."""
    try:
        msg = await asyncio.wait_for(ws.receive(), WAIT_S)
    except asyncio.TimeoutError:
        return None
    return msg.data if msg.type == aiohttp.WSMsgType.BINARY else None
