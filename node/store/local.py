"""What a node keeps about itself: meta facts, the peer list, and the panic wipe's and the
housekeeping's statements."""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path

import msgpack

from node.store import status_sql
from node.store.base import BUSY_TIMEOUT_MS
from node.store.errors import StoreError
from node.store.projections import ProjectionTables
from node.store.rows import PeerRow
from node.store.schema import BODY_MISSING, BODY_REDACTED, by_ids


# What the panic wipe empties besides the peers: events kept aside, fork proofs, a forked device's
# events and a device's forgeries (whole events, sealed parts among them); and the runtime facts, the status summary among
# them, which may say what the events kept aside said (a kept-aside revocation's reason); and which
# peer refused this device as revoked (node/revoked_here.py), like the peer list; and which alerts
# went to the --on-alert command (node/alert_hook.py).
# `arrived` (when this home stored events, for `export --since`) says when it was online and when a
# courier came: a runtime fact, as `filled` (when a stub got its body) is. Without them `--since`
# writes whole bundles (never less than asked).
WIPED_TABLES = ("pending", "forks", "forked", "forged", "arrived", "filled")
WIPED_META = ("DELETE FROM meta WHERE key IN ('runtime', 'peer_label_key', 'peer_blocks', 'status_summary', "
              "'refused_as_revoked', 'alert_hook_passed')")
# The record of this home's rounds with peers (node/chain_gate.py) stays, since a home that synced
# before must still wait for a round before it signs (a keystore restored onto it would fork
# otherwise); only the devices it names as peers that answered go.
CHAIN_META = "own_chain"


