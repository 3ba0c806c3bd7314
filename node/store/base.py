"""The connection under the store: pragmas, write transactions, key numbers, and the rows that
a batch buffers until its next statement (so an ingest batch is one statement per table)."""
from __future__ import annotations

import os
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import cache
from itertools import chain
from _thread import get_ident
from pathlib import Path
from typing import Any

from node.clock import now_ms
from node.store.errors import StoreError, disk_failing, translate
from node.store.owner import not_owner
from node.store.schema import ARRIVED_SPAN
from node.store.uri import database_uri
from node.store.wal_files import leave_no_wal

# `arrived` (schema.ARRIVED_SCHEMA): a write transaction's row joins the one before it when that is the
# transaction just before (its highest row number the one before this one's first) in the same minute
# of this clock, ARRIVED_SPAN, which `export --since` counts from; a new row otherwise.
# (its time the later of the two, unless another row holds it: the clock set back within the minute)
_ARRIVED_JOIN = ("UPDATE arrived SET at = CASE WHEN ?1 > at AND NOT EXISTS (SELECT 1 FROM arrived WHERE at = ?1) "
                 "THEN ?1 ELSE at END, n = ?2 WHERE at = ?3 AND n = ?4")
_ARRIVED_NEW = "INSERT OR IGNORE INTO arrived(at, n) VALUES (?, ?)"
_INSERT_EVENTS = ("INSERT INTO events(n, id, a, seq, ts, kind, expires, body_state, header, sig, body) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?,?)")
_INSERT_NEW_IDS = "INSERT INTO ids_new(p, n) VALUES (?,?)"  # each event's id goes with it (schema.IDS_SCHEMA)
# A batch's rows are new rows (their events were stored with them): a plain INSERT, which SQLite
# appends without first looking for a row to replace (REPLACE cost ~1.5 us more a row, about one
# fortieth of a verification). A row made again for an event that has one (a re-projection) is
# the rare case: that batch is written again with REPLACE, the newer row standing.
_INSERT_ROWS = ("INSERT INTO proj(n, tbl, g, region, t, ref, vts, vid, lww, pub, lapsed, urg) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)")
_REPLACE_ROWS = _INSERT_ROWS.replace("INSERT", "INSERT OR REPLACE", 1)
# A batch's rows go in with a statement of many rows each (`_insert`): SQLite ran the statement's
# whole program for each row of an executemany, its start and end included (~22 k of the ~220 k
# instructions the ingesting process spent on an event). 64 rows at most: 768 values for a read-model
# row's 12 columns, under the 999 an older SQLite allows a statement; one of 256 rows saved a little
# more, but the three such statements the connection keeps prepared took ~300 KiB (the node's memory
# is at its budget). The rest of a batch goes in 16, 4 and 1 at a time: at most 12 statements are
# prepared and kept for the three tables (16 with the replacing form, which only a conflict brings).
_ROWS_AT_ONCE = (64, 16, 4, 1)
_SET_HEADS = ("INSERT INTO heads(k, seq, id, day, used) VALUES (?,?,?,?,?) ON CONFLICT(k) DO UPDATE SET seq=excluded.seq, "
              "id=excluded.id, day=excluded.day, used=excluded.used")
BUSY_TIMEOUT_MS = 30_000  # how long a statement waits for another connection's lock before it fails
UNKNOWN = object()  # `_kept`: no fact kept under that key (None is a fact)
N_MARK = "n_taken_out"  # meta: the highest row number of an event taken out of the log (_n_taken_out)
WRITTEN_KEPT = 10_000  # write transactions of this connection whose row numbers are kept (`_written`)

# Python's sqlite3 binds an int, float or str as it is, but sends every other value (bytes, None)
# through its adapter registry first: not found there, it asks the protocol type for `__adapt__`
# and the value for `__conform__`, and the first miss raises (and formats) an AttributeError it
# then drops. That was ~2,000 CPU instructions for each bytes or None bound, ~34 of them per
# stored event (ids, headers, signatures, bodies, NULL columns): more than a tenth of the
# ingesting process's own work beside SQLite's (callgrind, 2,000 events). An adapter registered
# for the two types is found at once, and gives the value back unchanged: bytes(b) is b itself,
# and {}.get(None) is None (both C calls, no Python frame). The registry is the process's: the
# values are bound as they were, for every connection.
sqlite3.register_adapter(bytes, bytes)
sqlite3.register_adapter(type(None), {}.get)


