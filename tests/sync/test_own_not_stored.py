"""Which of this device's events a peer sent keep a round from counting as catching up
(node/net/peer_link.py `_own_not_stored`, node/chain_gate.py): those refused for a reason of this
node (stamped ahead of its clock, its pending queue full) or kept waiting, never those forged. A
member sending a forged event with this device as author each round would otherwise hold a
restarted node's publishing, alerts included, for good."""
from __future__ import annotations

from types import SimpleNamespace

from crypto.keys import SigningKey
from events.errors import BAD_SIGNATURE, FUTURE, NOT_KEPT
from hostile_double import Author, forge
from node.net.peer_link import PeerLink
from node.outcome import ACCEPTED, DUPLICATE, PENDING, REJECTED, Outcome

NETWORK = b"n" * 32


def test_only_this_devices_events_left_unstored_for_this_nodes_reasons_count() -> None:
    own, other = Author(SigningKey.generate(), NETWORK), Author(SigningKey.generate(), NETWORK)
    link = SimpleNamespace(_own_device=lambda: bytes(own.key.public))
    mine = [own.sign() for _ in range(5)]
    wires = [ev.encode() for ev in mine] + [other.sign().encode(), forge(own.sign())]
    outcomes = [Outcome(mine[0].id, ACCEPTED), Outcome(mine[1].id, DUPLICATE),
                Outcome(mine[2].id, REJECTED, FUTURE), Outcome(mine[3].id, REJECTED, NOT_KEPT),
                Outcome(mine[4].id, PENDING), Outcome(None, REJECTED, FUTURE),  # another author's
                Outcome(None, REJECTED, BAD_SIGNATURE)]  # forged: the peer's doing, charged to it
    assert PeerLink._own_not_stored(link, wires, outcomes) == 3
    assert PeerLink._own_not_stored(link, [b"\xc1garbage"], [Outcome(None, PENDING)]) == 0
    assert PeerLink._own_not_stored(SimpleNamespace(_own_device=lambda: b""), wires, outcomes) == 0
