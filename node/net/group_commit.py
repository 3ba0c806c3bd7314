"""Group commit of a running node's own publishes: one transaction for those that arrive together.

Each local publish (the API, the dashboard's forms, `solnet publish` through the local channel)
used to take a write transaction of its own, and with it a WAL commit. Publishes that arrive
while a batch is being written wait and go together in the next one: one `Store.group()`
transaction, each publish a savepoint of it. So a publish that is refused (bad input, a revoked
key, a full disk in its part) is rolled back alone and gets its own error; the others are signed
in the order they arrived (their seqs follow that order) and commit together. A lone publish is
written at once, as before: nothing waits for company; the group's transaction is then its own, so it
takes no savepoint (rolling the transaction back rolls back it alone).

After each group the node hears what it did (`committed`: the newest stored `n`, and whether the
group stored its own events and nothing else, the trust graph unchanged): then the watcher need
not look at once, which cost a turn of the database thread per publish.

A publish may bring a read whose answer it gets once the group has committed (`then`: the API's
answer, the event as stored), in the same turn of the database thread: one hand-over between the
event loop and that thread per publish, where a write and a read each cost one. The reads run at
the end of the group's transaction, seeing what a read after the commit would, without a read
transaction of their own. What `then` raises is the caller's alone: its event is stored all the same.
"""
from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable
from functools import partial
from typing import Any, Generic, TypeVar

from node.kind_input import PublishError
from node.log import EventLog
from node.net.database import DbThread
from node.store import StoreError

T = TypeVar("T")
R = TypeVar("R")
MAX_GROUP = 64  # publishes per transaction: a bound on how long the database thread is held at once
# ... and while other work shares the database thread (a sync's batches, a peer's alert, the
# dashboard's reads): the thread takes work in turn, one group then the next piece queued, so a
# group's size is the share local publishes get. At 64, a flood of API publishes at 1/8 of a core
# held each of a first sync's steps (two turns a batch) behind 64 publishes: 70 events stored in
# 15 s while 510 publishes went in. At 8, a step waits for about what it costs itself there.
FAIR_GROUP = 8


