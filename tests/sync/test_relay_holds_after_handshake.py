"""A relay that passes each link's handshake and holds all that follows backs the address off as a
failed dial does (two real nodes in this process on real SQLite homes, a hostile TCP relay between
them on 127.0.0.1: tests/sync/hostile_relay.py).

The dialler cut such a link about one message timeout after its round's Offer and, the dial having
"succeeded", redialled within 2 s with no backoff: the relay held one of its links ~90 % of the
time, and no other peer was dialled in its stead. Now a dialled link cut for silence before any
round on it completed counts as a failed dial of that address, the failures growing from link to
link; the peer's device is not penalised (a relay may sit in front of an honest peer), and a link
that then lasts a minute forgives them (test_relay_cuts_after_one_round.py).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from hostile_relay import relayed_nodes, until
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.log import now_ms
from sync.addresses import normalize_address
from sync.peers import PeerLimits

PASSPHRASE = "relay holding after the handshake tests only: not a secret"
LIMITS = PeerLimits(message_timeout_s=0.5)
HANDSHAKE_AND_CREDENTIALS = (3, 2)  # frames: hello, finish, credentials; reply, credentials
WAIT_S = 40.0


@pytest.fixture
def network(tmp_path: Path) -> list[LocalNode]:
    return localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)


async def test_a_link_held_from_its_first_round_backs_its_address_off_growing(network) -> None:
    async with relayed_nodes(*network, LIMITS, bristol_interval_s=1.0,
                             hold_after=HANDSHAKE_AND_CREDENTIALS) as (calais, bristol, relay):
        peer = bristol.directory.book.get(normalize_address(relay.url))
        assert peer is not None

        def backed_off() -> bool:
            return peer.failures >= 4

        await until(backed_off, "four links in a row that carried nothing counted as failed dials", WAIT_S)
        assert len(relay.conns) >= 4 and all(conn.dropped for conn in relay.conns[:4]), \
            "every link passed its handshake and then carried nothing"
        assert peer.last_error is not None and "nothing" in peer.last_error
        assert not peer.is_banned(now_ms()) and peer.current_penalty(now_ms()) == 0, "the device is not penalised"

        relay.hold_after = None  # the path carries the links again: the next round completes
        alert = await calais.publish("alert", {"region": "calais", "type": "raid", "location": "Rue de Moscou",
                                               "text": "Vans at the corner"}, offline=True)
        stored: list[bool] = []

        async def fetch() -> None:
            stored.append(await bristol.db(bristol.log.store.event_n, alert.id) is not None)

        def synced() -> bool:
            return peer.last_sync is not None and peer.connected and peer.failures == 0

        await until(synced, "a round through the relay once it passes the links, its failures forgotten", WAIT_S)
        await fetch()
        assert stored == [True]
