"""The store follows its size: the page cache and the checkpoint interval (Store.tune_to_size)."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from node.store import Store
from node.store.checkpointer import Checkpointer
from node.store.store import checkpoint_pages


def test_checkpoint_interval_is_an_eighth_of_the_file_within_bounds() -> None:
    assert checkpoint_pages(0) == 4000  # a new home: a 16 MiB WAL at most, as before
    assert checkpoint_pages(40_000) == 5000
    assert checkpoint_pages(72_000) == 9000
    assert checkpoint_pages(10_000_000) == 16000  # a 64 MiB WAL at most, however large the file


def test_an_open_store_checkpoints_at_its_interval_and_cuts_its_wal_back(tmp_path: Path) -> None:
    store = Store(tmp_path / "solnet.db")
    try:
        db = store._db  # the store's own connection: the pragmas are per connection
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == checkpoint_pages(pages)
        assert db.execute("PRAGMA journal_size_limit").fetchone()[0] == 16000 * 4096
        # One transaction larger than the largest planned WAL (as a 64 MiB bundle could be): once
        # it is checkpointed, the next write starts the WAL again and cuts the file back to the
        # limit, instead of keeping its largest size on the card.
        db.execute("CREATE TABLE filler(x BLOB)")
        db.execute("BEGIN")
        db.executemany("INSERT INTO filler VALUES (?)", ((b"\0" * 3000,) for _ in range(24_000)))
        db.execute("COMMIT")
        wal = Path(str(tmp_path / "solnet.db") + "-wal")
        assert wal.stat().st_size > 16000 * 4096
        assert db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[0] == 0
        db.execute("INSERT INTO filler VALUES (x'00')")
        assert wal.stat().st_size <= 16000 * 4096
    finally:
        store.close()
    with sqlite3.connect(tmp_path / "solnet.db") as check:
        assert check.execute("SELECT count(*) FROM filler").fetchone()[0] == 24_001


def test_opening_a_store_that_exists_writes_nothing(tmp_path: Path) -> None:
    """A node's first write at start is its own (node/chain_gate.py): on a full disk opening must
    still work, and on an SD card each open is a write saved. A new file reclaims freed pages."""
    path = tmp_path / "solnet.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental, set on the new file
    again = Store(path)
    try:
        assert again.count() == 0
        wal = path.with_name("solnet.db-wal")
        assert not wal.exists() or wal.stat().st_size == 0, "opening wrote to the write-ahead log"
    finally:
        again.close()


def _with_checkpointer(path: Path, pages: int) -> tuple[Store, Checkpointer]:
    """A store as a running node has it (its checkpoints on a thread), wanting one every `pages`
    pages of the log, with a table to fill."""
    store = Store(path)
    store.attach_checkpointer()
    checkpointer = store._checkpointer
    assert checkpointer is not None
    checkpointer.set_pages(pages)
    store._db.execute("CREATE TABLE filler(x BLOB)")
    return store, checkpointer


def _wait_for(condition, what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout_s:.0f} s: {what}")
        time.sleep(0.01)


def test_a_running_nodes_commits_leave_the_checkpoint_to_a_thread_of_its_own(tmp_path: Path) -> None:
    """A commit that crossed the checkpoint interval copied the WAL into the file and waited for two
    fsyncs, and the publish (a raid alert) that made it waited too. With a checkpointer attached (a
    running node does it) the writer's own checkpoint is only a backstop at twice the interval; the
    thread copies the log once it passes the interval, and the writer's next commit starts it again."""
    path = tmp_path / "solnet.db"
    store, checkpointer = _with_checkpointer(path, 400)  # far below the writer's backstop (8,000 pages)
    try:
        db = store._db
        assert db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 2 * 4000
        file_before = path.stat().st_size
        for _ in range(100):  # a page and more each: the log passes 400 pages
            with store.write():
                db.execute("INSERT INTO filler VALUES (?)", (b"\1" * 3000,))
        assert checkpointer.frames() < 2 * 4000, "the writer's backstop was not reached"
        _wait_for(lambda: checkpointer.checkpoints >= 1, "the checkpointer copied the log")
        _wait_for(lambda: path.stat().st_size > file_before + 50 * 3000, "the rows reached the database file")
    finally:
        store.close()
    assert not any(t.name == "checkpoint" for t in threading.enumerate()), "closing the store ends its thread"
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT count(*) FROM filler").fetchone()[0] == 100


# SQLite's lock bytes in the WAL index (os_unix.c: UNIX_SHM_BASE, 8 locks, then the "dead man
# switch" every connection holds shared while it is open)
_SHM_LOCKS = (120, 9)
_TRY_LOCK = ("import fcntl, os, sys\n"
             "fd = os.open(sys.argv[1], os.O_RDWR)\n"
             "try:\n"
             "    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, int(sys.argv[3]), int(sys.argv[2]))\n"
             "except OSError:\n"
             "    print('held')\n"
             "else:\n"
             "    print('free')\n")


def _shm_locks_held(path: Path) -> bool:
    """Whether a process holds SQLite's locks on the WAL index of the database at `path`, as another
    process (one opening the database) finds them: POSIX locks are not seen by their own process."""
    start, length = _SHM_LOCKS
    said = subprocess.run([sys.executable, "-c", _TRY_LOCK, f"{path}-shm", str(start), str(length)],
                          capture_output=True, text=True, timeout=60, check=True).stdout.strip()
    assert said in ("held", "free"), said
    return said == "held"


