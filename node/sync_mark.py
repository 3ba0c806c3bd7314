"""Whether a one-shot `solnet sync` runs on a home: it holds an flock on the home's sync.running
(with its pid written in it) from its start to its end, as `solnet run` holds node.lock. Without
it, `solnet status` beside a first sync of 100k events (minutes on a Pi) said "node: not running
(start it with `solnet run`)" and nothing of the sync storing events meanwhile. The kernel drops
the lock when the process ends, kill -9 included: a file left behind says nothing.

A `solnet import` holds a mark of its own the same way (import.running): it writes into the
database for as long as it runs (at its bundle passphrase prompt with the database open, then
through a large bundle for minutes on a Pi), so the panic wipe (node/wipe.py) finds it and stops it,
as it stops a sync; until 2026-12-06 an import waiting at its prompt during a wipe stored the
bundle's sealed parts and the nodes' addresses into the wiped database afterwards. So does a
`solnet export` (export.running): it unlocks the keys, then waits at its bundle passphrase prompt
and reads the whole log; one left at its prompt during a wipe kept the keys in its memory and,
once answered, wrote a bundle signed with them after the wipe."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

from node.home_lock import node_lock_holder

SYNC_FILE = "sync.running"
IMPORT_FILE = "import.running"
EXPORT_FILE = "export.running"


def hold(home: Path, mark: str = SYNC_FILE) -> int | None:
    """Hold the mark (SYNC_FILE, IMPORT_FILE, EXPORT_FILE) for as long as this process lives (the fd, never
    closed); None if it cannot be made (a full or read-only disk: the command goes on, unsaid) or
    another such command holds it."""
    try:
        fd = os.open(home / mark, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
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


def holder(home: Path, mark: str = SYNC_FILE) -> int | None:
    """The pid of the `solnet sync` (or with IMPORT_FILE, EXPORT_FILE: `solnet import`, `export`)
    running on this home (0 if it did not say), else None."""
    return node_lock_holder(home / mark)
