"""A hostile relay for tests: a TCP relay on 127.0.0.1 between a dialling node and a listening one
that reads the websocket framing (not the sealed frames inside) and can hold back every frame of
the connections open when it turns, writing pings and pongs of its own, or flood one end with pings,
or pass each new connection's handshake and hold all that follows, or alter one frame after it,
or drop each connection after some frames, as a path that loses its connection does. Every wait is
bounded by its caller."""
from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable

from node.demo.localnet import LocalNode
from node.net import Node
from node.webapp import create_app, serve
from sync.peers import PeerLimits

INJECT_EVERY_S = 0.1
PING, PONG = 0x89, 0x8A  # a final frame of each opcode
CLOSE = 0x8


async def _frame(reader: asyncio.StreamReader) -> bytes:
    """One whole websocket frame (RFC 6455 5.2), as it came."""
    head = await reader.readexactly(2)
    size, ext = head[1] & 0x7F, b""
    if size in (126, 127):
        ext = await reader.readexactly(2 if size == 126 else 8)
        size = int.from_bytes(ext, "big")
    mask = await reader.readexactly(4) if head[1] & 0x80 else b""
    return head + ext + mask + await reader.readexactly(size)


def _control(opcode: int, masked: bool) -> bytes:
    """An empty ping or pong; masked as a client's frames must be."""
    return bytes([opcode, 0x80]) + os.urandom(4) if masked else bytes([opcode, 0])


class Held:
    """One connection through the relay, and what its ends did once it was held."""

    def __init__(self, passes: tuple[int, int] | None = None,
                 flip: tuple[int | None, int | None] | None = None, cut: int | None = None) -> None:
        self.hostile = False
        self.cut = cut  # frames still passed to the dialler before the connection is dropped (None: never)
        # Frames passed as they came (dialler to listener, listener to dialler) before one bit of the
        # next is flipped (None: none of that way); each way's count runs on past it (then below 0).
        self.flip = None if flip is None else list(flip)
        self.flipped = 0  # frames altered
        # Frames still passed (dialler to listener, listener to dialler) before all are held (None: all pass)
        self.passes = None if passes is None else list(passes)
        self.dropped = 0  # frames the relay did not pass on, once hostile
        self.dialler_closed = asyncio.Event()  # Bristol's node closed its end (a close frame, or the connection)
        self.listener_closed = asyncio.Event()  # Calais's node closed its end
        self.to_listener: asyncio.StreamWriter | None = None

    def flood(self, pings: int) -> None:
        """Write `pings` pings of the relay's own to the listener, between two whole frames (the
        event loop runs no pipe meanwhile)."""
        assert self.to_listener is not None
        self.to_listener.write(b"".join(_control(PING, masked=True) for _ in range(pings)))


