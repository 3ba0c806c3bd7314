"""A relay that passes each link's handshake and alters one bit of the first round's frame backs the
address off as a failed dial does (two real nodes in this process on real SQLite homes, a hostile
TCP relay between them on 127.0.0.1: tests/sync/hostile_relay.py).

The frame then fails authentication on the side it reaches: the dialler cuts the link itself
(`unproven`), or the listener does, and closes without a word (`dropped`, seen from the dialler).
Either way the dial had "succeeded", so until 2026-12-06 the dialler redialled within 2 s for ever:
both nodes made a signed handshake and wrote three log lines a second, and no event went through.
Now a dialled link cut so before any round on it completed counts as a failed dial of that address,
as a link held silent does (test_relay_holds_after_handshake.py): the failures grow from link to
link, the peer's device is not penalised (a relay may sit in front of an honest peer), and a link that
then lasts a minute forgives them (test_relay_cuts_after_one_round.py).
"""
from __future__ import annotations

import logging
from pathlib import Path

import pytest

from hostile_relay import relayed_nodes, said_in_a_row, until
from node.demo import localnet
from node.demo.localnet import LocalNode
from node.log import now_ms
from sync.addresses import normalize_address
from sync.peers import PeerLimits

PASSPHRASE = "relay altering the first round tests only: not a secret"
LIMITS = PeerLimits(message_timeout_s=0.5)
WAIT_S = 40.0
# Frames passed before the altered one (dialler to listener, listener to dialler): the dialler's
# hello, finish and credentials, then its round's Offer is altered (the listener refuses it and
# closes without a word); or the listener's reply and credentials, then its answer to the Offer.
TO_LISTENER, TO_DIALLER = (3, None), (None, 2)


@pytest.fixture
def network(tmp_path: Path) -> list[LocalNode]:
    return localnet.create_network(tmp_path / "net", [("Calais", "calais"), ("Bristol", "bristol")], PASSPHRASE)


@pytest.mark.parametrize("flip", [TO_LISTENER, TO_DIALLER], ids=["offer_altered", "answer_altered"])
async def test_a_link_altered_in_its_first_round_backs_its_address_off_growing(network, flip, caplog) -> None:
    caplog.set_level(logging.INFO, logger="solnet")
    async with relayed_nodes(*network, LIMITS, bristol_interval_s=1.0) as (calais, bristol, relay):
        relay.flip_after = flip
        peer = bristol.directory.book.get(normalize_address(relay.url))
        assert peer is not None

        await until(lambda: peer.failures >= 4, "four links in a row cut in their first round counted as failed dials",
                    WAIT_S)
        assert all(conn.flipped == 1 for conn in relay.conns[:4]), "every link had one frame of its first round altered"
        assert peer.last_error is not None and "cut before its first round ended" in peer.last_error
        assert not peer.is_banned(now_ms()) and peer.current_penalty(now_ms()) == 0, "the device is not penalised"
        # Each handshake cleared the last error, so every such link was said until 2026-12-06.
        assert said_in_a_row(caplog.records)[:3] == [1, 2, 4], "the same reason said at the 1st, 2nd, 4th... only"

        relay.flip_after = None  # the path carries the links as they are again: the next round completes
        alert = await calais.publish("alert", {"region": "calais", "type": "raid", "location": "Rue de Moscou",
                                               "text": "Vans at the corner"}, offline=True)

        def synced() -> bool:
            return peer.last_sync is not None and peer.connected and peer.failures == 0

        await until(synced, "a round through the relay once it passes the links as they are, its failures forgotten",
                    WAIT_S)
        assert await bristol.db(bristol.log.store.event_n, alert.id) is not None