def _create_private(path: Path) -> None:
    """Create the database file, readable by this user only, if it is not there yet: SQLite gives
    its -wal and -shm files the mode of the database file."""
    if str(path) == ":memory:":
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
    except OSError:  # there already (or not creatable: SQLite says why, next)
        pass


class StoreBase:
    """One connection, used from one thread at a time: while a node runs, its database thread only
    (`set_owner_thread`, node/store/owner.py)."""

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self._network: bytes | None = None
        self._key_no: dict[bytes, int] = {}
        self._key_of: dict[int, bytes] = {}
        self._new_keys: list[bytes] = []
        # Region names by number (schema `regions`); a name's number is a kept fact (`_kept`), as a
        # name may go and come back under another number (schema.REGIONS_SCHEMA).
        self._region_of: dict[int, str] = {}
        self._new_regions: list[int] = []
        self._next_n: int | None = None
        self._first_n: int | None = None  # the first row number the write transaction under way gave
        self._arrived_last: tuple[int, int] | None = None  # the `arrived` row this connection wrote last
        # The row numbers of the events this connection stored, one range (first, last) per write
        # transaction, oldest first: the events stored by another connection (another process
        # writing into the home: `solnet import`) lie between them (Store.stored_elsewhere).
        self._written: deque[tuple[int, int]] = deque(maxlen=WRITTEN_KEPT)
        self._event_buf: list[tuple] = []
        self._row_buf: list[tuple] = []
        self._head_buf: dict[int, tuple[int, int, bytes, int | None, int | None]] = {}
        self._stored_since_tune = 0
        self._added_in_transaction = 0  # events inserted by the write transaction under way
        self._grouped = False  # inside `group()`: each `write()` is a savepoint of one transaction
        self._alone = False  # a group of one write: no savepoint (group())
        # Facts this connection read or wrote (a chain head, a meta value, the newest `n` ...), kept
        # from one write transaction to the next while no other connection commits (`_check_version`).
        self._facts: dict[Any, Any] = {}
        # The stored parts of the last events read whose bytes were found to be what their authors
        # signed (EventTables._signed), by those very bytes: a publish reads its event three times.
        self._signed_seen: dict[tuple[bytes, bytes, bytes, bytes | None], None] = {}
        self._n_stored: dict[bytes, int] = {}  # id -> n of events the write under way stored (EventTables.numbered_row)
        self._data_version: int | None = None
        self._checked = False  # inside a write whose data_version was checked: `_facts` may be served
        self._moments = 0  # the transactions this connection began (`moment`)
        # What a read transaction (`reading`) worked out of the rows it sees, while it lasts and this
        # connection changes no row in it (`_of_reading`): None outside one.
        self._read_facts: dict[Any, Any] | None = None
        self._read_changes = 0
        self._checkpointer: Any = None  # a running node's Checkpointer (Store.attach_checkpointer)
        self._before_commit: dict[Any, Callable[[bool], None]] = {}  # (before_commit)
        self._durable = False  # the connection's commits fsync the WAL (synchronous=FULL): see write()
        self._owner: int | None = None  # the only thread that may run a statement (set_owner_thread)
        try:
            if readonly:  # safe beside a running node; never creates or migrates, writes only its closing checkpoint
                self._db = sqlite3.connect(database_uri(self.path, "mode=ro"), uri=True, isolation_level=None,
                                           timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
            else:
                _create_private(self.path)
                self._db = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000,
                                           check_same_thread=False)
        except sqlite3.Error as exc:
            raise disk_failing(self.path) or StoreError(
                f"cannot open the database {self.path}: {exc}. If the file is damaged, move it aside and sync "
                "again from peers.") from None

    # --- the owner thread (node/store/owner.py) ---------------------------------------------------
    def set_owner_thread(self) -> None:
        """From now on, only the calling thread (a running node's database thread) may run a
        statement on this store: one from another thread raises NotOwnerThread."""
        self._owner = get_ident()

    def clear_owner_thread(self) -> None:
        """Any thread may use the store again (the node's database thread has ended)."""
        self._owner = None

    def _check_owner(self) -> None:
        """NotOwnerThread if another thread owns the store: before a statement, and before a kept
        fact or key number is served (they may be the uncommitted values of the owner's batch)."""
        if self._owner is not None and self._owner != get_ident():
            raise not_owner(self._owner)

    # --- statements -------------------------------------------------------------------------
    def _x(self, sql: str, args: Sequence[Any] | dict = ()) -> sqlite3.Cursor:
        """Run one statement, after the rows a batch has buffered."""
        self._check_owner()
        if self._event_buf or self._row_buf or self._head_buf:
            self._flush()
        try:
            return self._db.execute(sql, args)
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from exc

    def _many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._check_owner()
        if self._event_buf or self._row_buf or self._head_buf:
            self._flush()
        try:
            self._db.executemany(sql, rows)
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from exc

    def _script(self, sql: str) -> None:
        self._check_owner()
        try:
            self._db.executescript(sql)
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from exc

    def _one(self, sql: str, args: Sequence[Any] = ()) -> Any:
        row = self._x(sql, args).fetchone()
        return row[0] if row else None

    def _flush(self) -> None:
        """Write what the batch buffered: one statement per table."""
        events, rows, heads = self._event_buf, self._row_buf, self._head_buf
        self._event_buf, self._row_buf, self._head_buf = [], [], {}
        try:
            if events:
                self._insert(_INSERT_EVENTS, events)
                self._insert(_INSERT_NEW_IDS, [(e[1][:8], e[0]) for e in events])
                self._stored_since_tune += len(events)
                self._added_in_transaction += len(events)
            if rows:
                try:
                    self._insert(_INSERT_ROWS, rows)
                except sqlite3.IntegrityError:  # (the statement that failed wrote nothing; the rows before it are replaced)
                    self._insert(_REPLACE_ROWS, rows)
            if heads:
                self._db.executemany(_SET_HEADS, heads.values())
        except sqlite3.Error as exc:
            raise translate(exc, self.path) from exc

    def _insert(self, sql: str, rows: Sequence[tuple]) -> None:
        """`sql` (an INSERT of one row's VALUES) for each of `rows`, many rows a statement (_ROWS_AT_ONCE)."""
        execute, at, count = self._db.execute, 0, len(rows)
        while at < count:
            size = next(size for size in _ROWS_AT_ONCE if size <= count - at)
            execute(_many_rows(sql, size), list(chain.from_iterable(rows[at:at + size])))
            at += size

    # --- transactions ---------------------------------------------------------------------------
    def write(self, durable: bool = False) -> AbstractContextManager[None]:
        """One write transaction (BEGIN IMMEDIATE): everything in it commits together or not at all.
        Raises StorageFull when the disk is full, StoreError on other database failures. Inside
        `group()` it is a part of the group's transaction instead (a savepoint).

        `durable`: the commit returns only once the WAL is on the disk (synchronous=FULL: one fsync).
        For a transaction that stores what this home signed: at NORMAL a power cut may take the last
        commits, and an event acknowledged, or gossiped, then lost makes the home sign another event
        at its seq (a fork: the device frozen on every node). What peers send stays at NORMAL (one
        fsync per batch on an SD card, for events the peers still hold)."""
        # Context manager objects, not generators: a publish opens three, and contextlib's
        # generator wrapping cost some six hundred interpreter steps of it.
        if self._grouped:
            return _IN_GROUP if self._alone else self._part()  # alone: the group's transaction is its own
        return _Transaction(self, durable)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """One read transaction for many reads (a dashboard page): each read sees the database at
        the same moment, whatever another connection commits meanwhile, and the facts this
        connection kept (a region's number, the lapse mark) are served within it as within a write,
        once its data_version is checked (`_check_version`). A page's listings each opened and
        ended a transaction of their own, and asked each region's number again: about 1,050 of the
        overview's 1,700 statements at 100k events. Inside a transaction already (a write, a page),
        it is part of that one: a single listing reads in one of its own (the lapse mark it reads
        and the rows it walks of one moment), a page's listings all in the page's."""
        if self._db.in_transaction:
            yield
            return
        self._x("BEGIN")
        self._moments += 1
        try:
            self._check_version()  # (PRAGMA data_version starts the read: the moment it sees)
            self._read_facts, self._read_changes = {}, self._db.total_changes
            yield
        finally:
            self._checked = False
            self._read_facts = None
            if self._db.in_transaction:
                self._x("COMMIT")  # (a read: nothing to keep or lose)

    def _of_reading(self, key: Any, read: Callable[[], Any]) -> Any:
        """What `read()` gives, read once while the read transaction under way (`reading`) lasts:
        every read of it sees the same rows, as long as this connection writes none (total_changes).
        Read each time outside one, and in a write (a part of it may be rolled back)."""
        self._check_owner()
        facts = self._read_facts
        if facts is None:
            return read()
        if self._event_buf or self._row_buf or self._head_buf or self._db.total_changes != self._read_changes:
            facts.clear()  # (rows written in it: what was read of them may have changed)
            self._flush()
            self._read_changes = self._db.total_changes
        value = facts.get(key, UNKNOWN)
        if value is UNKNOWN:
            value = facts[key] = read()
        return value

    def moment(self) -> int | None:
        """Which of this connection's transactions is under way (a number none of its others had),
        None outside one. What is worked out from the rows read in one may be kept while it lasts
        (views.Held.built: a page's items, built once for all its views), never past it: another
        connection may commit between two."""
        return self._moments if self._db.in_transaction else None

    def _begin(self, durable: bool = False) -> None:
        if durable != self._durable:  # (SQLite takes it only outside a transaction; kept until the next that differs)
            self._x("PRAGMA synchronous=FULL" if durable else "PRAGMA synchronous=NORMAL")
            self._durable = durable
        self._x("BEGIN IMMEDIATE")
        self._moments += 1
        try:
            self._check_version()
        except BaseException:
            self._end(failed=True)
            raise

    def _commit(self) -> None:
        try:
            self._settle()
            self._flush()
            if self._added_in_transaction:
                self._events_added(self._added_in_transaction)
                if self._next_n is not None and self._first_n is not None:  # when they were stored
                    self._note_arrived(now_ms(), self._first_n, self._next_n - 1)
            hooks, self._before_commit = list(self._before_commit.values()), {}
            try:
                for hook in hooks:
                    hook(True)
                self._x("COMMIT")
            except BaseException:
                for hook in hooks:  # (what they wrote outside the database names what was not committed)
                    hook(False)
                raise
            if self._checkpointer is not None:
                self._checkpointer.committed()
            if self._added_in_transaction and self._first_n is not None and self._next_n is not None:
                self._written.append((self._first_n, self._next_n - 1))
            if self._stored_since_tune > 50_000:  # the log grew: cache and checkpoints follow (Store.tune_to_size)
                self._stored_since_tune = 0
                self.tune_to_size()
        except BaseException:
            self._end(failed=True)
            raise
        self._end(failed=False)

    def _end(self, failed: bool) -> None:
        """The end of a write transaction; `failed`: roll back what it did, here and in memory."""
        hooks, self._before_commit = list(self._before_commit.values()) if failed else [], {}
        try:
            if failed:
                try:
                    # What a hook wrote early comes off (node/own_marks.py: a lone publish's marks) before the
                    # ROLLBACK, while this transaction still holds the write lock if SQLite has not ended it
                    # itself (a full disk): the marks take back their own records alone, so another writer's
                    # marks written past them once the lock is free stay (tests/node/test_own_marks.py).
                    for hook in hooks:
                        hook(False)
                finally:
                    self._roll_back()
        finally:
            self._checked = False
            self._added_in_transaction = 0
            self._new_keys = []
            self._new_regions = []
            self._next_n = self._first_n = None
            self._n_stored = {}
            self._transaction_ended()

    def _roll_back(self) -> None:
        """Roll back the write transaction under way, here and in memory."""
        self._event_buf, self._row_buf, self._head_buf = [], [], {}
        self._write_failed()
        self._facts.clear()  # some may have been learnt from what was rolled back
        for key in self._new_keys:  # numbers given in a transaction that did not commit
            self._key_of.pop(self._key_no.pop(key, -1), None)
        self._unnumber_regions(0)
        if self._db.in_transaction:  # SQLite rolls back by itself on SQLITE_FULL and some I/O errors
            try:
                self._db.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def _note_arrived(self, at: int, first: int, last: int) -> None:
        """Note that this write transaction stored rows `first`..`last` at `at` (schema.ARRIVED_SCHEMA),
        in the row of the transaction just before it if that one's is in the same minute. Any time
        within a minute stands for it: `export --since` asks from the start of a minute, and sees
        which rows were before it and which from it on as it saw them with a row a transaction
        (tests/node/test_arrived_thinned.py). Joined to one that is not just before it, the events
        stored between the two would take its time (a clock set back between them)."""
        last_row = self._arrived_last or self._x("SELECT at, n FROM arrived ORDER BY at DESC LIMIT 1").fetchone()
        if (last_row is not None and last_row[1] == first - 1 and last_row[0] // ARRIVED_SPAN == at // ARRIVED_SPAN
                and self._x(_ARRIVED_JOIN, (at, last, *last_row)).rowcount == 1):
            # (its time, unless another row held it: then the next transaction's join misses, and it
            # takes a row of its own)
            self._arrived_last = (max(at, last_row[0]), last)
            return
        # Another transaction's row may hold this millisecond (the clock set back, or two in one
        # millisecond that are not consecutive): this one takes a free millisecond of the same minute
        # (sharing the row, the higher number took the earlier one's events out of a bundle since then).
        minute = at - at % ARRIVED_SPAN
        taken = {a for a, in self._x("SELECT at FROM arrived WHERE at BETWEEN ? AND ?", (minute, minute + ARRIVED_SPAN - 1))}
        free = next((a for d in range(ARRIVED_SPAN) for a in (at + d, at - d)
                     if minute <= a < minute + ARRIVED_SPAN and a not in taken), at)
        self._x(_ARRIVED_NEW, (free, last))  # (a minute full of rows: none; those events count as stored later)
        self._arrived_last = (free, last)

    def note_filled(self, n: int) -> None:
        """The write transaction under way gave the stub of row number `n` its body: noted in `filled`
        (schema.FILLED_SCHEMA), a bundle since before now carries it. (Not in `arrived`: there its low
        number would date every event stored after the stub to now.) A part rolled back takes it back."""
        self._x("INSERT OR IGNORE INTO filled(at, n) VALUES (?, ?)", (now_ms(), n))

    def _check_version(self) -> None:
        """At the start of a write transaction (the write lock held, nobody else can commit until it
        ends): forget the kept facts if another connection, of this process or another one (`solnet
        publish` in a terminal), has committed since this one last looked; else they are all still
        true, and reading them again would cost a statement each (a publish needs several)."""
        version = self._one("PRAGMA data_version")
        if version != self._data_version:
            self._facts.clear()
            self._data_version = version
        self._checked = True

    def _kept(self, key: Any) -> Any:
        """A kept fact (UNKNOWN if none), only inside a write transaction: outside one, another
        connection may have committed since the check."""
        self._check_owner()
        return self._facts.get(key, UNKNOWN) if self._checked else UNKNOWN

    def _kept_or_read(self, key: Any, read: Callable[[], Any]) -> Any:
        """The fact kept under `key`, or what `read()` gives (then kept)."""
        # `_kept` then `_keep`, written out: some twenty facts are asked per publish.
        self._check_owner()
        value = self._facts.get(key, UNKNOWN) if self._checked else UNKNOWN
        if value is UNKNOWN:
            value = read()
            self._facts[key] = value
        return value

    def _keep(self, key: Any, value: Any) -> None:
        """Remember a fact read or written by this connection (checked at the next write transaction)."""
        self._facts[key] = value

    def _forget(self, *keys: Any) -> None:
        for key in keys:
            self._facts.pop(key, None)

    @property
    def lone(self) -> bool:
        """The write under way is its transaction alone: no other part of a group can join it, or be
        rolled back without it (node/own_marks.py writes its marks early then)."""
        return not self._grouped or self._alone

    @property
    def grouped(self) -> bool:
        """Inside `group()`: work that must run outside any transaction waits for its end."""
        return self._grouped

    def group(self, parts: int = 2, durable: bool = False) -> AbstractContextManager[None]:
        """One transaction for several writes (group commit: one fsync for many local publishes,
        `durable` as for `write`). Each `write()` inside it is a savepoint: one that fails is rolled
        back alone, the others commit together at the end, in the order they ran. A group of one
        `part` takes no savepoint: what fails in it rolls back the whole transaction, which is that
        part alone (a SAVEPOINT and its RELEASE were two of a lone publish's fourteen statements)."""
        return _Group(self, parts == 1, durable)

    @contextmanager
    def _part(self) -> Iterator[None]:
        """A savepoint inside `group()`, with the batch buffers and key numbers it owns."""
        if not self._db.in_transaction:  # SQLite ended the group's transaction itself (a full disk)
            raise StoreError(f"the write to {self.path} was rolled back by the database; nothing of it was stored")
        self._x("SAVEPOINT part")  # flushes what the parts before this one buffered
        keys_before, next_n, hooks = len(self._new_keys), self._next_n, dict(self._before_commit)
        regions_before = len(self._new_regions)
        try:
            yield
            self._flush()
            self._x("RELEASE part")
        except BaseException:
            self._event_buf, self._row_buf, self._head_buf = [], [], {}
            for key in self._new_keys[keys_before:]:
                self._key_of.pop(self._key_no.pop(key, -1), None)
            del self._new_keys[keys_before:]
            self._unnumber_regions(regions_before)
            self._next_n, self._before_commit = next_n, hooks
            self._facts.clear()
            self._transaction_ended()  # what was cached may have come from the rolled-back part
            if self._db.in_transaction:
                try:
                    self._db.execute("ROLLBACK TO part")
                    self._db.execute("RELEASE part")
                except sqlite3.Error:
                    pass
            raise

    def before_commit(self, key: Any, hook: Callable[[bool], None]) -> None:
        """Inside a write: run `hook(True)` just before this transaction commits (once per `key`, the
        last one given; dropped with a part of a group that is rolled back), and `hook(False)` if the
        transaction fails (before its commit, or in it: whether or not `hook(True)` ran). For what must be on the disk outside the database before anything the
        transaction wrote can leave this node (node/own_marks.py)."""
        self._before_commit[key] = hook

    def commit_hook(self, key: Any) -> Callable[[bool], None] | None:
        """The hook `before_commit` holds under `key` for the transaction under way (None if none)."""
        return self._before_commit.get(key)

    def _write_failed(self) -> None:
        """Hook: the write under way rolls back (what it owed in memory goes with it)."""

    def _settle(self) -> None:
        """Hook: work out, before the commit, what the write's rows owe (ProjectionTables: the
        desk's marks, node/store/desk_marks.py)."""

    def _events_added(self, count: int) -> None:
        """Hook: the write transaction under way inserted `count` events and is about to commit."""

    def tune_to_size(self) -> None:
        """Hook: the page cache and the checkpoint interval follow the log's size (Store)."""

    def _transaction_ended(self) -> None:
        """Hook: forget what was cached for one transaction."""

    def close(self) -> None:
        try:
            self._db.close()
        finally:
            if self._checkpointer is not None:  # after: it closes a descriptor of the WAL index (Checkpointer.stop)
                self._checkpointer.stop()
                self._checkpointer = None
        if self.readonly:
            leave_no_wal(self.path, BUSY_TIMEOUT_MS / 1000)

    # --- key numbers ----------------------------------------------------------------------------
    def _k(self, key: bytes) -> int:
        """The number of `key`, numbering it now if it has none (inside a write)."""
        k = self._key_no.get(key)
        if k is None:
            k = self._find_k(key)
            if k is None:
                k = self._x("INSERT INTO keys(key) VALUES (?)", (key,)).lastrowid
                self._new_keys.append(key)
            self._key_no[key], self._key_of[k] = k, key
        return k

    def _find_k(self, key: bytes) -> int | None:
        self._check_owner()
        k = self._key_no.get(key)
        if k is None:
            k = self._one("SELECT k FROM keys WHERE key=?", (key,))
            if k is not None:
                self._key_no[key], self._key_of[k] = k, key
        return k

    def _key_numbers(self, keys: Iterable[bytes]) -> set[int]:
        """The numbers of those of `keys` this store has numbered (a key it has not has no rows)."""
        return {k for k in map(self._find_k, keys) if k is not None}

    def _key(self, k: int) -> bytes:
        """The key numbered `k`."""
        return self._numbered(k, self._key_of, "key", "SELECT key FROM keys WHERE k=?", self._key_no)

    def _numbered(self, number: int, kept: dict[int, Any], what: str, query: str,
                  numbers: dict[Any, int] | None = None) -> Any:
        """What `number` stands for (a key, a region's name): from `kept`, else read by `query` and
        kept there (and its number in `numbers`, the reverse map, if given). StoreError if the
        database holds no such number: a row names one that is gone."""
        self._check_owner()
        value = kept.get(number)
        if value is None:
            value = self._one(query, (number,))
            if value is None:
                raise StoreError(f"the database {self.path} names {what} number {number} but does not hold it")
            kept[number] = value
            if numbers is not None:
                numbers[value] = number
        return value

    def _load_keys(self) -> None:
        for k, key in self._x("SELECT k, key FROM keys"):
            self._key_no[key], self._key_of[k] = k, key

    # --- region numbers (schema `regions`: a read-model row names its region by number) -----------
    def _r(self, name: str) -> int:
        """The number of region `name`, numbering it now if it has none (inside a write)."""
        r = self._find_r(name)
        if r is None:
            r = self._x("INSERT INTO regions(name) VALUES (?)", (name,)).lastrowid
            self._new_regions.append(r)
            self._region_of[r] = name
            self._keep(("region", name), r)
        return r

    def _find_r(self, name: str) -> int | None:
        """The number of region `name` (None: this store has no row in it): kept within a write
        transaction (another connection may number it or let it go meanwhile: `_check_version`)."""
        return self._kept_or_read(("region", name), lambda: self._one("SELECT r FROM regions WHERE name=?", (name,)))

    def _region(self, r: int) -> str:
        """The name of region number `r`."""
        return self._numbered(r, self._region_of, "region", "SELECT name FROM regions WHERE r=?")

    def _unnumber_regions(self, since: int) -> None:
        """Forget the numbers given to regions from the `since`th of this transaction on (rolled
        back: SQLite may give them again). The kept facts go with the rollback."""
        for r in self._new_regions[since:]:
            self._region_of.pop(r, None)
        del self._new_regions[since:]

    def _unplace(self, numbers: Iterable[int]) -> None:
        """Let the names of these regions go if no row is placed there any more (rows dropped: a
        redaction leaves no name behind). One probe of proj_by_region each."""
        for r in numbers:
            if self._one("SELECT 1 FROM proj WHERE region=? LIMIT 1", (r,)) is None:
                name = self._one("SELECT name FROM regions WHERE r=?", (r,))
                self._x("DELETE FROM regions WHERE r=?", (r,))
                self._forget(("region", name))

    # --- row numbers --------------------------------------------------------------------------
    def _take_n(self) -> int:
        """The row number of the next event stored in this transaction: after every number given
        before, those of events taken out of the log since included (`_n_taken_out`)."""
        if self._next_n is None:
            last = self._kept("last_n")
            if last is UNKNOWN:
                last = self._one("SELECT max(n) FROM events") or 0
            self._next_n = self._first_n = max(last, self._n_taken_out()) + 1
        n = self._next_n
        self._next_n += 1
        self._keep("last_n", n)
        return n

    def _n_taken_out(self) -> int:
        """The highest row number of an event taken out of the log (0: none). A number is never
        given twice: what follows the log by row number (the alert feed, the
        watcher, a stream's cursor) has moved past it, and would never see an event stored under it
        (a member forking its own key took its newest events out, and the next alerts went unseen)."""
        return self._kept_or_read(N_MARK, lambda: int(self._one("SELECT value FROM meta WHERE key=?", (N_MARK,)) or 0))

    def _numbers_taken_out(self, highest: int) -> None:
        """Events up to row number `highest` were taken out: never give those numbers again."""
        if highest > self._n_taken_out():
            self._x("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (N_MARK, highest))
            self._keep(N_MARK, highest)


@cache
def _many_rows(sql: str, size: int) -> str:
    """`sql`, an INSERT of one row's VALUES (?,...), for `size` rows."""
    head, _, row = sql.rpartition(" VALUES ")
    return f"{head} VALUES {','.join([row] * size)}"


class _Transaction:
    """`StoreBase.write()` outside a group: its own transaction."""

    __slots__ = ("_store", "_durable")

    def __init__(self, store: StoreBase, durable: bool = False) -> None:
        self._store, self._durable = store, durable

    def __enter__(self) -> None:
        self._store._begin(self._durable)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> bool:
        if kind is None:
            self._store._commit()
        else:
            self._store._end(failed=True)
        return False


class _Group:
    """`StoreBase.group()`: one transaction whose writes are its parts."""

    __slots__ = ("_store", "_alone", "_transaction")

    def __init__(self, store: StoreBase, alone: bool, durable: bool) -> None:
        self._store, self._alone, self._transaction = store, alone, _Transaction(store, durable)

    def __enter__(self) -> None:
        self._transaction.__enter__()
        self._store._grouped, self._store._alone = True, self._alone

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> bool:
        self._store._grouped = self._store._alone = False
        return self._transaction.__exit__(kind, exc, tb)


_IN_GROUP = nullcontext()  # a write inside a group of one: the group's transaction is its own
