"""The CPU budget of the node's replies to sync hellos not yet known as members (node/hello_budget.py),
with a real node served on 127.0.0.1 and anonymous diallers speaking the real handshake.

Behind an onion service every visitor is 127.0.0.1, and each hello cost the node an X25519
exchange and an Ed25519 signature, with no limit: a stream of them kept a Pi's CPU busy. The
budget's clock is held still here (no refill: nothing depends on how fast this machine is), so
exactly the buckets' tokens are replied to; the expensive replies are counted where they are made
(sync.handshake.Responder.reply).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from crypto.keys import SigningKey
from node import hello_budget
from node.demo.localnet import LocalNode
from node.hello_budget import BURST, IN_FLIGHT_PER_SOURCE, RESERVE_BURST, RESERVE_SHARE, SOURCE_SHARE, HelloBudget
from node.net import Node, credentials
from node.render import connection_problem
from node.webapp import GUARD, NODE, create_app, serve
from sync import handshake, transport
from sync.channel import SecureChannel
from sync.handshake import Initiator
from sync.transport import SYNC_PATH
from served_nodes import network, served_node  # noqa: F401  (the fixture)
from test_member_handshake_reserve import _network_id, credentials_answered
from test_stopping_node import half_dialled

WAIT_S = 15.0  # longer than a configured peer's retry (sync/overlay.py CONFIGURED_RETRY_MS)
SOURCE_BURST = int(BURST * SOURCE_SHARE)
# Replies an anonymous flood from one source gets with the clock held still: its bucket's, then the
# reserve's (kept for members while the buckets are spent: a dialler served from it that is no known
# member is refused at its message 3, before its credentials are read)
FLOOD_REPLIES = SOURCE_BURST + RESERVE_BURST


async def until(condition: Callable[[], bool], what: str) -> None:
    async with asyncio.timeout(WAIT_S):
        while not condition():
            await asyncio.sleep(0.01)
    assert condition(), what


@pytest.fixture
def replies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every handshake reply the process computes (an X25519 exchange and a signature each)."""
    made: list[int] = []
    reply = handshake.Responder.reply

    def counted(self: handshake.Responder, hello: bytes) -> bytes:
        answer = reply(self, hello)  # (a hello for another network is refused before any key work)
        made.append(1)
        return answer

    monkeypatch.setattr(handshake.Responder, "reply", counted)
    return made


def held_still(budget: HelloBudget) -> list[float]:
    """Hold the budget's clock still (no refill) until the test moves it: [now]. A token is made worth
    a second of CPU, more than any handshake here costs: each reply takes exactly one, however fast
    this machine (a handshake is charged its cost in tokens: test_a_handshake_is_charged_its_own_cost)."""
    budget.cost_s = 1.0
    now = [budget.clock()]
    budget.clock = lambda: now[0]
    return now


async def anonymous_hello(port: int, network_id: bytes, *, local: str = "127.0.0.1",
                          ) -> aiohttp.ClientWebSocketResponse | None:
    """A hello with a fresh key, as anyone who knows the network's id can send: the websocket once the
    node replied (the caller closes it), None if it was turned away (503)."""
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(local, 0)))
    try:
        ws = await asyncio.wait_for(session.ws_connect(f"http://127.0.0.1:{port}{SYNC_PATH}", autoping=False), WAIT_S)
    except aiohttp.WSServerHandshakeError as exc:
        await session.close()
        assert exc.status == 503, exc
        return None
    hs = Initiator(network_id, SigningKey.generate(), lambda device: None)
    await ws.send_bytes(hs.hello())
    reply = await asyncio.wait_for(ws.receive(), WAIT_S)
    assert reply.type == aiohttp.WSMsgType.BINARY
    ws._solnet_session = session  # type: ignore[attr-defined]  # closed with it (`closed`)
    return ws


async def closed(ws: aiohttp.ClientWebSocketResponse) -> None:
    await ws.close()
    await ws._solnet_session.close()  # type: ignore[attr-defined]


async def flood(port: int, network_id: bytes, count: int, **where: str) -> int:
    """`count` anonymous hellos one after another, each dropped after the node's reply (never
    signed: the node's reply wasted); how many the node replied to."""
    answered = 0
    for _ in range(count):
        ws = await anonymous_hello(port, network_id, **where)
        if ws is not None:
            answered += 1
            await closed(ws)
    return answered


