"""What request heads not yet complete may hold of a node's memory (node/listener.py HEADS_BYTES,
HEAD_FIELDS), with a real node served on 127.0.0.1 and raw sockets sending heads that never end.

aiohttp takes 128 header lines of 8 KiB by default and holds a head's bytes until its last line:
64 connections each trickling a 1 MiB head grew the node by 123 MiB, and the guard allows 512
such connections (32 from one address). Anyone who reaches the port could have a Pi killed for
want of memory.
"""
from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from node.listener import HEAD_FIELDS, HEADS_BYTES, ConnectionGuard
from node.net import Node
from node.webapp import GUARD, create_app, serve
from served_nodes import network, served_node, until  # noqa: F401  (the fixture)

LINE = b"X-Filler-%d: " + b"a" * 8000 + b"\r\n"
CONNECTIONS = 60  # from two addresses (the guard takes 32 from one)
Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def test_heads_that_never_end_hold_no_more_than_their_budget_together(network) -> None:
    calais, _ = network
    head = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(LINE % i for i in range(HEAD_FIELDS - 2))
    assert CONNECTIONS * len(head) > 1.5 * HEADS_BYTES
    async with served_node(calais) as (_, served):
        guard = served.runner.app[GUARD]
        streams = []
        try:
            for n in range(CONNECTIONS):
                reader, writer = await asyncio.open_connection("127.0.0.1", served.port,
                                                               local_addr=(f"127.0.0.{2 + n % 2}", 0))
                writer.write(head)  # (no blank line: the head never ends)
                await writer.drain()
                streams.append((reader, writer))
            # Every byte sent has reached the guard, counted or reset: the connections reset at once
            # read their end; the others hold what they sent.
            await until(lambda: guard.unauthenticated + sum(r.at_eof() for r, _ in streams) >= CONNECTIONS
                        and guard.head_bytes + len(head) * sum(r.at_eof() for r, _ in streams)
                        >= CONNECTIONS * len(head) - len(head), "the heads sent reaching the node")
            held = sum(1 for reader, _ in streams if not reader.at_eof()) * len(head)
            assert guard.head_bytes <= HEADS_BYTES, f"{guard.head_bytes} bytes of heads held"
            assert held <= HEADS_BYTES + len(head), f"{held} bytes of heads held by the open connections"
        finally:
            for _, writer in streams:
                writer.close()
                with contextlib.suppress(ConnectionError):
                    await writer.wait_closed()


async def test_a_request_with_more_header_lines_than_a_browser_sends_is_refused(network) -> None:
    calais, _ = network
    async with served_node(calais) as (_, served):
        reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
        try:
            writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         + b"".join(b"X-%d: a\r\n" % i for i in range(HEAD_FIELDS + 1)) + b"\r\n")
            status = await asyncio.wait_for(reader.readline(), 15)
            assert status.split()[1] in (b"400", b"431"), status
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


@contextlib.asynccontextmanager
async def held_answers(calais) -> AsyncIterator[tuple[ConnectionGuard, int, list[int], list[Streams]]]:
    """A node served on 127.0.0.1 whose `/held` (GET or POST) is answered only when this ends, its
    body left unread: (its guard, its port, how many /held requests began, the streams to add to,
    closed at the end)."""
    answer, began = asyncio.Event(), [0]

    async def held(request: web.Request) -> web.Response:
        began[0] += 1
        await answer.wait()
        return web.Response(text="answered\n")

    node = Node(calais.home, calais.keys, listen=("127.0.0.1", 0), sync_interval_s=3600)
    app = create_app(node)
    app.router.add_route("*", "/held", held)
    served = await serve(app, "127.0.0.1", 0)
    streams: list[Streams] = []
    try:
        yield app[GUARD], served.port, began, streams
    finally:
        answer.set()
        for _, writer in streams:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
        await served.close()


def ended(stream: Streams) -> bool:
    return stream[0].at_eof() or stream[0].exception() is not None  # (closed, or reset)


async def test_heads_pipelined_behind_a_request_being_answered_are_held_within_the_budget(network) -> None:
    """A connection may send its next requests before its first is answered (HTTP/1.1 pipelining):
    aiohttp parses and queues up to 32 of them, heads held whole, until each is answered. The
    guard counted none of them once the first began, so two connections whose first answers were
    held back (a stranger reading none of a page it asked for: the answer waits for room in the
    socket) held 15 MiB of heads, 8 MiB allowed. Here the first request is answered only when the
    test says; the connection holding the most is reset, as a head that never ends is."""
    calais, _ = network
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(LINE % i for i in range(HEAD_FIELDS - 2))
    burst = b"GET /held HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" + (head + b"\r\n") * 31  # (aiohttp queues 32)
    assert 2 * len(burst) > 1.5 * HEADS_BYTES and len(burst) < HEADS_BYTES
    async with held_answers(calais) as (guard, port, began, streams):
        for _ in range(2):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(burst)
            streams.append((reader, writer))
        await until(lambda: began[0] > 0, "the held request begun")
        await until(lambda: any(map(ended, streams)), "a connection holding the most reset")
        assert guard.head_bytes <= HEADS_BYTES, f"{guard.head_bytes} bytes of heads held"
        assert not all(map(ended, streams)), "both connections were reset"