class GroupCommit:
    def __init__(self, db_thread: DbThread, opened: Callable[[], EventLog],
                 committed: Callable[[int, bool], None] | None = None) -> None:
        self._db_thread = db_thread
        self._opened = opened
        self._committed = committed
        self._waiting: list[tuple[Callable[[], Any], Callable[[Any], Any] | None, asyncio.Future]] = []
        self._busy = False  # a group is on the database thread: newcomers wait for the next
        self.transactions = 0  # how many group transactions were written (for tests and benchmarks)
        self._submitted = 0  # groups put on the database thread
        # How much other work the database thread had been given when each of the last two groups was
        # put: work put just before the last group may run after it, so the last two are looked at
        self._others_at: collections.deque[int] = collections.deque([db_thread.queued] * 2, maxlen=2)
        self.writing = 0  # publishes in the group being written now

    @property
    def waiting(self) -> int:
        """Publishes waiting for the next group (the one being written not counted)."""
        return len(self._waiting)

    async def run(self, fn: Callable[[], T]) -> T:
        """Run `fn` (a blocking write through the log: it opens `store.write()`) on the database
        thread inside the next group transaction; its result, or what it raised."""
        return await self._run(fn, None)

    async def run_then(self, fn: Callable[[], T], then: Callable[[T], R]) -> tuple[T, Outcome[R]]:
        """As `run`, and then `then(result)` on the database thread once the group has committed:
        `fn`'s result and what `then` gave or raised (an Outcome: `fn`'s write stands either way)."""
        return await self._run(fn, then)

    async def _run(self, fn: Callable[[], Any], then: Callable[[Any], Any] | None) -> Any:
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._waiting.append((fn, then, future))
        if not self._busy:  # written in the loop's next turn, with those that arrive in this one
            self._busy = True
            future.get_loop().call_soon(self._write_next)
        return await future

    def _write_next(self) -> None:
        """Hand the next group to the database thread (none waiting: the writer is idle). No task
        waits for it: `_written` is called on the loop once it is written, so a publish costs one
        hand-over each way and its caller wakes in the next turn of the loop."""
        while self._waiting:
            # Other work came since the group before the last: share the thread with it (FAIR_GROUP)
            others = self._db_thread.queued - self._submitted
            size = FAIR_GROUP if others > self._others_at[0] else MAX_GROUP
            batch, self._waiting = self._waiting[:size], self._waiting[size:]
            try:
                self._db_thread.submit(self._write_group, ([(fn, then) for fn, then, _ in batch],),
                                       partial(self._written, batch))
                self._submitted += 1
                self._others_at.append(others)
            except BaseException as exc:  # the database thread is shut down: none is stored
                _refuse(batch, exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            self._busy, self.writing = True, len(batch)
            return
        self._busy = False

    def _written(self, batch: list[tuple[Callable[[], Any], Callable[[Any], Any] | None, asyncio.Future]],
                 ok: bool, value: Any) -> None:
        """On the loop: the group `batch` was written (`ok`, `value` = what `_write_group` gave) or
        its transaction failed (`value` = what it raised: none is stored); then the next group."""
        self.writing = 0
        try:
            if not ok:
                _refuse(batch, value)
                if not isinstance(value, Exception):
                    raise value
                return
            results, last_n, plain = value
            if self._committed is not None:
                self._committed(last_n, plain)
            for (_, _, future), (done, result) in zip(batch, results):
                if future.done():  # its caller went away (a closed connection)
                    continue
                if done:
                    future.set_result(result)
                else:
                    future.set_exception(result)
        finally:
            self._busy = False
            if self._waiting:
                self._write_next()

    def _write_group(self, parts: list[tuple[Callable[[], Any], Callable[[Any], Any] | None]],
                     ) -> tuple[list[tuple[bool, Any]], int, bool]:
        """On the database thread: every publish of the group in one transaction, each in a savepoint;
        then the reads that came with them, at the end of that transaction (they see what a read
        after its commit would; their answers go out only once it has committed). The results, the newest stored `n`, and whether the
        group stored its own events only (none refused in its savepoint, no other event let in
        with them, the trust graph as it was). A lone publish (the usual case unless publishes come
        faster than they are written) takes no savepoint: the group's transaction is its own, and
        whatever it raises rolls that back, which is rolling it back alone; its caller gets it."""
        lone = len(parts) == 1
        log = self._opened()
        results: list[tuple[bool, Any]] = []
        failed = False
        trust_before = log.trust_version
        try:
            with log.store.group(len(parts), durable=True):  # answered and gossiped once on the disk
                n_before = log.store.last_n()
                for fn, _ in parts:
                    if lone:
                        results.append((True, fn()))
                        continue
                    try:
                        with log.store.write():  # its own savepoint: whatever it wrote goes if it fails
                            results.append((True, fn()))
                    except PublishError as exc:  # refused input: refused before anything was written
                        results.append((False, exc))
                    except Exception as exc:  # this publish only: its savepoint was rolled back
                        failed = True
                        results.append((False, exc))
                last_n = log.store.last_n()  # in the transaction: the store knows it without a statement
                if not failed:  # read in the transaction (no read transaction of their own), answered once it commits
                    _read(parts, results)
        except BaseException as exc:
            if not isinstance(exc, PublishError):  # (a lone publish's refused input: the log learnt nothing)
                log.forget_trust()  # what the rolled-back transaction taught the log in memory is re-read
            cause = next((v for ok, v in results if not ok and isinstance(v, StoreError)), None)
            if isinstance(exc, StoreError) and cause is not None:
                raise cause from None  # e.g. the disk filled up in one part and SQLite rolled back the whole
            raise
        finally:
            self.transactions += 1
        if failed:
            log.forget_trust()  # a part that wrote trust events may have been rolled back
        log.reclaim_if_dropped()
        stored = sum(ok for ok, _ in results)
        plain = not failed and last_n == n_before + stored and log.trust_version == trust_before
        if failed:  # after the trust graph in memory was read again
            _read(parts, results)
        return results, last_n, plain


def _read(parts: list[tuple[Callable[[], Any], Callable[[Any], Any] | None]], results: list[tuple[bool, Any]]) -> None:
    """The reads that came with the publishes, each given what its write returned: (value, Outcome)."""
    for i, ((_, then), (ok, value)) in enumerate(zip(parts, results)):
        if then is not None and ok:  # (a refused write's answer is its error)
            try:
                results[i] = (True, (value, Outcome(then(value))))
            except Exception as exc:  # the read failed; the write stands
                results[i] = (True, (value, Outcome(error=exc)))


def _refuse(batch: list[tuple[Any, Any, asyncio.Future]], exc: BaseException) -> None:
    """Every publish of a group whose transaction failed gets what it raised."""
    for _, _, future in batch:
        if not future.done():
            future.set_exception(exc if isinstance(exc, Exception) else RuntimeError("stopped"))


class Outcome(Generic[R]):
    """What a read after the commit gave, or what it raised (`get` gives the one or raises the other)."""

    __slots__ = ("value", "error")

    def __init__(self, value: Any = None, error: Exception | None = None) -> None:
        self.value, self.error = value, error

    def get(self) -> R:
        if self.error is not None:
            raise self.error
        return self.value