async def test_a_flood_of_anonymous_hellos_is_turned_away_beyond_the_budget(
        network: list[LocalNode], replies: list[int], caplog: pytest.LogCaptureFixture) -> None:
    calais, _ = network
    caplog.set_level(logging.INFO, logger="solnet")
    async with served_node(calais) as (_, served):
        budget = served.runner.app[GUARD].hello_budget
        assert budget is not None
        held_still(budget)
        count, before = 4 * BURST, len(replies)  # (before: the budget's own measurement of a reply)
        answered = await flood(served.port, _network_id(calais), count)
        assert answered == FLOOD_REPLIES, "one source was replied to beyond its bucket and the reserve"
        assert len(replies) - before == FLOOD_REPLIES, "the node computed replies for hellos it turned away"
        assert budget.replied == FLOOD_REPLIES and budget.turned_away == count - FLOOD_REPLIES
        assert budget.cost_s is not None and budget.cost_s > 0, "the replies' CPU time was not measured"
    said = [r.getMessage() for r in caplog.records if "turned away incoming sync handshakes" in r.getMessage()]
    assert said, "turning hellos away was not logged"
    assert len(said) <= 2, f"logged more than once a minute (and the rest at the stop): {said}"
    assert all("127.0.0.1" not in line for line in said)
    told = sum(int(re.search(r": (\d+) \(", line).group(1)) for line in said)  # type: ignore[union-attr]
    assert told == count - FLOOD_REPLIES, f"the count was not told: {said}"


async def test_hellos_waiting_for_their_signature_hold_places_until_they_end_or_newer_ones_come(
        network: list[LocalNode], replies: list[int]) -> None:
    """Replies whose diallers have not signed yet hold a place; each place is given back when its
    connection ends. With every place of a source taken, its next hello takes the oldest one's
    place (that connection is closed): an honest dialler signs within a round trip, and holding
    places must not shut every newcomer out (tests/node/test_hello_places.py)."""
    calais, _ = network
    async with served_node(calais) as (_, served):
        budget = served.runner.app[GUARD].hello_budget
        assert budget is not None
        budget.burst = 4 * BURST  # (tokens enough: only the places in flight limit here)
        budget._global.tokens = float(budget.burst)
        held_still(budget)  # (the clock stays still: a place given back, not a refill, lets the next one in)
        budget._sources.clear()
        network_id, before = _network_id(calais), len(replies)
        waiting = [await anonymous_hello(served.port, network_id) for _ in range(IN_FLIGHT_PER_SOURCE)]
        try:
            assert all(ws is not None for ws in waiting)
            assert budget.in_flight == IN_FLIGHT_PER_SOURCE
            await closed(waiting.pop())  # type: ignore[arg-type]
            await until(lambda: budget.in_flight < IN_FLIGHT_PER_SOURCE, "the ended hello's place given back")
            again = await anonymous_hello(served.port, network_id)
            assert again is not None, "a place given back was not taken again"
            waiting.append(again)
            assert budget.in_flight == IN_FLIGHT_PER_SOURCE and budget.turned_away == 0
            newer = await anonymous_hello(served.port, network_id)
            assert newer is not None, "a hello beyond the places did not take the oldest one's"
            waiting.append(newer)
            assert len(replies) - before == IN_FLIGHT_PER_SOURCE + 2
            assert budget.in_flight == IN_FLIGHT_PER_SOURCE, "a hello beyond the places took one more"
            oldest = waiting[0]
            assert oldest is not None
            message = await asyncio.wait_for(oldest.receive(), WAIT_S)
            assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR), \
                "the oldest place's connection was not closed"
        finally:
            for ws in waiting:
                if ws is not None:
                    await closed(ws)


async def test_a_member_from_another_address_links_while_one_address_floods(
        network: list[LocalNode], replies: list[int]) -> None:
    """One source takes at most half the budget: the member's hello from another address is
    replied to while the flooding one is turned away, and its handshake completes."""
    calais, bristol = network
    async with served_node(calais) as (_, served):
        budget = served.runner.app[GUARD].hello_budget
        assert budget is not None
        held_still(budget)
        network_id = _network_id(calais)
        assert await flood(served.port, network_id, 2 * BURST) == FLOOD_REPLIES
        assert await anonymous_hello(served.port, network_id) is None, "the flooding address is not turned away"
        async with half_dialled(served.port, bristol, local="127.0.0.2") as (ws, channel, credentials):
            assert await credentials_answered(ws, channel, credentials), "the member's handshake did not complete"
        assert budget.refunded == 1, "the member's reply was counted against the budget"


