"""Whether a one-shot `solnet sync` runs on a home: it holds an flock on the home's sync.running
(with its pid written in it) from its start to its end, as `solnet run` holds node.lock. Without
it, `solnet status` beside a first sync of 100k events (minutes on a Pi) said "node: not running
(start it with `solnet run`)" and nothing of the sync storing events meanwhile. The kernel drops
the lock when the process ends, kill -9 included: a file left behind says nothing."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

from node.home_lock import node_lock_holder

SYNC_FILE = "sync.running"


def hold(home: Path) -> int | None:
    """Hold the mark for as long as this process lives (the fd, never closed); None if it cannot be
    made (a full or read-only disk: the sync goes on, unsaid) or another sync holds it."""
    try:
        fd = os.open(home / SYNC_FILE, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # another `solnet sync` on this home holds it: that one is said
        os.close(fd)
        return None
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError:  # a full disk: held, with no pid to tell
        pass
    return fd


def holder(home: Path) -> int | None:
    """The pid of the `solnet sync` running on this home (0 if it did not say), else None."""
    return node_lock_holder(home / SYNC_FILE)
