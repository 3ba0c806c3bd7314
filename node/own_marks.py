"""The newest seq each of this home's keys has signed, kept in a small file beside the database.

Why. SQLite keeps its newest transactions in the write-ahead log (solnet.db-wal) until a
checkpoint copies them into the database. After a kill -9 or a power cut, one changed bit in that
file (a failing SD card), or the file deleted, makes SQLite drop that transaction and every later
one, silently: the database is consistent, only older. Among what is dropped may be events this
device signed and already sent to peers; and the record of its rounds with peers
(node/chain_gate.py) lives in the same database and rolls back with them. Signing on from the
older head then makes a second event at a seq the network holds: a fork, which freezes the key on
every node. A file outside SQLite does not roll back with it: the marks are written and fsynced
before the transaction that stores a newly signed event commits (Store.before_commit: once per
transaction, so a group commit of many publishes writes them once), so no event of ours can leave
this node with a seq the marks do not cover. chain_gate.check compares them with what the
database holds before anything is signed.

The file: `solnet.db-signed` (beside the database), two copies of JSON {author (hex): seq}, each with its generation and a
checksum, written in turn (`_write`): a power cut leaves the old marks or the new ones, never half.
One that cannot be read counts as no marks (as a home made by an earlier version): it never refuses.
It names this home's keys, so a wipe destroys it with them (node/wipe.py).
"""
from __future__ import annotations

import errno
import json
import os
import struct
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from node.store import Store

SUFFIX = "-signed"  # beside the database it speaks for: solnet.db-signed


def path_for(db_path: Path) -> Path:
    """The marks file of the database at `db_path`."""
    return db_path.with_name(db_path.name + SUFFIX)


def path_of(store: Store) -> Path | None:
    """The marks file of `store`'s database (None in memory: nothing there outlives the process)."""
    return None if str(store.path) == ":memory:" else path_for(Path(store.path))


SLOT = 16384  # bytes of one copy of the marks (some 250 keys): two copies, written in turn
_HEAD = struct.Struct(">QII")  # generation, length, crc32 of the JSON that follows


def read(path: Path) -> dict[bytes, int]:
    """The marks in the file at `path` ({} if none, or unreadable)."""
    return _newest(path)[1]


def _newest(path: Path) -> tuple[int, dict[bytes, int]]:
    """(generation, marks) of the newest whole copy in the file ((0, {}) if none)."""
    try:
        data = path.read_bytes()
    except OSError:
        return 0, {}
    best: tuple[int, dict[bytes, int]] = (0, {})
    for at in (0, SLOT):
        if len(data) < at + _HEAD.size:
            continue
        generation, length, crc = _HEAD.unpack_from(data, at)
        body = data[at + _HEAD.size: at + _HEAD.size + length]
        if generation <= best[0] or len(body) != length or zlib.crc32(body) != crc:
            continue  # (a copy cut by a power cut while it was written: the other one holds)
        try:
            marks = {bytes.fromhex(k): v for k, v in json.loads(body).items()
                     if isinstance(v, int) and not isinstance(v, bool)}
        except (ValueError, AttributeError):
            continue
        best = (generation, marks)
    return best


def _write(path: Path, marks: dict[bytes, int]) -> None:
    """Write `marks` over the older of the two copies and fsync: one small write, one fsync (a
    temporary file renamed into place cost two, ten milliseconds a publish here); a power cut
    in the middle spoils that copy alone, and the other one still says the marks before."""
    generation, _ = _newest(path)
    body = json.dumps({k.hex(): v for k, v in sorted(marks.items())}).encode()
    if _HEAD.size + len(body) > SLOT:  # (a home signs with a few keys: never seen, but never a publish refused)
        body = json.dumps({k.hex(): v for k, v in sorted(marks.items())[-(SLOT // 128):]}).encode()
    new = not path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        os.pwrite(fd, _HEAD.pack(generation + 1, len(body), zlib.crc32(body)) + body,
                  SLOT * ((generation + 1) % 2))
        os.fdatasync(fd)
    finally:
        os.close(fd)
    if new:  # (the file's name itself survives a power cut)
        folder = os.open(path.parent, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)


class _Pending:
    """The marks a write transaction sets, written just before it commits (put back if the commit fails)."""

    def __init__(self, path: Path, seqs: dict[bytes, int]) -> None:
        self.path, self.seqs = path, seqs
        self.before: dict[bytes, int] | None = None

    def __call__(self, committing: bool) -> None:
        if committing:
            self.before = read(self.path)
            try:
                _write(self.path, {**self.before, **self.seqs})
            except OSError as exc:  # (the transaction is rolled back: nothing signed leaves this node)
                from node.store.errors import StorageFull, StoreError, disk_failing  # (chain_gate loads no store)
                if exc.errno == errno.ENOSPC:
                    raise StorageFull("the disk is full: nothing was stored. Free some space and try again "
                                      "(nothing stored before is lost)") from None
                raise disk_failing(self.path) or StoreError(
                    f"cannot write {self.path} ({exc.strerror}): nothing was stored. Check that the home's folder "
                    "is yours and can be written, then try again.") from None
        elif self.before is not None:
            try:
                _write(self.path, self.before)
            except OSError:  # (then the marks say more than was committed: `check` refuses, --offline opens)
                pass


_KEY = "own_marks"


def signed(store: Store, author: bytes, seq: int) -> None:
    """Inside the write transaction that stores `author`'s event at `seq`, just signed here: the
    marks say so before it commits. The seq signed is kept even below the mark (--offline: the
    person said this home holds the newest events of its keys)."""
    path = path_of(store)
    if path is None:
        return
    current = store.commit_hook(_KEY)  # (a new object each time: a part rolled back drops its own)
    seqs = dict(current.seqs) if isinstance(current, _Pending) else {}
    seqs[author] = seq
    store.before_commit(_KEY, _Pending(path, seqs))


def lost(store: Store) -> list[tuple[bytes, int, int]]:
    """(author, the seq signed, the newest seq the database holds) for each of this home's keys whose
    marks say it signed events the database no longer holds (empty: none lost)."""
    path = path_of(store)
    out = []
    for author, mark in (read(path) if path is not None else {}).items():
        if mark > store.head(author)[0]:
            held = store.highest_seq_held(author)  # (kept aside, or past a fork, count: asked in this rare case only)
            if mark > held:
                out.append((author, mark, held))
    return out