async def test_a_member_turned_away_links_on_its_next_retry_once_the_budget_refills(
        network: list[LocalNode], replies: list[int], caplog: pytest.LogCaptureFixture) -> None:
    """Behind a relay the member's node comes from the flooding address too: it is turned away
    (told it is busy, not that no solnet node is there) and dials again within a configured
    peer's retry; once the budget has refilled (the clock moved on) its link is up."""
    calais, bristol = network
    caplog.set_level(logging.INFO, logger="solnet")
    async with served_node(calais) as (calais_node, served):
        budget = served.runner.app[GUARD].hello_budget
        assert budget is not None
        now = held_still(budget)
        network_id = _network_id(calais)
        await flood(served.port, network_id, 2 * BURST)
        turned_away = budget.turned_away
        member = Node(bristol.home, bristol.keys, listen=("127.0.0.1", 0), peers=[f"http://127.0.0.1:{served.port}"],
                      sync_interval_s=3600)
        member_served = await serve(create_app(member), "127.0.0.1", 0)  # (as `solnet run` serves it)
        try:
            await until(lambda: budget.turned_away >= turned_away + 2, "the member dialling again after a refusal")
            assert not calais_node.links.open()
            said = " ".join(r.getMessage() for r in caplog.records)
            assert "busy with new connections" in said, "the member's node did not say the peer is busy"
            now[0] += 3600.0  # time passes: the buckets refill at the measured rate
            await until(lambda: any(link.peer_device == bytes(bristol.keys.device.public)
                                    for link in calais_node.links.open()), "the member's link after the refill")
        finally:
            await member_served.close()


def test_a_503_reads_as_a_busy_node() -> None:
    exc = aiohttp.WSServerHandshakeError(None, (), status=503, message="busy")  # type: ignore[arg-type]
    assert "busy" in connection_problem(exc) and "not a solnet node" not in connection_problem(exc)


def test_a_handshake_is_charged_its_own_cost() -> None:
    """A token is worth a reply's measured cost: a reply that costs 8 times more (a Pi Zero) refills
    8 times slower, the same CPU share; a handshake that cost 8 tokens' worth takes 8 in all."""
    now = [0.0]
    fast, slow = HelloBudget(cost_s=0.001, clock=lambda: now[0]), HelloBudget(cost_s=0.008)
    assert fast._rate() == pytest.approx(hello_budget.SHARE * (1 - RESERVE_SHARE) / 0.001)  # (the reserve's the rest)
    assert slow._rate() == pytest.approx(fast._rate() / 8)
    assert fast.take("a")
    fast.ended("a")
    fast.charge("a", 0.008)
    assert fast._global.tokens == pytest.approx(BURST - 8)
    assert fast._sources["a"].tokens == pytest.approx(SOURCE_BURST - 8)
    assert HelloBudget().cost_s > 0, "no measured cost to start from"


def burn(seconds: float) -> None:
    """Use `seconds` of this thread's CPU (not of the wall clock: the same work whatever the load)."""
    until_cpu = time.thread_time() + seconds
    while time.thread_time() < until_cpu:
        pass


