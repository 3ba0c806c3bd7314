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
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from hostile_relay import relayed_nodes
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


@pytest.fixture
def network(tmp_path: Path) -> list[LocalNode]:
    return localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)


async def _until(condition: Callable[[], Awaitable[bool]], what: str, within: float = WAIT_S) -> None:
    deadline = asyncio.get_running_loop().time() + within
    while not await condition():
        assert asyncio.get_running_loop().time() < deadline, f"not within {within:.0f} s: {what}"
        await asyncio.sleep(0.05)


def _raid(where: str) -> dict[str, str]:
    return {"region": "calais", "type": "raid", "location": where, "text": "Vans at the corner"}


async def test_a_relay_writing_pongs_and_pings_while_it_holds_all_data_keeps_no_link_alive(network) -> None:
    async with relayed_nodes(*network, LIMITS, bristol_interval_s=1.0) as (calais, bristol, relay):
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
