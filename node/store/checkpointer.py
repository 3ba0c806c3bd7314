"""A running node's WAL checkpoints, on a thread and a connection of their own.

SQLite checkpoints the write-ahead log in the connection that commits, once the log has grown past
`wal_autocheckpoint` pages: that one commit copies thousands of pages into the database file and
waits for two fsyncs, and whatever waited for it waits too. In a node that is the database thread,
and with it the publish that happened to cross the line: measured here (a need published through
the log and read back, 3,000 in a row, a loaded machine), the median commit took 44 us and one in a
hundred 4.2 ms or more, the longest 54 ms; the checkpoints made the mean 207 us. A raid alert
could be the publish that waited, and so could every event of an ingest batch.

So in a running node (Store.attach_checkpointer) the writer's commits leave the checkpoint to this
thread: after each commit the writer reads how long the log is (`frames`, 4 bytes of the WAL index,
no statement) and, past the node's interval, wakes the thread, which runs a PASSIVE checkpoint on
its own connection: it copies what no reader still needs, neither waiting for the writer nor making
it wait, while the writer goes on. The writer's own automatic checkpoint stays, at twice the
interval, for a thread that falls behind (a reader of another process holding old pages). Commands
without a running node keep SQLite's own checkpoints: they commit rarely and exit.

The length is read from the WAL index (the -shm file), whose header SQLite documents
(https://www.sqlite.org/walformat.html, "The WAL-Index Header": mxFrame, a 32-bit integer in the
machine's byte order at offset 16). Processes of different SQLite versions share that file, so its
layout holds from version to version. It is read with pread, never mapped: a file cut short reads
as empty, where a mapping would kill the process.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import struct
import threading
from pathlib import Path

log = logging.getLogger(f"solnet.{__name__}")

_MX_FRAME_AT = 16  # the WAL index header's mxFrame: the last valid frame of the log


class Checkpointer:
    def __init__(self, db_path: Path, pages: int) -> None:
        self.pages = pages  # the log's length (pages) at which a checkpoint is wanted
        self._next_at = pages  # ... or further, after a checkpoint that could not copy it all
        self.backstop = 2 * pages  # the writer's own automatic checkpoint (Store.tune_to_size): this thread's ceiling
        self.checkpoints = 0  # how many ran (for tests and benchmarks)
        self._path = Path(db_path)
        self._wanted = threading.Event()
        self._stopping = False
        self._said_failure = False
        self._db = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        try:
            self._shm = os.open(f"{self._path}-shm", os.O_RDONLY | os.O_CLOEXEC)
        except BaseException:
            self._db.close()
            raise
        self._thread = threading.Thread(target=self._work, name="checkpoint", daemon=True)
        self._thread.start()

    def set_pages(self, pages: int, backstop: int | None = None) -> None:
        """The log's length at which a checkpoint is wanted from now on (the file has grown), and
        the writer's own automatic checkpoint's (unchanged if None)."""
        self.pages = self._next_at = pages
        if backstop is not None:
            self.backstop = backstop

    def frames(self) -> int:
        """The log's length now, in pages (0 when it has been checkpointed and begun again)."""
        header = os.pread(self._shm, 4, _MX_FRAME_AT)
        return struct.unpack("=I", header)[0] if len(header) == 4 else 0

    def committed(self) -> None:
        """On the writer's thread, after a commit: wake the thread once the log is long enough, and
        not past the writer's backstop (see _work)."""
        if self._next_at <= self.frames() < self.backstop and not self._wanted.is_set():
            self._wanted.set()

    def _work(self) -> None:
        while True:
            self._wanted.wait()
            if self._stopping:
                return
            self._wanted.clear()  # before: a commit during the checkpoint may ask for the next one
            if self.frames() >= self.backstop:
                # Past the backstop the writer's own checkpoint copies the log, in its commit: only it
                # reaches the log's end while commits keep coming (this thread's copies what was
                # committed when it began, and the log begins again only once all of it is copied).
                # Run here too, a checkpoint at every commit held the checkpoint lock against it:
                # with a reader of another process opening again and again beside a busy writer,
                # 8,718 checkpoints in 24,000 commits and a 200 MB log (SQLite's own: 100 MB).
                continue
            try:
                [(_, length, copied)] = self._db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error as exc:  # a full disk, a failing card: the writer's own checkpoint remains
                if not self._said_failure:
                    self._said_failure = True
                    log.warning("could not copy the database's write-ahead log into its file (%s); the node "
                                "goes on and tries again after later writes", exc)
                continue
            self.checkpoints += 1
            self._said_failure = False
            # The log begins again at the writer's first commit after a checkpoint that copied it
            # all (commits made during it leave a short tail: copied at the next commit's wake). A
            # reader of an older state (another process) kept part of it: that is tried again once
            # the log has grown by an eighth of the interval more, not at every commit (each
            # checkpoint costs two fsyncs). Never above the writer's backstop (twice the interval).
            self._next_at = self.pages if copied >= length else min(length + self.pages // 8, self.backstop)

    def stop(self) -> None:
        """End the thread (a checkpoint under way finishes first) and close what it holds: only once
        no other connection of this process has the database open (Store.close closes its own
        first). Closing any descriptor of a file drops every POSIX lock the process holds on it,
        SQLite's on the WAL index included: another process opening the database would then find
        the index unused and rebuild it under a connection still reading it."""
        self._stopping = True
        self._wanted.set()
        self._thread.join()
        self._db.close()
        os.close(self._shm)
