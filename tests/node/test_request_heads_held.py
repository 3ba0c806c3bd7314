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

from node.listener import HEAD_FIELDS, HEADS_BYTES
from node.webapp import GUARD
from served_nodes import network, served_node, until  # noqa: F401  (the fixture)

LINE = b"X-Filler-%d: " + b"a" * 8000 + b"\r\n"
CONNECTIONS = 60  # from two addresses (the guard takes 32 from one)


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
