"""The store's owner thread: while a node runs, its database thread (node/net/database.py) is the
only thread that may run a statement on the store's connection.

A statement first writes the rows the batch under way has buffered (node/store/base.py), so one
run from another thread, even a read, wrote the database thread's rows itself, racing its batch:
a read from the event loop left an older chain head than the batch's, and the event past it was
stored again, 'UNIQUE constraint failed: events.a, events.seq' (ci76,
tests/node/test_store_read_during_a_batch.py). Such a call is refused instead, naming the method,
before it touches anything. A store used by one thread only (a command's) has no owner."""
from __future__ import annotations

import contextlib
import sys
import threading
from pathlib import Path

_STORE_DIR = str(Path(__file__).parent)
_CONTEXTLIB = contextlib.__file__


class NotOwnerThread(RuntimeError):
    """A programming error: the store was used from a thread other than its owner's."""


def not_owner(owner: int) -> NotOwnerThread:
    """The error for a statement run from the calling thread on a store `owner` owns."""
    return NotOwnerThread(f"Store.{_store_method()} was called from the thread {threading.current_thread().name!r}, "
                          f"but the store belongs to the node's database thread ({_name(owner)!r}) while the node "
                          "runs: a statement from another thread would write the rows of the batch under way "
                          "there itself. Run it on the database thread (`await node.db(...)`).")


def _store_method() -> str:
    """The outermost method of the store the calling thread is in (the one its caller called)."""
    frame, name = sys._getframe(1), "?"
    while frame is not None:
        where = frame.f_code.co_filename
        if where.startswith(_STORE_DIR):
            name = frame.f_code.co_name
        elif name != "?" and where != _CONTEXTLIB:  # (a store method's `with self.reading()`)
            break
        frame = frame.f_back
    return name


def _name(ident: int) -> str:
    return next((t.name for t in threading.enumerate() if t.ident == ident), str(ident))
