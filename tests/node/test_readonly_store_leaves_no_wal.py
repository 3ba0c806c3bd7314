"""A read-only Store (the demo's reader of a node's ids, tests' readers) leaves no `-wal`/`-shm`
files behind it: on a home no node runs on, nor when the node stops while it reads."""
from __future__ import annotations

from contextlib import closing
from pathlib import Path

from node.store import Store


def strays(db: Path) -> list[str]:
    return [p.name for p in (Path(f"{db}-wal"), Path(f"{db}-shm")) if p.exists()]


def test_a_read_only_store_on_a_home_no_node_runs_on_leaves_no_files(tmp_path):
    db = tmp_path / "solnet.db"
    with closing(Store(db)):
        pass
    assert strays(db) == []  # the writer, closing last, took them
    with closing(Store(db, readonly=True)) as store:
        assert store.count() == 0
    assert strays(db) == []


def test_a_read_only_store_that_closes_after_the_node_leaves_no_files(tmp_path):
    """The node stops while the reader reads: the node's close cannot take the files (another
    connection has the database open), so the reader, closing last, must."""
    db = tmp_path / "solnet.db"
    node = Store(db)
    reader = Store(db, readonly=True)
    try:
        assert reader.count() == 0
    finally:
        node.close()
    assert strays(db) != []  # (what the reader is left with)
    reader.close()
    assert strays(db) == []


def test_a_read_only_store_beside_a_running_node_leaves_its_files_to_it(tmp_path):
    """Beside an open writer, the reader's closing takes nothing the writer still uses."""
    db = tmp_path / "solnet.db"
    with closing(Store(db)) as node:
        node.set_meta("note", b"kept")
        with closing(Store(db, readonly=True)) as reader:
            assert reader.get_meta("note") == b"kept"
        assert Path(f"{db}-wal").exists() and Path(f"{db}-shm").exists()
        node.set_meta("note", b"kept again")  # the writer goes on writing
        assert node.get_meta("note") == b"kept again"
    assert strays(db) == []


def test_a_read_only_store_refusing_a_home_of_another_schema_leaves_no_files(tmp_path):
    """Refused at opening (a home of an older or a newer solnet), the reader's connection made the
    files all the same: they stayed, as no `close` followed the refusal."""
    import sqlite3

    import pytest

    from node.store import StoreError

    db = tmp_path / "solnet.db"
    with closing(Store(db)):
        pass
    for version in (-1, 1):
        with closing(sqlite3.connect(db)) as raw:
            now = raw.execute("PRAGMA user_version").fetchone()[0]
            raw.execute(f"PRAGMA user_version={now + version}")
            raw.commit()
        assert strays(db) == []
        with pytest.raises(StoreError, match="schema"):
            Store(db, readonly=True)
        assert strays(db) == [], version
        with closing(sqlite3.connect(db)) as raw:  # back to this solnet's, for the next
            raw.execute(f"PRAGMA user_version={now}")
            raw.commit()


def test_status_read_of_a_home_a_stopped_node_left_its_files_on_leaves_none(tmp_path):
    """`solnet status` with no node running, on a home whose node ended without closing (killed, a
    power cut): the `-wal` it left makes the status read beside it (node/store/status_read.py),
    as a read-only connection, which took nothing as it closed. It closes as the reader above does."""
    import subprocess
    import sys

    from node.store.status_read import snapshot

    db = tmp_path / "solnet.db"
    killed = ("import os, sys; from node.store import Store; s = Store(sys.argv[1]); "
              "s.set_meta('note', b'kept'); os._exit(0)")
    subprocess.run([sys.executable, "-c", killed, str(db)], check=True, timeout=60)
    assert Path(f"{db}-wal").exists()  # (what the killed node left)
    read = snapshot(db)
    assert read is not None and read.count() == 0
    assert strays(db) == []
    with closing(Store(db, readonly=True)) as store:  # nothing it wrote is lost
        assert store.get_meta("note") == b"kept"
