"""Copies of a test template's homes, as if each had been made where it is copied to.

A home that syncs with no peer (a network's founder, before its node dials anyone) is held once
copied: it may have exported bundles since (node/chain_gate.py, `signs_in`). A fixture that copies a
session's template for each test means a fresh home, not a restored one: it forgets which database
file the template's keys signed in, and the copy's first signature records its own.
"""
from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path


def as_made_here(root: Path) -> None:
    """Every home's database under `root` (the folder of one home, or of several)."""
    for db_path in sorted(root.rglob("solnet.db")):
        with closing(sqlite3.connect(db_path)) as db, db:
            db.execute("DELETE FROM meta WHERE key='signs_in'")
