"""The log's events: storing a batch, chain heads, removing a tail, and every read of events."""
from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Sequence

import msgpack

from crypto.hashing import blake2b_256
from events.errors import InvalidEvent
from events.format import Event, decode_event, event_id as signed_id, signed_body_hash
from node.store import status_sql
from node.author_share import Share
from node.store.base import UNKNOWN, StoreBase
from node.store.errors import HEADS_REBUILD_ADVICE, REBUILD_ADVICE, DatabaseDamaged, StorageFull, StoreError, check_heads
from node.store.rows import EventRow, Head, PagedEvent, StoredWire, TakenOut, TrustRow
from node.store.schema import ARRIVED_SPAN, BODY_EXPIRED, BODY_MISSING, by_id, by_ids, by_prefixes, full_header, short_header

_COLS = "n, id, a, seq, ts, kind, expires, header, sig, body, body_state"
_CHUNK = 500  # ids per `IN (...)` list
# Ids this write transaction stored, with their `n` (numbered_row): at most a group commit's publishes
N_STORED_KEPT = 64
SIGNED_SEEN = 64  # events whose stored bytes `_signed` remembers it checked (a few publishes' reads)
# Only events whose body is at most this are remembered (a publish's need, claim or update: a few
# hundred bytes), so what stays alive is at most ~SIGNED_SEEN KiB. A sealed body may be 60 KiB and
# `sealed_events` passes every sealed event through `_signed`: ~4 MiB of bodies stayed alive on a Pi.
SIGNED_SEEN_BODY = 1024
NEW_IDS_MIN = 20_000  # ids_new is moved into ids from this many ids (more in a large log: new_ids_limit)


def wire_of(header: bytes, sig: bytes, body: bytes | None) -> bytes:
    """An event's wire form from its parts."""
    return msgpack.packb([header, sig, body], use_bin_type=True)


def new_ids_limit(events: int) -> int:
    """How many ids `ids_new` takes before they are moved into `ids`. Per stored event, the inserts
    into `ids_new` dirty about held / (ids per page x ids per transaction) pages, and a move rewrites
    the pages of `ids` (events / ids per page) every `held` events: the sum is least at
    held = sqrt(ids per transaction x events), ~45k ids at a million events with 2,000-event
    transactions (0.2 pages per event for both, where one index of ids cost ~1)."""
    return max(NEW_IDS_MIN, math.isqrt(2000 * events))


