"""What `solnet status` reads when no node runs, in one read-only snapshot, loading sqlite3 only.

The trust part of the status (members, revoked keys, the network's name) takes the trust graph,
which takes libsodium, msgpack and the kinds to build (~70 ms of a start-up here, seconds on a Pi).
So the status keeps it as a summary in the meta table, under a key: a hash of everything the
graph is built from (the genesis, the trust version, the stored trust events with a body, the
trust events kept aside with what decides whether their chain is complete, the fork points).
Any change of those gives another key, so a summary is never read for a graph it was not
computed from, whichever write path changed it (node/status.py writes it when it computes the
graph; a panic wipe forgets it). The counts beside it run the Store's own statements
(status_sql.py); tests/cli/test_status_summary.py checks both give one status.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from node.saved_json import saved_facts
from node.store import status_sql
from node.store.errors import check_heads
from node.store.join_meta import JOIN_META, join_cut_short
from node.store.rows import OverShare
from node.store.uri import database_uri
from node.store.wal_files import leave_no_wal
from sync.frontier import past_fork_heads
from node.store.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from node.store.store import Store

SUMMARY_KEY = "status_summary"  # in meta
# Hashed into the key: a summary kept by an earlier version, with other fields or other counts (2:
# `devices` no longer counts the devices of revoked groups; 3: `public_feeds_by`), is never read for this one.
SUMMARY_FORMAT = 3
_TRUST = "kind IN ('member.vouch', 'member.revoke')"
_BUSY_S = 5.0  # how long a status read waits for a writer's lock
PROFILE_TBL = 0  # events.projections.TABLES.index(PROFILE), written out: the quick status loads no event layer


def trust_key(db: sqlite3.Connection) -> str:
    """The hash of every input of the trust graph (EventLog._load_trust) and of the current profiles,
    read in the caller's transaction."""
    from crypto.hashing import blake2b_256

    parts: list[Any] = [
        SUMMARY_FORMAT,
        db.execute("SELECT value FROM meta WHERE key IN ('genesis', 'trust_version') ORDER BY key").fetchall(),
        db.execute(f"SELECT n, id FROM events WHERE {_TRUST} AND body IS NOT NULL ORDER BY n").fetchall(),
        db.execute(f"SELECT rowid, id, author, seq FROM pending WHERE {_TRUST} ORDER BY rowid").fetchall(),
        # whether a trust event kept aside has its chain before it (its author's head and kept seqs)
        db.execute(f"SELECT author, seq FROM pending WHERE author IN (SELECT author FROM pending WHERE {_TRUST}) "
                   "ORDER BY author, seq").fetchall(),
        db.execute(f"SELECT keys.key, heads.seq FROM heads JOIN keys USING (k) WHERE keys.key IN "
                   f"(SELECT author FROM pending WHERE {_TRUST}) ORDER BY keys.key").fetchall(),
        db.execute("SELECT author, seq FROM frozen ORDER BY author").fetchall(),
        # the current profiles: which groups' names look like this group's (node/references.py)
        # (profiles are last-writer-wins rows: proj_lww holds each, whatever the schema)
        db.execute(f"SELECT n FROM proj WHERE tbl={PROFILE_TBL} AND lww IS NOT NULL ORDER BY n").fetchall(),
    ]
    return blake2b_256(repr(parts).encode(), person=b"solnet-status").hex()


def save_summary(store: Store, key: str, summary: dict[str, Any]) -> bool:
    """Keep `summary` under `key` if the graph's inputs still give `key` (checked in the write
    transaction, so a trust event stored meanwhile is never hidden). Never waits for the write lock
    and never fails the command: it is only a shortcut for the next one. True if written."""
    db = store._db
    busy_ms = db.execute("PRAGMA busy_timeout").fetchone()[0]
    try:
        db.execute("PRAGMA busy_timeout=0")
        db.execute("BEGIN IMMEDIATE")
        try:
            stored = db.execute("SELECT value FROM meta WHERE key=?", (SUMMARY_KEY,)).fetchone()
            current = trust_key(db)
            if current != key or (stored and (saved_facts(stored[0]) or {}).get("key") == key):
                db.execute("ROLLBACK")
                return False
            db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
                       (SUMMARY_KEY, json.dumps({"key": key, **summary}).encode()))
            db.execute("COMMIT")
            store._forget(("meta", SUMMARY_KEY))  # written past the store's own methods: not kept
            return True
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
    except (sqlite3.Error, ValueError):  # busy, read-only, full: the next status computes it again
        return False
    finally:
        db.execute(f"PRAGMA busy_timeout={int(busy_ms)}")


