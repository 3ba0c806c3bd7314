"""A relay on a link's path cannot keep the link alive with pings and pongs of its own (two real
nodes in this process on real SQLite homes, a hostile TCP relay between them on 127.0.0.1).

Websocket pings and pongs are neither encrypted nor signed: anyone on the path can write them.
Every one heard counted as the peer being alive, so a relay that held back all data and wrote a
pong now and then kept the listener's link open for ever (the listener opens no rounds, and its
quiet-link ping was answered by the relay) and each of the dialler's rounds waiting 20 message
timeouts; meanwhile an alert for that peer went nowhere, and the dead link kept its slot. Now
only sealed frames that authenticate show the peer alive: both ends cut the held link within a
few message timeouts, and an alert published meanwhile reaches the other node once it dials again.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from node.demo import localnet
from node.demo.localnet import LocalNode
from node.net import Node
from node.webapp import create_app, serve
from sync.link import ROUND_WAIT_TIMEOUTS
from sync.peers import PeerLimits

PASSPHRASE = "relay liveness tests only: not a secret"
LIMITS = PeerLimits(message_timeout_s=1.0)
# Well under the dialler's old bound (ROUND_WAIT_TIMEOUTS timeouts of keepalives alone); the
# listener's old one was none at all.
CUT_WAIT_S = ROUND_WAIT_TIMEOUTS * LIMITS.message_timeout_s / 2
WAIT_S = 30.0
INJECT_EVERY_S = 0.1
PING, PONG = 0x89, 0x8A  # a final frame of each opcode
CLOSE = 0x8


@pytest.fixture
def network(tmp_path: Path) -> list[LocalNode]:
    return localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)


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

    def __init__(self) -> None:
        self.hostile = False
        self.dropped = 0  # frames the relay did not pass on, once hostile
        self.dialler_closed = asyncio.Event()  # Bristol's node closed its end (a close frame, or the connection)
        self.listener_closed = asyncio.Event()  # Calais's node closed its end


class HostileRelay:
    """Passes every byte between the dialler and the listener until `turn`. From then on, the
    connections open at that moment carry nothing either way (whole frames are dropped, closes
    included: an end that closes is not told to the other) and each end gets a pong and a ping
    of the relay's own every INJECT_EVERY_S; new connections are refused while `refusing` (so the
    listener's link cannot be replaced by a redial), then passed honestly."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.refusing = False
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
        conn = Held()
        self.conns.append(conn)
        jobs = [self._pipe(conn, dialler_r, listener_w, conn.dialler_closed),
                self._pipe(conn, listener_r, dialler_w, conn.listener_closed),
                self._inject(conn, dialler_w, listener_w)]
        tasks = [asyncio.create_task(job) for job in jobs]
        self.tasks.update(tasks)
        await asyncio.gather(*tasks[:2], return_exceptions=True)
        tasks[2].cancel()
        for writer in (dialler_w, listener_w):
            writer.close()

    async def _pipe(self, conn: Held, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    closed: asyncio.Event) -> None:
        try:
            writer.write(await reader.readuntil(b"\r\n\r\n"))  # the HTTP upgrade, request or answer
            while True:
                frame = await _frame(reader)
                if frame[0] & 0x0F == CLOSE:  # the end closes the link (its TCP may linger a while)
                    closed.set()
                if conn.hostile:
                    conn.dropped += 1
                else:
                    writer.write(frame)
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


async def _until(condition: Callable[[], Awaitable[bool]], what: str, within: float = WAIT_S) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, f"not within {within:.0f} s: {what}"
        await asyncio.sleep(0.05)


def _raid(where: str) -> dict[str, str]:
    return {"region": "calais", "type": "raid", "location": where, "text": "Vans at the corner"}


async def test_a_relay_writing_pongs_and_pings_while_it_holds_all_data_keeps_no_link_alive(network) -> None:
    calais_home, bristol_home = network
    calais = Node(calais_home.home, calais_home.keys, listen=("127.0.0.1", 0), limits=LIMITS, sync_interval_s=3600)
    served = await serve(create_app(calais), "127.0.0.1", 0)
    relay = HostileRelay(served.port)
    relay.server = await asyncio.start_server(relay._client, "127.0.0.1", 0)
    bristol = Node(bristol_home.home, bristol_home.keys, peers=[relay.url], limits=LIMITS, sync_interval_s=1.0)
    await bristol.start()
    try:
        def stored_at_bristol(event_id: bytes) -> Callable[[], Awaitable[bool]]:
            async def stored() -> bool:
                return await bristol.db(bristol.log.store.event_n, event_id) is not None
            return stored

        first = await calais.publish("alert", _raid("Rue de Moscou"), offline=True)
        await _until(stored_at_bristol(first.id), "Calais's first alert on Bristol, through the honest relay")

        [dialled], [answered] = list(bristol.links.open()), list(calais.links.open())
        held = relay.turn()
        assert held, "the link Bristol dialled through the relay"
        alert = await calais.publish("alert", _raid("Quai de la Loire"), offline=True)

        async def dialler_cut() -> bool:
            return dialled.closed

        async def listener_cut() -> bool:
            return answered.closed

        await _until(dialler_cut, "Bristol (the dialler) cut the held link", CUT_WAIT_S)
        await _until(listener_cut, "Calais (the listener) cut the held link", CUT_WAIT_S)
        assert all(conn.dropped for conn in held), "the relay held back the link's frames"
        relay.refusing = False
        await _until(stored_at_bristol(alert.id), "the alert published while the link was held, on Bristol")
    finally:
        await bristol.stop()
        await served.close()
        for task in relay.tasks:
            task.cancel()
        relay.server.close()


async def test_an_honest_idle_link_answers_its_sealed_pings_and_stays(network, monkeypatch) -> None:
    """No round for an hour and nothing published: each end pings the other (a sealed IWant for an
    event the peer holds) every two message timeouts, is answered (a sealed Push), and the link
    stays, however many pings go."""
    from sync.transport import Link

    probes: list[int] = []
    probe = Link.probe

    def counted(self: Link, ids: tuple[bytes, ...]) -> None:
        assert ids, "a ping names an event the peer holds"
        probes.append(self.number)
        probe(self, ids)

    monkeypatch.setattr(Link, "probe", counted)
    calais_home, bristol_home = network
    fast = PeerLimits(message_timeout_s=0.3)
    calais = Node(calais_home.home, calais_home.keys, listen=("127.0.0.1", 0), limits=fast, sync_interval_s=3600)
    served = await serve(create_app(calais), "127.0.0.1", 0)
    bristol = Node(bristol_home.home, bristol_home.keys, peers=[f"http://127.0.0.1:{served.port}"], limits=fast,
                   sync_interval_s=3600)
    await bristol.start()
    try:
        async def linked() -> bool:
            return bool(calais.links.open()) and bool(bristol.links.open())

        await _until(linked, "Bristol's link with Calais")
        [(ours, theirs)] = [(b.number, c.number) for b in bristol.links.open() for c in calais.links.open()]

        async def pinged() -> bool:
            return probes.count(ours) >= 3 and probes.count(theirs) >= 3

        await _until(pinged, "three pings each way on the idle link")
        assert [link.number for link in bristol.links.open()] == [ours]
        assert [link.number for link in calais.links.open()] == [theirs]
    finally:
        await bristol.stop()
        await served.close()
