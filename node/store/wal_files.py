"""Leaving no `-wal` and `-shm` files behind a read-only reader of a home (a Store opened read-only,
`solnet status` with no node running).

A read-only connection to a WAL database makes those files (or finds them) and may not delete them
as it closes: after each read of a home no node runs on, or when the node stopped while it read
(the node, closing first, could not take them), two files stayed that its owner did not make, to
copy or wipe. A connection that may write, closing last, checkpoints and deletes them, as the
node's own does; beside an open one (a running node) it takes nothing."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from node.store.uri import database_uri


def leave_no_wal(path: Path, timeout_s: float) -> None:
    """After a read-only connection to the database at `path` closed: take the `-wal` and `-shm`
    files if there are some and no other connection uses them. Opened without creating (`mode=rw`);
    where it may not write (a home of another user, a read-only disk), the files stay as they were."""
    if not Path(f"{path}-wal").exists():
        return
    try:
        db = sqlite3.connect(database_uri(path, "mode=rw"), uri=True, isolation_level=None, timeout=timeout_s)
    except sqlite3.Error:
        return
    try:
        db.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # opens the WAL: its closing then takes it
    except sqlite3.Error:
        pass
    finally:
        db.close()