class _LocksAtClose:
    """A store's connection that, as the store closes it, asks another process whether this one
    still holds its locks on the WAL index."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self._db, self._path = db, path
        self.held: bool | None = None

    def close(self) -> None:
        self.held = _shm_locks_held(self._path)
        self._db.close()


def test_closing_a_running_nodes_store_keeps_its_locks_until_its_connection_closes(tmp_path: Path) -> None:
    """The checkpointer reads the log's length from the WAL index through a descriptor of its own.
    Closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's too:
    closed while the store's connection was open, another process opening the database (`solnet
    status` beside the node) found the index unused, and rebuilt it under the node as it closed."""
    path = tmp_path / "solnet.db"
    store, _ = _with_checkpointer(path, 400)
    with store.write():
        store._db.execute("INSERT INTO filler VALUES (1)")
    assert _shm_locks_held(path), "an open store holds its locks on the WAL index"
    connection = _LocksAtClose(store._db, path)
    store._db = connection  # type: ignore[assignment]
    store.close()
    assert connection.held, "the store's connection lost its locks on the WAL index before it closed"
    assert not any(t.name == "checkpoint" for t in threading.enumerate()), "closing the store ends its thread"
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT count(*) FROM filler").fetchone()[0] == 1


def test_a_checkpoint_held_back_by_a_reader_is_not_tried_again_at_every_commit(tmp_path: Path) -> None:
    """A command of another process reading an older state keeps the log from being copied whole;
    the thread then waits for the log to grow by an eighth of the interval, not for the next commit."""
    path = tmp_path / "solnet.db"
    store, checkpointer = _with_checkpointer(path, 400)
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        db = store._db
        with store.write():
            db.execute("INSERT INTO filler VALUES (x'00')")
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM filler").fetchone()[0] == 1  # holds this state
        for _ in range(100):
            with store.write():
                db.execute("INSERT INTO filler VALUES (?)", (b"\1" * 3000,))
        _wait_for(lambda: checkpointer.checkpoints >= 1 and not checkpointer._wanted.is_set(), "the checkpointer tried")
        tried = checkpointer.checkpoints
        assert checkpointer.frames() >= 400  # the reader kept it: nothing began again
        with store.write():  # the log is still past 400 pages, but it has not grown by 50 more
            db.execute("INSERT INTO filler VALUES (x'00')")
        assert checkpointer.checkpoints == tried and not checkpointer._wanted.is_set()
        reader.execute("COMMIT")
    finally:
        reader.close()
        store.close()


def test_the_thread_keeps_checkpointing_cycle_after_cycle(tmp_path: Path) -> None:
    """After a checkpoint that copied the whole log, the next is wanted at the interval again: the
    threshold once rose by an eighth of the interval at every checkpoint, passed the writer's
    backstop after eight, and the commits took the checkpoints back for the rest of the run."""
    store, checkpointer = _with_checkpointer(tmp_path / "solnet.db", 200)
    try:
        db = store._db
        for cycle in range(1, 13):
            while checkpointer.frames() < 200:
                with store.write():
                    db.execute("INSERT INTO filler VALUES (?)", (b"\1" * 3000,))
            _wait_for(lambda: checkpointer.checkpoints >= cycle and not checkpointer._wanted.is_set(),
                      f"checkpoint {cycle} by the thread")
            with store.write():  # the writer's next commit begins the log again
                db.execute("INSERT INTO filler VALUES (x'00')")
            assert checkpointer.frames() < 200, f"cycle {cycle}: the log began again"
    finally:
        store.close()


def test_past_the_writers_backstop_the_thread_leaves_the_checkpoint_to_the_writer(tmp_path: Path) -> None:
    """A reader of another process holding an older state keeps the log from being copied whole, and
    it grows past the writer's own automatic checkpoint. The thread then stands aside: run too at
    every commit (each with two fsyncs) it held the checkpoint lock against the writer's, the only
    checkpoint that reaches the log's end while commits keep coming, and the log grew to 200 MB
    beside a reader opening again and again. Once the reader lets go, the writer's next commit copies
    the log and the one after begins it again."""
    path = tmp_path / "solnet.db"
    store, checkpointer = _with_checkpointer(path, 100)
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        db = store._db
        db.execute("PRAGMA wal_autocheckpoint=300")
        checkpointer.set_pages(100, 300)
        with store.write():
            db.execute("INSERT INTO filler VALUES (x'00')")
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM filler").fetchone()[0] == 1  # holds this state
        while checkpointer.frames() < 300:
            with store.write():
                db.execute("INSERT INTO filler VALUES (?)", (b"\1" * 3000,))
        _wait_for(lambda: not checkpointer._wanted.is_set(), "the checkpointer finished what it was asked")
        tried = checkpointer.checkpoints
        for _ in range(50):  # past the backstop: not one more checkpoint from the thread
            with store.write():
                db.execute("INSERT INTO filler VALUES (?)", (b"\1" * 3000,))
            assert not checkpointer._wanted.is_set()
        assert checkpointer.checkpoints == tried
        reader.execute("COMMIT")
        for _ in range(2):  # the writer's own checkpoint copies it all, then the log begins again
            with store.write():
                db.execute("INSERT INTO filler VALUES (x'00')")
        assert checkpointer.frames() < 100
    finally:
        reader.close()
        store.close()


def test_a_small_home_keeps_a_small_page_cache(tmp_path: Path) -> None:
    """30 bytes of cache an event, from SQLite's own 2 MiB: a Pi's node at 100k events caught up with
    an 8 MiB floor it did not need (issue 15)."""
    store = Store(tmp_path / "solnet.db")
    try:
        assert store._db.execute("PRAGMA cache_size").fetchone()[0] == -2048
    finally:
        store.close()
