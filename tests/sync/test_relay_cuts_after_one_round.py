"""A relay that lets each link's first round complete, then alters the next frame, backs the address
off as failed dials do, growing (two real nodes in this process on real SQLite homes, a hostile TCP
relay between them on 127.0.0.1: tests/sync/hostile_relay.py).

A round that completed forgave the address's failures, so until 2026-12-06 such a relay had the
dialler redial within 2 s for ever: a signed handshake and credentials on both nodes every 2 s (and
the "cannot reach" line each time). Now a dialled link's failures are forgiven only once it has
lived STABLE_LINK_MS (sync/overlay.py): a shorter one counts as one more failure in a row, its
backoff growing (within 30 s: a path that carries rounds is tried again soon), the device not
penalised; the log says it at the 2nd, 4th, 8th... such link in a row.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from hostile_relay import relayed_nodes, said_in_a_row, until
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.log import now_ms
from sync.addresses import normalize_address
from sync.peers import PeerLimits

PASSPHRASE = "relay cutting after one round tests only: not a secret"
LIMITS = PeerLimits(message_timeout_s=0.5)
WAIT_S = 40.0
LINKS = 4


@pytest.fixture
def network(tmp_path: Path) -> list[LocalNode]:
    return localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)


async def test_links_cut_after_their_first_round_back_the_address_off_growing(network, caplog) -> None:
    caplog.set_level(logging.INFO, logger="solnet")
    async with relayed_nodes(*network, LIMITS, bristol_interval_s=0.3) as (calais, bristol, relay):
        peer = bristol.directory.book.get(normalize_address(relay.url))
        assert peer is not None
        rounds: list[int] = []  # the links (by number through the relay) on which a round completed

        async def alter_after_each_first_round() -> None:
            # As the relay would by the frames' sizes and timing: once the link's round is answered,
            # one bit of the dialler's next frame (its next round's Offer) is flipped.
            seen = peer.last_sync
            while True:
                await asyncio.sleep(0.01)
                if peer.last_sync != seen and relay.conns:
                    seen = peer.last_sync
                    conn = relay.conns[-1]
                    if conn.flip is None:
                        conn.flip = [0, None]
                        rounds.append(len(relay.conns))

        watcher = asyncio.create_task(alter_after_each_first_round())
        try:
            await until(lambda: peer.failures >= LINKS and not peer.connected,
                        f"{LINKS} links in a row, each cut after one round, counted as failures in a row", WAIT_S)
        finally:
            watcher.cancel()
        assert rounds[:LINKS] == list(range(1, LINKS + 1)), "a round completed on each link"
        assert all(conn.flipped == 1 for conn in relay.conns[:LINKS]), "each link had one frame altered after it"
        assert not peer.is_banned(now_ms()) and peer.current_penalty(now_ms()) == 0, "the device is not penalised"
        # (one alone is not said: a peer stopping or restarting, as after a link that lasted)
        assert said_in_a_row(caplog.records) == [2, 4], "the reason, the same each time, said at the 2nd and 4th only"

