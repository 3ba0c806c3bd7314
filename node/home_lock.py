"""Whether a node runs on a home: the node lock it holds (flock on the home's node.lock) for as long
as it runs; and whether one is starting: `solnet run` holds node.starting from its first moment
(the passphrase prompt, Argon2id, opening the database: seconds on a Pi) to its end, so that
`solnet status` meanwhile says "starting" rather than "not running (start it)". Apart from node/home.py,
so that what only asks (node/chain_gate.py) loads nothing else."""
from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

LOCK_FILE = "node.lock"
STARTING_FILE = "node.starting"
LOCK_WAIT_S = 1.0  # a `solnet status` probing a lock holds it for an instant: a starting node waits that out


def node_lock_holder(lock_path: Path) -> int | None:
    """The pid of the node that holds this node lock now (0 if it did not say), or None if no
    process holds it: a copy of a home, or a home whose node stopped, holds no lock."""
    try:
        fd = os.open(lock_path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return None
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        written = int(holder) if holder.isdigit() else 0
        # The pid in the file is written just after the lock is taken: in between it is an earlier
        # run's (before a reboot: another process's now, which a wipe would have killed). The
        # kernel's word, where it can be read, decides.
        held_by = exclusive_holders(os.fstat(fd))
        return written if not held_by or written in held_by else held_by[0]
    finally:
        os.close(fd)  # also drops the shared lock taken to look


def exclusive_holders(file: os.stat_result, locks: Path = Path("/proc/locks")) -> list[int]:
    """The pids holding an exclusive flock on `file` (by its device and inode), as /proc/locks
    lists them in this process's pid namespace; none if that cannot be read (then the pid the
    holder wrote is all there is)."""
    inode = f"{os.major(file.st_dev):02x}:{os.minor(file.st_dev):02x}:{file.st_ino}"
    try:
        lines = locks.read_text().splitlines()
    except OSError:
        return []
    held = []
    for line in lines:
        parts = line.split()
        # "1: FLOCK  ADVISORY  WRITE 1234 fe:00:5678 0 EOF"; a waiter's line has "->" after the number
        if len(parts) >= 6 and parts[1:4] == ["FLOCK", "ADVISORY", "WRITE"] and parts[5] == inode \
                and parts[4].isdigit() and int(parts[4]):  # (0: a holder outside this pid namespace)
            held.append(int(parts[4]))
    return held


def hold_exclusive(fd: int, wait_s: float = LOCK_WAIT_S) -> bool:
    """Take the exclusive flock of `fd`, waiting at most `wait_s` for whoever holds it now; False if
    it is still held then. Held for an instant, not by a node: a command probing it (`status`, a
    `publish` waiting for a node to serve: `node_lock_holder`), or a child process of a node just
    stopped, between its fork and its exec (it holds the node's files until exec closes them)."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
