"""A link's ingest (node/net/link_ingest.py) against a real store on the database thread: when the
peer is banned mid-stream, every batch it sent is either stored or has its ids released, so an
honest peer's push of the same events is taken (a banned relay held a raid alert back: its id,
marked seen when the push was read, was never stored nor released)."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from events.format import decode_event
from node.net.database import DbThread
from node.net.link_ingest import Batch, LinkIngest
from node.net.link_storage import LogAccess
from node.net.storage_health import StorageHealth
from node.outcome import Outcome
from node_fixtures import Net, action, wires


@pytest.mark.parametrize("batches", [2, 7, 12])
async def test_after_a_ban_every_batch_sent_is_stored_or_released(net: Net, tmp_path: Path, batches: int) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    db = DbThread()
    storage = LogAccess(db, lambda: log, StorageHealth(tmp_path), lambda: False)
    sent = [tuple(wires([net.device.sign("action", action(i * 10 + j)) for j in range(3)])) for i in range(batches)]
    ids = [(bytes([i]) * 32,) for i in range(batches)]  # an id each batch marked seen (as gossip does)
    released: set[bytes] = set()
    told: list[Batch] = []
    gate = asyncio.Event()

    async def on_stored(batch: Batch, outcomes: list[Outcome]) -> bool:
        told.append(batch)
        await gate.wait()  # while the peer's next batches queue up behind
        return False  # the first batch's invalid events banned the peer

    async def unlimited(n: int) -> None:
        return None

    async def failed(problem: str) -> None:
        raise AssertionError(problem)

    ingest = LinkIngest("peer~test", storage, limit_events=unlimited, on_stored=on_stored, on_failed=failed,
                        release=released.update)
    putting = [asyncio.ensure_future(ingest.put(Batch(w, True, i))) for w, i in zip(sent, ids)]
    try:
        async with asyncio.timeout(30):
            while not told:
                await asyncio.sleep(0.01)
            gate.set()
            await asyncio.gather(*putting, return_exceptions=True)
            await ingest.finish(stopping=False)
    finally:
        db.shutdown()
    stored = {bytes(ev_id) for ev_id, *_ in log.store.event_states()}
    for batch_ids, batch_wires in zip(ids, sent):
        in_store = all(decode_event(w).id in stored for w in batch_wires)
        assert in_store or set(batch_ids) <= released, "a batch neither stored nor released"