async def test_heads_come_in_the_same_read_as_a_bodys_end_are_held_within_the_budget(network) -> None:
    """A read that ends a request's body was counted whole as body, and what came after the body's
    end in it (the next requests' heads, up to a read of 256 KiB) was held by aiohttp uncounted: 40
    connections, each with a request held unanswered, ended its one-byte body and sent a 240 KiB head
    that never ends in one write, and held 9.6 MB where 8 MiB are allowed (512 connections: 128 MiB)."""
    calais, _ = network
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(LINE % i for i in range(HEAD_FIELDS - 2))
    connections = 40  # from two addresses (the guard takes 32 from one)
    assert connections * len(head) > 1.1 * HEADS_BYTES and len(head) < 256 * 1024
    async with held_answers(calais) as (guard, port, began, streams):
        for n in range(connections):
            reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(f"127.0.0.{2 + n % 2}", 0))
            writer.write(b"POST /held HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1\r\n\r\n")
            streams.append((reader, writer))
            await until(lambda: began[0] > n, "the held request begun")
            writer.write(b"x" + head)  # the body's end, then a head that never ends, in one write
            await writer.drain()
        sent = connections * (len(head) + 1)
        await until(lambda: sum(c.bytes_in for c in guard._open.values())
                    + sum(map(ended, streams)) * (len(head) + 1) >= sent - len(head), "the heads reaching the node")
        held_open = sum(1 for s in streams if not ended(s)) * len(head)
        assert guard.head_bytes <= HEADS_BYTES, f"{guard.head_bytes} bytes of heads counted"
        assert held_open <= HEADS_BYTES + len(head), \
            f"{held_open} bytes of heads held by the open connections ({guard.head_bytes} counted)"


async def test_requests_answered_on_a_kept_alive_connection_leave_no_head_counted(network) -> None:
    """Each request's start takes its own head (and the body come with it) off the count, no more
    (see the test above): a client's ordinary requests, with bodies or not, one after another on
    one connection, leave nothing counted, however many it sends."""
    calais, _ = network
    async with served_node(calais) as (_, served):
        guard = served.runner.app[GUARD]
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session:
            url = f"http://127.0.0.1:{served.port}"
            for n in range(30):
                if n % 3 == 0:
                    request = session.get(f"{url}/healthz", headers={"X-Long": "a" * 4000 * (n % 2)})
                elif n % 3 == 1:
                    request = session.post(f"{url}/login", data={"passphrase": "x" * 3000 * n})
                else:  # a body refused unread (a form sent compressed: node/webapp.py plain_bodies)
                    request = session.post(f"{url}/login", data=b"x" * 200_000,
                                           headers={"Content-Encoding": "gzip"})
                async with request as response:
                    await response.read()
                await until(lambda: guard.head_bytes == 0 or response.status == 415 and n % 3 != 2,
                            f"the count back to 0 after request {n} (answered {response.status})")
                assert guard.head_bytes == 0, f"{guard.head_bytes} bytes counted after request {n}"


async def test_a_body_answered_before_it_came_is_not_counted_as_a_head(network) -> None:
    """A request answered before its body came (a form sent compressed: 415), its body then read
    and dropped by aiohttp so the connection may serve the next request: that body is no head, and
    the next request's start takes off only its own, so it stayed counted for the connection's
    life (each such request adding its body) until it was told apart."""
    calais, _ = network
    body = b"x" * 100_000
    async with served_node(calais) as (_, served):
        guard = served.runner.app[GUARD]
        reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
        try:
            for n in range(3):
                writer.write(b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Encoding: gzip\r\n"
                             b"Content-Type: application/x-www-form-urlencoded\r\n"
                             b"Content-Length: %d\r\n\r\n" % len(body))
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 15)
                assert head.startswith(b"HTTP/1.1 415"), head
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                await asyncio.wait_for(reader.readexactly(length), 15)
                writer.write(body)  # (after the answer: read and dropped)
                await writer.drain()
                await until(lambda: sum(c.bytes_in for c in guard._open.values()) >= (n + 1) * len(body),
                            "the body reaching the node")
                assert guard.head_bytes < 1024, f"{guard.head_bytes} bytes counted as heads after request {n}"
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
