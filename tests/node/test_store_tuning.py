"""The store follows its size: the page cache and the checkpoint interval (Store.tune_to_size)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from node.store import Store
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
