"""Sync handshakes that never finish cannot shut the owner out (node/listener.py, node/webapp.py).

Behind an onion service or any relay every visitor, the owner and the member nodes dialling in
come from 127.0.0.1: one source, 32 connections not yet authenticated at most. A websocket upgrade
to /sync/v1 needs no secret, and its handshake is a request being answered, bounded only by its own
deadlines (3 s without a byte, 60 s in all while bytes trickle in). Until 2026-12-04 such a
connection could not be pushed out, so 32 of them, renewed, kept every other connection from that
source out: the dashboard, the API, the members' dials. Now a newcomer takes the place of the
oldest unfinished handshake as it takes an idle connection's."""
from __future__ import annotations

import asyncio
import base64
import os

from test_hostile_requests import get, port_of, raw_request

UPGRADES = 40  # over the per-source cap of 32


async def test_unfinished_handshakes_make_room_for_the_owner(served_api) -> None:
    port = port_of(served_api)
    held: list[asyncio.StreamWriter] = []

    async def upgrade() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16))
        writer.write(b"GET /sync/v1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                     b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + key + b"\r\n\r\n")
        held.append(writer)
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")  # 101, or closed: refused or pushed out

    try:
        async with asyncio.timeout(10):
            await asyncio.gather(*(upgrade() for _ in range(UPGRADES)), return_exceptions=True)
        for writer in held:
            writer.write(b"\x82")  # the first byte of a frame: progress, the handshake waits on
        async with asyncio.timeout(10):
            try:
                status, _, body = await raw_request(port, get(b"/healthz"))
            except (IndexError, ConnectionError):  # closed without an answer
                status, body = None, b""
        assert (status, body) == (200, b'{"ok": true}'), "the owner's request was refused during the flood"
    finally:
        for writer in held:
            writer.close()
