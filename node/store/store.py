"""The Store: one SQLite file in WAL mode, opened, migrated and tuned."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from node.store.errors import DatabaseDamaged, StoreError, translate
from node.store.local import LocalTables
from node.store.migrations import MIGRATIONS
from node.store.schema import LAPSE_MARK, SCHEMA, SCHEMA_VERSION

_MIB = 1024
_WAL_MIN_PAGES, _WAL_MAX_PAGES = 4000, 16000  # the checkpoint interval (pages of the WAL): see tune_to_size
# Sorts and temporary tables in memory, never in a temporary file: on a full disk (a Pi's card) a read
# that spilled a sort into one failed as "disk full" (StorageFull), which the API would answer to a GET
# as a 507 its document does not declare for reads. The sorts the API's reads make are small: over a
# bounded table (over_share, peers: a row a key or peer) or under a LIMIT (the watcher's 1,000 own
# events, which it holds in memory anyway); the migrations' index builds, which may not be, come before.
TEMP_IN_MEMORY = "PRAGMA temp_store=MEMORY"


def checkpoint_pages(file_pages: int) -> int:
    """The WAL's length (pages) at which a commit checkpoints, for a database of `file_pages`."""
    return min(_WAL_MAX_PAGES, max(_WAL_MIN_PAGES, file_pages // 8))


class Store(LocalTables):
    """Events, forks, pending events, read-model rows, peers and meta facts of one home.

    Every statement lives in this package, behind a named method that returns typed rows; a
    failure is a StoreError (StorageFull for a full disk), never an sqlite3 exception."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        super().__init__(path, readonly)
        self.orphaned_profiles: set[bytes] = set()  # see _drop_rows
        try:
            self._refuse_newer()  # before anything writes to the file (read-only too: no command can upgrade it)
        except StoreError:
            self.close()  # (a reader's: with the -wal/-shm its connection made)
            raise
        try:
            if readonly:
                version = self._schema_version()
                if version != SCHEMA_VERSION:
                    raise StoreError(f"it has database schema {version}; this solnet reads schema {SCHEMA_VERSION} "
                                     "(open it once with a writable `solnet` command to upgrade it)")
                self._x(TEMP_IN_MEMORY)
                self._load_keys()
                return
            if not self._one("PRAGMA page_count"):  # a new file: on one that exists, setting it writes a page
                self._x("PRAGMA auto_vacuum=INCREMENTAL")
            self._x("PRAGMA journal_mode=WAL")
            self._x("PRAGMA synchronous=NORMAL")
            self._x("PRAGMA secure_delete=ON")
            # The WAL file is cut back to its largest planned size after a checkpoint (see tune_to_size).
            self._x(f"PRAGMA journal_size_limit={_WAL_MAX_PAGES * 4096}")
            self._x("PRAGMA foreign_keys=OFF")
            migrated = self._migrate()
            self._script(SCHEMA)
            if migrated:
                self.reclaim()  # the old tables' pages go back to the file system
            self._x(TEMP_IN_MEMORY)  # after the migrations: an index they build may sort more than memory holds
            self._load_keys()
            self.settle_owed_marks()  # (after the upgrade to schema 15, once: node/store/desk_marks.py)
            self.tune_to_size()
        except DatabaseDamaged:
            self.close()
            raise  # it names the file and says what to do
        except StoreError as exc:
            self.close()
            raise StoreError(f"cannot open the database {self.path}: {exc}") from None

    def tune_to_size(self) -> None:
        """Follow the log's size (at opening, then every 50k events stored):
        - the page cache, to the ids (~24 bytes an event: both parts of the id index, read at
          random places by look-ups and rewritten in order by each move): 30 bytes an event, from
          2 MiB (SQLite's own default) to 64 MiB. A cache is a limit, not an allocation, but pages
          read stay cached, and a node catching up fills its cache to the limit: the floor was
          8 MiB, which a home reaches only at ~280k events, so a Pi's node at 100k kept ~5 MiB of
          pages beyond what its ids need (catching up on 100k events by its own sync, the whole
          tree's peak was 92.5 MiB against a budget of 80: issue 15). At 1M events the rule gives
          29 MiB, so the dashboard's reads of a large home keep the cache they had.
        - the checkpoint interval, to 1/8 of the file, from 4,000 pages (16 MiB) to 16,000 (64 MiB).
          Each stored event rewrites pages of the indexes whose keys come in random order (action times,
          references); in a
          large file most of those pages differ from commit to commit, so a checkpoint copies
          about as many pages as the WAL holds, plus two fsyncs. A longer WAL holds the same page
          several times and is copied once, with fewer fsyncs: in a 1M-event ingest the commits of
          the last tenths (checkpoints included) took 2.2-2.6 s of each 100k events instead of
          3.0-3.6 s (same runs, same machine). A small home keeps a small WAL."""
        events = self.count()
        self._x(f"PRAGMA cache_size=-{min(64 * _MIB, max(2 * _MIB, events * 30 // 1024))}")
        pages = checkpoint_pages(self._one('PRAGMA page_count') or 0)
        if self._checkpointer is not None:  # its thread checkpoints; the writer only if it falls behind
            self._checkpointer.set_pages(pages, 2 * pages)
            pages *= 2
        self._x(f"PRAGMA wal_autocheckpoint={pages}")

    def attach_checkpointer(self) -> None:
        """Checkpoint the WAL on a thread of its own from now on (a running node: node/store/checkpointer.py),
        until `close`."""
        from node.store.checkpointer import Checkpointer  # a running node's only: commands load no logging

        if self._checkpointer is None and not self.readonly:
            self._checkpointer = Checkpointer(self.path, checkpoint_pages(self._one('PRAGMA page_count') or 0))
            self.tune_to_size()

    def _schema_version(self) -> int | None:
        """The schema of an existing database (None for a new, empty file, or one whose making was
        cut short: see `_half_made`)."""
        version = self._one("PRAGMA user_version")
        if version:
            return version
        if not self._one("SELECT 1 FROM sqlite_master WHERE name='events'") or self._half_made():
            return None
        return 1  # 0.1.0 kept its schema number in meta only

    def _half_made(self) -> bool:
        """A file whose tables an earlier solnet began to make, one statement at a time, when the
        process was killed or the power cut (`solnet init` or `join` on a Pi): some tables, no row,
        and no schema number, which 0.1.0 wrote with its tables. Taken for schema 1, it failed to
        open ever after ("duplicate column name: kind"), every command and the node's every start."""
        if self._one("SELECT 1 FROM sqlite_master WHERE name='meta'") is None:
            return True
        return self._one("SELECT 1 FROM meta WHERE key='schema_version'") is None \
            and self._one("SELECT 1 FROM events LIMIT 1") is None

    def _refuse_newer(self) -> None:
        version = self._schema_version()
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer solnet (database schema {version}; this one knows "
                             f"up to {SCHEMA_VERSION}). Upgrade solnet to use this home: in its repository's folder, "
                             f"`git pull && .venv/bin/pip install -q -e .` (the README's \"Backups, restoring and "
                             f"upgrading\"), or restore a backup made before the upgrade.")

    def _migrate(self) -> bool:
        """Bring an older database to SCHEMA_VERSION in place (each step one transaction, so a
        crash leaves it at a version it can resume from); refuse a newer one. True if it migrated."""
        version = self._schema_version()
        if version is None:
            # Tables, schema number and lapse mark in one transaction: a new file is whole or has
            # nothing (made statement by statement, a kill cut it half-made: `_half_made`).
            with self.write():
                # A half-made file holds no row: its tables go (they may be an older solnet's).
                for (table,) in self._x("SELECT name FROM sqlite_master WHERE type='table' "
                                        "AND name NOT LIKE 'sqlite_%'").fetchall():
                    self._x(f'DROP TABLE IF EXISTS "{table}"')
                for statement in SCHEMA.split(";\n"):
                    if statement.strip():
                        self._x(statement)
                self._set_version(SCHEMA_VERSION)
                self._x("INSERT OR REPLACE INTO meta(key, value) VALUES (?, 0)", (LAPSE_MARK,))  # no row lapsed yet
            return False
        migrated = version < SCHEMA_VERSION
        while version < SCHEMA_VERSION:
            with self.write():
                try:
                    MIGRATIONS[version](self._db)
                except sqlite3.Error as exc:  # (a full disk: said as such, not as a traceback)
                    raise translate(exc, self.path) from exc
                version += 1
                self._set_version(version)
        return migrated

    def _set_version(self, version: int) -> None:
        self._x(f"PRAGMA user_version={version}")
        # 0.1.0 reads this row and refuses a database of another schema instead of misreading it.
        self._x("INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', ?)", (str(version),))
        self._forget(("meta", "schema_version"))

    def schema_version(self) -> int:
        return self._one("PRAGMA user_version")
