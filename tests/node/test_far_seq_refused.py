"""A member's event, or a peer's head, at a seq no chain reaches (2**63 and more, which msgpack carries
and SQLite's INTEGER does not) is refused as malformed: before, the store raised OverflowError, the
whole batch it came in failed (an honest event beside it too), and a head of this node's own device
at such a seq failed the link as this node's bug (a traceback, the peer not charged)."""
from __future__ import annotations

from pathlib import Path

import msgpack
import pytest

from far_seq import signed_at
from node_fixtures import Net, action, wires
from events.errors import MALFORMED
from sync.errors import RemoteProtocolError
from sync.messages import decode


@pytest.mark.parametrize(("seq", "outcome", "kept_aside"), [
    (2**63, ("rejected", MALFORMED), 0), (2**64 - 1, ("rejected", MALFORMED), 0),
    (2**63 - 1, ("pending", "bad_chain"), 1),  # the highest a store holds: kept aside, its chain never comes
])
def test_an_event_past_any_chain_is_refused_and_the_batch_beside_it_stored(net: Net, tmp_path: Path, seq: int,
                                                                           outcome: tuple, kept_aside: int) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    honest = net.device.sign("action", action(2))
    out = log.ingest([signed_at(net.device.key, net.device.network, seq, "action", action(1)), honest.encode()])
    assert [(o.status, o.reason) for o in out] == [outcome, ("accepted", None)]
    assert log.store.head(bytes(net.device.key.public))[0] == 1
    assert log.store.pending_count() == kept_aside


@pytest.mark.parametrize("seq", [2**63, 2**64 - 1])
def test_a_head_past_any_chain_is_the_peers_breach(seq: int) -> None:
    heads = msgpack.packb([3, [[bytes(32), seq, bytes(8)]]], use_bin_type=True)
    with pytest.raises(RemoteProtocolError):
        decode(heads)
    assert decode(msgpack.packb([3, [[bytes(32), 5, bytes(8)]]], use_bin_type=True)).heads == ((bytes(32), 5, bytes(8)),)
