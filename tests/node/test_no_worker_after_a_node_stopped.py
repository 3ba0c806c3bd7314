"""No signature worker is started by a batch prepared after its node stopped (node/verify_pool.py).

A link's batch is prepared on asyncio's executor (node/net/link_storage.py), which Node.stop does
not wait for: a prepare still running there when the node had shut its workers down started a new
pool, whose processes (~18 MiB each) were left for IDLE_S. It examines the batch in this process
now; the next node started here starts workers again."""
from __future__ import annotations

import asyncio

import pytest

from crypto.keys import SigningKey
from events.format import sign_event
from node import verify_pool
from node.demo.localnet import LocalNode
from node.net import Node
from served_nodes import network  # noqa: F401 (fixture)


def _batch(count: int) -> list[bytes]:
    key, wires, prev = SigningKey.generate(), [], None
    for seq in range(1, count + 1):
        ev = sign_event(key, network=b"n" * 32, seq=seq, prev=prev, timestamp=1_700_000_000_000 + seq,
                        kind="need", body=b"\x80")
        wires.append(ev.encode())
        prev = ev.id
    return wires


@pytest.mark.skipif(verify_pool.worker_count() == 0, reason="no signature worker processes on one core")
async def test_a_batch_prepared_after_the_node_stopped_starts_no_worker(network: list[LocalNode],  # noqa: F811
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOLNET_VERIFY_WORKERS", "1")
    started: list[int] = []

    class Counted(verify_pool._Worker):
        def __init__(self, pool: verify_pool._Pool) -> None:
            super().__init__(pool)
            started.append(self.proc.pid)

    monkeypatch.setattr(verify_pool, "_Worker", Counted)
    batch = _batch(verify_pool.MIN_PARALLEL + 10)  # (big enough to ship to the workers)
    node = Node(network[1].home, network[1].keys)
    await node.start(background=False)
    log = node.log
    try:
        await node.stop()
        # As LogAccess.prepare runs it, on the default executor, once the node has stopped.
        prepared = await asyncio.to_thread(log.prepare, batch)
        assert started == [] and verify_pool.worker_pids() == [], "a worker started after the node stopped"
        examined = list(prepared.examination.results())
        assert [x.event.seq for x in examined] == list(range(1, len(batch) + 1))
        again = Node(network[1].home, network[1].keys)
        await again.start(background=False)
        try:
            list((await asyncio.to_thread(again.log.prepare, batch)).examination.results())
            assert len(started) == 1, "the next node's big batch started no worker"
        finally:
            await again.stop()
        assert verify_pool.worker_pids() == []
    finally:
        verify_pool.shutdown()
