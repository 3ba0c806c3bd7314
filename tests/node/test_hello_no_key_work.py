"""Requests that cost the node no key work take nothing of its hello budget (node/hello_budget.py),
with a real node served on 127.0.0.1 and raw-socket senders who do not know the network's id.

Until 2026-12-06 the budget's token and a place were taken before the websocket upgrade: a plain
`GET /sync/v1` (answered 400) or a hello for another network used one up. 300 plain GETs at once
got 250 answers 503, and while such a flood lasted every member dialling in from the sender's
address (behind an onion service, everyone's) was turned away; each such upgrade also took a place,
pushing out at random a handshake the node had replied to, a slow member's. Now such a request is
answered 400 before the budget is asked, another network's or a malformed hello is refused before
a token or a place is taken, and the member links. The budget's clock is held still (no refill):
what is tested is what takes a token, never how fast this machine is. (With no reply made yet
the buckets still refill: tests/node/test_hello_budget.py, the measured cost.)
"""
from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Callable

import aiohttp
import pytest
from aiohttp import WSCloseCode

from crypto.keys import SigningKey
from node.demo.localnet import LocalNode
from node.hello_budget import BURST, IN_FLIGHT
from node.webapp import GUARD
from sync.handshake import HandshakeError, Initiator
from sync.transport import SYNC_PATH, _recv_handshake
from served_nodes import network, served_node  # noqa: F401  (the fixture)
from test_hello_budget import WAIT_S, held_still, replies  # noqa: F401  (the fixture)
from test_hello_places import ATTACKERS, MEMBER, _frame, holding, tokens_enough, upgraded
from test_member_handshake_reserve import _network_id, credentials_answered
from test_stopping_node import half_dialled

FLOOD = 4 * BURST  # well over every bucket (BURST replies in all, half of it from one source)
AT_ONCE = 12  # requests sent together (the attacker's were all at once; ConnectionGuard caps one address at 32)
OTHER_NETWORK = bytes(32)


