"""Requests that cost the node no key work take nothing of its hello budget (node/hello_budget.py),
with a real node served on 127.0.0.1 and raw-socket senders who do not know the network's id.

Until 2026-12-06 the budget's token and a place were taken before the websocket upgrade was
checked: a plain `GET /sync/v1` (answered 400) used one up. 300 of them at once got 250 answers
503, and while such a flood lasted every member dialling in from the sender's address (behind an
onion service, everyone's) was turned away. Now such a request is answered 400 before the budget
is asked, and the member links. The budget's clock is held still (no refill): what is tested is
what takes a token, never how fast this machine is.
"""
from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import Callable

import pytest

from node.demo.localnet import LocalNode
from node.hello_budget import BURST
from node.webapp import GUARD
from sync.transport import SYNC_PATH
from served_nodes import network, served_node  # noqa: F401  (the fixture)
from test_hello_budget import WAIT_S, held_still, replies  # noqa: F401  (the fixture)
from test_hello_places import MEMBER
from test_member_handshake_reserve import credentials_answered
from test_stopping_node import half_dialled

FLOOD = 4 * BURST  # well over every bucket (BURST replies in all, half of it from one source)
AT_ONCE = 12  # requests sent together (the attacker's were all at once; ConnectionGuard caps one address at 32)


async def status_of(port: int, request: bytes, local: str) -> bytes:
    """The status line the node answers `request` with, from address `local` (the connection closed)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(local, 0))
    try:
        writer.write(request)
        return (await asyncio.wait_for(reader.readuntil(b"\r\n"), WAIT_S)).strip()
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
