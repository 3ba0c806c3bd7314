"""The running node's watcher (node/net/watcher.py: trust refresh, dropping revoked peers, gossip of
events stored by other processes, announced peers) meets a database it cannot read or write (a
changed byte, a full disk): it says so as any request does, and keeps watching. It used to end at
the first such error without a word, and from then on nothing stored by another process reached
peers, no live view woke, and a peer revoked meanwhile kept its link."""
from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing

from node import publishing

ADDRESS = "127.0.0.1:7001"


async def wait_for(condition, what: str, timeout: float = 20) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)
    assert condition(), what


async def test_a_damaged_announcement_is_said_and_the_watcher_goes_on(api, homes, unlock) -> None:
    bristol, keys = homes["bristol"].log(), unlock(homes["bristol"])
    try:
        publishing.publish(bristol, keys, "node.announce", {"addresses": ADDRESS}, offline=True)
        before = list(bristol.store.iter_wire())  # Bristol's membership with it
        again = publishing.publish(bristol, keys, "node.announce", {"addresses": "127.0.0.1:7002"}, offline=True)
        later = publishing.publish(bristol, keys, "need", {"category": "tents", "quantity": "2", "region": "calais"},
                                   offline=True)
    finally:
        bristol.store.close()
    await api.get("/api/v1/status")  # the node runs
    node = api.node
    await node.db(node.log.ingest, before)
    await wait_for(lambda: any(ADDRESS in p["address"] for p in node.peer_views(0)), "the announced address learned")

    def stored_then_changed() -> None:
        """The newer announcement stored, and a failing card changes a byte of it before the watcher
        reads it (the one it reads: each device's newest), in one turn of the database thread."""
        node.log.ingest([again.encode()])
        with closing(sqlite3.connect(node.home.db_path)) as db, db:
            (body,) = db.execute("SELECT body FROM events WHERE id=?", (again.id,)).fetchone()
            db.execute("UPDATE events SET body=? WHERE id=?", (body.replace(b"7002", b"7003"), again.id))
    await node.db(stored_then_changed)
    await wait_for(lambda: node.live_facts()["database_damaged"], "the node saying its database is damaged")
    assert not any("7003" in p["address"] for p in node.peer_views(0))

    await node.db(node.log.ingest, [later.encode()])
    n = await node.db(node.log.store.event_n, later.id)
    await wait_for(lambda: node.feed.last_n >= n, "the watcher noticing what is stored after the damage")


async def test_an_announced_address_not_dialled_yet_is_listed_as_its_announcers(api, homes, unlock) -> None:
    """Bristol's node dialled in and its announced address was not dialled yet: `solnet peers`
    listed Bristol twice, once as "(group not known yet) ... never connected"."""
    bristol, keys = homes["bristol"].log(), unlock(homes["bristol"])
    try:
        publishing.publish(bristol, keys, "node.announce", {"addresses": ADDRESS}, offline=True)
        wires = list(bristol.store.iter_wire())
    finally:
        bristol.store.close()
    await api.get("/api/v1/status")  # the node runs
    node = api.node
    await node.db(node.log.ingest, wires)
    await wait_for(lambda: any(ADDRESS in p["address"] for p in node.peer_views(0) if p["address"]),
                   "the announced address learned")
    [entry] = [p for p in node.peer_views(0) if p["address"] and ADDRESS in p["address"]]
    assert entry["device"] == bytes(keys.device.public).hex()
