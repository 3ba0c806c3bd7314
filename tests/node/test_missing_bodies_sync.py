"""A body dropped by a redaction that then left the log comes back from a peer, with two real nodes
in this process (node.net.Node on real SQLite homes made by node.demo.localnet, the listener's app
served on 127.0.0.1).

A thief redacts a seized phone's posts at its next seq; the group revokes the phone from that seq.
Bristol stored the redaction before the revocation came (the posts' text dropped); Calais got the
revocation first (the redaction waits aside, dropping nothing). Once the revocation takes the
redaction out of Bristol's log the posts are stored there as missing their bodies, and a round
compares events, not bodies: after each complete round a node asks its peer for the bodies it
lacks, and Bristol ends with the same bodies as Calais."""
from __future__ import annotations

import asyncio

from crypto.keys import SigningKey
from events.format import Event
from node.demo.localnet import LocalNode
from node.log import EventLog
from node.net import Node
from node.store import BODY_MISSING, Store
from node_fixtures import Author, action, device_vouch
from served_nodes import calais, network  # noqa: F401 (fixtures)

WAIT_S = 60.0


def seizure(network: list[LocalNode], log: EventLog, group_head: tuple[int, bytes | None]
            ) -> tuple[list[Event], list[Event], Event, Event]:
    """Calais's group key (its chain at `group_head`) certifies a phone, which posts twice; a thief
    redacts both posts with the phone's key; the group key revokes the phone from the redaction's seq."""
    keys = network[0].keys
    group = Author(keys.group, log.network_id, *group_head)
    phone_key = SigningKey.generate()
    phone = Author(phone_key, log.network_id)
    setup = [group.sign("member.vouch", device_vouch(keys.group, phone_key, b"\x05" * 32))]
    posts = [phone.sign("action", action(i) | {"description": f"meet at door {i}"}) for i in (1, 2)]
    redaction = phone.sign("redact", {"ids": [p.id for p in posts]})
    revoked = group.sign("member.revoke", {"subject": bytes(phone_key.public), "from_seq": 3, "reason": "seized"})
    return setup, posts, redaction, revoked


async def until(predicate, what: str) -> None:
    """Wait for `predicate`, at most WAIT_S."""
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not await predicate():
        assert asyncio.get_running_loop().time() < deadline, f"not within {WAIT_S:.0f} s: {what}"
        await asyncio.sleep(0.05)


async def test_bodies_dropped_by_a_redaction_taken_out_come_back_from_a_peer(network, calais) -> None:
    node, served = calais
    # (the running node's store is read and written on its database thread: node/store/owner.py)
    setup, posts, redaction, revoked = seizure(
        network, node.log, await node.db(node.log.store.head, bytes(network[0].keys.group.public)))
    await node.db(node.log.ingest, [e.encode() for e in setup + posts + [revoked, redaction]])
    assert all([(await node.db(node.log.store.event_row, p.id))[8] == p.body for p in posts])

    log = EventLog(Store(network[1].home.db_path))
    log.ingest([e.encode() for e in setup + posts + [redaction]])
    assert all(log.store.event_row(p.id)[8] is None for p in posts)  # the text is gone, as a redaction must
    log.ingest([revoked.encode()])
    states = {event_id: state for event_id, _, _, state in log.store.event_states()}
    assert {states[p.id] for p in posts} == {BODY_MISSING}
    log.store.close()

    # A running node, linked to Calais: the link stays up after the round (`solnet sync` closes it
    # at once, and the bodies come at the next round of a running node).
    bristol = Node(network[1].home, network[1].keys, peers=[f"127.0.0.1:{served.port}"], sync_interval_s=3600)
    await bristol.start()
    try:
        async def bodies_back() -> bool:
            rows = [await bristol.db(bristol.log.store.event_row, p.id) for p in posts]
            return all(row[8] == p.body for row, p in zip(rows, posts))

        await until(bodies_back, "the posts' bodies from Calais")
        assert sorted(await bristol.db(bristol.log.store.event_states)) == sorted(await node.db(node.log.store.event_states))
        assert await bristol.db(bristol.log.store.missing_bodies, 10) == []
    finally:
        await bristol.stop()
