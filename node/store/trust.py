"""Forks, frozen authors, redactions and the events kept aside (pending)."""
from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence

from events.errors import NOT_A_MEMBER
from events.format import Event, decode_event

from node.pending_queue import PendingTally
from node.store import status_sql
from node.store.events import wire_of
from node.store.forged import ForgedTables, ForkedLimits
from node.store.pinned_chains import PINNED_CHAINS, Link, PinnedChains, Walk, follow
from node.store.rows import ForkRecord, Head, PendingRow, PendingTrust
from node.store.base import UNKNOWN
from node.store.schema import BODY_MISSING, BODY_REDACTED, TRUST_KINDS, by_ids
from sync.frontier import past_fork_heads


def _stub(wire: bytes) -> bytes:
    """`wire` without its body (the header promises it; the signature still verifies)."""
    return decode_event(wire).encode(with_body=False)


FORKED_LIMITS = ForkedLimits()  # the events of a frozen device past its fork point (`keep_forked`)
FEW_IDS = 50  # up to this many ids are looked up one by one in the redactions' index
# The rows of `forked` never in the log: how many, and their bytes.
FORKED_TALLY = "forked_tally"  # the kept fact of _ForkedTally
REDACTABLE = "kind NOT IN (" + ", ".join(f"'{k}'" for k in TRUST_KINDS) + ")"


class _ForkedTally:
    """The rows of `forked` never in the log, by device and in all (count, bytes): read once (two
    scans) and kept, as a fact of the write transaction (`StoreBase._kept`: dropped at a rollback
    and when another connection wrote), up to date as `keep_forked` adds and drops rows. Read again
    for every event of a flood, they cost scans of up to FORKED_LIMITS.events rows each (66 ms an
    event once the limit was reached)."""

    def __init__(self, rows: Callable[..., list[tuple]]) -> None:
        self._rows = rows  # (sql, args) -> the rows
        self._authors: dict[bytes, list[int]] = {}
        self._total: list[int] | None = None
        self._sorted: dict[bytes, list[tuple[int, bytes, int]]] = {}

    def _read(self) -> None:
        if self._total is None:
            self._authors = {author: [count, size] for author, count, size in self._rows(
                "SELECT author, count(*), coalesce(sum(length(header) + length(coalesce(body, ''))), 0) FROM forked "
                "WHERE stored=0 GROUP BY author", ())}
            self._total = [sum(c for c, _ in self._authors.values()), sum(z for _, z in self._authors.values())]

    def of(self, author: bytes) -> tuple[int, int]:
        self._read()
        count, size = self._authors.get(author, (0, 0))
        return count, size

    def total(self) -> tuple[int, int]:
        self._read()
        assert self._total is not None
        return self._total[0], self._total[1]

    def most_first(self) -> list[tuple[bytes, int]]:
        """(device, rows) of every device holding rows, the most first (then by device)."""
        self._read()
        return sorted(((a, c) for a, (c, _) in self._authors.items() if c > 0), key=lambda t: (-t[1], t[0]))

    def rows_of(self, author: bytes) -> list[tuple[int, bytes, int]]:
        """(seq, id, bytes) of `author`'s rows, lowest (seq, id) first: read once, kept in step (a
        device's next row to give up, found by a query, sorted all of its up to 2,000 rows again
        at every event of a flood)."""
        if author not in self._sorted:
            self._sorted[author] = sorted(self._rows(
                "SELECT seq, id, length(header) + length(coalesce(body, '')) FROM forked WHERE author=? AND stored=0",
                (author,)))
        return self._sorted[author]

    def add(self, author: bytes, seq: int, event_id: bytes, size: int) -> None:
        self._count(author, 1, size)
        if author in self._sorted:
            bisect.insort(self._sorted[author], (seq, event_id, size))

    def drop(self, author: bytes, row: tuple[int, bytes, int]) -> None:
        self._count(author, -1, -row[2])
        if author in self._sorted:
            self._sorted[author].remove(row)

    def _count(self, author: bytes, count: int, size: int) -> None:
        self._read()
        assert self._total is not None
        tally = self._authors.setdefault(author, [0, 0])
        for row in (tally, self._total):
            row[0] += count
            row[1] += size


