"""A home's stored times moved back, for tests of `export --since`: the stored-time table (`arrived`)
keeps one row a minute of consecutive write transactions, and `filled` (when a stub got its body) is
read to the minute too, so a bundle since a moment carries what was stored or filled from the start of
that minute (a little more, never less). A test whose events must fall before its `--since` says they
were stored earlier than they were, else the minute in which the test ran decides what its bundle
holds (and a home made in that minute exports the whole log)."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

HOUR_MS = 3_600_000


def stored_earlier(home: Path, by_ms: int = HOUR_MS) -> None:
    """As if `home` had stored (and filled) all it holds `by_ms` earlier (no process may hold it open
    to write)."""
    with closing(sqlite3.connect(home / "solnet.db")) as db, db:
        db.execute("UPDATE arrived SET at = at - ?", (by_ms,))
        db.execute("UPDATE filled SET at = at - ?", (by_ms,))
