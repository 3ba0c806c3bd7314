"""A node whose disk is full stores nothing of a round: that round is no sync, on its side (`solnet
peers`, the dashboard, the API's peers say "last sync") and on its peer's.

Two real nodes in this process: Calais served on 127.0.0.1, Bristol dialling it with rounds every
0.3 s; Bristol's disk fills (SQLite may not grow its file: node/store limit_pages) and Calais
publishes events Bristol lacks. Its last sync stays the last round that stored everything: it was
never stamped for a round cut by the full disk (the week's "last sync 20:55" was the round before
the disk filled, within the same minute). What misled was the link shown up with that last sync
and no word: the full node's own view now says, on every peer, that nothing is stored. The peer
(Calais) sees the link up and a last sync from before the disk filled; it is not told more."""
from __future__ import annotations

import asyncio

from node.log import now_ms
from node.net import Node
from node.status_text import peer_line
from served_nodes import calais, network  # noqa: F401 (fixtures)

WAIT_S = 20.0


async def until(predicate, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, f"not within {WAIT_S:.0f} s: {what}"
        await asyncio.sleep(0.05)


def _fill(store) -> None:
    store.limit_pages(store.size_pages())


def synced_at(node: Node, device: bytes) -> int | None:
    return next((p.get("last_sync") for p in node.peer_views(now_ms()) if p.get("device") == device.hex()), None)


async def test_a_round_that_stored_nothing_on_a_full_disk_is_no_sync(network, calais) -> None:
    node, served = calais
    bristol = Node(network[1].home, network[1].keys, peers=[f"127.0.0.1:{served.port}"], sync_interval_s=0.3)
    await bristol.start()
    try:
        calais_device, bristol_device = bytes(network[0].keys.device.public), bytes(network[1].keys.device.public)
        await until(lambda: synced_at(bristol, calais_device) and synced_at(node, bristol_device), "a first sync")
        # The file system's free space pinned as it stands: it is shared with other tests, and a MiB
        # their files freed would count as the space Bristol waits for (its rounds would resume)
        free = bristol.health._free(bristol.log.store.path.parent)
        bristol.health._free = lambda home: free
        await bristol.db(_fill, bristol.log.store)
        full_at = now_ms()
        for i in range(60):  # more than the file's free pages take
            await node.publish("need", {"category": "tents", "quantity": str(i + 1), "region": "calais",
                                        "notes": "winter kit for the camp, sizes mixed; " * 12}, offline=True)
        await until(lambda: bristol.health.full(), "Bristol's disk found full")
        def seen() -> dict:
            return next(p for p in bristol.peer_views(now_ms()) if p.get("device") == calais_device.hex())
        # The batch that failed ended the link; Bristol dials Calais again, and holds its rounds off
        await until(lambda: seen()["connected"] and bristol.health.full(), "Bristol linked again, its disk full")
        assert (synced_at(bristol, calais_device) or 0) < full_at, "a round that stored nothing counted as a sync"
        assert (synced_at(node, bristol_device) or 0) < full_at, "the peer took such a round as a sync"
        # ... and the full node's own view says why its last sync is old while the link is up
        assert seen()["not_stored"] == "the disk is full", seen()
        line = peer_line(seen())
        assert "nothing it sends is stored here: the disk is full; last sync" in line, line
    finally:
        await bristol.stop()
