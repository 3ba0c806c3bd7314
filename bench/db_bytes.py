"""Where a home's database bytes go: each table and index, in bytes per stored event.

`python bench/db_bytes.py HOME_OR_DB_FILE [--vacuumed]` reads the file read-only (SQLite's `dbstat`
table: pages, the bytes its rows take, the bytes left unused in its pages) and prints one line per
table or index, largest first, then the whole file per event. `--vacuumed` also builds a packed copy
in a temporary directory (`VACUUM INTO`, the same page size) and says how much of the file is pages
left part-filled by the b-trees' splits while events arrived: what a VACUUM would give back, never
what the schema stores. Run it on a home `bench/scale.py --keep DIR` built (its node's home is the
directory holding `solnet.db`). Measured with it: docs/benchmarks.md, "Where the bytes go".
"""
from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from node.store.uri import database_uri  # noqa: E402

DB_NAME = "solnet.db"


@dataclass(frozen=True)
class Part:
    """One table or index of the file: pages, and the bytes of its pages, rows and unused space."""

    name: str
    pages: int
    size: int
    payload: int
    unused: int


@dataclass(frozen=True)
class Usage:
    """The file's page size, page count and events, and its parts, largest first."""

    page_size: int
    pages: int
    events: int
    parts: list[Part]


def usage(db_path: Path) -> Usage:
    """Where the bytes of the database at `db_path` go (read-only: safe while its node runs).
    What the WAL holds committed is counted (dbstat and page_count read through it); the -wal file's
    own bytes are not, and `file:` is the size after a checkpoint (`solnet` makes one on a clean stop)."""
    db = sqlite3.connect(database_uri(db_path, "mode=ro"), uri=True, timeout=5)
    try:
        try:
            rows = db.execute("SELECT name, count(*), sum(pgsize), sum(payload), sum(unused) FROM dbstat "
                              "GROUP BY name ORDER BY 3 DESC, 1").fetchall()
        except sqlite3.OperationalError as exc:
            raise SystemExit(f"this SQLite ({sqlite3.sqlite_version}) has no dbstat table ({exc}): "
                             "use a build with SQLITE_ENABLE_DBSTAT_VTAB (Debian's has it)") from None
        return Usage(db.execute("PRAGMA page_size").fetchone()[0], db.execute("PRAGMA page_count").fetchone()[0],
                     db.execute("SELECT count(*) FROM events").fetchone()[0], [Part(*row) for row in rows])
    finally:
        db.close()


def packed_size(db_path: Path) -> int:
    """The bytes of a packed copy of the database (VACUUM INTO a temporary file, then removed)."""
    db = sqlite3.connect(database_uri(db_path, "mode=ro"), uri=True, timeout=5)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / DB_NAME
            db.execute("VACUUM INTO ?", (str(copy),))
            return copy.stat().st_size
    finally:
        db.close()


def report(found: Usage, packed: int | None = None) -> list[str]:
    """The lines `main` prints: a part a line (at least a tenth of a byte an event), then the whole."""
    per = max(found.events, 1)
    lines = [f"{p.name:32} {p.size / per:7.1f} B/event  rows {p.payload / per:6.1f}  unused {p.unused / per:5.1f}"
             f"  ({p.pages} pages)" for p in found.parts if p.size / per >= 0.1]
    whole = found.pages * found.page_size
    lines.append(f"file: {whole / per:.1f} B/event ({found.events} events, {found.pages} pages of {found.page_size} B)")
    if packed is not None:
        lines.append(f"packed copy: {packed / per:.1f} B/event: {(whole - packed) / per:.1f} B/event are pages left "
                     "part-filled as events arrived")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", type=Path, help=f"a home directory (its {DB_NAME}) or a database file")
    parser.add_argument("--vacuumed", action="store_true", help="also measure a packed copy (needs its size free)")
    args = parser.parse_args()
    db_path = args.path / DB_NAME if args.path.is_dir() else args.path
    if not db_path.is_file():
        parser.error(f"no database at {db_path}: give a home directory holding {DB_NAME}, or the file")
    print("\n".join(report(usage(db_path), packed_size(db_path) if args.vacuumed else None)))


if __name__ == "__main__":
    main()
