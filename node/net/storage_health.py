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
import os
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
WAL_FILE = "solnet.db-wal"  # (node/home.py: the database is solnet.db)
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
        free = self._free_bytes()
        if self.running and (self._problem is None or now - self._problem[0] > RETRY_S):
            if isinstance(exc, StorageFull):
                log.warning("%s", self._full_advice(free))
            else:
                log.warning("%s: nothing more can be stored until the database can be written again (the node "
                            "tries again within a minute; nothing stored is lost, events from peers are fetched "
                            "again)", problem)
        self._problem = (now, problem, free)
        return problem

    def _full_advice(self, free: int | None) -> str:
        """What the operator of a full disk reads in the node's log (`journalctl -u solnet`): which
        disk, how much to free, how, and that the node goes on by itself. It said "the disk is
        full: ... until some space is freed", naming neither the folder nor how much."""
        left = "" if free is None else f", {_size(free)} free"
        return (f"{FULL} (the one holding {self._home}{left}): nothing more can be stored. Free at least "
                f"{_size(self.needed())} on that disk (`df -h {self._home}` shows it; room for what waits in its "
                "write-ahead log, solnet.db-wal, to be copied into the database file, and 1 MiB for new events), "
                "outside that folder: what "
                "is in it is the node's own, delete nothing there. Old system logs, for one, go with `sudo "
                "journalctl --vacuum-size=50M`. The node stores again by itself once there is room (it says so "
                "here); nothing stored is lost, and events from peers are fetched again")

    def needed(self) -> int:
        """The free space the node needs to store again: NEEDED_BYTES, and as much as its WAL file
        holds. A disk filled during a sync leaves what was stored in the write-ahead log, not yet in
        the database file; copying it there (the checkpoint, before the log can begin again) grows
        the file by up to that much. With 1 MiB freed, each checkpoint failed half-way, its part
        of the file took the MiB, and nothing was stored (tmpfs of 24 MiB, 12 MiB of log: four
        times "free 1 MiB", "room again", full again, with 0 events stored in between)."""
        try:
            return NEEDED_BYTES + os.stat(self._home / WAL_FILE).st_size
        except OSError:
            return NEEDED_BYTES

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
        needed = self.needed()
        freed = free_then is not None and free is not None and free >= needed and \
            (free_then < needed or free >= free_then + NEEDED_BYTES)
        if freed or time.monotonic() - at >= RETRY_S:
            self._problem = None
            if freed and self.running and problem == FULL:
                log.info("the disk holding %s has room again (%s free): storing again", self._home, _size(free))
            return None
        return problem

    def _free_bytes(self) -> int | None:
        try:
            return self._free(self._home)
        except OSError:
            return None


def _size(n: int) -> str:
    """Bytes in words an operator compares with `df -h`: KiB below a MiB, MiB with one decimal above."""
    return f"{n >> 10} KiB" if n < 1 << 20 else f"{n / (1 << 20):.1f} MiB"
