"""The SQLite store: events, forks, pending events, and projection rows, in one WAL-mode file.

Several processes may open the same home (`solnet run` and `solnet publish` in another
terminal): writers serialise on SQLite's lock (BEGIN IMMEDIATE) and read chain heads and the
trust version inside their transaction, never from a cache that another process could have
made stale. synchronous=NORMAL in WAL mode keeps every committed transaction across a killed
process (kill -9) and keeps the file consistent across a power cut, which may lose only the
last moments; it saves an fsync per batch on SD cards. secure_delete and incremental
auto-vacuum make deleted bodies really go.
"""
from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgpack

from events.projections import PROFILE, Drop, Row

SCHEMA_VERSION = 1
BODY_PRESENT, BODY_MISSING, BODY_REDACTED, BODY_EXPIRED = 0, 1, 2, 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS events(
    n INTEGER PRIMARY KEY,
    id BLOB NOT NULL UNIQUE,
    author BLOB NOT NULL,
    seq INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    kind TEXT NOT NULL,
    expires INTEGER,
    header BLOB NOT NULL,
    sig BLOB NOT NULL,
    body BLOB,
    body_state INTEGER NOT NULL,
    UNIQUE(author, seq)
);
CREATE INDEX IF NOT EXISTS events_by_time ON events(ts, id);
-- The API lists a kind newest first by `n` (the rowid, implied in the index): one short walk.
CREATE INDEX IF NOT EXISTS events_by_kind ON events(kind);
-- Partial indexes: tiny, since only these rare kinds are in them; start-up reads the trust
-- events and the node announcements without scanning the whole log.
CREATE INDEX IF NOT EXISTS events_trust ON events(n) WHERE kind IN ('member.vouch', 'member.revoke');
CREATE INDEX IF NOT EXISTS events_announce ON events(n) WHERE kind = 'node.announce';
CREATE INDEX IF NOT EXISTS events_expiring ON events(expires) WHERE expires IS NOT NULL AND body IS NOT NULL;
CREATE TABLE IF NOT EXISTS forks(
    id BLOB PRIMARY KEY, author BLOB NOT NULL, seq INTEGER NOT NULL, other BLOB NOT NULL,
    wire BLOB NOT NULL, seen INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS frozen(author BLOB PRIMARY KEY, seq INTEGER NOT NULL, since INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pending(
    id BLOB PRIMARY KEY, author BLOB NOT NULL, seq INTEGER NOT NULL, wire BLOB NOT NULL,
    reason TEXT NOT NULL, received INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS pending_by_author ON pending(author, seq);
-- Read-model rows. Each is linked to the event that made it by `n` (append-only, so cheap to
-- index); only last-writer-wins rows (profiles, keyed by group) need a unique key: a unique
-- index over random event ids would cost every ingest another random B-tree insert.
CREATE TABLE IF NOT EXISTS proj(
    tbl TEXT NOT NULL, key BLOB NOT NULL, region TEXT, t INTEGER, ref BLOB,
    vts INTEGER NOT NULL, vid BLOB NOT NULL, data BLOB NOT NULL, n INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS proj_by_event ON proj(n);
CREATE UNIQUE INDEX IF NOT EXISTS proj_lww ON proj(tbl, key) WHERE tbl = 'profile';
CREATE INDEX IF NOT EXISTS proj_by_region ON proj(tbl, region, t);
-- The API and the dashboard show the newest rows of a table first, a bounded number of them.
CREATE INDEX IF NOT EXISTS proj_newest ON proj(tbl, vts, vid);
-- ... and the soonest actions (time windows without a region).
CREATE INDEX IF NOT EXISTS proj_by_time ON proj(tbl, t);
CREATE INDEX IF NOT EXISTS proj_by_ref ON proj(tbl, ref) WHERE ref IS NOT NULL;
CREATE TABLE IF NOT EXISTS peers(address TEXT PRIMARY KEY, source TEXT NOT NULL, state TEXT);
"""


class StoreError(Exception):
    """The database cannot be used (damaged, wrong network, disk full); the message says what to do."""


def _pack(data: dict[str, Any]) -> bytes:
    return msgpack.packb(data, use_bin_type=True)


def _unpack(blob: bytes) -> dict[str, Any]:
    return msgpack.unpackb(blob, raw=False)


def _create_private(path: Path) -> None:
    """Create the database file, readable by this user only, if it is not there yet: SQLite gives
    its -wal and -shm files the mode of the database file."""
    if str(path) == ":memory:":
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
    except OSError:  # there already (or not creatable: SQLite says why, next)
        pass


class Store:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            _create_private(self.path)
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30.0, check_same_thread=False)
            self.db.execute("PRAGMA auto_vacuum=INCREMENTAL")  # only takes effect on a new file
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA secure_delete=ON")
            # 16 MiB of page cache holds the random-key indexes of ~200k events; with the 2 MiB
            # default, ingest at 100k events slowed by a third. Fewer, larger checkpoints suit SD cards.
            self.db.execute("PRAGMA cache_size=-16384")
            self.db.execute("PRAGMA wal_autocheckpoint=4000")
            self.db.execute("PRAGMA foreign_keys=OFF")
            self.db.executescript(_SCHEMA)
            self._check_schema_version()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the database {self.path}: {exc}. "
                             "If the file is damaged, move it aside and sync again from peers.") from None

    def _check_schema_version(self) -> None:
        found = self.get_meta("schema_version")
        if found is None:
            self.db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        elif found not in (str(SCHEMA_VERSION), str(SCHEMA_VERSION).encode()):
            raise StoreError(f"{self.path} was written by a solnet with database schema {found!r}; this one uses "
                             f"{SCHEMA_VERSION}. Upgrade solnet, or export with the other version and import here.")

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE): everything in it commits together or not at all."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if self.db.in_transaction:  # SQLite rolls back by itself on SQLITE_FULL and some I/O errors
                self.db.execute("ROLLBACK")
            raise
        else:
            self.db.execute("COMMIT")

    # --- meta ---------------------------------------------------------------------------------
    def get_meta(self, key: str) -> bytes | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: bytes) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # --- events -------------------------------------------------------------------------------
    def head(self, author: bytes) -> tuple[int, bytes | None]:
        """(seq, id) of the author's latest stored event, (0, None) if none."""
        row = self.db.execute(
            "SELECT seq, id FROM events WHERE author=? ORDER BY seq DESC LIMIT 1", (author,)
        ).fetchone()
        return (row[0], row[1]) if row else (0, None)

    def id_at(self, author: bytes, seq: int) -> bytes | None:
        row = self.db.execute("SELECT id FROM events WHERE author=? AND seq=?", (author, seq)).fetchone()
        return row[0] if row else None

    def known(self, ids: list[bytes]) -> dict[bytes, int]:
        """The ids among `ids` that are stored, with their body state."""
        found: dict[bytes, int] = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            found.update(self.db.execute(f"SELECT id, body_state FROM events WHERE id IN ({marks})", chunk))
        return found

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM events").fetchone()[0]

    def wire(self, row: tuple[bytes, bytes, bytes | None]) -> bytes:
        header, sig, body = row
        return msgpack.packb([header, sig, body], use_bin_type=True)

    def iter_wire(self, *, since_ts: int = 0, batch: int = 1000) -> Iterator[bytes]:
        """Every stored event in wire form, in (author, seq) order so a reader can ingest them in order."""
        last = (b"", 0)
        while True:
            rows = self.db.execute(
                "SELECT author, seq, header, sig, body FROM events WHERE (author, seq) > (?, ?) AND ts >= ? "
                "ORDER BY author, seq LIMIT ?",
                (*last, since_ts, batch),
            ).fetchall()
            if not rows:
                return
            for author, seq, header, sig, body in rows:
                yield self.wire((header, sig, body))
            last = (rows[-1][0], rows[-1][1])

    # --- for sync -----------------------------------------------------------------------------
    def heads(self) -> list[tuple[bytes, int, bytes]]:
        """(author, seq, id) of every author's latest stored event."""
        return self.db.execute(
            "SELECT e.author, e.seq, e.id FROM events e JOIN "
            "(SELECT author, max(seq) AS top FROM events GROUP BY author) h ON e.author = h.author AND e.seq = h.top"
        ).fetchall()

    def range_wire(self, author: bytes, first: int, last: int, limit: int) -> list[tuple[int, bytes]]:
        """(seq, wire) of `author`'s events first..last, at most `limit`, in seq order."""
        rows = self.db.execute(
            "SELECT seq, header, sig, body FROM events WHERE author=? AND seq BETWEEN ? AND ? ORDER BY seq LIMIT ?",
            (author, first, last, limit),
        ).fetchall()
        return [(seq, self.wire((h, s, b))) for seq, h, s, b in rows]

    def wires_by_id(self, ids: list[bytes]) -> list[bytes]:
        out = []
        for i in range(0, len(ids), 500):
            chunk = ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            out += [self.wire(r) for r in self.db.execute(
                f"SELECT header, sig, body FROM events WHERE id IN ({marks})", chunk)]
        return out

    def last_n(self) -> int:
        return self.db.execute("SELECT coalesce(max(n), 0) FROM events").fetchone()[0]

    def data_version(self) -> int:
        """Changes whenever another connection (another process) commits to the database."""
        return self.db.execute("PRAGMA data_version").fetchone()[0]

    # --- peers --------------------------------------------------------------------------------
    def peer_rows(self) -> list[tuple[str, str, str | None]]:
        return self.db.execute("SELECT address, source, state FROM peers ORDER BY address").fetchall()

    def save_peer(self, address: str, source: str, state: str | None = None) -> None:
        self.db.execute(
            "INSERT INTO peers VALUES (?,?,?) ON CONFLICT(address) DO UPDATE SET "
            "source=CASE WHEN peers.source='config' THEN 'config' ELSE excluded.source END, "
            "state=coalesce(excluded.state, peers.state)",
            (address, source, state),
        )

    def save_peer_state(self, address: str, state: str) -> None:
        """Update a known peer's state (a peer removed meanwhile by `solnet peers rm` stays removed)."""
        self.db.execute("UPDATE peers SET state=? WHERE address=?", (state, address))

    def remove_peer(self, address: str) -> bool:
        return self.db.execute("DELETE FROM peers WHERE address=?", (address,)).rowcount > 0

    def event_row(self, event_id: bytes) -> tuple | None:
        return self.db.execute(
            "SELECT id, author, seq, ts, kind, expires, header, sig, body, body_state FROM events WHERE id=?",
            (event_id,),
        ).fetchone()

    def find_prefix(self, prefix: bytes) -> list[bytes]:
        upper = prefix + b"\xff" * (32 - len(prefix))
        return [r[0] for r in self.db.execute("SELECT id FROM events WHERE id BETWEEN ? AND ? LIMIT 2", (prefix, upper))]

    def events_page(self, *, kind: str | None = None, author: bytes | None = None, regions: tuple[str, list[str]] | None = None,
                    since_ts: int | None = None, before_n: int | None = None, limit: int = 50) -> list[tuple]:
        """Events newest stored first (by `n`), each row (n, id, author, seq, ts, kind, expires, header, sig,
        body, body_state). Paging by `before_n` is stable while events arrive: new ones get larger `n`.
        `regions` is (region, read-model tables): an event is in a region if its read-model row is."""
        where, args = [], []
        if kind:
            where.append("kind=?")
            args.append(kind)
        if author:
            where.append("author=?")
            args.append(author)
        if regions:
            region, tables = regions
            where.append(f"n IN (SELECT n FROM proj WHERE tbl IN ({','.join('?' * len(tables))}) AND region=?)")
            args.extend([*tables, region])
        if since_ts is not None:
            where.append("ts>=?")
            args.append(since_ts)
        if before_n is not None:
            where.append("n<?")
            args.append(before_n)
        sql = "SELECT n, id, author, seq, ts, kind, expires, header, sig, body, body_state FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        # One author's chain is stored in seq order, so seq order is n order: walk its (author, seq) index.
        sql += " ORDER BY seq DESC LIMIT ?" if author and not kind else " ORDER BY n DESC LIMIT ?"
        return self.db.execute(sql, (*args, limit)).fetchall()

    def list_events(self, *, kind: str | None = None, author: bytes | None = None, limit: int = 100,
                    before: tuple[int, bytes] | None = None) -> list[tuple]:
        where, args = [], []
        if kind:
            where.append("kind=?")
            args.append(kind)
        if author:
            where.append("author=?")
            args.append(author)
        if before:
            where.append("(ts, id) < (?, ?)")
            args.extend(before)
        sql = "SELECT id, author, seq, ts, kind, expires, header, sig, body, body_state FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY ts DESC, id DESC LIMIT ?"
        return self.db.execute(sql, (*args, limit)).fetchall()

    # --- projections --------------------------------------------------------------------------
    def apply_projection(self, changes: Iterable[Row | Drop], n: int | None = None) -> None:
        """Apply the read-model changes of the event stored as row `n` (Drops need no `n`)."""
        for change in changes:
            if isinstance(change, Drop):
                marks = ",".join("?" * len(change.keys))
                self.db.execute(f"DELETE FROM proj WHERE n IN (SELECT n FROM events WHERE id IN ({marks}))", change.keys)
                continue
            if change.last_writer_wins and change.table != PROFILE:
                raise ValueError(f"last-writer-wins rows need a unique index: add one for {change.table}")
            values = (change.table, change.key, change.region, change.time, change.ref,
                      change.version[0], change.version[1], _pack(change.data), n)
            if change.last_writer_wins:
                self.db.execute(
                    "INSERT INTO proj VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(tbl, key) WHERE tbl = 'profile' DO UPDATE "
                    "SET region=excluded.region, t=excluded.t, ref=excluded.ref, vts=excluded.vts, vid=excluded.vid, "
                    "data=excluded.data, n=excluded.n WHERE (excluded.vts, excluded.vid) > (proj.vts, proj.vid)",
                    values,
                )
            else:
                self.db.execute("INSERT INTO proj VALUES (?,?,?,?,?,?,?,?,?)", values)

    def rows(self, table: str, *, region: str | None = None, t_from: int | None = None,
             refs: list[bytes] | None = None, order: str | None = None, limit: int | None = None,
             t_before: int | None = None) -> list[Row]:
        """Rows of one read-model table; `order` is "t" (soonest first) or "newest" (by version), and
        `limit` bounds them in SQL (the API and dashboard never decode a whole table)."""
        sql = "SELECT key, region, t, ref, vts, vid, data FROM proj WHERE tbl=?"
        args: list[Any] = [table]
        if region is not None:
            sql += " AND region=?"
            args.append(region)
        if t_from is not None:
            sql += " AND (t IS NULL OR t>=?)"
            args.append(t_from)
        if t_before is not None:
            sql += " AND t<?"
            args.append(t_before)
        if refs is not None:
            if not refs:
                return []
            sql += f" AND ref IN ({','.join('?' * len(refs))})"
            args.extend(refs)
        if order is not None:
            sql += {"t": " ORDER BY t, key", "newest": " ORDER BY vts DESC, vid DESC"}[order]
        if limit is not None:
            sql += " LIMIT ?"
            args.append(limit)
        return [
            Row(table, key, _unpack(data), reg, t, ref, (vts, vid))
            for key, reg, t, ref, vts, vid, data in self.db.execute(sql, args)
        ]

    def regions(self, tables: Sequence[str]) -> list[str]:
        """The distinct regions of rows in `tables`, sorted. A loose index scan (one index probe per
        region and table): a few hundred microseconds whatever the number of rows."""
        found: set[str] = set()
        for table in tables:
            found.update(r[0] for r in self.db.execute(
                "WITH RECURSIVE r(region) AS ("
                " SELECT min(region) FROM proj WHERE tbl=?1 AND region IS NOT NULL"
                " UNION ALL SELECT (SELECT min(region) FROM proj WHERE tbl=?1 AND region > r.region)"
                " FROM r WHERE r.region IS NOT NULL"
                ") SELECT region FROM r WHERE region IS NOT NULL", (table,)))
        return sorted(found)

    def projection_dump(self) -> list[tuple]:
        """Every projection row, ordered: what the rebuild test compares."""
        return self.db.execute("SELECT tbl, key, region, t, ref, vts, vid, data FROM proj ORDER BY tbl, key").fetchall()

    def reclaim(self) -> None:
        """After bodies were dropped: give freed pages back to the file system and truncate the
        WAL, whose old page images would otherwise keep the dropped text on disk. (secure_delete
        has already zeroed the content in the database pages.) Outside any transaction."""
        # The pragma frees one page per step and Python's execute() steps it once;
        # executescript() runs it to the end (sqlite3_exec).
        self.db.executescript("PRAGMA incremental_vacuum;")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def integrity(self) -> str:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0]
