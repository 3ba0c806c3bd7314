"""The node's one database thread: every read and write of the store runs on it, in order.

SQLite connections are not to be shared across threads, and ingest of a batch is one transaction
that a shutdown waits for, so no batch is ever half-written. The event loop keeps the network
moving meanwhile.

A plain thread taking work from a queue, rather than a ThreadPoolExecutor: a node makes one such
call or more for every publish, and the executor's submit (its locks, its idle-worker semaphore,
a concurrent Future chained to an asyncio one) cost about as much CPU as a small query.
"""
from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_STOP = None  # put on the queue by shutdown: the thread ends once the work before it is done


class DbThread:
    def __init__(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self.queued = 0  # how many pieces of work were ever queued (group_commit.py sees others came)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` on the database thread, after the work queued before it."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._put((loop, future, fn, args))
        return await future

    def submit(self, fn: Callable[..., T], args: tuple, done: Callable[[bool, Any], None]) -> None:
        """Run `fn(*args)` on the database thread, after the work queued before it; then
        `done(True, result)` or `done(False, what it raised)` on the running event loop. For a
        caller that must not wait as a task of its own (group_commit.py): the answer comes in the
        loop's first turn after the work, with no future and no task in between."""
        self._put((asyncio.get_running_loop(), done, fn, args))

    def _put(self, item: tuple) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the database thread is shut down")
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="db", daemon=True)
                self._thread.start()
            self._queue.put(item)
            self.queued += 1

    def _work(self) -> None:
        while (item := self._queue.get()) is not _STOP:
            loop, future, fn, args = item
            waiting = isinstance(future, asyncio.Future)
            if waiting and future.cancelled():  # its caller is gone (a task cancelled before its turn)
                continue
            try:
                result = fn(*args)
            except StopIteration as exc:  # an asyncio future cannot hold one
                ok, value = False, RuntimeError(f"{fn!r} raised StopIteration")
            except BaseException as exc:  # handed to the caller, as the executor did
                ok, value = False, exc
            else:
                ok, value = True, result
            try:
                if waiting:
                    loop.call_soon_threadsafe(_set_result if ok else _set_exception, future, value)
                else:
                    loop.call_soon_threadsafe(future, ok, value)
            except RuntimeError:  # the loop was closed meanwhile: nobody waits for the answer
                pass

    def shutdown(self) -> None:
        """Wait for the work queued (the batch being stored commits or rolls back whole), then stop."""
        with self._lock:
            self._closed = True
            thread = self._thread
            if thread is not None:
                self._queue.put(_STOP)
        if thread is not None and thread is not threading.current_thread():
            thread.join()


def _set_result(future: asyncio.Future, value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _set_exception(future: asyncio.Future, exc: BaseException) -> None:
    if not future.done():
        future.set_exception(exc)
