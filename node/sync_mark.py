"""Whether a one-shot `solnet sync`, `import` or `export`, or a command that signs with the unlocked
keys (`join`, `publish`, `vouch`, `revoke`, `accept`, `redact`: SIGN, its mark naming the command) runs on a home: each such process holds an
flock on a mark of its own in the home, `KIND.PID.running` (its pid in the name; an export writes
the bundle file it writes into it too), from its start to its end, as `solnet run` holds node.lock.
The kernel drops the lock when the process ends, kill -9 included: a file left behind says nothing.

Why: without it, `solnet status` beside a first sync of 100k events (minutes on a Pi) said "node:
not running" and nothing of the sync storing events meanwhile; and the panic wipe (node/wipe.py)
finds each of them by its mark and stops it. An import writes into the database for as long as it
runs (at its bundle passphrase prompt with the database open, then through a large bundle): one at
its prompt during a wipe stored the bundle's sealed parts and the nodes' addresses into the wiped
database afterwards. A sync and an export hold the unlocked keys: an export left at its prompt during
a wipe, once answered, wrote a bundle signed with them after the wipe. A `vouch` or `revoke` holds
them while it waits (bounded) for a node's first sync, and a `publish` through its unlocking (seconds
of Argon2id on a Pi): one that had its keys when the wipe began signed with them afterwards (and a
`publish --private` stored its private details in the database the wipe had just emptied of them).

One mark per process, never one shared: with one shared file, a second export of the same home did
not get its lock, went on without a mark, and outlived the wipe with the keys. A command that cannot
make its mark (a full or read-only disk) does not run (OSError from `hold`)."""
from __future__ import annotations

import atexit
import fcntl
import os
from pathlib import Path
from typing import NamedTuple

from node.home_lock import exclusive_holders
from node.shred import shred

SYNC = "sync"
IMPORT = "import"
EXPORT = "export"
SIGN = "sign"  # its mark says which command: join, publish, vouch, revoke, accept, redact
KINDS = (SYNC, IMPORT, EXPORT, SIGN)
SUFFIX = ".running"


class WipeUnderway(Exception):
    """A panic wipe of this home has begun: a command starting now must not run (the wipe may have
    looked for commands already, and would not stop this one)."""


class Holder(NamedTuple):  # (not a dataclass: `solnet status` reads these and loads no more than it needs)
    pid: int
    says: str | None  # what the process wrote in its mark (an export: the bundle file it writes)
    path: Path  # its mark


def hold(home: Path, kind: str = SYNC, says: str = "") -> int:
    """Hold this process's mark of `kind` for as long as it lives (the fd, never closed). OSError if
    it cannot be made: the command must not run unmarked (the wipe could not find it). WipeUnderway
    if a wipe of this home has begun: looked for once the mark is in place, and the wipe marks
    itself begun before it looks for commands, so one of the two always sees the other."""
    from node.home import WIPE_UNFINISHED  # (here: `solnet status` loads this module, and little else)

    pid = os.getpid()
    # Locked under a name no one looks for, then renamed into place: a mark found under its own name
    # is held from its first moment, so an unheld one is a leftover (_clear_left may remove it).
    making = home / f".{kind}.{pid}.new"
    fd = os.open(making, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            os.write(fd, f"{pid}\n{says}\n".encode())
        except OSError:  # a full disk: its name says its pid all the same
            pass
        os.rename(making, home / f"{kind}.{pid}{SUFFIX}")
    except OSError:
        os.close(fd)
        making.unlink(missing_ok=True)
        raise
    if (home / WIPE_UNFINISHED).exists():
        (home / f"{kind}.{pid}{SUFFIX}").unlink(missing_ok=True)
        os.close(fd)
        raise WipeUnderway(f"a panic wipe of {home} has begun")
    # Destroyed as the command ends: an export's names the bundle it wrote (a USB stick's path), which
    # the home kept until the next export or a wipe. (Not at a kill: the next command's clear_left.)
    atexit.register(_destroy_own, home / f"{kind}.{pid}{SUFFIX}", pid)
    clear_left(home, kind)
    return fd


def _destroy_own(mark: Path, pid: int) -> None:
    if os.getpid() != pid:  # (a child forked from the command, ending: the mark is its parent's)
        return
    try:
        shred(mark)
    except OSError:  # a failing disk: the next command's clear_left, or the wipe, tries again
        pass


def holders(home: Path, kind: str = SYNC) -> list[Holder]:
    """Every running process holding a mark of `kind` on this home (node.lock's way of finding its
    holder: the kernel's list of locks decides, where it can be read)."""
    found = []
    for path in sorted(home.glob(f"{kind}.*{SUFFIX}")):
        named = path.name[len(kind) + 1:-len(SUFFIX)]
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                continue  # not held: a leftover of a process that ended
            except BlockingIOError:
                pass
            lines = os.pread(fd, 4096, 0).decode("utf-8", "replace").split("\n")
            held_by = exclusive_holders(os.fstat(fd))
            pid = int(named) if named.isdigit() else 0
            if held_by and pid not in held_by:  # (the kernel's word decides)
                pid = held_by[0]
            if pid:
                found.append(Holder(pid, lines[1] if len(lines) > 1 and lines[1] else None, path))
        finally:
            os.close(fd)
    return found


def holder(home: Path, kind: str = SYNC) -> int | None:
    """The pid of a `solnet sync` (or with IMPORT, EXPORT: `solnet import`, `export`) running on
    this home, else None."""
    found = holders(home, kind)
    return found[0].pid if found else None


def clear_left(home: Path, kind: str) -> None:
    """Destroy the marks of `kind` no process holds (left by processes that ended; an export's names
    its bundle file), and the shared one of solnet before one mark per process."""
    for path in [*home.glob(f"{kind}.*{SUFFIX}"), home / f"{kind}{SUFFIX}"]:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held while removed: no one takes it meanwhile
            if os.fstat(fd).st_ino == path.stat().st_ino:  # (not a new mark renamed over it meanwhile)
                shred(path)  # (an export's names the bundle it wrote: destroyed, not only unlinked)
        except OSError:  # held: its process runs
            pass
        finally:
            os.close(fd)
