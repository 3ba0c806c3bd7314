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

SCHEMA_VERSION = 2  # PRAGMA user_version of a database this code writes; see MIGRATIONS
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
    reason TEXT NOT NULL, received INTEGER NOT NULL, kind TEXT
);
CREATE INDEX IF NOT EXISTS pending_by_author ON pending(author, seq);
CREATE INDEX IF NOT EXISTS pending_trust ON pending(author, seq) WHERE kind IN ('member.vouch', 'member.revoke');
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
-- Ids named by a signed redaction of their own author: their bodies are never stored, whenever
-- they arrive (so a redaction holds whatever order events come in).
CREATE TABLE IF NOT EXISTS redactions(id BLOB PRIMARY KEY, author BLOB NOT NULL) WITHOUT ROWID;
"""


def _migrate_1_to_2(db: sqlite3.Connection) -> None:
    """0.2: events kept aside say their kind (the trust graph reads the trust events among them);
    redactions are remembered by id. The kinds of rows already kept aside are read from their wire."""
    db.execute("ALTER TABLE pending ADD COLUMN kind TEXT")
    for event_id, wire in db.execute("SELECT id, wire FROM pending").fetchall():
        try:
            kind = msgpack.unpackb(msgpack.unpackb(wire)[0])[6]
        except (ValueError, TypeError, IndexError, msgpack.UnpackException):
            kind = None
        db.execute("UPDATE pending SET kind=? WHERE id=?", (kind if isinstance(kind, str) else None, event_id))


# MIGRATIONS[v] turns a database of schema v into v + 1, inside one transaction. 0.1.0 wrote
# schema 1 (with user_version 0 and meta schema_version '1').
MIGRATIONS = {1: _migrate_1_to_2}


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
        self.orphaned_profiles: set[bytes] = set()  # see _drop_rows
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
            self._migrate()
            self.db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the database {self.path}: {exc}. "
                             "If the file is damaged, move it aside and sync again from peers.") from None

    def _schema_version(self) -> int | None:
        """The schema of an existing database (None for a new, empty file)."""
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version:
            return version
        if not self.db.execute("SELECT 1 FROM sqlite_master WHERE name='events'").fetchone():
            return None
        return 1  # 0.1.0 kept its schema number in meta only

    def _migrate(self) -> None:
        """Bring an older database to SCHEMA_VERSION in place (each step one transaction, so a
        crash leaves it at a version it can resume from); refuse a newer one."""
        version = self._schema_version()
        if version is None:
            self.db.executescript(_SCHEMA)
            self._set_version(SCHEMA_VERSION)
            return
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer solnet (database schema {version}; this one knows "
                             f"up to {SCHEMA_VERSION}). Upgrade solnet (`pip install -U`) to use this home.")
        while version < SCHEMA_VERSION:
            with self.write():
                MIGRATIONS[version](self.db)
                version += 1
                self._set_version(version)

    def _set_version(self, version: int) -> None:
        self.db.execute(f"PRAGMA user_version={version}")
        # 0.1.0 reads this row and refuses a database of another schema instead of misreading it.
        self.db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(version),))

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

    def known_of(self, author: bytes, ids: Sequence[bytes]) -> set[bytes]:
        """The ids among `ids` of events `author` signed that are stored."""
        marks = ",".join("?" * len(ids))
        return {r[0] for r in self.db.execute(f"SELECT id FROM events WHERE id IN ({marks}) AND author=?", (*ids, author))}

    def count(self) -> int:
        return self.db.execute("SELECT count(*) FROM events").fetchone()[0]

    def insert_event(self, event_id: bytes, author: bytes, seq: int, ts: int, kind: str, expires: int | None,
                     header: bytes, sig: bytes, body: bytes | None, body_state: int) -> int:
        """Store one event; returns its row number `n` (the order this node stored events in)."""
        return self.db.execute(
            "INSERT INTO events(id, author, seq, ts, kind, expires, header, sig, body, body_state) "
            "VALUES (?,?,?,?,?,?,?,?,?,?)",
            (event_id, author, seq, ts, kind, expires, header, sig, body, body_state),
        ).lastrowid

    def take_out(self, author: bytes, from_seq: int) -> list[tuple[bytes, int, str, bytes]]:
        """Remove `author`'s events from `from_seq` on, with their read-model rows; returns each as
        (id, seq, kind, wire) so the caller can keep them aside."""
        rows = self.db.execute(
            "SELECT id, seq, kind, header, sig, body FROM events WHERE author=? AND seq>=? ORDER BY seq",
            (author, from_seq)).fetchall()
        if rows:
            self._drop_rows("author=? AND seq>=?", (author, from_seq))
            self.db.execute("DELETE FROM events WHERE author=? AND seq>=?", (author, from_seq))
        return [(event_id, seq, kind, self.wire((h, sg, b))) for event_id, seq, kind, h, sg, b in rows]

    def events_of(self, author: bytes, below_seq: int | None = None) -> list[tuple[int, bytes, bytes, bytes | None]]:
        """(n, header, sig, body) of `author`'s stored events (below `below_seq`), in seq order."""
        return self.db.execute(
            "SELECT n, header, sig, body FROM events WHERE author=? AND seq<? ORDER BY seq",
            (author, below_seq if below_seq is not None else 2**62)).fetchall()

    def author_and_n(self, event_id: bytes) -> tuple[bytes, int] | None:
        row = self.db.execute("SELECT author, n FROM events WHERE id=?", (event_id,)).fetchone()
        return (row[0], row[1]) if row else None

    def set_body(self, event_id: bytes, body: bytes | None, state: int) -> None:
        self.db.execute("UPDATE events SET body=?, body_state=? WHERE id=?", (body, state, event_id))

    # --- trust, forks, redactions --------------------------------------------------------------
    def trust_rows(self) -> list[tuple[bytes, bytes, int, str, bytes, int]]:
        """(id, author, seq, kind, body, ts) of every stored trust event, in stored order."""
        return self.db.execute(  # literal kinds: this query uses the partial index events_trust
            "SELECT id, author, seq, kind, body, ts FROM events WHERE kind IN ('member.vouch', 'member.revoke') "
            "AND body IS NOT NULL ORDER BY n").fetchall()

    def fork_points(self) -> dict[bytes, int]:
        """author -> the lowest seq at which it is known to have signed two different events."""
        return dict(self.db.execute("SELECT author, seq FROM frozen"))

    def record_fork(self, author: bytes, seq: int, evidence: Sequence[tuple[bytes, int, bytes, bytes]], now: int) -> None:
        """Keep the evidence (id, seq, other id, wire) of a fork and lower the author's fork point to `seq`."""
        for event_id, ev_seq, other, wire in evidence:
            self.db.execute("INSERT OR IGNORE INTO forks VALUES (?,?,?,?,?,?)", (event_id, author, ev_seq, other, wire, now))
        self.db.execute(
            "INSERT INTO frozen VALUES (?,?,?) ON CONFLICT(author) DO UPDATE SET seq=min(frozen.seq, excluded.seq)",
            (author, seq, now))

    def fork_evidence(self, author: bytes) -> list[bytes]:
        """The kept evidence of `author`'s fork (wire events), lowest seq first: what proves it to a peer."""
        return [r[0] for r in self.db.execute("SELECT wire FROM forks WHERE author=? ORDER BY seq, id", (author,))]

    def record_redactions(self, author: bytes, ids: Sequence[bytes]) -> int:
        """Remember that `author` redacted `ids`; mark those of them it signed and this node stores
        as redacted, dropping their bodies and read-model rows. Returns how many bodies were dropped."""
        self.db.executemany("INSERT OR IGNORE INTO redactions VALUES (?, ?)", [(i, author) for i in ids])
        marks = ",".join("?" * len(ids))
        own = f"id IN ({marks}) AND author=?"
        self._drop_rows(own + " AND body IS NOT NULL", (*ids, author))
        dropped = self.db.execute(f"SELECT count(*) FROM events WHERE {own} AND body IS NOT NULL", (*ids, author)).fetchone()[0]
        self.db.execute(f"UPDATE events SET body=NULL, body_state=? WHERE {own} AND body_state!=?",
                        (BODY_REDACTED, *ids, author, BODY_REDACTED))
        return dropped

    def is_redacted(self, event_id: bytes, author: bytes) -> bool:
        return self.db.execute("SELECT 1 FROM redactions WHERE id=? AND author=?", (event_id, author)).fetchone() is not None

    # --- events kept aside (pending) -----------------------------------------------------------
    def pending_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM pending").fetchone()[0]

    def hold(self, event_id: bytes, author: bytes, seq: int, wire: bytes, reason: str, now: int, kind: str) -> None:
        self.db.execute("INSERT INTO pending VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET reason=excluded.reason",
                        (event_id, author, seq, wire, reason, now, kind))

    def pending_trust(self) -> list[tuple[bytes, int, bytes]]:
        """(author, seq, wire) of the trust events kept aside."""
        return self.db.execute("SELECT author, seq, wire FROM pending WHERE kind IN ('member.vouch', 'member.revoke')"
                               ).fetchall()

    def known_seqs(self, author: bytes) -> tuple[int, list[int]]:
        """`author`'s newest stored seq and the seqs of its events kept aside."""
        head = self.db.execute("SELECT coalesce(max(seq), 0) FROM events WHERE author=?", (author,)).fetchone()[0]
        return head, [r[0] for r in self.db.execute("SELECT DISTINCT seq FROM pending WHERE author=?", (author,))]

    def pending_authors(self) -> list[tuple[bytes, int]]:
        """(author, lowest pending seq) for every author with events kept aside."""
        return self.db.execute("SELECT author, min(seq) FROM pending GROUP BY author").fetchall()

    def pending_of(self, author: bytes) -> list[tuple[bytes, int, bytes]]:
        """(id, seq, wire) of `author`'s events kept aside, in seq order."""
        return self.db.execute("SELECT id, seq, wire FROM pending WHERE author=? ORDER BY seq, id", (author,)).fetchall()

    def release_pending(self, event_id: bytes) -> None:
        self.db.execute("DELETE FROM pending WHERE id=?", (event_id,))

    def drop_pending_from(self, author: bytes, seq: int) -> None:
        self.db.execute("DELETE FROM pending WHERE author=? AND seq>=?", (author, seq))

    def mark_pending(self, author: bytes, from_seq: int, reason: str) -> None:
        self.db.execute("UPDATE pending SET reason=? WHERE author=? AND seq>=?", (reason, author, from_seq))

    # --- expiry ---------------------------------------------------------------------------------
    def expire_bodies(self, now: int) -> list[bytes]:
        """Drop the bodies (and read-model rows) of events expired at `now`; returns their ids."""
        ids = [r[0] for r in self.db.execute(
            "SELECT id FROM events WHERE expires IS NOT NULL AND body IS NOT NULL AND expires <= ?", (now,))]
        if ids:
            self._drop_rows("expires IS NOT NULL AND body IS NOT NULL AND expires <= ?", (now,))
            self.db.execute("UPDATE events SET body=NULL, body_state=? WHERE expires IS NOT NULL AND body IS NOT NULL "
                            "AND expires <= ?", (BODY_EXPIRED, now))
        return ids

    def forget_private_and_local(self, private_kinds: Sequence[str]) -> tuple[int, int]:
        """For the panic wipe, inside a write: drop every body that holds a sealed part (with its
        read-model rows), events kept aside, fork evidence, the peer list and runtime facts.
        Returns (bodies dropped, peers forgotten)."""
        marks = ",".join("?" * len(private_kinds))
        sealed = [event_id for event_id, body in self.db.execute(
            f"SELECT id, body FROM events WHERE kind IN ({marks}) AND body IS NOT NULL", tuple(private_kinds))
            if "sealed" in (_unpack(body) or {})]
        for i in range(0, len(sealed), 500):
            chunk = sealed[i:i + 500]
            where = f"id IN ({','.join('?' * len(chunk))})"
            self._drop_rows(where, chunk)
            self.db.execute(f"UPDATE events SET body=NULL, body_state=? WHERE {where}", (BODY_REDACTED, *chunk))
        self.db.execute("DELETE FROM pending")
        self.db.execute("DELETE FROM forks")
        peers = self.db.execute("DELETE FROM peers").rowcount
        self.db.execute("DELETE FROM meta WHERE key IN ('runtime', 'peer_label_key')")
        return len(sealed), peers

    def clear_projections(self) -> None:
        self.db.execute("DELETE FROM proj")

    def stored_with_body(self) -> list[tuple[int, bytes, bytes, bytes]]:
        """(n, header, sig, body) of every event that has its body, in stored order (for rebuild)."""
        return self.db.execute("SELECT n, header, sig, body FROM events WHERE body IS NOT NULL ORDER BY n").fetchall()

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
                self._drop_rows(f"id IN ({','.join('?' * len(change.keys))})", change.keys)
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

    def _drop_rows(self, where: str, args: Sequence[Any]) -> None:
        """Delete the read-model rows made by the events matching `where`. A group whose current
        profile goes is remembered in `orphaned_profiles`: its next newest profile must take its
        place (the caller restores it), as if the dropped one had never arrived."""
        made_by = f"SELECT n FROM events WHERE {where}"
        self.orphaned_profiles.update(
            r[0] for r in self.db.execute(f"SELECT key FROM proj WHERE tbl='profile' AND n IN ({made_by})", args))
        self.db.execute(f"DELETE FROM proj WHERE n IN ({made_by})", args)

    def profile_events(self) -> list[tuple[int, bytes, bytes, bytes]]:
        """(n, header, sig, body) of every stored group profile with its body."""
        return self.db.execute("SELECT n, header, sig, body FROM events WHERE kind='group.profile' AND body IS NOT NULL"
                               ).fetchall()

    def rows(self, table: str, *, region: str | None = None, t_from: int | None = None,
             refs: list[bytes] | None = None, order: str | None = None, limit: int | None = None,
             t_before: int | None = None) -> list[Row]:
        """Rows of one read-model table; `order` is "t" (soonest first), "latest" (the reverse) or
        "newest" (by version), and
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
            sql += {"t": " ORDER BY t, key", "latest": " ORDER BY t DESC, key DESC",
                    "newest": " ORDER BY vts DESC, vid DESC"}[order]
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