async def status_of(port: int, request: bytes, local: str) -> bytes:
    """The status line the node answers `request` with, from address `local` (the connection closed)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(local, 0))
    try:
        writer.write(request)
        return (await asyncio.wait_for(reader.readuntil(b"\r\n"), WAIT_S)).strip()
    finally:
        writer.close()


async def refused_hello(port: int, hello: bytes, local: str) -> None:
    """A websocket upgrade and then `hello` (another network's, or malformed) from `local`: the node
    upgrades (101) and closes the websocket without a reply (no key work); the sender then hangs up."""
    reader, writer = await upgraded(port, local)
    try:
        writer.write(_frame(hello))
        first = await asyncio.wait_for(reader.read(1), WAIT_S)
        assert first == bytes([0x88]), f"the node answered a hello it refuses with more than a close: {first!r}"
    finally:
        writer.close()


def _plain_get(port: int, headers: str = "Connection: close\r\n") -> bytes:
    return f"GET {SYNC_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{headers}\r\n".encode()


def _no_version(port: int) -> bytes:
    """An upgrade with everything but Sec-WebSocket-Version: no valid websocket upgrade either."""
    return _plain_get(port, "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n")


@pytest.mark.parametrize("request_of", [_plain_get, _no_version])
async def test_requests_that_are_no_websocket_upgrade_are_answered_400_and_take_no_token(
        network: list[LocalNode], replies: list[int], request_of: Callable[[int], bytes]) -> None:
    calais, bristol = network
    async with served_node(calais) as (_, served):
        budget = served.runner.app[GUARD].hello_budget
        assert budget is not None
        held_still(budget)
        answers: list[bytes] = []
        for _ in range(FLOOD // AT_ONCE):
            answers += await asyncio.gather(*(status_of(served.port, request_of(served.port), MEMBER)
                                              for _ in range(AT_ONCE)))
        assert all(b" 400 " in answer for answer in answers), set(answers)
        assert budget.turned_away == 0 and budget.in_flight == 0
        assert budget._global.tokens == BURST, "a request that is no upgrade took a token"
        # (behind an onion service the member comes from the flooding address)
        async with half_dialled(served.port, bristol, local=MEMBER) as (ws, channel, credentials):
            assert await credentials_answered(ws, channel, credentials), "the member's handshake did not complete"


@pytest.mark.parametrize("hello", [
    Initiator(OTHER_NETWORK, SigningKey.generate(), lambda key: None).hello(),
    b"\x93\x01\x02\x03",  # malformed: no hello at all
], ids=["another network", "malformed"])
async def test_hellos_the_node_refuses_before_any_key_work_take_no_token(
        network: list[LocalNode], replies: list[int], hello: bytes) -> None:
    calais, bristol = network
    async with served_node(calais) as (_, served):
        budget = served.runner.app[GUARD].hello_budget
        assert budget is not None
        held_still(budget)
        before = len(replies)
        for _ in range(FLOOD):  # (one after another: each is refused before the next comes)
            await refused_hello(served.port, hello, MEMBER)
        assert len(replies) == before, "the node computed a reply for a hello it refuses"
        assert budget.turned_away == 0, "hellos that cost no key work used up the budget"
        assert budget._global.tokens == BURST
        async with half_dialled(served.port, bristol, local=MEMBER) as (ws, channel, credentials):
            assert await credentials_answered(ws, channel, credentials), "the member's handshake did not complete"
        assert len(replies) == before + 1


async def test_hellos_for_another_network_push_no_handshake_out_of_its_place(
        network: list[LocalNode], replies: list[int]) -> None:
    """Every place held by handshakes the node replied to, a slow member's among them: a stream of
    another network's hellos from the member's address takes no place, so none is pushed out and
    the member links when it signs (until 2026-12-06 each of them took a place, one replied to at
    random: the member's went with odds 1 - (23/24)^n)."""
    calais, bristol = network
    async with served_node(calais) as (_, served):
        budget = served.runner.app[GUARD].hello_budget
        assert budget is not None
        tokens_enough(budget, 40 * BURST)
        network_id = _network_id(calais)
        holders = [await holding(served.port, network_id, ATTACKERS[n % 2], "signature") for n in range(IN_FLIGHT - 1)]
        try:
            async def another_networks_hellos() -> None:
                assert budget.in_flight == IN_FLIGHT, "the member and the holders do not hold every place"
                other = Initiator(OTHER_NETWORK, SigningKey.generate(), lambda key: None).hello()
                for _ in range(FLOOD):
                    await refused_hello(served.port, other, MEMBER)
                assert budget.in_flight == IN_FLIGHT, "a hello for another network pushed a handshake out"

            async with half_dialled(served.port, bristol, local=MEMBER,
                                    before_signing=another_networks_hellos) as (ws, channel, credentials):
                assert await credentials_answered(ws, channel, credentials), "the member's handshake was pushed out"
            assert not any(holder.reader.at_eof() for holder in holders)
        finally:
            for holder in holders:
                holder.writer.close()


async def test_hellos_upgraded_together_for_the_last_token_get_one_reply_and_a_try_again_later(
        network: list[LocalNode], replies: list[int]) -> None:
    """The upgrade only looks at the budget: two upgraded while one token is left, the first hello
    for this network is replied to and the second closed with 1013 (try again later), no reply;
    its dialler reads that the node is busy."""
    calais, _ = network
    async with served_node(calais) as (_, served):
        budget = served.runner.app[GUARD].hello_budget
        assert budget is not None
        now = held_still(budget)
        budget._global.tokens, budget._global.at = 1.0, now[0]
        budget._reserve.tokens, budget._reserve.at = 0.0, now[0]  # (spent too: it would serve the second)
        network_id, before = _network_id(calais), len(replies)
        first, first_writer = await upgraded(served.port, MEMBER)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(MEMBER, 0))) as session:
            second = await asyncio.wait_for(session.ws_connect(f"http://127.0.0.1:{served.port}{SYNC_PATH}",
                                                               autoping=False), WAIT_S)
            try:
                first_writer.write(_frame(Initiator(network_id, SigningKey.generate(), lambda key: None).hello()))
                assert await asyncio.wait_for(first.read(1), WAIT_S) == bytes([0x82]), "the first hello got no reply"
                await second.send_bytes(Initiator(network_id, SigningKey.generate(), lambda key: None).hello())
                with pytest.raises(HandshakeError, match="busy with new connections"):
                    await _recv_handshake(second, WAIT_S)
                assert second.close_code == WSCloseCode.TRY_AGAIN_LATER
                assert len(replies) == before + 1 and budget.turned_away == 1 and budget.in_flight == 1
            finally:
                first_writer.close()
                await second.close()



async def test_a_hello_whose_connection_closed_behind_it_gets_no_reply(network: list[LocalNode]) -> None:
    """A dialler that closes (FIN or reset) right behind its hello: its connection is gone from the
    guard when the node asks whether to reply. Answered "yes, no budget to charge" (5699af1), one
    token let a dialler with the network id have the node sign 97 replies of 100 at its loop's
    pace (a critic's run, the FIN 0-0.5 ms after the hello); now such a hello gets none. Asked of
    the guard directly: which of the two a real dial meets depends on the loop's timing."""
    calais, _ = network
    async with served_node(calais) as (_, served):
        guard = served.runner.app[GUARD]
        budget = guard.hello_budget
        assert budget is not None
        tokens = budget._global.tokens
        gone = asyncio.Transport()  # (no connection the guard holds: closed and released)
        assert not guard.may_reply(gone), "a hello whose connection is gone was to be replied to"
        assert not guard.may_upgrade(gone)
        assert budget._global.tokens == tokens and budget.in_flight == 0
