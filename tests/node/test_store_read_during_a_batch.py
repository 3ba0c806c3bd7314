"""A read of the store from the event loop while the database thread is in the middle of a batch
(ci76: 'UNIQUE constraint failed: events.a, events.seq' on the receiving node of
tests/sync/test_first_sync_over_a_dropping_path.py, whose wait read the store from the loop).

A statement flushes the rows the batch buffered (node/store/base.py): a read from another thread
wrote the database thread's rows itself, and its chain heads after the batch had committed newer
ones. Held here with threading gates at the two points the race needs, no sleeps. While a node
runs, its database thread owns the store (node/store/owner.py): the read is refused, untouched."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from collections.abc import Callable
from typing import Any

from events.format import Event
from events.projections import PROFILE
from node.log import EventLog
from node.net.database import DbThread
from node.store import base
from node.outcome import Outcome
from node.store.owner import NotOwnerThread
from node_fixtures import Net, action, wires

WAIT_S = 30  # (each gate is waited for at most this long: a broken hold fails, never hangs)


class HeldConnection:
    """The store's connection, holding the loop thread's write of the chain heads until the
    database thread has committed its batch."""

    def __init__(self, db: Any, loop_thread: int, committed: threading.Event, resume: threading.Event) -> None:
        self._db, self._loop_thread, self._committed, self._resume = db, loop_thread, committed, resume

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)

    def execute(self, sql: str, *args: Any) -> Any:
        cursor = self._db.execute(sql, *args)
        if sql == "COMMIT" and threading.get_ident() != self._loop_thread:
            self._committed.set()
        return cursor

    def executemany(self, sql: str, rows: Any) -> Any:
        if sql == base._SET_HEADS and threading.get_ident() == self._loop_thread:
            self._resume.set()  # the database thread goes on with its batch, and commits it
            assert self._committed.wait(WAIT_S), "the database thread did not commit"
        return self._db.executemany(sql, rows)


async def read_during_a_batch(log: EventLog, batch: list[Event], read: Callable[[], Any]) -> tuple[list[Outcome], Any]:
    """`read()` from the loop thread while the database thread, storing `batch` in one write, has
    the first event's row buffered (not yet written), as the test's wait did every 50 ms; the
    outcomes, and what `read` gave or raised."""
    store = log.store
    buffered, resume, committed = threading.Event(), threading.Event(), threading.Event()
    store._db = HeldConnection(store._db, threading.get_ident(), committed, resume)
    insert_event = store.insert_event

    def held_insert(ev: Any, *args: Any) -> int:
        n = insert_event(ev, *args)
        if ev.id == batch[0].id:  # its row is buffered, not yet written: the database thread waits here
            buffered.set()
            assert resume.wait(WAIT_S), "never resumed"
        return n

    store.insert_event = held_insert
    db = DbThread()
    await db.run(store.set_owner_thread)  # as a node does when its database thread opens the log
    try:
        storing = asyncio.ensure_future(db.run(log.ingest, wires(batch)))
        assert await asyncio.to_thread(buffered.wait, WAIT_S)
        try:
            got: Any = read()
        except Exception as exc:
            got = exc
        resume.set()
        outcomes = await storing
    finally:
        db.shutdown()
        store.clear_owner_thread()
        store._db = store._db._db
        del store.insert_event
    return outcomes, got


async def test_a_read_from_the_loop_during_a_batch_leaves_the_batch_and_the_heads_whole(net: Net, tmp_path: Path) -> None:
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    first, second = net.device.sign("action", action(1)), net.device.sign("action", action(2))
    store = log.store
    outcomes, read = await read_during_a_batch(log, [first, second], lambda: store.count_of_kind("action"))
    assert [o.status for o in outcomes] == ["accepted", "accepted"]
    author = store._find_k(second.header.author)
    heads = dict(store._x("SELECT k, seq FROM heads").fetchall())
    assert heads[author] == second.header.seq, "the loop thread wrote an older chain head over the batch's"
    # A peer sends again what lies past the heads it is told of (a link cut and dialled again).
    again = log.ingest(wires([second]))
    assert [o.status for o in again] == ["duplicate"]
    assert isinstance(read, NotOwnerThread) and "Store.count_of_kind" in str(read), read


async def test_a_fact_the_batch_keeps_is_not_served_to_another_thread(net: Net, tmp_path: Path) -> None:
    """The newest row number and a chain head are kept facts, served with no statement: while the
    database thread's batch is under way they are its uncommitted values (rolled back, if it fails),
    so another thread's read of them is refused as a statement would be."""
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    store, author = log.store, bytes(net.device.key.public)
    log.ingest(wires([net.device.sign("action", action(0))]))
    batch = [net.device.sign("action", action(i)) for i in (1, 2)]
    for read, name in [(store.last_n, "last_n"), (lambda: store.head(author), "head")]:
        outcomes, got = await read_during_a_batch(log, batch, read)
        assert [o.status for o in outcomes] == ["accepted", "accepted"]
        assert isinstance(got, NotOwnerThread) and f"Store.{name} " in str(got), (name, got)
        batch = [net.device.sign("action", action(i)) for i in (3, 4)]


def test_a_store_without_an_owner_serves_any_thread_and_one_with_an_owner_refuses_the_others(net: Net, tmp_path: Path) -> None:
    """A command's store (no owner) may be handed between threads; once a thread owns it, a write
    from another is refused before its BEGIN, naming the method, and the owner carries on."""
    log = net.new_log(tmp_path / "a.db")
    store = log.store
    assert run_in_a_thread(lambda: store.count_of_kind("action")) == 0
    run_in_a_thread(store.set_owner_thread)
    try:
        store.set_meta("x", b"1")
    except NotOwnerThread as exc:
        refused: Exception | None = exc
    else:
        refused = None
    assert refused is not None and "Store.set_meta" in str(refused), refused
    assert not store._db.in_transaction
    try:  # (the method the caller called, not the helper whose statement was refused)
        store.rows(PROFILE)
    except NotOwnerThread as exc:
        assert "Store.rows " in str(exc), exc
    else:
        raise AssertionError("a read from another thread was served")
    store.clear_owner_thread()
    store.set_meta("x", b"2")
    assert store.get_meta("x") == b"2"


def run_in_a_thread(fn: Any) -> Any:
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(fn()))
    thread.start()
    thread.join(WAIT_S)
    return result[0]


def test_a_fact_kept_for_a_read_transaction_is_not_served_to_another_thread(net: Net, tmp_path: Path) -> None:
    """What the owner's read transaction (`reading`) read once is kept while it lasts
    (`StoreBase._of_reading`): another thread asking it is refused, as for any other kept fact,
    not served the owner's value (nor made to flush the owner's buffered rows)."""
    from node.store.projections import OPEN, _TBL
    log = net.new_log(tmp_path / "a.db")
    log.ingest(wires(net.group.made))
    store = log.store
    store.set_owner_thread()
    try:
        with store.reading():
            store._regions_of(_TBL[PROFILE], OPEN)  # (read once, kept while the transaction lasts)

            def ask() -> Any:
                try:
                    return store._regions_of(_TBL[PROFILE], OPEN)
                except NotOwnerThread as exc:
                    return exc
            got = run_in_a_thread(ask)
    finally:
        store.clear_owner_thread()
    assert isinstance(got, NotOwnerThread), got
