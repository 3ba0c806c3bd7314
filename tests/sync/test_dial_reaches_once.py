"""One dial reaches the dialled address once. aiohttp sent a websocket upgrade (a GET) again, on a
new connection, when the first was closed before an answer: every dial of a service that hangs up
on it (or of a node turning a flood away, or across a path that cuts it) reached it twice, while
the dialler counted one failure (12 connections for 6 failures)."""
from __future__ import annotations

import asyncio

import aiohttp
import pytest

from node.render import connection_problem
from sync.peers import PeerLimits
from sync.peer_session import client_session
from sync.transport import dial

DIALS = 3


async def test_a_service_that_hangs_up_is_reached_once_per_dial() -> None:
    connections = 0

    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        await reader.readuntil(b"\r\n\r\n")  # the request, then nothing: closed without an answer
        writer.close()

    server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with client_session(None, 5) as session:
            for _ in range(DIALS):
                with pytest.raises(aiohttp.ServerDisconnectedError) as failed:
                    await dial(session, f"http://127.0.0.1:{port}", None, PeerLimits())  # type: ignore[arg-type]
                assert connection_problem(failed.value) == "the other side closed the connection"
    finally:
        server.close()
        await server.wait_closed()
    assert connections == DIALS


async def test_a_service_that_does_not_speak_http_is_not_said_to_answer_http_400() -> None:
    """An SSH or mail server's greeting is no HTTP answer; aiohttp calls it a 400, and the log said
    "something answers there, but not a solnet node (HTTP 400)"."""
    async def greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"SSH-2.0-OpenSSH_9.2\r\n")
        await reader.read(4096)
        writer.close()

    server = await asyncio.start_server(greet, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with client_session(None, 5) as session:
            with pytest.raises(aiohttp.ClientResponseError) as failed:
                await dial(session, f"http://127.0.0.1:{port}", None, PeerLimits())  # type: ignore[arg-type]
    finally:
        server.close()
        await server.wait_closed()
    assert connection_problem(failed.value) == ("something answers there, but it does not speak HTTP: not a solnet "
                                                "node — check the address")
