"""A peer that said "your device is linked twice here" (a copy of this home runs: node/linked_twice.py)
and is revoked since says nothing more, in the node's live facts (what `solnet status` and the
dashboard's overview show).

Until 2026-12-06 the word stayed for an hour whatever became of the peer: a mole says it of an
honest device (to have its group revoke it, or to cry wolf), its group is expelled minutes later,
and the honest group's status and overview went on saying "a peer (the mole's device) says this
device is linked twice there: a copy of this home may run". In-process node, real SQLite."""
from __future__ import annotations

from node import membership
from node.log import EventLog
from node.store import Store


async def test_a_revoked_peers_word_that_this_device_is_linked_twice_goes(sample, start_node) -> None:
    calais, bristol = sample.nodes  # Calais founded the network and admitted Bristol
    theirs = EventLog(Store(bristol.home.db_path))
    wires = [w for key in (bristol.keys.group, bristol.keys.device) for w in theirs.store.chain_wires(bytes(key.public))]
    theirs.store.close()
    ours = EventLog(Store(calais.home.db_path))
    ours.ingest(wires)  # as a first sync with Bristol leaves it: its device a member here
    ours.store.close()
    node = await start_node(calais)
    running = node.node
    bristol_device = bytes(bristol.keys.device.public)
    running.links._told_linked_twice("Bristol (device 1234)", bristol_device)  # as a link closed so says it
    assert running.live_facts()["linked_twice_told"] is not None
    assert running.live_facts()["linked_twice_told_by"] == "Bristol (device 1234)"
    await running.db(lambda: membership.revoke(running.log, calais.keys, bytes(bristol.keys.group.public),
                                               reason="infiltrators"))
    assert running.live_facts()["linked_twice_told"] is None
    assert running.live_facts()["linked_twice_told_by"] is None
