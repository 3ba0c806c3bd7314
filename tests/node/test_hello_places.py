"""The hello budget's places under way (node/hello_budget.py IN_FLIGHT) cannot be held against
members by trickling a handshake, with a real node served on 127.0.0.1 and raw-socket attackers.

Until 2026-12-05, an outsider knowing only the network's id held every place from two addresses:
24 connections each sent a hello, read the reply and trickled message 3 (its frame's header, then
a byte now and then); the handshake waits while bytes come (for a Pi on a bad line), for up to a
minute, and every member dialling in meanwhile was answered 503. Now a hello that finds the places
taken takes one of theirs (one replied to at random: node/listener.py `_make_room`): a trickler's
connection is closed and the member links at its first dial. A trickled hello (message 1) or
upgrade request holds no place at all: a place is taken only for a hello the node replies to
(until 2026-12-06 one was taken at the upgrade, and the oldest awaiting its hello made room). The
budget's clock is held still (no refill): only the places are at stake here, never how fast this
machine is.
"""
from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import struct
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from crypto.keys import SigningKey
from node.demo.localnet import LocalNode
from node.hello_budget import BURST, IN_FLIGHT, IN_FLIGHT_PER_SOURCE, HelloBudget
from node.webapp import GUARD
from sync.handshake import Initiator
from sync.transport import SYNC_PATH
from served_nodes import network, served_node  # noqa: F401  (the fixture)
from test_hello_budget import WAIT_S, held_still
from test_member_handshake_reserve import _network_id, credentials_answered
from test_stopping_node import half_dialled

ATTACKERS = ("127.0.0.2", "127.0.0.3")  # two source addresses, as the reviewer's attack had
MEMBER = "127.0.0.4"
TRICKLE_S = 0.5  # the attacker's pace: a byte well within the handshake's silence bound (connect_timeout_s)
_MASKED_HEADER = 6  # a short websocket frame's 2 bytes of header and 4 of mask


@dataclass
class Holder:
    """An attacker's connection, part of a message sent, the rest owed and trickled."""
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    owed: bytes

    def trickle(self) -> None:
        if len(self.owed) > 1:  # (never the last byte: the message never completes)
            self.writer.write(self.owed[:1])
            self.owed = self.owed[1:]

    async def closed_by_node(self) -> bool:
        try:
            return await asyncio.wait_for(self.reader.read(), WAIT_S) == b""
        except ConnectionError:
            return True


async def any_closed_by_node(holders: list[Holder]) -> bool:
    """Whether the node closed one of `holders` (the first to be closed ends the wait)."""
    reads = [asyncio.create_task(holder.closed_by_node()) for holder in holders]
    done, pending = await asyncio.wait(reads, return_when=asyncio.FIRST_COMPLETED)
    for read in pending:
        read.cancel()
    return any(read.result() for read in done)


def _frame(payload: bytes) -> bytes:
    assert len(payload) < 126  # one short, masked websocket frame
    mask = os.urandom(4)
    return bytes([0x82, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def _read_frame(reader: asyncio.StreamReader) -> bytes:
    _, size = await asyncio.wait_for(reader.readexactly(2), WAIT_S)
    if size == 126:
        size = struct.unpack(">H", await reader.readexactly(2))[0]
    return await asyncio.wait_for(reader.readexactly(size), WAIT_S)


def upgrade_request(port: int) -> bytes:
    """A websocket upgrade of the sync path, as any client sends it."""
    return (f"GET {SYNC_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n").encode()


async def upgraded(port: int, local: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection from `local` upgraded to the sync websocket (the node answered 101)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(local, 0))
    writer.write(upgrade_request(port))
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT_S)
    assert b" 101 " in head.split(b"\r\n")[0], head
    return reader, writer


async def holding(port: int, network_id: bytes, local: str, owes: str) -> Holder:
    """A connection from `local` that leaves owed, from its first bytes on (after its frame's header
    for a message): the "upgrade" request, the "hello" (message 1) or the "signature" (message 3,
    after the node's reply)."""
    if owes == "upgrade":
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(local, 0))
        request = upgrade_request(port)
        writer.write(request[:20])
        return Holder(reader, writer, request[20:])
    reader, writer = await upgraded(port, local)
    hs = Initiator(network_id, SigningKey.generate(), lambda device: None)
    message = _frame(hs.hello())
    if owes == "signature":
        writer.write(message)
        finish, _ = hs.finish(await _read_frame(reader))  # a genuine reply from the node: its work done
        message = _frame(finish)
    writer.write(message[:_MASKED_HEADER])
    return Holder(reader, writer, message[_MASKED_HEADER:])


def tokens_enough(budget: HelloBudget, burst: int = 4 * BURST) -> None:
    """Buckets of `burst` tokens, full, and the clock held still: only the places are at stake."""
    budget.burst = burst
    budget._global.tokens = float(budget.burst)
    held_still(budget)
    budget._sources.clear()


@contextlib.asynccontextmanager
async def trickling(holders: list[Holder]) -> AsyncIterator[None]:
    """The attacker's side: a byte on each connection every TRICKLE_S (the attacker's own pace, not a
    wait for a condition), so the handshakes keep "progressing"."""
    async def trickle() -> None:
        while True:
            await asyncio.sleep(TRICKLE_S)
            for holder in holders:
                holder.trickle()

    task = asyncio.create_task(trickle())
    try:
        yield
    finally:
        task.cancel()
        for holder in holders:
            holder.writer.close()


@pytest.mark.parametrize("owes", ["signature", "hello", "upgrade"])
async def test_a_member_links_while_an_outsider_trickles_handshakes_in_every_place(
        network: list[LocalNode], owes: str) -> None:
    calais, bristol = network
    assert IN_FLIGHT == len(ATTACKERS) * IN_FLIGHT_PER_SOURCE  # two addresses fill every place
    async with served_node(calais) as (_, served):
        budget = served.runner.app[GUARD].hello_budget
        assert budget is not None
        tokens_enough(budget)
        network_id = _network_id(calais)
        holders = [await holding(served.port, network_id, source, owes)
                   for source in ATTACKERS for _ in range(IN_FLIGHT_PER_SOURCE)]
        async with trickling(holders):
            if owes != "signature":
                assert budget.in_flight == 0, "a request or a hello not yet whole took a place"
            else:
                assert budget.in_flight == IN_FLIGHT, "the attacker does not hold every place"
            async with half_dialled(served.port, bristol, local=MEMBER) as (ws, channel, credentials):
                assert await credentials_answered(ws, channel, credentials), "the member's handshake did not complete"
            assert budget.in_flight <= IN_FLIGHT
            if owes == "signature":  # (all replied to: one at random made room)
                assert await any_closed_by_node(holders), "no place's connection was closed"
            assert budget.turned_away == 0