class StatusSnapshot:
    """The Store's answers that node.status.node_status asks for, read at once; and the trust
    summary if it is current (`summary`), and the key it was checked against (`key`)."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.path = path  # (node/chain_gate.py tells a restored copy by its database file)
        one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
        self.key = trust_key(db)
        # every meta key node.status reads: one left out reads as absent (node/own_unsent.py's record
        # of what a peer holds read as none: every status after the first said all this device
        # signed was held by no peer)
        self._meta = dict(db.execute("SELECT key, value FROM meta WHERE key IN (?, 'runtime', 'peer_blocks', "
                                     "'refused_as_revoked', 'own_chain', 'signs_in', 'own_held_by_peer', ?)",
                                     (SUMMARY_KEY, JOIN_META)))
        self._count = one(status_sql.EVENT_COUNT)
        self._authors = one(status_sql.AUTHOR_COUNT)
        self._pending = one(status_sql.PENDING_COUNT)
        self._kept_aside = one(status_sql.KEPT_ASIDE_COUNT)
        self._kept_aside_spans = {author: (first, last) for author, first, last in db.execute(status_sql.KEPT_ASIDE_SPANS)}
        self._forks = one(status_sql.FORK_COUNT)
        self._fork_points = dict(db.execute(status_sql.FORK_POINTS))
        self._heads = check_heads(db.execute(status_sql.HEADS).fetchall(), path) + past_fork_heads(
            db.execute(status_sql.KEPT_PAST_FORK_IDS))
        self._peers = db.execute(status_sql.PEER_ROWS).fetchall()
        self._over_share = [OverShare(*r) for r in db.execute(status_sql.OVER_SHARE)]
        raw = self._meta.get(SUMMARY_KEY)
        summary = saved_facts(raw)  # (damaged: computed again, and written again)
        self.summary: dict[str, Any] | None = (
            {k: v for k, v in summary.items() if k != "key"} if summary and summary.get("key") == self.key else None)
        if join_cut_short(self._meta.get(JOIN_META)):  # no summary: the log, opened, says what to do
            self.summary = None

    def get_meta(self, key: str) -> bytes | None:
        return self._meta[key] if key in self._meta else None

    def count(self) -> int:
        return self._count

    def author_count(self) -> int:
        return self._authors

    def pending_count(self) -> int:
        return self._pending

    def kept_aside_count(self) -> int:
        return self._kept_aside

    def kept_aside_spans(self) -> dict[bytes, tuple[int, int]]:
        return self._kept_aside_spans

    def fork_count(self) -> int:
        return self._forks

    def fork_points(self) -> dict[bytes, int]:
        return self._fork_points

    def heads(self) -> list[tuple[bytes, int, bytes]]:
        return self._heads

    def peer_rows(self) -> list[tuple[str, str, str | None]]:
        return self._peers

    def has_peers(self) -> bool:
        return bool(self._peers)

    def over_share(self) -> list[OverShare]:
        return self._over_share


def snapshot(path: Path) -> StatusSnapshot | None:
    """The status facts of the database at `path`, read-only in one transaction; None if it cannot
    be read that way (not there, another schema: the caller opens it as a Store, which says why)."""
    if (untouched := _file_state(path)) is not None:
        read = _snapshot(path, immutable=True)
        if _file_state(path) == untouched:
            return read
    return _snapshot(path, immutable=False)


def _file_state(path: Path) -> tuple[int, int, int, int] | None:
    """The database file's identity, size and times when no connection has it open in WAL mode (no
    `-wal` file beside it: SQLite deletes it as the last one closes), else None."""
    if Path(f"{path}-wal").exists():
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _snapshot(path: Path, *, immutable: bool) -> StatusSnapshot | None:
    # A read-only connection to a WAL database makes its `-wal` and `-shm` files (32 KiB) and leaves
    # them as it closes (it may not checkpoint): on a home no node runs on, each `solnet status` left
    # two files its owner did not expect to copy or wipe. With no `-wal` file, no connection is open
    # (or none in WAL mode), so the file is read as immutable: no lock, no file made. A node that
    # opens the home meanwhile makes a `-wal` and may write: `snapshot` then reads again, as a plain
    # read-only connection beside it (measured with SQLite 3.40), which closes as a read-only Store
    # does: the files a node that stopped (or was killed) left are taken, beside a running one kept.
    mode = "ro&immutable=1" if immutable else "ro"
    try:
        db = sqlite3.connect(database_uri(path, f"mode={mode}"), uri=True, isolation_level=None, timeout=_BUSY_S)
    except sqlite3.Error:
        return None
    try:
        if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            return None
        db.execute("PRAGMA temp_store=MEMORY")  # as a Store's (node/store/store.py TEMP_IN_MEMORY)
        db.execute("BEGIN")
        return StatusSnapshot(db, path)
    except (sqlite3.Error, ValueError):
        return None
    finally:
        db.close()
        if not immutable:
            leave_no_wal(path, _BUSY_S)
