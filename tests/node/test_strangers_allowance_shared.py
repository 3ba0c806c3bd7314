"""Strangers whose credentials wait for the database at the same time share what the hello budget
holds (node/hello_budget.py `take_allowance`), with a real node served on 127.0.0.1, real SQLite
homes and the real handshake.

A stranger's credentials may be judged for as long as the tokens the budget's buckets hold are
worth. Until 2026-12-07 that time was only looked at, not taken, when it was given: a dozen
handshakes whose credentials came while the database thread was busy each got the whole of it, and
each spent it, so together they left the buckets twelve times deeper in debt than one could (12 at
once: -120 tokens, ~3.6 s of every newcomer's hellos turned away, members' new devices included,
a round). What a handshake was given and did not use goes back at its charge, and all of it once
it links (a new group's first contact). The budget's clock is held still here, so nothing depends
on this machine's speed.
"""
from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest

from node.hello_budget import HelloBudget
from node.webapp import GUARD
from node_fixtures import Author, action
from served_nodes import network, served_node, until  # noqa: F401  (the fixture)
from test_costly_credentials_bounded import a_new_group, a_phone_of
from test_member_handshake_reserve import _network_id, credentials_answered, introduce, stranger_dialled
from sync.messages import Credentials, encode

TOKEN_S = 0.001  # what a token is worth here (a handshake's reply and check cost ~0.15 ms)
BURST = 200  # the budget's burst here: its source's bucket holds 100 tokens, 0.1 s of judging
JUNK = 1000  # events the seized phone signs and presents: ~0.1 s of the database thread here
AT_ONCE = 12  # handshakes from one address at once (the budget's places for a source)


async def test_strangers_judged_at_once_share_what_the_buckets_hold(network: list) -> None:
    calais, bristol = network
    async with served_node(calais) as (_, served):
        await introduce(served.port, bristol)
    seized, _ = a_phone_of(bristol, calais)  # a device Calais knows, revoked: its credentials are judged
    network_id = _network_id(calais)
    junk = Author(seized, network_id)
    presented = encode(Credentials(tuple(junk.sign("action", action(i)).encode() for i in range(JUNK))))
    async with served_node(calais) as (node, served):
        now = [0.0]
        budget = HelloBudget(burst=BURST, cost_s=TOKEN_S, clock=lambda: now[0])
        served.runner.app[GUARD].use_hello_budget(budget)
        admitted, release = [], threading.Event()
        admit = node.credentials.admit

        async def counted(device: bytes, events: tuple[bytes, ...], cpu_s: float | None = None):
            admitted.append(cpu_s)
            return await admit(device, events, cpu_s)

        node.credentials.admit = counted
        charged, charge = [], budget.charge
        budget.charge = lambda source, cost_s, *settled: (charged.append(cost_s), charge(source, cost_s, *settled))
        held = asyncio.ensure_future(node.db(release.wait, 30.0))  # the database thread busy meanwhile
        try:
            async with contextlib.AsyncExitStack() as stack:
                dialled = [await stack.enter_async_context(stranger_dialled(served.port, network_id, seized))
                           for _ in range(AT_ONCE)]
                for ws, channel in dialled:  # (each replied to first: the credentials come together)
                    await ws.send_bytes(channel.seal(presented))
                await until(lambda: len(admitted) == AT_ONCE, "every stranger's credentials waiting for the database")
                release.set()
                await until(lambda: budget.replied == AT_ONCE, "every stranger's handshake charged")
        finally:
            release.set()
            await held
            node.credentials.admit = admit
        given = sum(admitted) / TOKEN_S
        bucket = BURST / 2 - AT_ONCE  # the address's, once each was replied to (a token each)
        assert given <= bucket + 1e-6, f"{given:.0f} tokens' worth of judging given where the bucket held {bucket:.0f}"
        # Each paid its own cost (beyond its token), what it was given included: the debt left is
        # what they used beyond what the bucket held, each at most a part judged past its time
        # (how much that is depends on this machine's load, not on what the others were given).
        used = sum(max(0.0, cost_s / TOKEN_S - 1) for cost_s in charged)
        assert budget._source("127.0.0.1", now[0]).tokens == pytest.approx(bucket - used)


async def test_the_time_taken_for_a_new_groups_first_contact_is_given_back_once_it_links(network: list) -> None:
    """A group Bristol has just admitted dials Calais for the first time: its device is no member
    Calais knows until its credentials are judged, so they are judged within an allowance taken
    from the buckets. It links: a member's handshake is charged nothing beyond its reply's token,
    so what was taken for its credentials goes back."""
    calais, bristol = network
    network_id, device, presented = a_new_group(calais, bristol)
    async with served_node(calais) as (node, served):
        now = [0.0]
        budget = HelloBudget(burst=BURST, cost_s=TOKEN_S, clock=lambda: now[0])
        served.runner.app[GUARD].use_hello_budget(budget)
        taken = []
        take_allowance = budget.take_allowance
        budget.take_allowance = lambda source: taken.append(take_allowance(source)) or taken[-1]
        async with stranger_dialled(served.port, network_id, device) as (ws, channel):
            assert await credentials_answered(ws, channel, presented), "the new group's device did not link"
        assert taken and taken[0] > 0, "its credentials were judged with no time taken for them"
        assert budget._source("127.0.0.1", now[0]).tokens == BURST / 2 - 1, "the time taken for it was kept"
