"""The node's database thread (node/net/database.py): work runs on one thread, in the order it was
queued; what it raises reaches its caller; a caller that went away before its turn costs nothing;
shutdown lets the queued work finish (a batch commits or rolls back whole) and takes no more."""
from __future__ import annotations

import asyncio
import threading

import pytest

from node.net.database import DbThread

WAIT_S = 20.0


async def test_work_runs_on_one_other_thread_in_the_order_it_came() -> None:
    db = DbThread()
    ran: list[tuple[int, int]] = []
    try:
        results = await asyncio.gather(*(db.run(lambda i=i: ran.append((i, threading.get_ident())) or i * i)
                                         for i in range(50)))
    finally:
        db.shutdown()
    assert results == [i * i for i in range(50)]
    assert [i for i, _ in ran] == list(range(50))
    threads = {ident for _, ident in ran}
    assert len(threads) == 1 and threading.get_ident() not in threads


async def test_what_the_work_raises_reaches_its_caller_and_the_thread_goes_on() -> None:
    db = DbThread()

    def fails() -> None:
        raise KeyError("no such row")

    def stops() -> None:
        raise StopIteration  # an asyncio future cannot hold one: it arrives as a RuntimeError

    try:
        with pytest.raises(KeyError, match="no such row"):
            await db.run(fails)
        with pytest.raises(RuntimeError, match="StopIteration"):
            await asyncio.wait_for(db.run(stops), WAIT_S)
        assert await db.run(sum, [1, 2, 3]) == 6
    finally:
        db.shutdown()


async def test_a_caller_cancelled_before_its_turn_is_skipped() -> None:
    db = DbThread()
    go, ran = threading.Event(), []
    try:
        held = asyncio.ensure_future(db.run(lambda: go.wait(WAIT_S)))
        skipped = asyncio.ensure_future(db.run(lambda: ran.append("skipped")))
        await asyncio.sleep(0)  # both queued
        skipped.cancel()
        go.set()
        assert await held is True
        assert await db.run(lambda: ran.append("after") or "done") == "done"
    finally:
        db.shutdown()
    assert ran == ["after"]


async def test_shutdown_waits_for_the_queued_work_then_refuses_more() -> None:
    db = DbThread()
    go, done = threading.Event(), []
    first = asyncio.ensure_future(db.run(lambda: go.wait(WAIT_S) and done.append(1)))
    second = asyncio.ensure_future(db.run(lambda: done.append(2)))
    await asyncio.sleep(0)
    threading.Timer(0.05, go.set).start()
    db.shutdown()  # blocks this loop until both ran (their answers arrive when it turns again)
    assert done == [1, 2]
    await asyncio.wait_for(asyncio.gather(first, second), WAIT_S)
    with pytest.raises(RuntimeError, match="shut down"):
        await db.run(list)
