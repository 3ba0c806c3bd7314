"""The Store: one SQLite file in WAL mode, opened, migrated and tuned."""
from __future__ import annotations

from pathlib import Path

from node.store.errors import StoreError
from node.store.local import LocalTables
from node.store.migrations import MIGRATIONS
from node.store.schema import SCHEMA, SCHEMA_VERSION

_MIB = 1024


class Store(LocalTables):
    """Events, forks, pending events, read-model rows, peers and meta facts of one home.

    Every statement lives in this package, behind a named method that returns typed rows; a
    failure is a StoreError (StorageFull for a full disk), never an sqlite3 exception."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        super().__init__(path, readonly)
        self.orphaned_profiles: set[bytes] = set()  # see _drop_rows
        if not readonly:
            try:
                self._refuse_newer()  # before anything writes to the file
            except StoreError:
                self._db.close()
                raise
        try:
            if readonly:
                version = self._schema_version()
                if version != SCHEMA_VERSION:
                    raise StoreError(f"it has database schema {version}; this solnet reads schema {SCHEMA_VERSION} "
                                     "(open it once with a writable `solnet` command to upgrade it)")
                self._load_keys()
                return
            self._x("PRAGMA auto_vacuum=INCREMENTAL")  # only takes effect on a new file
            self._x("PRAGMA journal_mode=WAL")
            self._x("PRAGMA synchronous=NORMAL")
            self._x("PRAGMA secure_delete=ON")
            # Fewer, larger checkpoints suit SD cards (and keep a long ingest from waiting on them).
            self._x("PRAGMA wal_autocheckpoint=4000")
            self._x("PRAGMA foreign_keys=OFF")
            migrated = self._migrate()
            self._script(SCHEMA)
            if migrated:
                self.reclaim()  # the old tables' pages go back to the file system
            self._load_keys()
            self.tune_cache()
        except StoreError as exc:
            self._db.close()
            raise StoreError(f"cannot open the database {self.path}: {exc}. "
                             "If the file is damaged, move it aside and sync again from peers.") from None

    def tune_cache(self) -> None:
        """Size the page cache to the one structure that ingest touches at random places, the index
        of ids (~24 bytes an event): 8 MiB up to ~300k events, at most 64 MiB. A cache is a limit,
        not an allocation, but pages read stay cached: a small node keeps a small footprint."""
        events = self.count()
        self._x(f"PRAGMA cache_size=-{min(64 * _MIB, max(8 * _MIB, events * 30 // 1024))}")

    def _schema_version(self) -> int | None:
        """The schema of an existing database (None for a new, empty file)."""
        version = self._one("PRAGMA user_version")
        if version:
            return version
        if not self._one("SELECT 1 FROM sqlite_master WHERE name='events'"):
            return None
        return 1  # 0.1.0 kept its schema number in meta only

    def _refuse_newer(self) -> None:
        version = self._schema_version()
        if version is not None and version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer solnet (database schema {version}; this one knows "
                             f"up to {SCHEMA_VERSION}). Upgrade solnet (`pip install -U`) to use this home.")

    def _migrate(self) -> bool:
        """Bring an older database to SCHEMA_VERSION in place (each step one transaction, so a
        crash leaves it at a version it can resume from); refuse a newer one. True if it migrated."""
        version = self._schema_version()
        if version is None:
            self._script(SCHEMA)
            self._set_version(SCHEMA_VERSION)
            return False
        migrated = version < SCHEMA_VERSION
        while version < SCHEMA_VERSION:
            with self.write():
                MIGRATIONS[version](self._db)
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