def redactable(kind: str) -> bool:
    """Whether a redaction drops an event of this kind. Not a trust event: the trust graph is read
    from their bodies, so a redacted revocation would be a revoked key cancelling its revocation
    (a redaction is honoured whatever its author's standing), and a redacted vouch a key taking
    back, after the fact, the admissions it made. A vouch is withdrawn by a revocation instead."""
    return kind not in TRUST_KINDS


class TrustTables(ForgedTables):
    # --- forks ------------------------------------------------------------------------------------
    def fork_points(self) -> dict[bytes, int]:
        """author -> the lowest seq at which it is known to have signed two different events."""
        return dict(self._x(status_sql.FORK_POINTS))

    def record_fork(self, author: bytes, seq: int, evidence: Sequence[tuple[bytes, int, bytes, bytes]], now: int) -> None:
        """Keep the evidence (id, seq, other id, wire) of a fork and lower the author's fork point to `seq`."""
        self._many("INSERT OR IGNORE INTO forks VALUES (?,?,?,?,?,?)",
                   [(event_id, author, ev_seq, other, wire, now) for event_id, ev_seq, other, wire in evidence])
        self._x("INSERT INTO frozen VALUES (?,?,?) ON CONFLICT(author) DO UPDATE SET seq=min(frozen.seq, excluded.seq)",
                (author, seq, now))

    def fork_evidence(self, author: bytes) -> list[bytes]:
        """The kept evidence of `author`'s fork (wire events), lowest seq first: what proves it to a
        peer; then the revocations and vouches it signed past its fork point, which still count."""
        return [self._whole_wire(event_id, wire) for table in ("forks", "frozen_revocations", "frozen_claims")
                for event_id, wire in self._x(f"SELECT id, wire FROM {table} WHERE author=? ORDER BY seq, id", (author,))]

    def clear_fork(self, author: bytes) -> None:
        """Forget `author`'s fork (a pinned revocation showed which branch is its own): the proof,
        the fork point, what was kept past it beside the chain, and its events kept from both branches."""
        for table in ("forks", "frozen", "frozen_revocations", "frozen_claims", "forked"):
            self._x(f"DELETE FROM {table} WHERE author=?", (author,))
        self._forget(FORKED_TALLY)
        self._chains_lost(author=author)

    # --- a frozen device's events past its fork point, both branches (schema.FORKED_SCHEMA) --------
    def keep_forked(self, events: Sequence[tuple[Event, bool]], author: bytes, now: int,
                    chain: Callable[[bytes], frozenset[bytes]] = lambda author: frozenset()) -> bool:
        """Keep `author`'s events (each with whether it was in this log) past its fork point; a row
        kept already keeps its place, and once stored stays stored. True if any is new. Those that
        were in the log always fit (the log held them a moment ago). The others, which anyone
        holding a copy of the key can sign without end, within FORKED_LIMITS: of a device's, its
        lowest (seq, id) stay, so the kept set does not depend on the order they came in and a
        flood at high seqs cannot push the owner's chain out; and `chain(device)`, the ids of the
        device's chain its group pinned as far as this node can follow it, always stay (never
        pushed out, and they push out the device's others), so a flood at low seqs cannot keep
        that chain out once the pin is known: a peer sends it again (sync) and it stays."""
        new = False
        pinned: dict[bytes, frozenset[bytes]] = {}
        tally = self._forked_tally()

        def pinned_of(device: bytes) -> frozenset[bytes]:
            if device not in pinned:
                pinned[device] = chain(device)
            return pinned[device]

        for ev, stored in events:
            if self._one("SELECT 1 FROM forked WHERE id=?", (ev.id,)) is not None:
                if stored:
                    self._x("UPDATE forked SET stored=1 WHERE id=?", (ev.id,))
                    self._forget(FORKED_TALLY)  # (no longer counted among those never in the log)
                    tally = self._forked_tally()
                continue
            length = len(ev.header_bytes) + len(ev.body or b"")
            if not stored:
                if not self._forked_room(author, ev, length, pinned_of, tally):
                    continue
                tally.add(author, ev.seq, ev.id, length)
            self._forget("forked_next_due")
            self._x("INSERT INTO forked VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (ev.id, author, ev.seq, ev.header.prev, ev.kind, ev.header_bytes, ev.signature, ev.body,
                     ev.header.expires, int(stored), now))
            new = True
        return new

    def _forked_tally(self) -> _ForkedTally:
        return self._kept_or_read(FORKED_TALLY, lambda: _ForkedTally(lambda sql, args: self._x(sql, args).fetchall()))

    def _forked_room(self, author: bytes, ev: Event, length: int, pinned_of: Callable[[bytes], frozenset[bytes]],
                     tally: _ForkedTally) -> bool:
        """Make room for `ev` (`length` bytes), one of `author`'s events never in the log, within
        FORKED_LIMITS; False if there is none for it. Of a device, one on its pinned chain pushes out
        its highest other row, another only a row above its own (seq, id). In all, while the rows
        never in the log fill the limits, the device holding the most gives up its highest, if it
        holds more than `author` would; for one on a pinned chain, whichever device holds the most
        rows it can give up, whatever `author` holds: a member forking many devices on purpose
        cannot keep a seized phone's own chain out (it did, with each of them holding a row more
        than the phone, on the nodes where the flood came first)."""
        limits = FORKED_LIMITS

        def place() -> tuple[int, bytes] | None:  # (read only when something must give way)
            return None if ev.id in pinned_of(author) else (ev.seq, ev.id)

        while True:
            count, size = tally.of(author)
            if count + 1 <= limits.per_author_events and size + length <= limits.per_author_bytes:
                break
            if not self._forked_give_way(author, place(), pinned_of(author), tally):
                return False
        while True:
            total, total_size = tally.total()
            if total + 1 <= limits.events and total_size + length <= limits.bytes:
                return True
            on_chain = place() is None
            for device, count in tally.most_first():
                if device != author and count <= tally.of(author)[0] + 1 and not on_chain:
                    return False  # (no device holds more than `author` would)
                if self._forked_give_way(device, place() if device == author else None, pinned_of(device), tally):
                    break  # one row freed: look again
                if not on_chain:
                    return False
            else:
                return False  # (nothing but pinned chains is kept)

    def _forked_give_way(self, author: bytes, above: tuple[int, bytes] | None, pinned: frozenset[bytes],
                         tally: _ForkedTally) -> bool:
        """Drop `author`'s highest (seq, id) row never in the log and not on its pinned chain, if it
        is above `above` (None: any); False if none is."""
        top = next((row for row in reversed(tally.rows_of(author)) if row[1] not in pinned), None)
        if top is None or (above is not None and (top[0], top[1]) <= above):
            return False
        self._forget("forked_next_due")
        self._x("DELETE FROM forked WHERE id=?", (top[1],))
        tally.drop(author, top)
        self._chains_lost(top[1], author)  # (off `pinned`, but a walk grown since it was read may hold it)
        return True

    def pinned_chain(self, author: bytes, pin: bytes, until: int, fork_at: int,
                     batch: Callable[[bytes], Link | None] = lambda event_id: None) -> frozenset[bytes]:
        """The ids of `author`'s chain that ends at `pin` (its seq `until - 1`), down to `fork_at`, as
        far as its events kept out of the log (past its fork point, or aside: `kept_link`) and then
        `batch` (the links of the events being admitted) follow it. The walk through those kept is a
        kept fact (PinnedChains), taken on where it stopped and taken again when a row it went
        through goes (`_chains_lost`): a flood's event that must give way reads none of it again."""
        walk = self.pinned_walk(author, pin, until, fork_at)
        if walk.open_end is None or batch(walk.open_end[0]) is None:
            return walk.ids
        more, _ = follow(*walk.open_end, fork_at, lambda event_id: batch(event_id) or self.kept_link(author, event_id))
        return walk.ids | frozenset(more)

    def pinned_walk(self, author: bytes, pin: bytes, until: int, fork_at: int) -> Walk:
        """`author`'s chain that ends at `pin` (its seq `until - 1`), down to `fork_at`, as far as its
        events kept out of the log follow it (`pinned_chain`): all of it is kept only if the walk
        ended (no open end) with `until - fork_at` ids."""
        return self._kept_or_read(PINNED_CHAINS, PinnedChains).walk(
            author, (pin, until, fork_at), lambda event_id: self.kept_link(author, event_id))

    def _chains_lost(self, event_id: bytes | None = None, author: bytes | None = None) -> None:
        """A row kept out of the log went (`event_id`, of `author` if known; None: `author`'s, some of
        them): the pinned chains' walks through it are taken again (`pinned_chain`)."""
        chains = self._facts.get(PINNED_CHAINS)  # (kept outside a write too: `_kept` would not show it)
        if chains is None:
            return
        if event_id is None:
            chains.drop(author)
        else:
            chains.lost(event_id, author)

    def kept_link(self, author: bytes, event_id: bytes) -> tuple[int, bytes | None] | None:
        """(seq, prev) of `author`'s event `event_id` if it is kept out of the log: past its fork
        point, or aside."""
        row = self._x("SELECT seq, prev FROM forked WHERE id=? AND author=?", (event_id, author)).fetchone()
        if row is not None:
            return row[0], row[1]
        row = self._x("SELECT seq, wire FROM pending WHERE id=? AND author=?", (event_id, author)).fetchone()
        return None if row is None else (row[0], decode_event(self._whole_wire(event_id, row[1])).header.prev)

    def forked_of(self, author: bytes) -> list[tuple[bytes, int, bytes | None, bytes, bool]]:
        """(id, seq, prev, wire, stored) of `author`'s kept events past its fork point, by seq."""
        return [(i, seq, prev, self._whole_wire(i, wire_of(header, sig, body)), bool(stored))
                for i, seq, prev, header, sig, body, stored
                in self._x("SELECT id, seq, prev, header, sig, body, stored FROM forked WHERE author=? "
                           "ORDER BY seq, id", (author,))]

    def kept_at(self, author: bytes, seq: int) -> list[tuple[bytes, bytes | None, bytes]]:
        """(id, prev, wire) of `author`'s events at `seq` kept out of the log: past its fork point
        (beside the chain, and its revocations and vouches there) and aside (pending)."""
        rows = [(i, prev, self._whole_wire(i, wire_of(header, sig, body))) for i, prev, header, sig, body in self._x(
            "SELECT id, prev, header, sig, body FROM forked WHERE author=? AND seq=? ORDER BY id", (author, seq))]
        seen = {r[0] for r in rows}
        for sql in ("SELECT id, wire FROM frozen_revocations WHERE author=? AND seq=? ORDER BY id",
                    "SELECT id, wire FROM frozen_claims WHERE author=? AND seq=? ORDER BY id",
                    "SELECT id, wire FROM pending WHERE author=? AND seq=? ORDER BY id"):
            for i, wire in self._x(sql, (author, seq)):
                if i not in seen:
                    seen.add(i)
                    rows.append((i, decode_event(self._whole_wire(i, wire)).header.prev, wire))
        return rows

    def forked_count(self, author: bytes) -> int:
        return self._one("SELECT count(*) FROM forked WHERE author=?", (author,))

    def expire_forked(self, now: int) -> int:
        """Drop the kept rows older than FORKED_LIMITS allows, and the bodies expired at `now`; how
        many rows lost their body or went. While nothing kept is due, no statement."""
        gone = self._expire_kept("forked", FORKED_LIMITS.max_age_ms, now)
        if gone:
            self._forget(PINNED_CHAINS)  # (which rows went is not known: every walk is taken again)
        return gone

    # --- revocations a frozen key signed past its fork point (events/trust.py) ---------------------
    def frozen_revocations(self) -> list[tuple[bytes, bytes, int, bytes]]:
        """(id, author, seq, wire) of every kept revocation signed past its author's fork point."""
        return [(i, author, seq, self._whole_wire(i, wire)) for i, author, seq, wire in
                self._x("SELECT id, author, seq, wire FROM frozen_revocations ORDER BY author, seq, id")]

    def is_kept_past_fork(self, event_id: bytes) -> bool:
        """Whether `event_id` is a kept revocation or vouch signed past its author's fork point."""
        return self._x("SELECT 1 FROM frozen_revocations WHERE id=? UNION ALL SELECT 1 FROM frozen_claims WHERE id=?",
                       (event_id, event_id)).fetchone() is not None

    def keep_frozen_revocation(self, event_id: bytes, author: bytes, seq: int, subject: bytes, from_seq: int,
                               wire: bytes, now: int) -> bool:
        """Keep it unless a kept revocation of the same subject by the same author dominates it:
        signed at no later seq and revoking from no later seq (whenever this one counts, that one
        counts too and revokes as much; between equals, the lower id). Those it dominates go. The
        kept set is the same whatever the arrival order; no cap lets a flood push a revocation
        out. True if it was kept."""
        dominated = self._x("SELECT 1 FROM frozen_revocations WHERE author=? AND subject=? AND seq<=? AND from_seq<=? "
                            "AND (seq<? OR from_seq<? OR id<?) LIMIT 1",
                            (author, subject, seq, from_seq, seq, from_seq, event_id)).fetchone()
        if dominated is not None:
            return False
        self._x("DELETE FROM frozen_revocations WHERE author=? AND subject=? AND seq>=? AND from_seq>=?",
                (author, subject, seq, from_seq))
        self._x("INSERT INTO frozen_revocations VALUES (?,?,?,?,?,?,?)",
                (event_id, author, seq, subject, from_seq, wire, now))
        return True

    def take_kept_past_fork(self, author: bytes, from_seq: int) -> list[tuple[bytes, int, str, bytes]]:
        """Take out `author`'s kept revocations and vouches signed at `from_seq` or later (it is no
        member, or revoked from there); returns their (id, seq, kind, wire)."""
        rows = [(i, seq, "member.revoke", self._whole_wire(i, wire)) for i, seq, wire in self._x(
            "SELECT id, seq, wire FROM frozen_revocations WHERE author=? AND seq>=?", (author, from_seq))]
        rows += [(i, seq, "member.vouch", self._whole_wire(i, wire)) for i, seq, wire in self._x(
            "SELECT id, seq, wire FROM frozen_claims WHERE author=? AND seq>=?", (author, from_seq))]
        if rows:
            self._x("DELETE FROM frozen_revocations WHERE author=? AND seq>=?", (author, from_seq))
            self._x("DELETE FROM frozen_claims WHERE author=? AND seq>=?", (author, from_seq))
        return rows

    # --- vouches a frozen key signed past its fork point: claims only (events/trust.py) ------------
    def frozen_claims(self) -> list[tuple[bytes, bytes, int, bytes]]:
        """(id, author, seq, wire) of every kept vouch signed past its author's fork point."""
        return [(i, author, seq, self._whole_wire(i, wire)) for i, author, seq, wire in
                self._x("SELECT id, author, seq, wire FROM frozen_claims ORDER BY author, seq, id")]

    def keep_frozen_claim(self, event_id: bytes, author: bytes, seq: int, subject: bytes, claim: int,
                          wire: bytes, now: int) -> bool:
        """Keep it as `author`'s claim (schema.FROZEN_CLAIMS_SCHEMA) of `subject`, unless a kept vouch
        makes the same claim at a lower (seq, id), which it replaces otherwise. True if it was kept."""
        self._x("INSERT INTO frozen_claims VALUES (?,?,?,?,?,?,?) ON CONFLICT(author, subject, claim) DO UPDATE "
                "SET seq=excluded.seq, id=excluded.id, wire=excluded.wire, seen=excluded.seen "
                "WHERE (excluded.seq, excluded.id) < (frozen_claims.seq, frozen_claims.id)",
                (author, subject, claim, seq, event_id, wire, now))
        return self._one("SELECT changes()") > 0

    def heads(self) -> list[Head]:
        """Every author's newest stored event, then one marker head per frozen key whose revocations
        or vouches past its fork point are kept (sync/frontier.py `past_fork_heads`): what a round
        compares."""
        return super().heads() + [Head(*h) for h in past_fork_heads(self._x(status_sql.KEPT_PAST_FORK_IDS))]

    def fork_count(self) -> int:
        return self._one(status_sql.FORK_COUNT)

    def fork_records(self) -> list[ForkRecord]:
        """(id, other id, wire) of every kept fork proof, in the order they were kept."""
        return [ForkRecord(*r) for r in self._x("SELECT id, other, wire FROM forks ORDER BY rowid")]

    # --- redactions ----------------------------------------------------------------------------
    _redacted: dict[bytes, bytes | None] | None = None  # id -> author that redacted it (None: not redacted), this transaction

    def _transaction_ended(self) -> None:
        super()._transaction_ended()
        self._redacted = None

    def prefetch_redactions(self, ids: Sequence[bytes], *, signed_here: bool = False) -> None:
        """Look up at once whether any of `ids` is redacted (a batch asks for each of its events).
        `signed_here`: events this node has just signed: no stored redaction can name them (an id
        hashes a signature over a time and body nobody had before), so none is looked up."""
        cache = self._redacted if self._redacted is not None else {}
        cache.update(dict.fromkeys(ids))
        # A big batch and few redactions: read them all; else look the ids up (a publish has one).
        if signed_here:
            pass
        elif len(ids) > FEW_IDS and self._one("SELECT count(*) FROM (SELECT 1 FROM redactions LIMIT 2000)") < 2000:
            cache.update((i, author) for i, author in self._x("SELECT id, author FROM redactions") if i in cache)
        else:
            for i in range(0, len(ids), 500):
                chunk = ids[i: i + 500]
                cache.update(self._x(f"SELECT id, author FROM redactions WHERE id IN ({','.join('?' * len(chunk))})",
                                     chunk))
        self._redacted = cache

    def record_redactions(self, author: bytes, ids: Sequence[bytes]) -> int:
        """Remember that `author` redacted `ids`; mark those of them it signed and this node stores
        as redacted, dropping their bodies and read-model rows. Returns how many bodies were dropped.
        Trust events (vouches, revocations) keep their bodies: see `redactable`."""
        self._many("INSERT OR IGNORE INTO redactions VALUES (?, ?)", [(i, author) for i in ids])
        if self._redacted is not None:
            for i in ids:
                if self._redacted.get(i) is None:
                    self._redacted[i] = author
        a = self._find_k(author)
        if a is None or not ids:
            return 0
        where, args = by_ids(list(ids))
        own = f"{where} AND +a=? AND {REDACTABLE}"  # (+a: by the ids; by a, a walk of all its events)
        self._drop_rows(f"SELECT n FROM events WHERE {own} AND body IS NOT NULL", (*args, a))
        dropped = self._one(f"SELECT count(*) FROM events WHERE {own} AND body IS NOT NULL", (*args, a))
        self._x(f"UPDATE events SET body=NULL, body_state=? WHERE {own} AND body_state!=?",
                (BODY_REDACTED, *args, a, BODY_REDACTED))
        return dropped

    def redaction_bodies(self, author: bytes) -> list[bytes]:
        """The bodies of `author`'s redactions stored in the log."""
        a = self._find_k(author)
        # Checked: a changed byte would bring back a body its author had redacted.
        return [] if a is None else [body for event_id, body, header, sig in self._x(
            "SELECT id, body, header, sig FROM events WHERE a=? AND kind='redact' AND body IS NOT NULL", (a,))
            if self._signed(event_id, a, header, sig, body)]

    def forget_redactions(self, author: bytes, ids: Sequence[bytes]) -> int:
        """`author`'s redaction of `ids` left the log (a revocation or a fork took it out, node/log.py
        `_unredact`): they are redacted no more, and those of them this node stores as redacted
        are stored as missing their body, which a peer that never honoured the redaction sends
        again (sync asks for missing bodies). How many."""
        a = self._find_k(author)
        changed = 0
        for i in range(0, len(ids), 500):
            chunk = list(ids[i:i + 500])
            self._x(f"DELETE FROM redactions WHERE author=? AND id IN ({','.join('?' * len(chunk))})", (author, *chunk))
            if self._redacted is not None:
                self._redacted.update((event_id, None) for event_id in chunk if self._redacted.get(event_id) == author)
            if a is not None:
                where, args = by_ids(chunk)
                changed += self._x(f"UPDATE events SET body_state=? WHERE {where} AND a=? AND body_state=?",
                                   (BODY_MISSING, *args, a, BODY_REDACTED)).rowcount
        return changed

    def is_redacted(self, event_id: bytes, author: bytes) -> bool:
        """Whether `author` redacted `event_id` (ask only for a kind that `redactable` allows)."""
        if self._redacted is not None and event_id in self._redacted:
            return self._redacted[event_id] == author
        return self._one("SELECT 1 FROM redactions WHERE id=? AND author=?", (event_id, author)) is not None

    # --- events kept aside (pending) -----------------------------------------------------------
    def pending_count(self) -> int:
        return self._one(status_sql.PENDING_COUNT)

    def kept_aside_count(self) -> int:
        """Of the pending events, those a revocation took out of the log."""
        return self._one(status_sql.KEPT_ASIDE_COUNT)

    def kept_aside_spans(self) -> dict[bytes, tuple[int, int]]:
        """Of those, each author's (first, last) seq."""
        return {author: (first, last) for author, first, last in self._x(status_sql.KEPT_ASIDE_SPANS)}

    def hold(self, event_id: bytes, author: bytes, seq: int, wire: bytes, reason: str, now: int, kind: str,
             stored: bool = False, *, expires: int | None = None, group: bytes | None = None) -> None:
        """Keep an event aside (one kept already only gets its new reason). `stored`: it was in the
        log (no share of the queue is counted for it, and it keeps longer: `expire_pending`). Its
        body goes at `expires` (`expire_pending_bodies`), and is not kept if that has passed.
        `group`: the group its author is a member of (counted in that group's share)."""
        if expires is not None and expires <= now:
            wire, expires = _stub(wire), None
        if self.is_pending(event_id):
            self._x("UPDATE pending SET reason=? WHERE id=?", (reason, event_id))
            return
        tally = self._kept("pending_tally")
        if tally is not UNKNOWN and not stored:
            tally.add(author, len(wire), reason == NOT_A_MEMBER, group)
        fact = "pending_stored_oldest" if stored else "pending_oldest"
        oldest = self._kept(fact)
        if oldest is not UNKNOWN and (oldest is None or now < oldest):
            self._keep(fact, now)
        self._forget("pending_authors")
        soonest = self._kept("pending_next_expiry")
        if expires is not None and soonest is not UNKNOWN and (soonest is None or expires < soonest):
            self._keep("pending_next_expiry", expires)
        self._x("INSERT INTO pending VALUES (?,?,?,?,?,?,?,?,?)", (event_id, author, seq, wire, reason, now, kind,
                                                                    int(stored), expires))

    def expire_pending_bodies(self, now: int) -> int:
        """Drop the bodies of the events kept aside that expired by `now` (they wait on as stubs, as
        they would in the log); how many. While the soonest expiry kept is to come, no statement."""
        soonest = self._kept_or_read("pending_next_expiry", lambda: self._one("SELECT min(expires) FROM pending"))
        if soonest is None or soonest > now:
            return 0
        rows = self._x("SELECT id, wire FROM pending WHERE expires IS NOT NULL AND expires<=?", (now,)).fetchall()
        for event_id, wire in rows:
            self._x("UPDATE pending SET wire=?, expires=NULL WHERE id=?", (_stub(wire), event_id))
        self._forget("pending_tally", "pending_next_expiry")
        return len(rows)

    def is_pending(self, event_id: bytes) -> bool:
        return self._one("SELECT 1 FROM pending WHERE id=?", (event_id,)) is not None

    def pending_tally(self, group_of: Callable[[bytes], bytes | None]) -> PendingTally:
        """Events and bytes kept aside, in all, per author, per group (`group_of` an author: the group
        it is a member of, or None) and of uncertified authors: read once, then kept up to date by
        `hold` (forgotten when events leave the queue). Asked before each event is kept aside, so it
        must not cost a scan of the queue each time."""
        def read() -> PendingTally:
            tally = PendingTally()
            for author, uncertified, count, size in self._x(
                    "SELECT author, reason=?, count(*), sum(length(wire)) FROM pending WHERE stored=0 "
                    "GROUP BY author, 2",
                    (NOT_A_MEMBER,)):
                tally.add(author, size, bool(uncertified), group_of(author), count)
            return tally
        return self._kept_or_read("pending_tally", read)

    def expire_pending(self, received_before: int, stored_before: int) -> list[str | None]:
        """Drop the events kept aside since before `received_before`, or `stored_before` for those
        that were in the log; the kinds of those dropped. Asked at the end of every write that
        stores events: the oldest times are kept facts, so a publish reads nothing here."""
        kinds: list[str | None] = []
        for stored, before, fact in ((0, received_before, "pending_oldest"),
                                     (1, stored_before, "pending_stored_oldest")):
            oldest = self._kept_or_read(fact, lambda stored=stored: self._one(
                "SELECT min(received) FROM pending WHERE stored=?", (stored,)))
            if oldest is None or oldest >= before:
                continue
            kinds += [r[0] for r in self._x("SELECT kind FROM pending WHERE stored=? AND received<?", (stored, before))]
            self._forget("pending_authors", "pending_tally", fact, PINNED_CHAINS)
            self._x("DELETE FROM pending WHERE stored=? AND received<?", (stored, before))
        return kinds

    def pending_trust(self) -> list[PendingTrust]:
        """The trust events kept aside."""
        return [PendingTrust(author, seq, self._whole_wire(i, wire)) for i, author, seq, wire in self._x(
            "SELECT id, author, seq, wire FROM pending WHERE kind IN ('member.vouch', 'member.revoke')")]

    def known_seqs(self, author: bytes) -> tuple[int, list[int]]:
        """`author`'s newest stored seq and the seqs of its events kept aside."""
        return self.head(author)[0], [r[0] for r in self._x("SELECT DISTINCT seq FROM pending WHERE author=?", (author,))]

    def highest_seq_held(self, author: bytes) -> int:
        """The newest seq of `author` held anywhere here: in the log, kept aside, or kept past a fork."""
        aside = self._one("SELECT max(s) FROM (SELECT max(seq) AS s FROM pending WHERE author=? UNION ALL "
                          "SELECT max(seq) FROM frozen_revocations WHERE author=? UNION ALL "
                          "SELECT max(seq) FROM frozen_claims WHERE author=?)", (author,) * 3)
        return max(self.head(author)[0], aside or 0)

    def pending_authors(self) -> list[tuple[bytes, int]]:
        """(author, lowest pending seq) for every author with events kept aside (asked after every
        batch that stored anything: usually none, and then known without a statement)."""
        return list(self._kept_or_read("pending_authors",
                                       lambda: self._x("SELECT author, min(seq) FROM pending GROUP BY author").fetchall()))

    def pending_count_of(self, author: bytes) -> int:
        return self._one("SELECT count(*) FROM pending WHERE author=?", (author,))

    def pending_of(self, author: bytes) -> list[PendingRow]:
        """`author`'s events kept aside, in seq order. Checked, as every wire kept beside the log is
        (`_whole_wire`): they go into the log without their signatures checked again, and one with a
        changed byte went in under the id of the changed bytes, for every peer to refuse."""
        return [PendingRow(i, seq, self._whole_wire(i, wire)) for i, seq, wire in self._x(
            "SELECT id, seq, wire FROM pending WHERE author=? ORDER BY seq, id", (author,))]

    def withdrawn_alerts(self, now: int, limit: int, *, ids: Sequence[bytes] | None = None,
                         since: int | None = None, kinds: Sequence[str] = ("alert",),
                         after: tuple[int, bytes] | None = None) -> list[tuple[bytes, int, str]]:
        """(wire, when, why) of the alerts taken out of this log, not expired at `now`, the latest
        taken out first, at most `limit`: why is "revoked" (a revocation took it out: kept aside,
        `pending`) or "fork" (its device key signed two events at one seq, a copied key: kept
        beside the chain, `forked`). `ids`: those alerts only; `since`: those taken out then or
        later (ms); `kinds`: of these kinds ("alert.update" too: an update or all clear taken
        out); `after`: the page that follows the one whose last was (when, id), the earliest taken
        out first (a stream that reconnects reads them so, however many). The public pages say
        them withdrawn, and the hook and the streams withdraw them from those they went to."""
        marks = ",".join("?" * len(kinds))
        where, args = "", []
        if ids is not None:
            if not ids:
                return []
            where += f" AND id IN ({','.join('?' * len(ids))})"
            args += list(ids)
        if since is not None:
            where += " AND taken>=?"
            args.append(since)
        order = "taken DESC, id"
        if after is not None:
            where += " AND (taken>? OR taken=? AND id>?)"
            args += [after[0], after[0], after[1]]
            order = "taken, id"
        rows = self._x(
            "SELECT * FROM (SELECT id, wire, NULL, NULL, received AS taken, 'revoked' FROM pending WHERE stored=1 "
            f"AND kind IN ({marks}) AND expires>? UNION ALL SELECT id, header, sig, body, seen, 'fork' FROM forked "
            f"WHERE stored=1 AND kind IN ({marks}) AND expires>? AND body IS NOT NULL) WHERE 1" + where
            + f" ORDER BY {order} LIMIT ?", (*kinds, now, *kinds, now, *args, limit)).fetchall()
        return [(self._whole_wire(i, wire if why == "revoked" else wire_of(wire, sig, body)), taken, why)
                for i, wire, sig, body, taken, why in rows]

    def pending_wires(self) -> list[bytes]:
        return [r[0] for r in self._x("SELECT wire FROM pending")]

    def release_pending(self, event_id: bytes) -> None:
        self._forget("pending_authors", "pending_tally")
        self._chains_lost(event_id)
        self._x("DELETE FROM pending WHERE id=?", (event_id,))

    def drop_pending_from(self, author: bytes, seq: int) -> None:
        self._forget("pending_authors", "pending_tally")
        self._chains_lost(author=author)
        self._x("DELETE FROM pending WHERE author=? AND seq>=?", (author, seq))

