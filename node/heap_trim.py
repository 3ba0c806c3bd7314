"""The memory a served page freed, given back to the system soon after it (glibc's malloc_trim).

A dashboard overview at 100k events rebuilds some thousands of rows from their events (on the
database thread) and renders a page of ~250 KB (on the event loop's thread). Nearly all of it is
freed when the answer is sent, but glibc keeps freed memory in each thread's heap for later
allocations, below the top of the heap where it cannot be cut off: the node's resident memory grew
by ~11.6 MiB at its first overview page and kept it (measured on a 100k-event home, no worker:
64.2 MiB before the page, 75.8 MiB after it, 67.2 MiB after a malloc_trim(0)). On a Pi Zero 2 W
that was the whole tree's budget (DESIGN section 10: < 80 MiB at 100k events) gone once the
dashboard was used. malloc_trim(0) hands the free pages of every heap back (madvise), keeping
what is in use.

One trim TRIM_AFTER_S after the first answer that asks, however many follow meanwhile: a burst of
pages or API calls pays for one, and the answer itself waits for nothing. On a C library without
malloc_trim (musl, macOS) nothing is done.

A running node also keeps glibc to one heap for all its threads (`one_heap`, at its start): by
default each thread that allocates while another holds the lock gets a heap (an "arena") of its
own, up to 8 a core, and memory freed in one is not reused by the others. The node's threads
(the event loop, the database thread that stores and examines batches, the checkpointer) take
turns under Python's GIL, and glibc's per-thread cache serves most small allocations without the
lock, so they gain little from heaps of their own, and a node catching up kept each one's high
water mark (issue 15: one heap took ~2 MiB off the peak of a 100k-event catch-up).
"""
from __future__ import annotations

import asyncio
import ctypes
from collections.abc import Callable

TRIM_AFTER_S = 1.0  # after an answer: the request's own objects (its page, its rows) are freed by then


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


M_ARENA_MAX = -8  # mallopt(3) parameter (glibc's malloc.h)


def one_heap() -> bool:
    """Keep this process's allocations in one glibc heap (before it starts threads); False where the
    C library has no mallopt or no such setting (musl, macOS): nothing is changed there."""
    try:
        return ctypes.CDLL(None).mallopt(M_ARENA_MAX, 1) == 1
    except (OSError, AttributeError):
        return False


class HeapTrim:
    """At most one pending trim for the process's web app (`soon` after each answer)."""

    def __init__(self, trim: Callable[[int], int] | None = None) -> None:
        self._trim = trim if trim is not None else _malloc_trim()
        self._pending: asyncio.TimerHandle | None = None
        self.trims = 0  # how many ran (for tests)

    def soon(self) -> None:
        """Trim TRIM_AFTER_S from now, unless a trim is pending already. On the event loop."""
        if self._trim is None or self._pending is not None:
            return
        self._pending = asyncio.get_running_loop().call_later(TRIM_AFTER_S, self._run)

    def _run(self) -> None:
        self._pending = None
        self._trim(0)
        self.trims += 1

    def close(self) -> None:
        """Drop a pending trim (the app shuts down)."""
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