class HostileRelay:
    """Passes every byte between the dialler and the listener until `turn`. From then on, the
    connections open at that moment carry nothing either way (whole frames are dropped, closes
    included: an end that closes is not told to the other) and each end gets a pong and a ping
    of the relay's own every INJECT_EVERY_S; new connections are refused while `refusing` (so the
    listener's link cannot be replaced by a redial), then passed honestly."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.refusing = False
        # Frames of each new connection passed (dialler to listener, listener to dialler) before the
        # relay holds all that follows: (3, 2) passes the handshake and both sides' credentials.
        self.hold_after: tuple[int, int] | None = None
        # ... or passes that many frames of each new connection and flips one bit of the next (see Held.flip).
        self.flip_after: tuple[int | None, int | None] | None = None
        # ... or passes that many frames of each new connection to the dialler, then drops the
        # connection both ways without a close (a wifi drop, a Tor circuit that collapses).
        self.cut_after: int | None = None
        self.conns: list[Held] = []
        self.tasks: set[asyncio.Task] = set()
        self.server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    def turn(self) -> list[Held]:
        held = [c for c in self.conns if not (c.dialler_closed.is_set() or c.listener_closed.is_set())]
        for conn in held:
            conn.hostile = True
        self.refusing = True
        return held

    async def _client(self, dialler_r: asyncio.StreamReader, dialler_w: asyncio.StreamWriter) -> None:
        if self.refusing:
            dialler_w.close()
            return
        listener_r, listener_w = await asyncio.open_connection("127.0.0.1", self.port)
        conn = Held(self.hold_after, self.flip_after, self.cut_after)
        conn.to_listener = listener_w
        self.conns.append(conn)
        jobs = [self._pipe(conn, dialler_r, listener_w, conn.dialler_closed, 0),
                self._pipe(conn, listener_r, dialler_w, conn.listener_closed, 1),
                self._inject(conn, dialler_w, listener_w)]
        tasks = [asyncio.create_task(job) for job in jobs]
        self.tasks.update(tasks)
        await asyncio.gather(*tasks[:2], return_exceptions=True)
        tasks[2].cancel()
        for writer in (dialler_w, listener_w):
            writer.close()

    async def _pipe(self, conn: Held, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    closed: asyncio.Event, way: int) -> None:
        try:
            writer.write(await reader.readuntil(b"\r\n\r\n"))  # the HTTP upgrade, request or answer
            while True:
                frame = await _frame(reader)
                if frame[0] & 0x0F == CLOSE:  # the end closes the link (its TCP may linger a while)
                    closed.set()
                if conn.flip is not None and conn.flip[way] is not None:
                    if conn.flip[way] == 0:  # the last byte: the frame's authentication tag
                        frame = frame[:-1] + bytes([frame[-1] ^ 1])
                        conn.flipped += 1
                    conn.flip[way] -= 1
                if conn.passes is not None and conn.passes[way] > 0:
                    conn.passes[way] -= 1
                    writer.write(frame)
                elif conn.hostile or conn.passes is not None:
                    conn.dropped += 1
                else:
                    writer.write(frame)
                if way == 1 and conn.cut is not None:
                    conn.cut -= 1
                    if conn.cut == 0:  # the connection is lost, both ways, without a word
                        assert conn.to_listener is not None
                        await writer.drain()
                        writer.transport.abort()
                        conn.to_listener.transport.abort()
                        break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        closed.set()
        if not conn.hostile:
            writer.close()

    async def _inject(self, conn: Held, dialler_w: asyncio.StreamWriter, listener_w: asyncio.StreamWriter) -> None:
        while True:
            await asyncio.sleep(INJECT_EVERY_S)
            if not conn.hostile:
                continue
            for writer, gone, masked in ((dialler_w, conn.dialler_closed, False),
                                         (listener_w, conn.listener_closed, True)):
                if not gone.is_set():
                    with contextlib.suppress(ConnectionError, RuntimeError):
                        writer.write(_control(PONG, masked) + _control(PING, masked))


async def until(condition: Callable[[], bool | Awaitable[bool]], what: str, wait_s: float) -> None:
    """Wait until `condition()` holds, at most `wait_s` (then fail, saying `what` was awaited). It may
    be a coroutine function: a running node's store is read on its database thread (`node.db`)."""
    deadline = asyncio.get_running_loop().time() + wait_s
    while not await _holds(condition):
        assert asyncio.get_running_loop().time() < deadline, f"not within {wait_s:.0f} s: {what}"
        await asyncio.sleep(0.05)


async def _holds(condition: Callable[[], bool | Awaitable[bool]]) -> bool:
    held = condition()
    return bool(await held) if inspect.isawaitable(held) else bool(held)


def said_in_a_row(records: list[logging.LogRecord]) -> list[int]:
    """The failures in a row said by each "cannot reach" line among `records` (node/net/links.py)."""
    return [int(found.group(1)) for record in records if record.getMessage().startswith("cannot reach")
            and (found := re.search(r"; (\d+) failures? in a row", record.getMessage()))]


@contextlib.asynccontextmanager
async def relayed_nodes(calais: LocalNode, bristol: LocalNode, limits: PeerLimits, *, bristol_interval_s: float,
                        hold_after: tuple[int, int] | None = None) -> AsyncIterator[tuple[Node, Node, HostileRelay]]:
    """Calais's node served on 127.0.0.1 (its own rounds hourly), a relay in front of it (holding
    what follows `hold_after` frames of each connection, if given), and Bristol's node dialling
    Calais through the relay every `bristol_interval_s`, while the `with` lasts."""
    listener = Node(calais.home, calais.keys, listen=("127.0.0.1", 0), limits=limits, sync_interval_s=3600)
    served = await serve(create_app(listener), "127.0.0.1", 0)
    relay = HostileRelay(served.port)
    relay.hold_after = hold_after
    relay.server = await asyncio.start_server(relay._client, "127.0.0.1", 0)
    dialler = Node(bristol.home, bristol.keys, peers=[relay.url], limits=limits, sync_interval_s=bristol_interval_s)
    await dialler.start()
    try:
        yield listener, dialler, relay
    finally:
        await dialler.stop()
        await served.close()
        for task in relay.tasks:
            task.cancel()
        relay.server.close()
