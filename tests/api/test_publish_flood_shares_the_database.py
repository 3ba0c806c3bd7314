"""A flood of local publishes (a coordinator's script posting needs at once, or far more) shares
the node's database thread with other work: a first sync's batches, a raid alert from a peer. The
thread takes work in turn, and a group of publishes was up to 64 of them (node/net/group_commit.py),
so each step of a sync, and a peer's alert, waited behind 64 publishes: at 1/8 of a core a first
sync stored 70 events in 15 s while 510 publishes went in. While other work comes, a group is
FAIR_GROUP publishes. Asserted by progress (what got done meanwhile), never by time."""
from __future__ import annotations

import asyncio

from node import publishing
from node.net import group_commit

FLOOD = 256
FAIR_GROUP = 8  # group_commit.FAIR_GROUP (not imported: the code before it had none)


async def test_a_flood_of_publishes_leaves_a_sync_and_a_peers_alert_their_turns(api, homes, unlock):
    assert getattr(group_commit, "FAIR_GROUP", FAIR_GROUP) == FAIR_GROUP
    node = api.node
    # A raid alert signed on Bristol's node, with what of Bristol's chain Calais lacks: what a peer's
    # batch brings
    bristol, keys = homes["bristol"].log(), unlock(homes["bristol"])
    try:
        alert = publishing.publish(bristol, keys, "alert", {"region": "calais", "type": "raid",
                                                            "location": "Loon-Plage", "text": "police at the camp"},
                                   expires_in="6h")
        batch = [s.wire for author in (keys.group.public, keys.device.public)
                 for s in bristol.store.events_of(bytes(author))]
    finally:
        bristol.store.close()

    device = bytes(node.keys.device.public)
    base = (await node.db(node.log.store.head, device))[0]
    stored: list[int] = []  # this node's publishes stored when each turn of the other work ran

    def count() -> int:
        stored.append(node.log.store.head(device)[0] - base)
        return stored[-1]

    def peers_batch() -> int:
        before = count()
        node.log.ingest(batch)
        return before

    flood = [asyncio.create_task(node.publish("need", {"category": "water", "region": "calais",
                                                      "quantity": str(i + 1)}))
             for i in range(FLOOD)]
    await asyncio.sleep(0)  # the flood is queued: the first group goes to the database thread
    sync_turns = 0
    alert_seen_after: int | None = None
    while await node.db(count) < FLOOD:  # a sync's steps: a turn of the thread each
        sync_turns += 1
        if sync_turns == 2:  # a peer's alert arrives while the flood is being written
            alert_seen_after = await node.db(peers_batch)
            assert alert.id in await node.db(node.log.store.known, [alert.id]), "the peer's alert was not stored"
        assert sync_turns < 10 * FLOOD
    await asyncio.gather(*flood)
    # The sync had a turn after each small group, not after each 64 publishes (4 turns in all)
    assert sync_turns >= FLOOD // (2 * FAIR_GROUP), (sync_turns, stored)
    # The peer's alert waited for a group or two, not for most of the flood
    assert alert_seen_after is not None and alert_seen_after <= 4 * FAIR_GROUP, (alert_seen_after, stored)