async def a_strangers_charge(node: LocalNode, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """`node` served, and a stranger's handshake made to it, presenting credentials no member
    certifies: what the hello budget was told each handshake it replied to cost (s), once told."""
    async with served_node(node) as (_, served):
        budget = served.runner.app[GUARD].hello_budget
        assert budget is not None
        held_still(budget)
        charged: list[float] = []
        charge = budget.charge
        monkeypatch.setattr(budget, "charge", lambda source, cost_s, *settled: (charged.append(cost_s),
                                                                                charge(source, cost_s, *settled)))
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(f"http://127.0.0.1:{served.port}{SYNC_PATH}", autoping=False) as ws:
                hs = Initiator(_network_id(node), SigningKey.generate(), lambda device: None)
                await ws.send_bytes(hs.hello())
                finish, keys = hs.finish((await asyncio.wait_for(ws.receive(), WAIT_S)).data)
                await ws.send_bytes(finish)
                assert not await credentials_answered(ws, SecureChannel(keys), (b"\x93" + bytes(200),))
        await until(lambda: charged != [], "the stranger's handshake was not charged")
    return charged


async def test_a_strangers_whole_handshake_is_what_its_token_is_worth(network: list[LocalNode], monkeypatch) -> None:
    """The budget's tokens are worth what a stranger's handshake costs the node in all: its message 3
    checked and its credentials judged on the database thread, not only the reply (~0.2 ms here,
    while the whole cost 2.4-3 ms and more: the budget let strangers take ~15 times its share).
    Both parts are made to cost 40 ms of CPU here, where the node can see them."""
    calais, _ = network
    accept, may_certify = handshake.Responder.accept, credentials.may_certify

    def slow_accept(self: handshake.Responder, finish: bytes):
        burn(0.04)  # on the event loop
        return accept(self, finish)

    def slow_certify(*args) -> bool:
        burn(0.04)  # on the database thread
        return may_certify(*args)

    monkeypatch.setattr(handshake.Responder, "accept", slow_accept)
    monkeypatch.setattr(credentials, "may_certify", slow_certify)
    charged = await a_strangers_charge(calais, monkeypatch)
    assert len(charged) == 1 and charged[0] >= 0.08, f"a stranger's handshake charged {charged[0] * 1e3:.1f} ms"


async def test_a_stranger_is_charged_its_credentials_when_the_deadline_ends_its_handshake_meanwhile(
        network: list[LocalNode], monkeypatch) -> None:
    """A stranger may send its credentials so that the handshake's deadline (sync/peers.py
    handshake_timeout_s) comes while the database thread judges them: the handshake ended there,
    and what that work cost was dropped, uncharged (the database thread finishes a job it began).
    The deadline is brought forward to that moment here, and the judging made to cost 40 ms."""
    calais, _ = network
    loop, may_certify, timeout = asyncio.get_running_loop(), credentials.may_certify, asyncio.timeout
    deadlines: list[asyncio.Timeout] = []
    refused = threading.Event()

    def kept(delay: float | None) -> asyncio.Timeout:
        made = timeout(delay)
        if sys._getframe(1).f_code is transport._respond.__code__:  # the handshake's deadline
            deadlines.append(made)
        return made

    def slow_certify(*args) -> bool:
        burn(0.04)  # on the database thread
        loop.call_soon_threadsafe(lambda: deadlines[-1].reschedule(loop.time()))  # the deadline comes now
        assert refused.wait(WAIT_S), "the handshake's deadline did not end it"
        return may_certify(*args)

    say = transport.RefusalLog.say
    monkeypatch.setattr(transport.RefusalLog, "say", lambda self, reason: (say(self, reason), refused.set()))
    monkeypatch.setattr(asyncio, "timeout", kept)
    monkeypatch.setattr(credentials, "may_certify", slow_certify)
    charged = await a_strangers_charge(calais, monkeypatch)
    assert refused.is_set() and len(deadlines) == 1
    assert len(charged) == 1 and charged[0] >= 0.04, f"a stranger's handshake charged {charged[0] * 1e3:.1f} ms"


async def test_a_member_refused_for_want_of_a_link_slot_costs_the_budget_nothing(
        network: list[LocalNode], monkeypatch: pytest.MonkeyPatch) -> None:
    """A member's handshake that ends without a link because no slot is free for it (its group holds
    its share of the inbound ones: sync/link_slots.py) got its token back once it proved a member,
    yet was then charged as a stranger's: counted, and its cost (its credentials judged) taken. It
    is charged nothing now. (The slot check is made to refuse as a full group's does: how slots are
    shared is tests/sync/test_link_slots.py's.)"""
    calais, bristol = network
    async with served_node(calais) as (node, served):
        budget = served.runner.app[GUARD].hello_budget
        assert budget is not None
        held_still(budget)
        cost_s, tokens = budget.cost_s, budget._global.tokens

        def no_slot(link: transport.Link) -> None:
            raise handshake.HandshakeError(handshake.GROUP_FULL, "its group already holds its inbound links here")

        told: list[float] = []
        charge = transport._charge
        monkeypatch.setattr(node.links._slots, "check", no_slot)
        monkeypatch.setattr(transport, "_charge", lambda replied, spent, job: (told.append(spent),
                                                                               charge(replied, spent, job)))
        async with half_dialled(served.port, bristol) as (ws, channel, credentials):
            assert not await credentials_answered(ws, channel, credentials), "the member got a link"
        await until(lambda: told != [], "the handshake's end")
        assert budget.refunded == 1, "the member's token was not given back"
        assert budget.replied == 0 and budget.cost_s == cost_s, "the member's handshake was charged"
        assert budget._global.tokens == tokens and budget.in_flight == 0


async def strangers_handshake(port: int, network_id: bytes) -> bool:
    """A stranger's whole handshake with a fresh key, presenting credentials no member certifies
    (judged on the node's database thread): whether the node answered them (False: refused)."""
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"http://127.0.0.1:{port}{SYNC_PATH}", autoping=False) as ws:
            hs = Initiator(network_id, SigningKey.generate(), lambda device: None)
            await ws.send_bytes(hs.hello())
            finish, keys = hs.finish((await asyncio.wait_for(ws.receive(), WAIT_S)).data)
            await ws.send_bytes(finish)
            return await credentials_answered(ws, SecureChannel(keys), (b"\x93" + bytes(200),))


