"""A quiet link's ping is answered even when the peer's group has spent its budget of repeats (two
real nodes in this process on real SQLite homes, linked on 127.0.0.1).

A ping is a sealed IWant for one fixed event (sync/link.py `tick`), answered like any IWant
(node/net/peer_policy.py `answerable`): after the first, every ping asks again for an event sent
the group within the hour, a repeat. Once another device of the group had spent the group's
repeats, the ping went unanswered and the pinging device cut a healthy link, one timeout later,
again and again. The listener here allows (next to) no repeats at all, the state a sibling's
repeated IWants leave it in: the dialler's link must outlive several pings.
"""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from events.format import decode_event
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.net import Node
from node.webapp import create_app, serve
from sync import transport
from sync.peers import PeerLimits

PASSPHRASE = "ping repeats tests only: not a secret"
TIMEOUT_S = 0.5  # the pinging side's message timeout: a quiet link is pinged every 3 of them, cut 1 after an unanswered ping
# The answering side's is a little longer: the other's pings keep it from pinging (its pings would
# show the other the link alive too), and it answers a ping past the repeats' budget once every 2
# of its timeouts (node/net/peer_link.py `PING_ANSWER_TIMEOUTS`), 1.2 s, within the 1.5 s between
# pings. It allows not one repeat.
SPENT = PeerLimits(repeat_burst=0.5, repeat_events_per_s=1e-6, message_timeout_s=0.6)
PINGS = 3
WAIT_S = 15.0


@pytest.fixture
def network(tmp_path: Path) -> list[LocalNode]:
    return localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)


async def test_a_links_pings_are_answered_though_its_group_spent_its_repeats(network, monkeypatch) -> None:
    pings: dict[transport.Link, int] = {}
    probe = transport.Link.probe

    def counted(link: transport.Link, ids: tuple[bytes, ...]) -> None:
        if link.outbound and ids:  # the dialler's pings
            pings[link] = pings.get(link, 0) + 1
        probe(link, ids)

    monkeypatch.setattr(transport.Link, "probe", counted)
    calais, bristol = network
    listener = Node(calais.home, calais.keys, listen=("127.0.0.1", 0), limits=SPENT, sync_interval_s=3600)
    served = await serve(create_app(listener), "127.0.0.1", 0)
    dialler = Node(bristol.home, bristol.keys, peers=[f"http://127.0.0.1:{served.port}"],
                   limits=PeerLimits(message_timeout_s=TIMEOUT_S), sync_interval_s=3600)
    await dialler.start()
    try:
        link = await _lives_to_its_third_ping(pings)
        assert link in dialler.links.open()
        # What each side answers past the repeats' budget is the one event of its own it presented,
        # never one the peer presented (a wire that decodes need not be signed: a peer named any
        # stored event so, and drew it past the budget)
        for node in (dialler, listener):
            smallest = min(map(decode_event, node.identity().credentials()), key=lambda e: len(e.encode()))
            for open_link in node.links.open():
                assert open_link.proof == (smallest.author, smallest.seq), open_link.proof
    finally:
        await dialler.stop()
        await served.close()


async def test_a_listeners_pings_are_answered_by_a_dialler_that_asked_it_to_present_first(network, monkeypatch) -> None:
    """The dialler-asks-first handshake (its trust graph held nothing of the listener's device:
    sync/transport.py `dial`): the dialler presents nothing, so the listener's pings ask for the
    event of its own it presented. The dialler answered them as any IWant: a repeat from the
    second ping on, charged to the listener's group, and once that group's repeats were spent
    (by a sibling), left out: the listener cut a healthy link at its second ping (the next dial,
    knowing the device, presented first, and its link lived)."""
    pings: dict[transport.Link, int] = {}
    asked_first: list[bool] = []
    probe, exchange = transport.Link.probe, transport._exchange_credentials

    def counted(link: transport.Link, ids: tuple[bytes, ...]) -> None:
        if not link.outbound and ids:  # the listener's pings
            pings[link] = pings.get(link, 0) + 1
        probe(link, ids)

    async def exchanged(link: transport.Link, *args, ask_first: bool = False, **kwargs) -> None:
        if link.outbound:
            asked_first.append(ask_first)
        await exchange(link, *args, ask_first=ask_first, **kwargs)

    monkeypatch.setattr(transport.Link, "probe", counted)
    monkeypatch.setattr(transport, "_exchange_credentials", exchanged)
    calais, bristol = network
    # The founder's home holds nothing of Bristol's device (certified in Bristol's own home at its
    # join): Calais dials it asking first. Calais allows not one repeat; Bristol's pings come first.
    listener = Node(bristol.home, bristol.keys, listen=("127.0.0.1", 0),
                    limits=PeerLimits(message_timeout_s=TIMEOUT_S), sync_interval_s=3600)
    served = await serve(create_app(listener), "127.0.0.1", 0)
    dialler = Node(calais.home, calais.keys, peers=[f"http://127.0.0.1:{served.port}"], limits=SPENT,
                   sync_interval_s=3600)
    await dialler.start()
    try:
        link = await _lives_to_its_third_ping(pings)
        assert link in listener.links.open()
        assert asked_first == [True]  # one dial, asking first (a later one presents first: it knows the device)
        # What the dialler answers past the budget is the one event the listener's pings ask for:
        # the smallest it presented (no larger than a credential: a wire that decodes need not be
        # signed, so the size of the event stored under that name is checked as it is sent)
        smallest = min(map(decode_event, listener.identity().credentials()), key=lambda e: len(e.encode()))
        [open_link] = dialler.links.open()
        assert open_link.proof == (smallest.author, smallest.seq), open_link.proof
    finally:
        await dialler.stop()
        await served.close()


async def _lives_to_its_third_ping(pings: dict[transport.Link, int]) -> transport.Link:
    """The link (one all along) once its pings counted in `pings` reached PINGS, within WAIT_S."""
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while max(pings.values(), default=0) < PINGS:
        # Before: the second ping (a repeat) went unanswered, the link was cut, and each new
        # link's first ping was a repeat already: no link lived to its third.
        assert asyncio.get_running_loop().time() < deadline, \
            f"no link lived to its ping {PINGS} within {WAIT_S:.0f} s (pings per link: {list(pings.values())})"
        await asyncio.sleep(0.05)
    assert len(pings) == 1, list(pings.values())  # one link all along, never cut for an unanswered ping
    [link] = pings
    return link
