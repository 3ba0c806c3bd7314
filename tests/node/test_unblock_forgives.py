"""`solnet peers unblock` says a running node takes it up within seconds: the dials refused while
the block held had built up a backoff of up to 5 minutes, and the link came back 40-83 s after an
unblock (the backoff of an address already in the peer book was kept). Unblocking forgives it."""
from __future__ import annotations

import random
from pathlib import Path

from crypto.keys import SigningKey
from node import peer_blocks
from node.log import now_ms
from node.net.database import DbThread
from node.net.peer_directory import PeerDirectory
from node_fixtures import net  # noqa: F401 (fixture)

ADDRESS = "http://127.0.0.1:7702"


async def test_an_unblock_makes_the_peer_due_at_once(net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    db = DbThread()
    try:
        peers = PeerDirectory(db, lambda: log, random.Random(1), extra=[ADDRESS], own_address=None,
                              own_device=bytes(net.founder.device.public))
        await peers.load()
        group = bytes(SigningKey.generate().public)
        with log.store.write():
            peer_blocks.block_key(log.store, group, now_ms())
        await peers.reconcile()
        now = now_ms()
        for _ in range(12):  # its dials refused while the block holds: the backoff grows to minutes
            peers.book.connect_failed(ADDRESS, now, "refused: blocked here")
        assert peers.book.get(ADDRESS).next_attempt > now + 60_000
        await peers.reconcile()  # nothing lifted: the backoff stays
        assert peers.book.get(ADDRESS).next_attempt > now + 60_000
        with log.store.write():
            assert peer_blocks.unblock(log.store, group.hex())
        await peers.reconcile()
        assert peers.book.get(ADDRESS).next_attempt <= now_ms()
        assert ADDRESS in [p.address for p in peers.book.due(now_ms())]
    finally:
        db.shutdown()
        log.store.close()