class LocalTables(ProjectionTables):
    # --- meta -------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> bytes | None:
        return self._kept_or_read(("meta", key), lambda: self._one("SELECT value FROM meta WHERE key=?", (key,)))

    def set_meta(self, key: str, value: bytes) -> None:
        self._x("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))
        self._keep(("meta", key), bytes(value) if isinstance(value, (bytearray, memoryview)) else value)

    # --- peers ------------------------------------------------------------------------------------
    def peer_rows(self) -> list[PeerRow]:
        return [PeerRow(*r) for r in self._x(status_sql.PEER_ROWS)]

    def has_peers(self) -> bool:
        return self._kept_or_read("has_peers", lambda: self._one("SELECT 1 FROM peers LIMIT 1") is not None)

    def save_peer(self, address: str, source: str, state: str | None = None) -> None:
        self._x("INSERT INTO peers VALUES (?,?,?) ON CONFLICT(address) DO UPDATE SET "
                "source=CASE WHEN peers.source='config' THEN 'config' ELSE excluded.source END, "
                "state=coalesce(excluded.state, peers.state)", (address, source, state))
        self._keep("has_peers", True)

    def save_peer_state(self, address: str, state: str) -> None:
        """Update a known peer's state (a peer removed meanwhile by `solnet peers rm` stays removed)."""
        self._x("UPDATE peers SET state=? WHERE address=?", (state, address))

    def remove_peer(self, address: str) -> bool:
        self._forget("has_peers")
        return self._x("DELETE FROM peers WHERE address=?", (address,)).rowcount > 0

    # --- panic wipe -------------------------------------------------------------------------------
    def forget_private_and_local(self, private_kinds: Sequence[str], sealed_kinds: Sequence[str] = (),
                                 located_kinds: Sequence[str] = ()) -> tuple[int, int]:
        """For the panic wipe, inside a write: drop every body that holds a sealed part (with its
        read-model rows), every body of `sealed_kinds` (wholly encrypted), every body of
        `located_kinds` (where other nodes are: node.announce), events kept aside, fork evidence,
        the peer list, the peers named in the record of rounds, and runtime facts. Returns (bodies
        dropped, peers forgotten): the located bodies count in neither.

        Every event keeps its signed header, so its chain and the frontier stay whole: a peer
        asking for those events is sent them without their bodies (stubs), as for any body this
        node lacks. A located body is stored as missing, not redacted (its author did not redact
        it): a keystore restored onto this home asks peers for it again, as for any missing body."""
        sealed = [event_id for event_id, body in self.bodies_of_kinds(private_kinds) if _holds_sealed(body)]
        sealed += [event_id for event_id, _ in self.bodies_of_kinds(sealed_kinds)] if sealed_kinds else []
        located = [event_id for event_id, _ in self.bodies_of_kinds(located_kinds)] if located_kinds else []
        for ids, state in ((sealed, BODY_REDACTED), (located, BODY_MISSING)):
            for i in range(0, len(ids), 500):
                chunk = ids[i:i + 500]
                where, args = by_ids(chunk)
                self._drop_rows(f"SELECT n FROM events WHERE {where}", args)
                self._x(f"UPDATE events SET body=NULL, body_state=? WHERE {where}", (state, *args))
        for table in WIPED_TABLES:
            self._x(f"DELETE FROM {table}")
        peers = self._x("DELETE FROM peers").rowcount
        self._x(WIPED_META)
        chain = self._one("SELECT value FROM meta WHERE key=?", (CHAIN_META,))
        if chain is not None:
            self._x("UPDATE meta SET value=? WHERE key=?", (without_peers(chain), CHAIN_META))
        self._facts.clear()
        return len(sealed), peers

    # --- housekeeping -----------------------------------------------------------------------------
    def reclaim(self) -> bool:
        """After bodies were dropped: give freed pages back to the file system and truncate the
        WAL, whose old page images would otherwise keep the dropped text on disk. (secure_delete
        has already zeroed the content in the database pages.) Outside any transaction. False if
        the WAL could not be emptied: another connection reads an older state of the database.
        That is not waited for: a TRUNCATE checkpoint waits (the busy timeout, 30 s) for every
        reader to finish, and a running node's writes, alerts included, waited with it while any
        other program read the database. The caller tries again later."""
        # The pragma frees one page per step and Python's execute() steps it once;
        # executescript() runs it to the end (sqlite3_exec).
        self._script("PRAGMA incremental_vacuum;")
        self._x("PRAGMA busy_timeout=0")
        try:
            busy, _, _ = self._x("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            self._x(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return not busy

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database file and empty it (e.g. before copying the file)."""
        self._x("PRAGMA wal_checkpoint(TRUNCATE)")

    def integrity(self) -> str:
        """"ok", or what is wrong: SQLite's own check, then the two parts of the id index against the
        events (SQLite checks an index it keeps itself, not these tables: schema.IDS_SCHEMA)."""
        checked = self._one("PRAGMA integrity_check")
        if checked != "ok":
            return checked
        missing = self._one("SELECT count(*) FROM events e WHERE NOT EXISTS (SELECT 1 FROM ids WHERE p=substr(e.id, 1, 8) "
                            "AND n=e.n) AND NOT EXISTS (SELECT 1 FROM ids_new WHERE p=substr(e.id, 1, 8) AND n=e.n)")
        extra = (self._one("SELECT count(*) FROM ids") + self._one("SELECT count(*) FROM ids_new")
                 - self._one("SELECT count(*) FROM events") + missing)
        if missing or extra:
            return f"the index of ids misses {missing} stored events and holds {extra} ids of none"
        return "ok"

    def write_check(self) -> None:
        """Write a page and take its change back: StorageFull (or StoreError) now if this database
        cannot be written, for a command about to wait on another process's writes."""
        with self.write():
            self._x("INSERT OR REPLACE INTO meta(key, value) VALUES ('write_check', x'')")
            self._x("DELETE FROM meta WHERE key='write_check'")

    def size_pages(self) -> int:
        return self._one("PRAGMA page_count")

    def limit_pages(self, pages: int | None) -> None:
        """Let the database grow to `pages` pages at most (None: no limit): a full disk, for tests
        and for an operator who wants to cap the file."""
        self._x(f"PRAGMA max_page_count={int(pages) if pages is not None else 1073741823}")

    def secure_delete(self) -> bool:
        return bool(self._one("PRAGMA secure_delete"))


def without_peers(chain: bytes) -> bytes:
    """The record of rounds (meta `own_chain`, node/chain_gate.py) without the devices it names as
    peers that answered; one that does not read as a map becomes an empty one (read as damaged, as
    it was)."""
    try:
        value = json.loads(chain)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        return b"{}"
    value["peers"] = []
    return json.dumps(value).encode()


def forget_private_raw(path: Path, private_kinds: Sequence[str], sealed_kinds: Sequence[str],
                       located_kinds: Sequence[str] = ()) -> tuple[int, int]:
    """The panic wipe's `forget_private_and_local` on a database this solnet cannot open as a store
    (a newer schema, a half-done upgrade): by the tables and columns it has, with secure_delete and
    the WAL truncated. Returns (bodies dropped, peers forgotten); StoreError if even that fails."""
    try:
        return _forget_private_raw(path, private_kinds, sealed_kinds, located_kinds)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot wipe {path.name} table by table either ({exc})") from None


def _forget_private_raw(path: Path, private_kinds: Sequence[str], sealed_kinds: Sequence[str],
                        located_kinds: Sequence[str]) -> tuple[int, int]:
    with closing(sqlite3.connect(path, timeout=10)) as db:
        db.execute("PRAGMA secure_delete=ON")
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        dropped = peers = 0
        with db:
            if "events" in tables:
                rows = db.execute(f"SELECT rowid, kind, body FROM events WHERE body IS NOT NULL AND kind IN "
                                  f"({','.join('?' * len([*private_kinds, *sealed_kinds]))})",
                                  (*private_kinds, *sealed_kinds)).fetchall()
                for rowid, kind, body in rows:
                    if kind in sealed_kinds or _holds_sealed(body):
                        db.execute("UPDATE events SET body=NULL WHERE rowid=?", (rowid,))
                        dropped += 1
                if located_kinds:  # (its columns are those this solnet knows, or the update fails as a whole)
                    db.execute(f"UPDATE events SET body=NULL WHERE kind IN ({','.join('?' * len(located_kinds))})",
                               tuple(located_kinds))
            for table in tables & set(WIPED_TABLES):
                db.execute(f"DELETE FROM {table}")
            if "peers" in tables:
                peers = db.execute("DELETE FROM peers").rowcount
            if "meta" in tables:
                db.execute(WIPED_META)
                for (chain,) in db.execute("SELECT value FROM meta WHERE key=?", (CHAIN_META,)).fetchall():
                    db.execute("UPDATE meta SET value=? WHERE key=?", (without_peers(chain), CHAIN_META))
        db.execute("VACUUM")  # a copy without the freed pages, whatever auto_vacuum the file has
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return dropped, peers


def _holds_sealed(body: bytes) -> bool:
    """Whether a body (a map) has a sealed part; a body that does not read as one has none."""
    try:
        value = msgpack.unpackb(body, raw=False)
    except (ValueError, msgpack.UnpackException):
        return False
    return isinstance(value, dict) and "sealed" in value