class EventTables(StoreBase):
    # --- the network every stored header belongs to -------------------------------------------
    def _net(self) -> bytes:
        if self._network is None:
            self._network = self._one("SELECT value FROM meta WHERE key='network_id'")
            if self._network is None:
                raise StoreError(f"the database {self.path} holds no events yet")
        return self._network

    def _net_for(self, header: bytes) -> bytes:
        """The network of this home, set by the first event stored."""
        if self._network is None:
            self._network = self._one("SELECT value FROM meta WHERE key='network_id'")
            if self._network is None:
                self._network = header[4:36]
                self._x("INSERT INTO meta(key, value) VALUES ('network_id', ?)", (self._network,))
                self._keep(("meta", "network_id"), self._network)
        return self._network

    def _paged(self, row: tuple) -> PagedEvent:
        n, event_id, a, seq, ts, kind, expires, header, sig, body, state = row
        author = self._key(a)
        return PagedEvent(n, event_id, author, seq, ts, kind, expires, self._signed(event_id, a, header, sig, body),
                          sig, body, state)

    def _wire(self, event_id: bytes, a: int, header: bytes, sig: bytes, body: bytes | None) -> bytes:
        return wire_of(self._signed(event_id, a, header, sig, body), sig, body)

    def _signed(self, event_id: bytes, a: int, short: bytes, sig: bytes, body: bytes | None) -> bytes:
        """The signed header of a stored event, once its stored parts are found to be what its
        author signed: DatabaseDamaged otherwise. A changed byte (a failing SD card) passes SQLite's
        own checks, which see the pages, not what the rows mean; served, it told a wrong time or
        place as the author's, and gossiped, every peer refused it and banned this node for an
        hour. Two hashes, no signature work: the id is the hash of header and signature, and the
        header holds the body's hash."""
        header = full_header(short, self._net(), self._key(a))
        seen = (event_id, header, sig, body)
        small = body is None or len(body) <= SIGNED_SEEN_BODY  # (a large one is neither kept nor hashed to look)
        if small and seen in self._signed_seen:  # the same bytes as a read checked lately: the same verdict, two hashes fewer
            return header
        if signed_id(header, sig) != event_id or (body is not None and blake2b_256(body) != signed_body_hash(header)):
            raise self._changed(event_id)
        if small:
            if len(self._signed_seen) >= SIGNED_SEEN:
                del self._signed_seen[next(iter(self._signed_seen))]  # (the oldest)
            self._signed_seen[seen] = None
        return header

    def _whole_wire(self, event_id: bytes, wire: bytes) -> bytes:
        """`wire`, kept whole beside the log (a fork's evidence), once found to be the event `event_id`
        as its author signed it: DatabaseDamaged otherwise (as `_signed`)."""
        try:
            same = decode_event(wire).id == event_id  # the body checked against its hash too
        except InvalidEvent:
            same = False
        if not same:
            raise self._changed(event_id)
        return wire

    def _changed(self, event_id: bytes) -> DatabaseDamaged:
        return DatabaseDamaged(f"the database {self.path} is damaged: the stored event {event_id.hex()[:16]} is not "
                               "what its author signed (a byte changed on the disk: the card may be failing). "
                               + REBUILD_ADVICE)

    @staticmethod
    def wire(row: tuple[bytes, bytes, bytes | None]) -> bytes:
        """Wire form of (header, sig, body) as an EventRow holds them."""
        return wire_of(*row)

    # --- storing --------------------------------------------------------------------------------
    def insert_event(self, ev: Event, body: bytes | None, body_state: int, share: Share | None = None) -> int:
        """Store one verified, chained event (inside a write); returns its row number `n`. The row
        is written with the rest of the batch, before the next statement. `share`: its author's
        share of the log as of it (node/author_share.py; None: counted again when next asked)."""
        # Every stored event passes here: its parts are unpacked once (each attribute of a named tuple
        # is a descriptor call, ~18 an event were), and the facts kept are written as `_keep` and
        # `_forget` would (a call each).
        event_id, header, header_bytes, signature, _ = ev
        _, author, seq, _, timestamp, kind, expires, _, _, _ = header
        try:
            short = short_header(header_bytes, self._net_for(header_bytes), author)
        except ValueError:
            raise StoreError(f"event {event_id.hex()[:16]} is not of this home's network") from None
        a = self._k(author)
        n = self._take_n()
        self._event_buf.append((n, event_id, a, seq, timestamp, kind, expires, body_state, short, signature, body))
        if len(self._n_stored) < N_STORED_KEPT:  # (a batch of a sync stores thousands: its reads go by id)
            self._n_stored[event_id] = n
        facts = self._facts
        if share is None:
            self._head_buf[a] = (a, seq, event_id, None, None)
            facts.pop(("share", a), None)
        else:
            self._head_buf[a] = (a, seq, event_id, share.day, share.used)
            facts[("share", a)] = share
        facts[("head", a)] = (seq, event_id)
        if body is not None and expires is not None:
            soonest = facts.get("next_expiry", UNKNOWN)
            if soonest is not UNKNOWN:
                facts["next_expiry"] = expires if soonest is None else min(soonest, expires)
        return n

    # --- the two parts of the id index (schema.IDS_SCHEMA) ----------------------------------------
    def _events_added(self, count: int) -> None:
        """Before the commit of a write that stored events: move the newest ids into `ids` once
        `ids_new` holds enough of them (in the same transaction: the two parts change together)."""
        held = self._kept("ids_new")
        held = self._one("SELECT count(*) FROM ids_new") if held is UNKNOWN else held + count
        self._keep("ids_new", held)
        if held < new_ids_limit(self._kept_or_read("last_n", lambda: self._one("SELECT max(n) FROM events") or 0)):
            return
        # The move needs room (~1 page per 200 ids): on a nearly full disk the events are stored
        # without it, as they would fit, and it is tried again at the next commit.
        self._x("SAVEPOINT move_ids")
        try:
            self.merge_new_ids()
            self._x("RELEASE move_ids")
        except StorageFull:
            if not self._db.in_transaction:  # SQLite rolled the whole transaction back: nothing stored
                raise
            self._x("ROLLBACK TO move_ids")
            self._x("RELEASE move_ids")
            self._keep("ids_new", held)

    def merge_new_ids(self) -> None:
        """Move every id of `ids_new` into `ids`, in key order (inside a write): each page of `ids`
        that takes some is rewritten once for all of them, where an insert at a time at random
        places rewrote a page per id."""
        self._x("INSERT INTO ids(p, n) SELECT p, n FROM ids_new")
        self._x("DELETE FROM ids_new")
        self._keep("ids_new", 0)

    def set_body(self, event_id: bytes, body: bytes | None, state: int) -> None:
        if body is not None:
            self._forget("next_expiry")
        where, args = by_id(event_id)
        self._x(f"UPDATE events SET body=?, body_state=? WHERE {where}", (body, state, *args))

    def take_out(self, author: bytes, from_seq: int) -> list[TakenOut]:
        """Remove `author`'s events from `from_seq` on, with their read-model rows; returns them so
        the caller can keep them aside. The author's head goes back to `from_seq - 1`."""
        a = self._find_k(author)
        if a is None:
            return []
        rows = self._x("SELECT id, seq, kind, header, sig, body FROM events WHERE a=? AND seq>=? ORDER BY seq",
                       (a, from_seq)).fetchall()
        if not rows:
            return []
        self._numbers_taken_out(self._one("SELECT max(n) FROM events WHERE a=? AND seq>=?", (a, from_seq)))
        self._forget(("head", a), ("share", a), "last_n", "ids_new")
        self._drop_rows("SELECT n FROM events WHERE a=? AND seq>=?", (a, from_seq))
        for part in ("ids", "ids_new"):  # their ids leave with them (schema.IDS_SCHEMA)
            self._x(f"DELETE FROM {part} WHERE (p, n) IN (SELECT substr(id, 1, 8), n FROM events WHERE a=? AND seq>=?)",
                    (a, from_seq))
        self._x("DELETE FROM events WHERE a=? AND seq>=?", (a, from_seq))
        below = self._x("SELECT seq, id FROM events WHERE a=? AND seq=?", (a, from_seq - 1)).fetchone()
        if below:
            self._x("UPDATE heads SET seq=?, id=?, day=NULL, used=NULL WHERE k=?", (*below, a))
        else:
            self._x("DELETE FROM heads WHERE k=?", (a,))
        return [TakenOut(event_id, seq, kind, self._wire(event_id, a, h, sg, b)) for event_id, seq, kind, h, sg, b in rows]

    def expire_bodies(self, now: int) -> list[bytes]:
        """Drop the bodies (and read-model rows) of events expired at `now`; returns their ids.
        Every write transaction asks: while the soonest expiry known is still to come, no statement."""
        soonest = self._kept("next_expiry")
        if soonest is not UNKNOWN and (soonest is None or now < soonest):
            return []
        expired = "expires IS NOT NULL AND body IS NOT NULL AND expires <= ?"
        ids = [r[0] for r in self._x(f"SELECT id FROM events WHERE {expired}", (now,))]
        if ids:
            self._drop_rows(f"SELECT n FROM events WHERE {expired}", (now,))
            self._x(f"UPDATE events SET body=NULL, body_state=? WHERE {expired}", (BODY_EXPIRED, now))
        self._keep("next_expiry", self._one("SELECT min(expires) FROM events WHERE expires IS NOT NULL "
                                            "AND body IS NOT NULL"))
        return ids

    # --- heads and counts -----------------------------------------------------------------------
    def head(self, author: bytes) -> tuple[int, bytes | None]:
        """(seq, id) of the author's latest stored event, (0, None) if none."""
        a = self._find_k(author)
        if a is None:
            return (0, None)
        return self._kept_or_read(("head", a), lambda: self._head_row(a))

    def check_head(self, author: bytes, seq: int, event_id: bytes | None) -> None:
        """DatabaseDamaged unless (`seq`, `event_id`), the head `head` read, is the newest event of
        `author` in the log. The heads are an index beside the events, neither signed nor hashed:
        signing on from a head with a changed byte made this node's own key fork itself (a prev that
        is not its last event's id, or a seq already taken), frozen on every node."""
        # Both seqs in one statement (two were two of a publish's dozen): the head's row must name
        # its id, and no row may follow it (with no head: no seq 1). A range, not IN (?, ?): SQLite
        # builds a temporary table for an IN list that walks an index. (`head` read the row through
        # check_heads: its seq is at least 1, or 0 for no head.)
        a = self._find_k(author)
        found = [] if a is None else self._x("SELECT seq, id FROM events WHERE a=? AND seq BETWEEN ? AND ? ORDER BY seq",
                                             (a, seq or seq + 1, seq + 1)).fetchall()
        if found != ([(seq, event_id)] if seq > 0 else []):
            raise DatabaseDamaged(f"the database {self.path} is damaged: the index of this key's newest event "
                                  "does not name its newest event (a byte changed on the disk: the card may be "
                                  "failing). Nothing was signed: signing on from it would fork this key. "
                                  + HEADS_REBUILD_ADVICE)

    def stamped_after(self, author: bytes, limit: int) -> tuple[int, int] | None:
        """(how many, the newest stamp) of `author`'s events after its last one stamped at or before
        `limit`, when there are some: a chain's tail stamped ahead (node/stamped_ahead.py). The newest
        events come first in the index walk: an author's tail, usually its head alone."""
        a = self._find_k(author)
        if a is None:
            return None
        right = self._one("SELECT seq FROM events WHERE a=? AND ts<=? ORDER BY seq DESC LIMIT 1", (a, limit)) or 0
        count, newest = self._x("SELECT count(*), max(ts) FROM events WHERE a=? AND seq>?", (a, right)).fetchone()
        return (count, newest) if count else None

    def stamped_beyond(self, author: bytes, limit: int, up_to_seq: int | None = None) -> tuple[int, int] | None:
        """(how many, the newest stamp) of `author`'s events stamped after `limit` (and at or below
        `up_to_seq`, if given), None if none is, wherever they are in its chain (unlike `stamped_after`:
        a later event stamped earlier, by a clock set back since, hides none of them). By time (+a):
        after `limit` there is usually nothing at all, where an author may have thousands."""
        a = self._find_k(author)
        if a is None:
            return None
        count, newest = self._x("SELECT count(*), max(ts) FROM events WHERE +a=? AND ts>? AND seq<=?",
                                (a, limit, up_to_seq if up_to_seq is not None else 2**62)).fetchone()
        return (count, newest) if count else None

    def first_seq_stamped_from(self, author: bytes, at: int, after_seq: int = 0) -> int | None:
        """The lowest seq after `after_seq` of `author`'s events stamped at or after `at` (None: none
        is): by then its device was in use (node/hidden_own.py). Walks the author's chain from there."""
        a = self._find_k(author)
        return None if a is None else self._one("SELECT min(seq) FROM events WHERE a=? AND seq>? AND ts>=?",
                                                (a, after_seq, at))

    def _head_row(self, a: int) -> tuple[int, bytes | None]:
        row = self._x("SELECT seq, id FROM heads WHERE k=?", (a,)).fetchone()
        if row is None:
            return (0, None)
        check_heads([(b"", row[0], row[1])], self.path)
        return (row[0], row[1])

    def heads(self) -> list[Head]:
        """Every author's newest stored event (one row per author: no scan of the log)."""
        return [Head(key, seq, event_id) for key, seq, event_id in
                check_heads(self._x(status_sql.HEADS).fetchall(), self.path)]

    def count_heads_again(self) -> int:
        """Count the index of each author's newest event again from the stored events (`solnet
        rebuild`): it is neither signed nor hashed, so a changed byte is mended from what is.
        Returns how many heads it changed. The shares kept with them are counted again when asked."""
        before = self._x("SELECT k, seq, id FROM heads ORDER BY k").fetchall()
        self._x("DELETE FROM heads")
        # (SQLite gives the bare column `id` of the row holding max(seq))
        self._x("INSERT INTO heads(k, seq, id) SELECT a, max(seq), id FROM events GROUP BY a")
        after = self._x("SELECT k, seq, id FROM heads ORDER BY k").fetchall()
        for k, _seq, _id in before + after:
            self._forget(("head", k), ("share", k))
        return len({row[0] for row in set(before) ^ set(after)})

    def count(self) -> int:
        """How many events are stored: chains have no gaps, so the sum of the heads' seqs."""
        return self._one(status_sql.EVENT_COUNT)

    def author_count(self) -> int:
        return self._one(status_sql.AUTHOR_COUNT)

    def last_n(self) -> int:
        return self._kept_or_read("last_n", lambda: self._one("SELECT coalesce(max(n), 0) FROM events"))

    def highest_n_given(self) -> int:
        """The highest row number this database has given, to an event stored or taken out since: no
        client of this database can have seen a greater one."""
        return max(self.last_n(), self._n_taken_out())

    def last_n_of(self, authors: Sequence[bytes]) -> int:
        """The row number of the newest stored event of any of `authors` (0: none)."""
        found = [a for a in (self._find_k(key) for key in authors) if a is not None]
        return max([self._one("SELECT n FROM events WHERE a=? ORDER BY seq DESC LIMIT 1", (a,)) or 0
                    for a in found], default=0)

    def newest_stamps(self, authors: Sequence[bytes]) -> dict[bytes, int]:
        """Of each of `authors` with a stored event, the timestamp of its newest (by seq, as
        `events_page(author=...)` gives it first): one statement per 500 authors, each a walk of its
        (a, seq) index with LIMIT 1 (one statement an author made a desk of 400 groups read 800)."""
        found: dict[bytes, int] = {}
        for i in range(0, len(authors), 500):
            chunk = list(authors[i: i + 500])
            found.update((key, ts) for key, ts in self._x(
                "SELECT v.column1, (SELECT e.ts FROM events e WHERE e.a=(SELECT k FROM keys WHERE key=v.column1)"
                f" ORDER BY e.seq DESC LIMIT 1) FROM (VALUES {','.join(['(?)'] * len(chunk))}) v", chunk) if ts is not None)
        return found

    # --- by id ----------------------------------------------------------------------------------
    def known(self, ids: list[bytes]) -> dict[bytes, int]:
        """The ids among `ids` that are stored, with their body state."""
        found: dict[bytes, int] = {}
        wanted = set(ids)
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i: i + _CHUNK]
            # By prefix only (a probe of each part of the id index); the few prefix-only matches are dropped here.
            where, args = by_prefixes([event_id[:8] for event_id in chunk])
            rows = self._x(f"SELECT id, body_state FROM events WHERE {where}", args)
            found.update((event_id, state) for event_id, state in rows if event_id in wanted)
        return found

    def known_of(self, author: bytes, ids: Sequence[bytes]) -> dict[bytes, str]:
        """id -> kind of the events among `ids` that `author` signed and this node stores."""
        a = self._find_k(author)
        if a is None or not ids:
            return {}
        where, args = by_ids(list(ids))
        return dict(self._x(f"SELECT id, kind FROM events WHERE {where} AND a=?", (*args, a)).fetchall())

    def missing_bodies(self, limit: int) -> list[bytes]:
        """Ids of stored events whose bodies this node lacks (a stub received, a redaction that left
        the log), oldest first; at most `limit` (schema: an index of them alone)."""
        return [r[0] for r in self._x(f"SELECT id FROM events WHERE body_state={BODY_MISSING} ORDER BY n LIMIT ?",
                                      (limit,))]  # (a literal: the partial index is used only so)

    def id_at(self, author: bytes, seq: int) -> bytes | None:
        a = self._find_k(author)
        return self._one("SELECT id FROM events WHERE a=? AND seq=?", (a, seq)) if a is not None else None

    def ids_of(self, author: bytes) -> list[tuple[int, bytes]]:
        """(seq, id) of every stored event of `author`, by seq."""
        a = self._find_k(author)
        return self._x("SELECT seq, id FROM events WHERE a=? ORDER BY seq", (a,)).fetchall() if a is not None else []

    def author_and_n(self, event_id: bytes) -> tuple[bytes, int] | None:
        where, args = by_id(event_id)
        row = self._x(f"SELECT a, n FROM events WHERE {where}", args).fetchone()
        return (self._key(row[0]), row[1]) if row else None

    def event_row(self, event_id: bytes) -> EventRow | None:
        row = self.numbered_row(event_id)
        return EventRow(*row[1:]) if row else None

    def numbered_row(self, event_id: bytes) -> PagedEvent | None:
        """`event_row` with the event's row number `n` first (one query for both). An event this write
        transaction stored (a publish's answer, read at the end of its group) is looked up by its `n`,
        the table's own key, rather than through the two id indexes; the row must still bear its id."""
        n = self._n_stored.get(event_id)
        if n is not None:
            row = self._x(f"SELECT {_COLS} FROM events WHERE n=?", (n,)).fetchone()
            if row is not None and row[1] == event_id:  # (a part of a group rolled back may have given its n again)
                return self._paged(row)
        where, args = by_id(event_id)
        row = self._x(f"SELECT {_COLS} FROM events WHERE {where}", args).fetchone()
        return self._paged(row) if row else None

    def events_named(self, ids: Sequence[bytes]) -> list[tuple[bytes, bytes, int, str, bytes | None, int]]:
        """(id, author, ts, kind, body, n) of those of `ids` held: what a read model judges a step
        against (node.references.targets), or when the vouches of nameless groups were signed and
        stored (node.audience), _CHUNK ids a statement, not one each (an offer's page of draw-downs
        named 579 needs one by one). Each checked against what its author signed, as `event_row`
        checks it (DatabaseDamaged: a changed byte is not judged as the author's)."""
        out = []
        for i in range(0, len(ids), _CHUNK):
            where, args = by_ids(list(ids[i: i + _CHUNK]))
            for event_id, a, ts, kind, header, sig, body, n in self._x(
                    f"SELECT id, a, ts, kind, header, sig, body, n FROM events WHERE {where}", args):
                self._signed(event_id, a, header, sig, body)
                out.append((event_id, self._key(a), ts, kind, body, n))
        return out

    def event_n(self, event_id: bytes) -> int | None:
        where, args = by_id(event_id)
        return self._one(f"SELECT n FROM events WHERE {where}", args)

    def find_prefix(self, prefix: bytes) -> list[bytes]:
        """At most two stored ids that start with `prefix` (two: it is ambiguous)."""
        lower, upper = prefix + b"\x00" * (32 - len(prefix)), prefix + b"\xff" * (32 - len(prefix))
        return [r[0] for r in self._x("SELECT id FROM events WHERE n IN (SELECT n FROM ids WHERE p BETWEEN ?1 AND ?2 "
                                      "UNION ALL SELECT n FROM ids_new WHERE p BETWEEN ?1 AND ?2) "
                                      "AND id BETWEEN ?3 AND ?4 LIMIT 2", (lower[:8], upper[:8], prefix, upper))]

    def not_in_log(self, ids: Sequence[bytes]) -> list[bytes]:
        """Those of `ids` that are not in the log (any more): taken out by a revocation, a fork or a
        pin, whichever table keeps them now."""
        held: set[bytes] = set()
        for i in range(0, len(ids), _CHUNK):
            where, args = by_ids(list(ids[i: i + _CHUNK]))
            held.update(r[0] for r in self._x(f"SELECT id FROM events WHERE {where}", args))
        return [i for i in ids if i not in held]

    def wires_by_id(self, ids: list[bytes]) -> list[bytes]:
        out = []
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i: i + _CHUNK]
            where, args = by_ids(chunk)
            out += [self._wire(*r) for r in self._x(f"SELECT id, a, header, sig, body FROM events WHERE {where}", args)]
        return out

    # --- by author ------------------------------------------------------------------------------
    def range_wire(self, author: bytes, first: int, last: int, limit: int) -> list[tuple[int, bytes]]:
        """(seq, wire) of `author`'s events first..last, at most `limit`, in seq order."""
        a = self._find_k(author)
        if a is None:
            return []
        rows = self._x("SELECT seq, id, header, sig, body FROM events WHERE a=? AND seq BETWEEN ? AND ? ORDER BY seq "
                       "LIMIT ?", (a, first, last, limit)).fetchall()
        return [(seq, self._wire(i, a, h, s, b)) for seq, i, h, s, b in rows]

    def events_of(self, author: bytes, below_seq: int | None = None) -> list[StoredWire]:
        """`author`'s stored events (below `below_seq`) in seq order, with their row numbers."""
        a = self._find_k(author)
        if a is None:
            return []
        rows = self._x("SELECT n, id, header, sig, body FROM events WHERE a=? AND seq<? ORDER BY seq",
                       (a, below_seq if below_seq is not None else 2**62)).fetchall()
        return [StoredWire(n, self._wire(i, a, h, s, b)) for n, i, h, s, b in rows]

    def chain_wires(self, author: bytes) -> list[bytes]:
        """Every stored event of `author` in wire form, in seq order."""
        return [w.wire for w in self.events_of(author)]

    def events_after(self, authors: Sequence[bytes], after_n: int, limit: int = 1000) -> list[tuple[int, bytes, str, bytes]]:
        """(n, id, kind, wire) of the events of `authors` stored after row `after_n`, in stored order."""
        found = [a for a in (self._find_k(key) for key in authors) if a is not None]
        if not found:
            return []
        rows = self._x(f"SELECT n, id, a, kind, header, sig, body FROM events WHERE a IN ({','.join('?' * len(found))}) "
                       "AND n > ? ORDER BY n LIMIT ?", (*found, after_n, limit)).fetchall()
        return [(n, event_id, kind, self._wire(event_id, a, h, s, b)) for n, event_id, a, kind, h, s, b in rows]

    def stored_elsewhere(self, after_n: int, upto_n: int, limit: int, kinds: Sequence[str] | None = None,
                         ) -> list[tuple[int, bytes, str, bytes]]:
        """(n, id, kind, wire) of the events (of `kinds`; None: all) with their body stored after row
        `after_n`, up to `upto_n`, by another connection than this one: another process writing
        into the home (`solnet import` of a bundle brought on a USB stick, `solnet publish` while
        the node starts), in stored order, at most `limit`. This connection's own are known by
        the row numbers its write transactions gave (`_written`): the others lie between them."""
        kind_sql = f" AND kind IN ({','.join('?' * len(kinds))})" if kinds else ""
        out: list[tuple[int, bytes, str, bytes]] = []
        for low, high in self._gaps_between_written(after_n, upto_n):
            rows = self._x(f"SELECT n, id, a, kind, header, sig, body FROM events WHERE n > ? AND n < ?{kind_sql} "
                           "AND body IS NOT NULL ORDER BY n LIMIT ?", (low, high, *(kinds or ()), limit - len(out)))
            out += [(n, event_id, kind, self._wire(event_id, a, h, s, b)) for n, event_id, a, kind, h, s, b in rows]
            if len(out) >= limit:
                break
        return out

    def _gaps_between_written(self, after_n: int, upto_n: int) -> Iterator[tuple[int, int]]:
        """The row numbers after `after_n` and up to `upto_n` that this connection did not give, as
        ranges (low, high), both bounds left out, lowest first."""
        low = after_n
        for first, last in self._written:
            if last <= low:
                continue
            if first > upto_n:
                break
            if first > low + 1:
                yield low, first
            low = last
        if low < upto_n:
            yield low, upto_n + 1

    def forget_written(self, upto_n: int) -> None:
        """This connection's row numbers up to `upto_n` are no longer asked about (`stored_elsewhere`)."""
        while self._written and self._written[0][1] <= upto_n:
            self._written.popleft()

    # --- by kind ----------------------------------------------------------------------------------
    def trust_rows(self) -> list[TrustRow]:
        """Every stored trust event with its body, in stored order."""
        rows = self._x("SELECT id, a, seq, kind, body, ts, header, sig FROM events WHERE kind IN ('member.vouch', "
                       "'member.revoke') AND body IS NOT NULL ORDER BY n").fetchall()
        # Checked as they are read (at every start): a changed byte in a vouch would change who is a member.
        return [TrustRow(event_id, self._key(a), seq, kind, body, ts)
                for event_id, a, seq, kind, body, ts, header, sig in rows if self._signed(event_id, a, header, sig, body)]

    def holds_kind(self, kind: str) -> bool:
        """Whether any event of `kind` is stored: the first entry of the kind's index, not a count
        of them all."""
        return self._one("SELECT 1 FROM events WHERE kind=? LIMIT 1", (kind,)) is not None

    def count_of_kind(self, kind: str, *, body_missing: bool = False) -> int:
        """The stored events of `kind`; `body_missing`: only those held without their body (stubs,
        as a bundle in clear brings a node's announcement), whose body the peers fill in."""
        if body_missing:
            return self._one(f"SELECT count(*) FROM events WHERE kind=? AND body_state={BODY_MISSING}", (kind,))
        return self._one("SELECT count(*) FROM events WHERE kind=?", (kind,))

    def announcements(self, *, not_by: bytes | None = None, by: bytes | None = None) -> list[tuple[bytes, bytes, bytes]]:
        """(id, author, body) of the stored node.announce events (not signed by `not_by`; `by`: only
        those `by` signed), each author's oldest first."""
        skip = self._find_k(not_by) if not_by is not None else None
        where, args = " ORDER BY a, seq", ()
        if by is not None:
            if (only := self._find_k(by)) is None:
                return []
            where, args = " AND a=? ORDER BY seq", (only,)
        # Checked: a changed byte in an address would have this node dial, and list, a stranger's.
        return [(event_id, self._key(a), body)
                for event_id, a, body, header, sig in self._x("SELECT id, a, body, header, sig FROM events WHERE "
                                                              "kind='node.announce' AND body IS NOT NULL" + where, args)
                if a != skip and self._signed(event_id, a, header, sig, body)]

    def newest_announcements(self, *, not_by: bytes | None = None) -> list[tuple[bytes, bytes, bytes]]:
        """(id, author, body) of each author's newest node.announce that has its body (not `not_by`'s),
        the only one that says where its node is (node/net/peer_directory.py). Only these rows are
        read whole and checked: a member's thousands of superseded announcements cost a count each,
        not a check, at every announcement that arrives."""
        skip = self._find_k(not_by) if not_by is not None else None  # (None: `a IS NOT NULL`, every author)
        rows = self._x("SELECT e.id, e.a, e.body, e.header, e.sig FROM (SELECT a, max(seq) AS seq FROM events "
                       "WHERE kind='node.announce' AND body IS NOT NULL AND a IS NOT ? GROUP BY a) AS newest "
                       "JOIN events AS e ON e.a=newest.a AND e.seq=newest.seq", (skip,)).fetchall()
        # Checked as `announcements` is: a changed byte in an address would have this node dial a stranger's.
        return [(event_id, self._key(a), body) for event_id, a, body, header, sig in rows
                if self._signed(event_id, a, header, sig, body)]

    def sealed_events(self, after_n: int = 0, kinds: Sequence[str] = ("sealed",), *,
                      authors: Collection[bytes] | None = None, limit: int = -1,
                      at: Collection[int] | None = None,
                      ) -> list[tuple[int, bytes, bytes, int, int, int | None, bytes]]:
        """(n, id, author, seq, ts, expires, body) of every `sealed` event that still has its body
        (events for chosen groups only: node/audience.py opens them in memory), in stored order;
        `kinds`: of those kinds instead (node/hidden_own.py adds those with a private part);
        `authors`: only theirs; `limit`: at most that many (-1: all); `at`: only those rows."""
        only = self._authors_only(authors)
        if only is None:
            return []
        if at is not None:
            only += f" AND n IN ({','.join(str(int(n)) for n in at)})"
        rows = self._x(f"SELECT n, id, a, seq, ts, expires, body, header, sig FROM events WHERE kind IN "
                       f"({','.join('?' * len(kinds))}) AND body IS NOT NULL AND n>?{only} ORDER BY n LIMIT ?",
                       (*kinds, after_n, limit)).fetchall()
        # Checked: a changed byte fails to open like an event for other groups, and was dropped
        # from every listing of its readers without a word.
        return [(n, event_id, self._key(a), seq, ts, expires, body)
                for n, event_id, a, seq, ts, expires, body, header, sig in rows
                if self._signed(event_id, a, header, sig, body)]

    def _authors_only(self, authors: Collection[bytes] | None) -> str | None:
        """The SQL that keeps `authors`' rows alone ("" for all; None: none of them has any here)."""
        if authors is None:
            return ""
        numbers = sorted(self._key_numbers(authors))
        # (+a: the kind's index (kind, n) walks only what is new; the (a, seq) one, which SQLite
        # otherwise takes, walked the whole chain of each device named at every look)
        return f" AND +a IN ({','.join(map(str, numbers))})" if numbers else None

    def holds_sealed(self) -> bool:
        """Whether any `sealed` event is held with its body (a view then needs this device's key)."""
        return self._one("SELECT 1 FROM events WHERE kind='sealed' AND body IS NOT NULL LIMIT 1") is not None

    def kinds_after(self, kinds: Sequence[str], after_n: int, limit: int,
                    ) -> list[tuple[int, bytes, bytes, str, int, int | None, bytes]]:
        """(n, id, author, kind, ts, expires, body) of events of `kinds` stored after row `after_n`
        with their body, oldest first, at most `limit` (node/alert_feed.py follows new alerts and
        their updates with it)."""
        rows = self._x(f"SELECT n, id, a, kind, ts, expires, body, header, sig FROM events WHERE kind IN "
                       f"({','.join('?' * len(kinds))}) AND n>? AND body IS NOT NULL ORDER BY n LIMIT ?",
                       (*kinds, after_n, limit)).fetchall()
        # Checked: what a hook or a bot is handed is what the alert's author signed.
        return [(n, event_id, self._key(a), kind, ts, expires, body)
                for n, event_id, a, kind, ts, expires, body, header, sig in rows
                if self._signed(event_id, a, header, sig, body)]

    def bodies_of_kinds(self, kinds: Sequence[str]) -> list[tuple[bytes, bytes]]:
        """(id, body) of every stored event of `kinds` that has its body. Not checked against the
        signed hash (as every other read of a body is): the panic wipe reads them to drop them,
        and a damaged database must not stop it."""
        return self._x(f"SELECT id, body FROM events WHERE kind IN ({','.join('?' * len(kinds))}) AND body IS NOT NULL",
                       tuple(kinds)).fetchall()

    # --- listings ---------------------------------------------------------------------------------
    def all_events(self) -> Iterator[PagedEvent]:
        """Every stored event in stored order (for checks and exports)."""
        last = 0
        while True:
            rows = self._x(f"SELECT {_COLS} FROM events WHERE n > ? ORDER BY n LIMIT 1000", (last,)).fetchall()
            if not rows:
                return
            yield from (self._paged(r) for r in rows)
            last = rows[-1][0]

    def stored_with_body(self) -> Iterator[StoredWire]:
        """Every event that has its body, in stored order, in wire form (for rebuild)."""
        last = 0
        while True:
            rows = self._x("SELECT n, id, a, header, sig, body FROM events WHERE n > ? AND body IS NOT NULL ORDER BY n "
                           "LIMIT 1000", (last,)).fetchall()
            if not rows:
                return
            yield from (StoredWire(n, self._wire(i, a, h, s, b)) for n, i, a, h, s, b in rows)
            last = rows[-1][0]

    def stored_before(self, at: int) -> int:
        """A row number every event stored here from the start of `at`'s minute on (this machine's
        clock, ms; `arrived` tells no finer: schema.ARRIVED_SPAN) is above: the highest of a
        transaction before it with none from it on before it (0: none; schema.ARRIVED_SCHEMA).
        (Not the highest before it: a clock that read earlier than before, a Pi's after a power cut,
        put the events it stored then, numbered above those stored from it on, "before" it.)"""
        at -= at % ARRIVED_SPAN
        return self._one("SELECT max(n) FROM arrived WHERE at < ?1 AND n < "
                         "coalesce((SELECT min(n) FROM arrived WHERE at >= ?1), n + 1)", (at,)) or 0

    def noted_since(self) -> int | None:
        """When this home began to note when it stored events (the `arrived` row of its lowest row
        number; None: no record, as a panic wipe leaves it): what it held then counts as stored then.
        (Not the earliest time: a clock set back after it, a Pi's after a power cut, reads earlier.)"""
        return self._one("SELECT at FROM arrived ORDER BY n LIMIT 1")

    def iter_wire(self, *, since_ts: int = 0, after_n: int = 0, batch: int = 1000,
                  stubs_of: Sequence[str] = ()) -> Iterator[bytes]:
        """Every stored event in wire form, each author's in seq order (a reader can ingest them in
        order); those of the kinds `stubs_of` without their bodies (stubs, as of a body this node lacks).
        With `since_ts`: those stamped from then on, or stored after row number `after_n`, or given
        their body from the start of its minute on (schema.FILLED_SCHEMA: a stub keeps its number)."""
        last = (0, 0)
        filled = " OR n IN (SELECT n FROM filled WHERE at >= ?)" if since_ts else ""  # (read once a statement)
        more = (since_ts - since_ts % ARRIVED_SPAN,) if since_ts else ()
        while True:
            rows = self._x("SELECT a, seq, id, header, sig, body, kind FROM events WHERE (a, seq) > (?, ?) "
                           f"AND (ts >= ? OR n > ?{filled}) ORDER BY a, seq LIMIT ?",
                           (*last, since_ts, after_n, *more, batch)).fetchall()
            if not rows:
                return
            for a, _seq, event_id, header, sig, body, kind in rows:
                if kind in stubs_of:
                    yield wire_of(self._signed(event_id, a, header, sig, None), sig, None)
                else:
                    yield self._wire(event_id, a, header, sig, body)
            last = (rows[-1][0], rows[-1][1])

    def events_page(self, *, kind: str | None = None, author: bytes | None = None,
                    regions: tuple[str, Sequence[str]] | None = None, since_ts: int | None = None,
                    before_n: int | None = None, limit: int = 50) -> list[PagedEvent]:
        """Events newest stored first (by `n`). Paging by `before_n` is stable while events arrive:
        new ones get larger `n`. `regions` is (region, read-model tables): an event is in a region
        if its read-model row is. Each filter walks an index from the newest end, with LIMIT."""
        filters = self._filters(kind=kind, author=author, since_ts=since_ts, before_n=before_n)
        if filters is None:
            return []
        where, args = filters
        if regions:  # walk the region's read-model rows newest first, keeping the events that pass
            region, tables = regions
            r = self._find_r(region)  # (by number: schema 17)
            if r is None:  # no row is placed there
                return []
            in_tables = self._table_filter(tables)
            sql = (f"SELECT {', '.join('e.' + c for c in _COLS.split(', '))} FROM proj p JOIN events e ON e.n = p.n "
                   f"WHERE p.region=?{in_tables}" + "".join(f" AND e.{w}" for w in where) + " ORDER BY p.n DESC LIMIT ?")
            return [self._paged(row) for row in self._x(sql, (r, *args, limit))]
        sql = f"SELECT {_COLS} FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        # One author's chain is stored in seq order, so seq order is n order: walk its (a, seq) index.
        sql += " ORDER BY seq DESC LIMIT ?" if author is not None and not kind else " ORDER BY n DESC LIMIT ?"
        return [self._paged(r) for r in self._x(sql, (*args, limit))]

    def list_events(self, *, kind: str | None = None, author: bytes | None = None, limit: int = 100,
                    before: tuple[int, bytes] | None = None, since_ts: int | None = None) -> list[EventRow]:
        """Events newest first by the authors' clocks (timestamp, then id); `since_ts`: made at or after."""
        filters = self._filters(kind=kind, author=author, since_ts=since_ts, before=before)
        if filters is None:
            return []
        where, args = filters
        sql = f"SELECT {_COLS} FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY ts DESC, id DESC LIMIT ?"
        return [EventRow(*self._paged(r)[1:]) for r in self._x(sql, (*args, limit))]

    def _filters(self, *, kind: str | None = None, author: bytes | None = None, since_ts: int | None = None,
                 before_n: int | None = None, before: tuple[int, bytes] | None = None) -> tuple[list[str], list] | None:
        """Conditions on `events` (and their arguments) for a listing; None when nothing can match."""
        where: list[str] = []
        args: list = []
        if author is not None:
            a = self._find_k(author)
            if a is None:
                return None
            where.append("a=?")
            args.append(a)
        for condition, value in (("kind=?", kind or None), ("ts>=?", since_ts), ("n<?", before_n)):
            if value is not None:
                where.append(condition)
                args.append(value)
        if before:
            where.append("(ts, id) < (?, ?)")
            args.extend(before)
        return where, args

    def all_ids(self) -> set[bytes]:
        return {r[0] for r in self._x("SELECT id FROM events")}

    def event_states(self) -> list[tuple[bytes, bytes, int, int]]:
        """(id, author, seq, body state) of every stored event: what two nodes holding the same log share."""
        return [(event_id, self._key(a), seq, state)
                for event_id, a, seq, state in self._x("SELECT id, a, seq, body_state FROM events")]

    def _table_filter(self, tables: Sequence[str]) -> str:
        raise NotImplementedError  # ProjectionTables

    def _drop_rows(self, made_by: str, args: Sequence) -> None:
        raise NotImplementedError  # ProjectionTables