async def test_a_member_links_while_a_stranger_at_its_address_makes_costly_handshakes(
        network: list[LocalNode], monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind an onion service the member and the stranger are both 127.0.0.1. Each of the stranger's
    handshakes costs 50 tokens' worth (its credentials judged: 50 ms where a token is worth 1 ms): the
    first leaves a debt in the shared bucket and its source's, and until 2026-12-07 the member was
    answered 503 until the refill paid it back (never, with this test's clock held still), and again
    after each such handshake. Now the member's hello is served from the reserve and its link
    comes up; the stranger's next hello, served from it too, is refused at its message 3, its
    credentials never judged."""
    calais, bristol = network
    judged: list[bytes] = []  # the strangers' devices whose credentials were judged
    may_certify, member = credentials.may_certify, bytes(bristol.keys.device.public)

    def costly_certify(trust, network_id: bytes, device: bytes, wires) -> bool:
        if device != member:
            judged.append(device)
            burn(0.05)  # on the database thread
        return may_certify(trust, network_id, device, wires)

    monkeypatch.setattr(credentials, "may_certify", costly_certify)
    async with served_node(calais) as (calais_node, served):
        budget = served.runner.app[GUARD].hello_budget
        assert budget is not None
        network_id = _network_id(calais)
        async with half_dialled(served.port, bristol) as (ws, channel, member_credentials):
            assert await credentials_answered(ws, channel, member_credentials)  # (its device known: a member)
        held_still(budget)
        budget.cost_s = 0.001
        assert not await strangers_handshake(served.port, network_id)
        await until(lambda: budget.replied == 1, "the stranger's handshake charged")
        assert len(judged) == 1 and budget._global.tokens < 0, "the stranger's handshake left no debt"
        for _ in range(2):
            async with half_dialled(served.port, bristol) as (ws, channel, member_credentials):
                assert await credentials_answered(ws, channel, member_credentials), "the member did not link"
        assert not await strangers_handshake(served.port, network_id)
        await until(lambda: budget.replied == 2, "the stranger's second handshake charged")
        assert len(judged) == 1, "a stranger served from the reserve had its credentials judged"
        assert budget.reserved == 3 and budget._global.tokens < 0


async def test_a_stranger_served_from_the_reserve_is_refused_at_its_signature_once_its_connection_is_gone(
        network: list[LocalNode], monkeypatch: pytest.MonkeyPatch) -> None:
    """A stranger sends its message 3 and its credentials at once and resets the connection: the guard
    forgets the connection (connection_lost) before the handshake reads message 3, and the check of a
    hello served from the reserve looked the connection up at the signature. Not found, the stranger
    went on: its credentials, read from the buffers, judged on the database thread, their cost the
    reserve's debt, the members' reserve gone (3 handshakes of 3 so, with a real reset, until
    2026-12-07). Here the guard forgets the connection just before message 3 is read, as at a reset
    read first, every time."""
    calais, _ = network
    judged: list[bytes] = []
    may_certify = credentials.may_certify

    def counted_certify(trust, network_id: bytes, device: bytes, wires) -> bool:
        judged.append(device)
        return may_certify(trust, network_id, device, wires)

    monkeypatch.setattr(credentials, "may_certify", counted_certify)
    async with served_node(calais) as (_, served):
        guard = served.runner.app[GUARD]
        budget = guard.hello_budget
        assert budget is not None
        held_still(budget)
        budget._global.tokens = -50.0  # (a costly stranger's debt)
        accept = handshake.Responder.accept

        def forgotten_first(self: handshake.Responder, finish: bytes):
            for transport in list(guard._open):  # (what connection_lost does, the reset read first)
                guard._release(transport)
            return accept(self, finish)

        monkeypatch.setattr(handshake.Responder, "accept", forgotten_first)
        assert not await strangers_handshake(served.port, _network_id(calais))
        await until(lambda: budget.replied == 1, "the stranger's handshake charged")
        assert budget.reserved == 1, "the stranger was not served from the reserve"
        assert judged == [], "a stranger served from the reserve had its credentials judged"
        assert budget._reserve.tokens == RESERVE_BURST - 1, "the stranger left a debt in the reserve"
