"""A stream of unfinished hellos cannot push out a slow member's handshake (node/listener.py
`_make_room`), with a real node served on 127.0.0.1 and raw-socket attackers.

Until 2026-12-05 a hello that found the budget's places (node/hello_budget.py IN_FLIGHT) all
taken pushed out the oldest. An outsider knowing only the network's id then streamed 20 hellos a
second from two addresses, each the upgrade and the first bytes of message 1, then nothing: no
key work on either side, the token budget never reached. A member whose signature (message 3)
came 1.5 s after the node's reply (behind Tor, on a Pi) was the oldest after 23 newer hellos and
was reset at every dial. Now an unfinished hello takes no place (only a hello replied to takes
one, and a newcomer's takes one of those at random: node/hello_budget.py); the connection caps
(ConnectionGuard) push out such a handshake only when no other connection from its address may
go (behind an onion service, 32 bare connections from 127.0.0.1 did it). The member here links within
`DIALS` dials while the stream
runs (its first, in fact), and behind Tor after 400 newer hellos (40 a second for 10 s); the
attacker's pace and the member's 1.5 s are sleeps of their own, the test's waits are on conditions.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from node.demo.localnet import LocalNode
from node.hello_budget import HelloBudget
from node.net.route import PROXY_CONNECT_TIMEOUT_S
from node.webapp import GUARD
from served_nodes import network, served_node  # noqa: F401  (the fixture)
from test_hello_budget import WAIT_S, until
from test_hello_places import ATTACKERS, MEMBER, Holder, holding
from test_member_handshake_reserve import _network_id, credentials_answered
from test_stopping_node import half_dialled

SLOW_S = 1.5  # between the node's reply and the member's signature (behind Tor, on a Pi)
DIALS = 3  # the member links within this many dials
AMPLE_SHARE = 1e6  # (of a core: tokens never run out; only the places are at stake here)


@contextlib.asynccontextmanager
async def hello_stream(port: int, network_id: bytes, rate: float, sources: tuple[str, ...],
                       owes: str) -> AsyncIterator[list[Holder]]:
    """The attacker: `rate` connections a second, alternately from each of `sources`, each sending
    the upgrade and a hello's frame header ("hello" owed) or the upgrade request's first bytes
    ("upgrade"), then nothing (its pace is its own: a sleep)."""
    holders: list[Holder] = []
    # A flag as well as the cancel: Python 3.11's wait_for (inside `holding`) loses a cancellation
    # that lands as its read completes, and the stream then ran on and held the test until
    # pytest-timeout (found with a dump of the tasks of such a hang: the stream task "cancelling").
    stopping = False

    async def stream() -> None:
        for n in range(1_000_000):
            if stopping:
                return
            try:
                holders.append(await holding(port, network_id, sources[n % len(sources)], owes))
            except (TimeoutError, ConnectionError):  # one the node left unanswered (it was busy) or cut:
                pass  # an attacker goes on with the next (it ended the stream, and the test, once in CI)
            await asyncio.sleep(1 / rate)

    task = asyncio.create_task(stream())
    try:
        yield holders
    finally:
        stopping = True
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        for holder in holders:
            holder.writer.close()


async def hellos_came(holders: list[Holder], count: int) -> None:
    """Wait until the attacker opened `count` connections in all; fail only once it opened none for
    WAIT_S (the deadline follows its progress: a loaded machine opens them slowly, not never)."""
    while len(holders) < count:
        seen = len(holders)
        await until(lambda: len(holders) > seen, f"the attacker opened no connection for {WAIT_S:.0f} s "
                                                 f"({seen} of {count})")


async def slow_member_links(port: int, member: LocalNode, before_signing: Callable[[], Awaitable[None]]) -> bool:
    """One dial of `member`'s device, its signature once `before_signing` returned after the node's
    reply: whether it linked."""
    try:
        async with half_dialled(port, member, local=MEMBER,
                                before_signing=before_signing) as (ws, channel, credentials):
            return await credentials_answered(ws, channel, credentials)
    except ConnectionError:
        return False


@pytest.mark.parametrize(("rate", "sources", "owes"), [
    (20, ATTACKERS, "hello"), (40, ATTACKERS, "hello"),
    (40, (MEMBER,), "hello"),  # behind an onion service: every visitor's address is the member's
    (40, (MEMBER,), "upgrade"),  # ... and connections that never become a hello (ConnectionGuard's caps)
])
async def test_a_slow_member_links_through_a_stream_of_unfinished_hellos(
        network: list[LocalNode], rate: int, sources: tuple[str, ...], owes: str) -> None:
    calais, bristol = network
    async with served_node(calais) as (node, served):
        # (the member's signature waits for the stream, below: a loaded machine's may come after the
        # 3 s a direct dialler may stay silent; the places, not that deadline, are tested here)
        node.route.limits = dataclasses.replace(node.route.limits, connect_timeout_s=PROXY_CONNECT_TIMEOUT_S)
        guard = served.runner.app[GUARD]
        budget: HelloBudget | None = guard.hello_budget
        assert budget is not None
        budget.share = AMPLE_SHARE
        # (the places the stream fills, newer ones pushing them out: an unfinished hello takes none of
        # the budget's, only a connection's under ConnectionGuard's caps)
        cap = max(guard.max_per_source, budget.in_flight_cap)
        async with hello_stream(served.port, _network_id(calais), rate, sources, owes) as holders:
            await until(lambda: len(holders) > cap, "the attacker did not open its connections")
            for dial in range(1, DIALS + 1):
                started = len(holders)

                async def after_more_hellos_than_places() -> None:
                    # SLOW_S, and then as long as the attacker needs for more hellos than places
                    # (a loaded machine opens fewer than `rate` a second: a condition, not a time)
                    await asyncio.sleep(SLOW_S)
                    await hellos_came(holders, started + cap + 1)

                if await slow_member_links(served.port, bristol, after_more_hellos_than_places):
                    break
            else:
                pytest.fail(f"the slow member did not link in {DIALS} dials")
            assert len(holders) - started > cap, "fewer hellos came than places while it signed"
            assert budget.turned_away == 0


TOR_HELLOS = 400  # newer hellos before the member signs: 40 a second for the 10 s a member behind Tor may take


async def test_a_member_behind_tor_links_after_hundreds_of_newer_unfinished_hellos(network: list[LocalNode]) -> None:
    """The 10 s case without waiting 10 s: the member signs once TOR_HELLOS newer hellos came (a
    condition, not a time), the stream as fast as this machine opens them, from the member's own
    address (behind an onion service) and from two others."""
    calais, bristol = network
    async with served_node(calais) as (node, served):
        # (an onion service's node waits for a silent dialler as long as its proxy's dials do: node/net/route.py)
        node.route.limits = dataclasses.replace(node.route.limits, connect_timeout_s=PROXY_CONNECT_TIMEOUT_S)
        budget = served.runner.app[GUARD].hello_budget
        assert budget is not None
        budget.share = AMPLE_SHARE
        async with hello_stream(served.port, _network_id(calais), 1000, (MEMBER, *ATTACKERS), "hello") as holders:
            await until(lambda: len(holders) > budget.in_flight_cap, "the attacker did not open its connections")

            async def after_tor_hellos() -> None:
                await hellos_came(holders, len(holders) + TOR_HELLOS)

            assert await slow_member_links(served.port, bristol, after_tor_hellos), "the member behind Tor was reset"
            assert budget.turned_away == 0
