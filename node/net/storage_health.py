"""Storage trouble: a write failed (the disk is full, or the database cannot be written).

A running node says so to its operator at most once a minute and holds off anti-entropy rounds
until space is freed (NEEDED_BYTES free again) or a while has passed (each round would stream
events only to fail again).
Nothing stored is lost: SQLite rolled the failed write back whole, and peers send the events again.
A damaged database is another matter: it does not mend itself, so it is said once, as an error,
and holds for as long as the node runs (`solnet status` asks the running node for it).
"""
from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from node.store import DatabaseDamaged, StorageFull

log = logging.getLogger(f"solnet.{__name__}")

RETRY_S = 60.0  # after a failed write, rounds wait this long before trying again,
# ... or until the free space has grown back to this (one batch of a peer's events fits, 1 MiB at
# most): what the operator of a full disk is asked to free. Freeing less than 1 MiB from a
# nearly full disk kept a raid alert waiting the whole minute.
NEEDED_BYTES = 1 << 20
POLL_S = 2.0  # how often a waiting round looks again (the free space: one statvfs)
FULL = "the disk is full"  # (the problem a StorageFull stands for)


def describe(exc: Exception) -> str:
    """The problem an exception of a failed write stands for, in words for people."""
    if isinstance(exc, StorageFull):
        return FULL
    if isinstance(exc, DatabaseDamaged):
        return str(exc)  # it names the file and says what to do
    return f"the database cannot be written ({exc})"


class StorageHealth:
    def __init__(self, home: Path, free_bytes: Callable[[Path], int] = lambda home: shutil.disk_usage(home).free
                 ) -> None:
        self._home = home
        self._free = free_bytes  # the free space of the home's file system (a test gives its own)
        self.running = False  # a running node tells its operator (a one-shot `solnet sync` reports instead)
        self._problem: tuple[float, str, int | None] | None = None  # (monotonic time, problem, free bytes)
        self._damaged: str | None = None  # the database is damaged: what to do, for as long as the node runs

    def failed(self, exc: Exception) -> str:
        """A write failed: a received batch, or a publish from the API or the dashboard. The problem."""
        problem = describe(exc)
        now = time.monotonic()
        if isinstance(exc, DatabaseDamaged):  # waiting cures nothing: what to do is in the problem
            if self.running and self._damaged is None:
                log.error("%s Nothing more can be stored until then.", problem)
            self._damaged = problem
            return problem
        if self.running and (self._problem is None or now - self._problem[0] > RETRY_S):
            until = "some space is freed" if isinstance(exc, StorageFull) else \
                "the database can be written again (the node tries again within a minute)"
            log.warning("%s: nothing more can be stored until %s (nothing stored is lost; events from peers are "
                        "fetched again)", problem, until)
        self._problem = (now, problem, self._free_bytes())
        return problem

    def full(self) -> bool:
        """Is the problem that still holds a full disk (what to do: free some space)?"""
        return self.trouble() == FULL

    def damaged(self) -> str | None:
        """The damaged database's error (what to do), once a request met it; None before."""
        return self._damaged

    def trouble(self) -> str | None:
        """The problem that still holds: a damaged database always; another none once RETRY_S
        have passed, or once the home's file system has NEEDED_BYTES free again (a waiting round
        looks every POLL_S: the retry follows the disk, not the clock)."""
        if self._damaged is not None:
            return self._damaged
        if self._problem is None:
            return None
        at, problem, free_then = self._problem
        free = self._free_bytes()
        # Grown back to what the node needs; or, if it failed with that much free (a quota, a capped
        # file), grown by as much again
        freed = free_then is not None and free is not None and free >= NEEDED_BYTES and \
            (free_then < NEEDED_BYTES or free >= free_then + NEEDED_BYTES)
        if freed or time.monotonic() - at >= RETRY_S:
            self._problem = None
            return None
        return problem

    def _free_bytes(self) -> int | None:
        try:
            return self._free(self._home)
        except OSError:
            return None
