"""What a sync handshake may bring before it is through (node/listener.py), against a real node
served on 127.0.0.1 and websocket frames written by hand.

aiohttp holds a websocket frame whole until its last byte, and a frame may be 4 MiB: anyone who
reached the port could upgrade to /sync/v1 and send most of one, and 512 such connections held
2 GiB of a Raspberry Pi's memory. Now a handshake may bring what one message of credentials takes,
and all the handshakes not kept for a member together 32 MiB: beyond that a connection is reset,
the one holding most first.
"""
from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import struct
from pathlib import Path

import pytest

from crypto.keys import SigningKey
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.listener import HANDSHAKE_BYTES, UNKEPT_BYTES
from node.webapp import GUARD
from sync.handshake import Initiator
from test_hello_places import tokens_enough
from test_member_handshake_reserve import WAIT_S, _network_id, served, until

PASSPHRASE = "handshake bytes tests only: not a secret"
FRAME_BYTES = 4 * 1024 * 1024  # the largest frame the node takes from a peer


@pytest.fixture
def calais(tmp_path: Path) -> LocalNode:
    return localnet.create_network(tmp_path / "net", [("Calais", "calais")], PASSPHRASE)[0]


def frame_header(size: int) -> bytes:
    """A client's binary frame header announcing `size` bytes (masked with zeros: sent as is)."""
    if size < 126:
        return bytes([0x82, 0x80 | size]) + bytes(4)
    if size < 1 << 16:
        return bytes([0x82, 0x80 | 126]) + struct.pack(">H", size) + bytes(4)
    return bytes([0x82, 0x80 | 127]) + struct.pack(">Q", size) + bytes(4)


async def read_frame(reader: asyncio.StreamReader) -> bytes:
    first = await asyncio.wait_for(reader.readexactly(2), WAIT_S)
    size = first[1] & 0x7F
    if size == 126:
        (size,) = struct.unpack(">H", await reader.readexactly(2))
    elif size == 127:
        (size,) = struct.unpack(">Q", await reader.readexactly(8))
    return await reader.readexactly(size)


async def upgraded(port: int, source: str = "127.0.0.1") -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))
    writer.write(b"GET /sync/v1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                 b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + base64.b64encode(os.urandom(16)) + b"\r\n\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT_S)
    assert head.startswith(b"HTTP/1.1 101"), head
    return reader, writer


async def signed_by_a_stranger(port: int, network_id: bytes, source: str = "127.0.0.1",
                               ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection whose handshake a fresh key (anyone's) signed: the node waits for credentials."""
    reader, writer = await upgraded(port, source)
    hs = Initiator(network_id, SigningKey.generate(), lambda device: None)
    hello = hs.hello()
    writer.write(frame_header(len(hello)) + hello)
    finish, _ = hs.finish(await read_frame(reader))
    writer.write(frame_header(len(finish)) + finish)
    await writer.drain()
    return reader, writer


async def reset_by_the_node(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, size: int) -> bool:
    """Send `size` bytes of a frame announced at 4 MiB; whether the node then closed the connection
    (within WAIT_S), rather than holding what came for the rest of the frame."""
    writer.write(frame_header(FRAME_BYTES))
    try:
        for _ in range(size // 65536):
            writer.write(bytes(65536))
            await asyncio.wait_for(writer.drain(), WAIT_S)
        return await asyncio.wait_for(reader.read(1), WAIT_S) == b""
    except (ConnectionError, asyncio.IncompleteReadError):
        return True
    except asyncio.TimeoutError:
        return False
    finally:
        writer.close()


async def test_a_handshake_that_brings_a_large_frame_before_signing_is_reset(calais: LocalNode) -> None:
    async with served(calais) as server:
        reader, writer = await upgraded(server.port)
        assert await reset_by_the_node(reader, writer, HANDSHAKE_BYTES + 65536), \
            "the node held a frame of a handshake whose dialler had not signed, larger than credentials"
        await until(lambda: server.runner.app[GUARD].unauthenticated == 0, "the connection forgotten")


async def test_credentials_over_one_message_are_reset(calais: LocalNode) -> None:
    async with served(calais) as server:
        guard = server.runner.app[GUARD]
        reader, writer = await signed_by_a_stranger(server.port, _network_id(calais))
        await until(lambda: guard.handshakes_signed == 1, "the node reading the stranger's signature")
        assert await reset_by_the_node(reader, writer, HANDSHAKE_BYTES + 65536), \
            "the node held credentials larger than one message of events"


async def test_strangers_credentials_are_held_to_a_total(calais: LocalNode) -> None:
    """Strangers (many addresses) each under one message's allowance, more than the total in
    all: the node holds at most the total, and resets the excess."""
    network_id = _network_id(calais)
    each = HANDSHAKE_BYTES - 64 * 1024
    count = UNKEPT_BYTES // each + 4
    async with served(calais) as server:
        guard = server.runner.app[GUARD]
        # (what is at stake is the bytes held, not the hello budget: on a loaded machine a stranger's
        # handshake costs more than a token and the budget turned the later ones away with a 503)
        tokens_enough(guard.hello_budget)
        held = []
        try:
            for i in range(count):
                reader, writer = await signed_by_a_stranger(server.port, network_id, f"127.0.0.{2 + i % 8}")
                held.append((reader, writer))
                writer.write(frame_header(FRAME_BYTES))
                for _ in range(each // 65536):
                    writer.write(bytes(65536))
                    with contextlib.suppress(ConnectionError):
                        await asyncio.wait_for(writer.drain(), WAIT_S)
            await until(lambda: any(r.at_eof() or r.exception() is not None for r, _ in held),
                        "the node resetting a stranger's connection once the total was reached")
            assert guard.unkept_bytes <= UNKEPT_BYTES, \
                f"strangers' credentials held: {guard.unkept_bytes} bytes, over {UNKEPT_BYTES}"
        finally:
            for _, writer in held:
                writer.close()


async def test_the_sync_endpoint_never_agrees_to_compression(calais: LocalNode) -> None:
    """A frame of 4 KiB compressed unpacks to 4 MiB on the event loop before anything reads it: a
    stranger who asked for permessage-deflate held alerts up for 20 s with a few connections. Sync
    frames are encrypted (they do not compress), so the node never agrees to it."""
    async with served(calais) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        try:
            writer.write(b"GET /sync/v1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                         b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate\r\n"
                         b"Sec-WebSocket-Key: " + base64.b64encode(os.urandom(16)) + b"\r\n\r\n")
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT_S)
        finally:
            writer.close()
        assert head.startswith(b"HTTP/1.1 101"), head
        assert b"deflate" not in head.lower(), head
