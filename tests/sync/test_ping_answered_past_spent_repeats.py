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
TIMEOUT_S = 0.5  # the dialler's message timeout: a quiet link is pinged every 3 of them, cut 1 after an unanswered ping
# The listener's (the default 15 s) is longer: the dialler's pings keep it from pinging (its pings
# would show the dialler the link alive too). It allows not one repeat.
SPENT = PeerLimits(repeat_burst=0.5, repeat_events_per_s=1e-6)
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
        deadline = asyncio.get_running_loop().time() + WAIT_S
        while max(pings.values(), default=0) < PINGS:
            # Before: the second ping (a repeat) went unanswered, the link was cut, and each new
            # link's first ping was a repeat already: no link lived to its third.
            assert asyncio.get_running_loop().time() < deadline, \
                f"no link lived to its ping {PINGS} within {WAIT_S:.0f} s (pings per link: {list(pings.values())})"
            await asyncio.sleep(0.05)
        assert len(pings) == 1  # one link all along, never cut for an unanswered ping
        [link] = pings
        assert link in dialler.links.open()
        # What each side answers past the repeats' budget is the one event of its own it presented,
        # never one the peer presented (a wire that decodes need not be signed: a peer named any
        # stored event so, and drew it past the budget)
        for node in (dialler, listener):
            smallest = min(map(decode_event, node.identity().credentials()), key=lambda e: len(e.encode()))
            for open_link in node.links.open():
                assert open_link.proofs == {(smallest.author, smallest.seq)}, open_link.proofs
    finally:
        await dialler.stop()
        await served.close()
