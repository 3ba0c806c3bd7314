"""A new database killed while it is being made (`solnet init` or `join` on a Pi, a power cut or a
kill -9) opens afterwards, at this schema, as if new: its tables, schema number and lapse mark are
made in one transaction. Made one statement at a time, a kill between them left tables without a
schema number, taken for a 0.1.0 database: every command and every start of the node then ended on
"sqlite3.OperationalError: duplicate column name: kind" (or "no such table: pending"). A file an
earlier solnet left so opens too."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

from node.store import SCHEMA_VERSION, Store
from node.store.schema import SCHEMA

ROOT = Path(__file__).resolve().parents[2]

# In a child: make a new Store at argv[1], exiting at once (as kill -9 would: no close, no
# rollback) when SQLite is handed its statement number argv[2]; print how many it was handed.
_CHILD = """
import os, sqlite3, sys
path, kill_at = sys.argv[1], int(sys.argv[2])
connect, handed = sqlite3.connect, [0]
def traced(*args, **kwargs):
    db = connect(*args, **kwargs)
    def count(sql):
        handed[0] += 1
        if handed[0] == kill_at:
            os._exit(9)
    db.set_trace_callback(count)
    return db
sqlite3.connect = traced
from node.store import Store
Store(path).close()
print(handed[0])
"""


def _make(path: Path, kill_at: int) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-c", _CHILD, str(path), str(kill_at)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def _opens_as_new(path: Path) -> None:
    store = Store(path)
    try:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.count() == 0
        with store.write():  # and takes writes
            store.set_meta("probe", b"1")
        assert store.get_meta("probe") == b"1"
    finally:
        store.close()


def test_a_new_database_killed_at_any_statement_of_its_making_opens(tmp_path: Path) -> None:
    whole = _make(tmp_path / "whole.db", 0)  # never killed: how many statements a making takes
    assert whole.returncode == 0, whole.stderr
    statements = int(whole.stdout.strip())
    # Kill points spread over the whole making (the old code's tables came a third of the way in).
    points = sorted({max(1, statements * i // 12) for i in range(1, 12)})
    for kill_at in points:
        path = tmp_path / f"killed-{kill_at}.db"
        done = _make(path, kill_at)
        assert done.returncode == 9, (kill_at, done.stderr)
        _opens_as_new(path)


def test_a_file_an_earlier_solnet_left_half_made_opens_as_new(tmp_path: Path) -> None:
    path = tmp_path / "solnet.db"
    with closing(sqlite3.connect(path, isolation_level=None)) as db:  # its tables, then the kill
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(SCHEMA)
    _opens_as_new(path)
