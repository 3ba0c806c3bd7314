"""The store's own errors: callers never see sqlite3's exceptions, and a full disk is told apart by
SQLite's result code (SQLITE_FULL), not by the words of its message."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from node import disk
from solnet_errors import EXIT_STORAGE, SolnetError

SQLITE_FULL = 13       # the disk (or the database's size limit) is full
SQLITE_IOERR_SHMSIZE = 4874  # the WAL's shared-memory index cannot grow: no room left for it
SQLITE_CORRUPT = 11
SQLITE_NOTADB = 26
# What a failing disk may look like to SQLite (a page it could not read looks malformed, too).
SQLITE_READONLY, SQLITE_IOERR, SQLITE_CANTOPEN = 8, 10, 14
_DISK_SUSPECT = frozenset({SQLITE_CORRUPT, SQLITE_NOTADB, SQLITE_READONLY, SQLITE_IOERR, SQLITE_CANTOPEN})


class StoreError(SolnetError):
    """The database cannot be used (damaged, locked for too long, an I/O error); the message says
    what to do. The transaction it happened in was rolled back whole."""

    reason, exit_code, http_status = "storage", EXIT_STORAGE, 503


class StorageFull(StoreError):
    """Nothing was stored: the disk is full. Free some space; nothing stored before is lost."""

    reason, http_status = "storage_full", 507


class DatabaseDamaged(StoreError):
    """The database file is damaged (not a database, or its pages do not add up)."""

    reason = "database_damaged"


class DiskFailing(DatabaseDamaged):
    """The disk under the home fails (I/O errors, turned read-only, unplugged): the database cannot
    be used, as if damaged, and waiting does not mend it; what to do is to move the home."""

    reason = "disk_failing"

    @classmethod
    def at(cls, folder: Path, why: str) -> DiskFailing:
        """The disk holding the home `folder` fails (`why`: in the file system's words)."""
        return cls(disk.failing_advice(folder, why) + ".")


# What works with the keys still in the home (the network's events are all on other nodes): a
# new invite brings the network's founding record and trust chains, which the home cannot check
# peers without, and the next sync the rest. config.json names the network, so `join` knows the
# home was in it and signs nothing over its own earlier events (node/membership.py).
# A founding group was never invited, but any group it admitted makes it one (a fresh copy of an
# invite for a member), and `join` rebuilds it the same way (tests/integration/test_restore_without_fork.py).
REBUILD_STEPS = ("ask any member group for a new invite for your group (a founding group too: any group it "
                 "admitted can make one; on their node: `solnet invite GROUP_ID --out FILE`; `solnet status` shows "
                 "your group id) and run `solnet join FILE` and `solnet sync PEER`: the events come back from the "
                 "network.")
REBUILD_ADVICE = ("Stop the node if it runs and move the file aside (keep it as evidence); the keys are not in it. "
                  "Then " + REBUILD_STEPS)


# A head is an index beside the events (each author's newest seq and id), neither signed nor hashed:
# counted again from the events by `solnet rebuild` (node/store/events.py `count_heads_again`).
HEADS_REBUILD_ADVICE = ("Stop the node if it runs and run `solnet rebuild`: it counts the index again from the "
                        "signed events. If it fails, the events are damaged too: move the file aside (keep it as "
                        "evidence; the keys are not in it), then " + REBUILD_STEPS)
EVENT_ID_BYTES = 32


def check_heads(rows: list[tuple[bytes, int, bytes]], path: object) -> list[tuple[bytes, int, bytes]]:
    """`rows` (author, seq, id) of the heads index, unless one cannot be a head: DatabaseDamaged. A
    head's row exists only for an author with a stored event, so its seq is at least 1 (a chain
    starts at 1) and its id an event id. The one check of what the index holds, for every reader:
    a seq read as -5 made the next publish fail with a misleading error, and held every event of
    that author aside forever, waiting for seq -4."""
    for _author, seq, event_id in rows:
        if not (isinstance(seq, int) and seq >= 1):
            held = f"seq {seq!r}, which no event has"
        elif not (isinstance(event_id, bytes) and len(event_id) == EVENT_ID_BYTES):
            held = (f"an event id of {len(event_id)} bytes (an id has {EVENT_ID_BYTES})" if isinstance(event_id, bytes)
                    else f"{type(event_id).__name__} where an event id goes")
        else:
            continue
        raise DatabaseDamaged(f"the database {path} is damaged: the index of each key's newest event holds {held} (a "
                              "byte changed on the disk, or a bad restore). Nothing was signed or stored from it. "
                              + HEADS_REBUILD_ADVICE)
    return rows


def translate(exc: sqlite3.Error, path: object) -> StoreError:
    """The project's error for an sqlite3 error met while using the database at `path`."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary == SQLITE_FULL or code == SQLITE_IOERR_SHMSIZE:
        return StorageFull("the disk is full: nothing was stored. Free some space and try again "
                           "(nothing stored before is lost)")
    if primary in _DISK_SUSPECT and (failing := disk_failing(path)) is not None:
        return failing
    if primary in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return DatabaseDamaged(f"the database {path} is damaged ({exc}). {REBUILD_ADVICE}")
    return StoreError(f"database error on {path}: {exc}. Nothing was stored by the failed step.")


def disk_failing(path: object) -> DiskFailing | None:
    """DiskFailing if the file system holding the database at `path` refuses to write or read
    (node/disk.py), else None: asked when SQLite failed in a way a failing disk may cause."""
    folder = Path(str(path)).parent
    why = disk.failure(folder)
    return None if why is None else DiskFailing.at(folder, why)
