"""The verified event log of a node: batch ingest from any source, local append, and rebuild.

Every event, from a peer, a bundle or this node's own CLI, goes through `_admit`, inside one
write transaction per batch that also updates the projections, so a crash leaves both or
neither. Order of work per batch: decode (cheap, structural) -> drop duplicates by id ->
verify signatures (the expensive part, on all cores) -> chain, trust and kind checks in
(author, seq) order -> store and project -> retry pending events that can now go in.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgpack

from crypto.keys import SigningKey
from events import errors as E
from events.canonical import pack, unpack
from events.errors import InvalidEvent
from events.format import Event, decode_event, sign_event
from events.genesis import Genesis, parse_genesis
from events.kinds import KINDS, check_fields, parse_body
from events.projections import Drop, project
from events.trust import Member, TrustGraph, Vouch
from node import chain_gate
from node.outcome import ACCEPTED, DUPLICATE, PENDING, REJECTED, Outcome
from node.store import BODY_EXPIRED, BODY_MISSING, BODY_PRESENT, BODY_REDACTED, Store
from node.verify_pool import Verification

MAX_CLOCK_SKEW_MS = 10 * 60 * 1000
MAX_PENDING = 20_000
MAX_CREDENTIAL_PASSES = 16  # depth of admission chains a connecting peer's credentials may span in one go
TRUST_KINDS = ("member.vouch", "member.revoke")


@dataclass
class _Prepared:
    """A batch decoded and sent for verification, waiting for its write transaction."""

    now: int
    outcomes: list[Outcome | None]
    fresh: list[tuple[int, Event]] = field(default_factory=list)
    fills: list[tuple[int, Event]] = field(default_factory=list)
    verification: Verification | None = None
    hold: bool = True  # keep events that wait for a vouch or an earlier seq in `pending`


def now_ms() -> int:
    return int(time.time() * 1000)


class NotInitialised(Exception):
    """The home has no network yet (neither founded nor joined)."""


class EventLog:
    def __init__(self, store: Store) -> None:
        self.store = store
        raw = store.get_meta("genesis")
        if raw is None:
            raise NotInitialised("this node has not founded or joined a network yet")
        self.genesis: Genesis = parse_genesis(raw)
        self.network_id = self.genesis.network_id
        self.trust = TrustGraph(list(self.genesis.founders))
        self._trust_version: bytes | None = None
        self._dropped_bodies = False
        self.refresh_trust()

    @classmethod
    def create(cls, store: Store, genesis: Genesis) -> EventLog:
        with store.write():
            existing = store.get_meta("genesis")
            if existing is not None and existing != genesis.raw:
                raise InvalidEvent(E.WRONG_NETWORK, "this home already belongs to another network")
            store.set_meta("genesis", genesis.raw)
        return cls(store)

    # --- trust --------------------------------------------------------------------------------
    def refresh_trust(self) -> None:
        """Reload the trust graph if any process has stored a trust event since we last looked."""
        version = self.store.get_meta("trust_version") or b"0"
        if version == self._trust_version:
            return
        graph = TrustGraph(list(self.genesis.founders))
        rows = self.store.db.execute(  # literal kinds: this query uses the partial index events_trust
            "SELECT author, seq, kind, body, ts FROM events WHERE kind IN ('member.vouch', 'member.revoke') "
            "AND body IS NOT NULL ORDER BY n"
        )
        for author, seq, kind, body, ts in rows:
            self._add_trust(graph, author, seq, kind, unpack(body), ts)
        self.trust, self._trust_version = graph, version

    @staticmethod
    def _add_trust(graph: TrustGraph, author: bytes, seq: int, kind: str, f: dict[str, Any], ts: int) -> None:
        if kind == "member.vouch":
            graph.add_vouch(Vouch(author, seq, f["subject"], f["role"], f.get("encryption_key"), f.get("name")))
        else:
            graph.add_revoke(author, f["subject"], f["from_seq"], at=ts, reason=f.get("reason"))

    def _bump_trust_version(self) -> None:
        version = int(self.store.get_meta("trust_version") or b"0") + 1
        self._trust_version = str(version).encode()
        self.store.set_meta("trust_version", self._trust_version)

    # --- ingest -------------------------------------------------------------------------------
    def ingest(self, wires: Sequence[bytes], *, now: int | None = None) -> list[Outcome]:
        """Verify and store a batch of wire-encoded events from any source; one Outcome per input."""
        return next(self.ingest_stream([wires], now=now))

    def ingest_stream(self, batches: Iterable[Sequence[bytes]], *, now: int | None = None) -> Iterator[list[Outcome]]:
        """Ingest batches one transaction each, yielding each batch's outcomes once committed.

        Batch k+1 is decoded and its signatures sent for verification before batch k is stored,
        so the verifier never waits for the store, nor the store for the verifier.
        """
        ahead: _Prepared | None = None
        for wires in batches:
            prepared = self._prepare(wires, now_ms() if now is None else now)
            if ahead is not None:
                yield self._commit(ahead)
            ahead = prepared
        if ahead is not None:
            yield self._commit(ahead)

    def prepare(self, wires: Sequence[bytes], now: int | None = None) -> _Prepared:
        """First half of ingest (no write lock): decode, refuse the obvious, start verification.
        Preparing batch k+1 before committing batch k keeps the verifier busy."""
        return self._prepare(wires, now_ms() if now is None else now)

    def ingest_credentials(self, wires: Sequence[bytes], *, now: int | None = None) -> list[Outcome]:
        """Ingest the trust events a connecting peer presents before its membership is known.

        Genuine credentials are chains from a founder, so every one is admissible once the events
        before it are stored; anything that would still have to wait (unknown author, gap) is
        refused instead of held, so a refused outsider cannot fill this node's disk or its pending
        queue. A batch is stored sorted by author, so an admitted group's own events may come
        before the vouch that certifies it: passes repeat while they make progress."""
        now = now_ms() if now is None else now
        outcomes: list[Outcome | None] = [None] * len(wires)
        todo = list(range(len(wires)))
        for _ in range(MAX_CREDENTIAL_PASSES):
            prepared = self._prepare([wires[i] for i in todo], now)
            prepared.hold = False
            retry = []
            for i, outcome in zip(todo, self._commit(prepared)):
                outcomes[i] = outcome
                if outcome.status == REJECTED and outcome.reason in (E.NOT_A_MEMBER, E.BAD_CHAIN):
                    retry.append(i)
            if not retry or len(retry) == len(todo):
                break
            todo = retry
        return [o for o in outcomes if o is not None]

    def commit(self, prepared: _Prepared) -> list[Outcome]:
        """Second half of ingest: one write transaction; the outcomes, one per input."""
        return self._commit(prepared)

    def _prepare(self, wires: Sequence[bytes], now: int) -> _Prepared:
        """Everything that needs no write lock: decode, cheap refusals, known ids, start verification."""
        prepared = _Prepared(now, [None] * len(wires))
        outcomes = prepared.outcomes
        candidates: list[tuple[int, Event]] = []
        seen: set[bytes] = set()
        for i, wire in enumerate(wires):
            try:
                ev = decode_event(wire)
            except InvalidEvent as exc:
                outcomes[i] = Outcome(exc.event_id, REJECTED, exc.reason, exc.args[0])
                continue
            if ev.header.network != self.network_id:
                outcomes[i] = Outcome(ev.id, REJECTED, E.WRONG_NETWORK, "event belongs to another network")
            elif ev.id in seen:
                outcomes[i] = Outcome(ev.id, DUPLICATE)
            elif ev.header.timestamp > now + MAX_CLOCK_SKEW_MS:
                outcomes[i] = Outcome(ev.id, REJECTED, E.FUTURE,
                                      "timestamp is more than 10 minutes in the future; check the author's clock")
            else:
                seen.add(ev.id)
                candidates.append((i, ev))
        known = self.store.known([ev.id for _, ev in candidates])
        for i, ev in candidates:
            state = known.get(ev.id)
            if state is None:
                prepared.fresh.append((i, ev))
            elif state == BODY_MISSING and ev.body is not None:
                prepared.fills.append((i, ev))
            else:
                outcomes[i] = Outcome(ev.id, DUPLICATE)
        prepared.fresh.sort(key=lambda item: (item[1].author, item[1].seq))
        prepared.verification = Verification([ev for _, ev in prepared.fresh])
        return prepared

    def _commit(self, prepared: _Prepared) -> list[Outcome]:
        try:
            with self.store.write():
                self.refresh_trust()
                self._admit_prepared(prepared)
                self._drop_expired(prepared.now)
        except BaseException:
            self._trust_version = None  # the graph may hold trust events that were rolled back
            self._dropped_bodies = False
            raise
        self._reclaim_if_dropped()
        return [o if o is not None else Outcome(None, REJECTED, E.MALFORMED, "not processed") for o in prepared.outcomes]

    def _admit_prepared(self, prepared: _Prepared) -> None:
        outcomes, now = prepared.outcomes, prepared.now
        for i, ev in prepared.fills:
            outcomes[i] = self._fill_body(ev, now)
        index_of = {ev.id: i for i, ev in prepared.fresh}
        heads: dict[bytes, tuple[int, bytes | None]] = {}
        checked = (prepared.verification.results() if prepared.verification is not None
                   else ((ev, None) for _, ev in prepared.fresh))
        for ev, problem in checked:
            if problem is not None:
                outcomes[index_of[ev.id]] = Outcome(ev.id, REJECTED, problem.reason, problem.args[0])
            else:
                outcomes[index_of[ev.id]] = self._admit(ev, heads, now, hold=prepared.hold)
        if any(o is not None and o.status == ACCEPTED for o in outcomes):
            for event_id, outcome in self._drain_pending(heads, now):
                if event_id in index_of:
                    outcomes[index_of[event_id]] = outcome

    def _admit(self, ev: Event, heads: dict[bytes, tuple[int, bytes | None]], now: int, *,
               hold: bool = True) -> Outcome:
        """Check one signature-verified event against chain, trust and kind rules; store it if it passes."""
        try:
            return self._admit_checked(ev, heads, now, hold)
        except InvalidEvent as exc:
            if exc.reason == E.FORK:
                heads.pop(ev.author, None)  # the author is frozen now: its next event must see that
            return Outcome(ev.id, REJECTED, exc.reason, exc.args[0])

    def _admit_checked(self, ev: Event, heads: dict[bytes, tuple[int, bytes | None]], now: int,
                       hold: bool) -> Outcome:
        author, seq, db = ev.author, ev.seq, self.store.db
        member = self.trust.member(author)
        if member is None:
            return self._hold(ev, E.NOT_A_MEMBER, "waiting for the vouch that certifies its author", now, hold)
        self.trust.check_author(author, seq)
        if author not in heads:
            if db.execute("SELECT 1 FROM frozen WHERE author=?", (author,)).fetchone():
                raise InvalidEvent(E.FROZEN, "author is frozen: it signed two different events with one seq")
            heads[author] = self.store.head(author)
        head_seq, head_id = heads[author]
        if seq <= head_seq:
            other = self.store.id_at(author, seq)
            if other == ev.id:  # stored since this batch was prepared (by us or another process)
                return Outcome(ev.id, DUPLICATE)
            return self._record_fork(ev, other, now)
        if seq > head_seq + 1:
            return self._hold(ev, E.BAD_CHAIN, f"waiting for seq {head_seq + 1} of its author", now, hold)
        if ev.header.prev != head_id:
            return self._record_fork(ev, head_id, now)
        fields = self._check_kind(ev, member)
        expired = ev.header.expires is not None and ev.header.expires <= now
        if ev.is_stub:
            body_state, body = BODY_MISSING, None
        elif expired:
            body_state, body = BODY_EXPIRED, None
        else:
            body_state, body = BODY_PRESENT, ev.body
        h = ev.header
        n = db.execute(
            "INSERT INTO events(id, author, seq, ts, kind, expires, header, sig, body, body_state) "
            "VALUES (?,?,?,?,?,?,?,?,?,?)",
            (ev.id, author, seq, h.timestamp, h.kind, h.expires, ev.header_bytes, ev.signature, body, body_state),
        ).lastrowid
        heads[author] = (seq, ev.id)
        if fields is not None:
            self._apply_effects(ev, fields, member)
            if not expired:
                self.store.apply_projection(project(ev, fields, member.group), n)
        return Outcome(ev.id, ACCEPTED, kind=ev.kind)

    def _check_kind(self, ev: Event, member: Member) -> dict[str, Any] | None:
        kind = KINDS.get(ev.kind)
        signer = "group" if member.role == "group" else "device"
        if (kind.signers if kind else {"device"}).isdisjoint({signer}):
            raise InvalidEvent(E.NOT_ALLOWED, f"a {signer} key may not sign {ev.kind} events")
        if ev.is_stub and ev.kind in (*TRUST_KINDS, "redact"):
            raise InvalidEvent(E.MALFORMED, f"{ev.kind} events must travel with their body")
        fields = parse_body(ev.header, ev.body)
        if fields is None:
            return None
        if ev.kind == "member.vouch":
            self.trust.check_vouch(member, fields["subject"], fields["role"])
        elif ev.kind == "member.revoke" and fields["subject"] == ev.author and fields["from_seq"] <= ev.seq:
            # it would purge itself (and with it the revocation): a key revokes itself after this event
            raise InvalidEvent(E.NOT_ALLOWED, f"a key revoking itself must do so from a seq after the revocation's "
                                              f"own ({ev.seq}); from_seq {fields['from_seq']} is too low")
        elif ev.kind == "redact":
            marks = ",".join("?" * len(fields["ids"]))
            own = self.store.db.execute(
                f"SELECT count(*) FROM events WHERE id IN ({marks}) AND author=?", (*fields["ids"], ev.author)
            ).fetchone()[0]
            if own != len(set(fields["ids"])):
                raise InvalidEvent(E.NOT_ALLOWED, "a redaction may only name earlier events of its own author")
        return fields

    def _apply_effects(self, ev: Event, fields: dict[str, Any], member: Member) -> None:
        """Effects beyond projections: trust changes (and the purge they imply), redactions."""
        db = self.store.db
        if ev.kind in TRUST_KINDS:
            self._add_trust(self.trust, ev.author, ev.seq, ev.kind, fields, ev.header.timestamp)
            self._bump_trust_version()
            if ev.kind == "member.revoke":
                self._purge_revoked()
        elif ev.kind == "redact":
            marks = ",".join("?" * len(fields["ids"]))
            db.execute(f"UPDATE events SET body=NULL, body_state=? WHERE id IN ({marks})", (BODY_REDACTED, *fields["ids"]))
            db.execute(f"DELETE FROM pending WHERE id IN ({marks})", fields["ids"])
            self._dropped_bodies = True

    def _purge_revoked(self) -> None:
        """Delete the events that revoked (or no longer certified) keys signed past their limit."""
        db = self.store.db
        for key, limit in self.trust.uncertified_or_limited().items():
            doomed = [r[0] for r in db.execute("SELECT id FROM events WHERE author=? AND seq>=?", (key, limit))]
            if doomed:
                self.store.apply_projection([Drop(tuple(doomed))])
                db.execute("DELETE FROM events WHERE author=? AND seq>=?", (key, limit))

    def _fill_body(self, ev: Event, now: int) -> Outcome:
        """A stub we hold gets its body (hash already checked by the decoder against the signed header)."""
        row = self.store.db.execute("SELECT author, n FROM events WHERE id=?", (ev.id,)).fetchone()
        member = self.trust.member(row[0])
        if member is None:
            return Outcome(ev.id, DUPLICATE)
        try:
            fields = parse_body(ev.header, ev.body)
        except InvalidEvent as exc:
            return Outcome(ev.id, REJECTED, exc.reason, exc.args[0])
        expired = ev.header.expires is not None and ev.header.expires <= now
        state = BODY_EXPIRED if expired else BODY_PRESENT
        self.store.db.execute("UPDATE events SET body=?, body_state=? WHERE id=?", (None if expired else ev.body, state, ev.id))
        if fields is not None and not expired:
            self.store.apply_projection(project(ev, fields, member.group), row[1])
        return Outcome(ev.id, ACCEPTED, message="body restored", kind=ev.kind)

    def _record_fork(self, ev: Event, other: bytes | None, now: int) -> Outcome:
        db = self.store.db
        db.execute("INSERT OR IGNORE INTO forks VALUES (?,?,?,?,?,?)",
                   (ev.id, ev.author, ev.seq, other or b"", ev.encode(), now))
        db.execute("INSERT OR IGNORE INTO frozen VALUES (?,?,?)", (ev.author, ev.seq, now))
        raise InvalidEvent(E.FORK, f"author {ev.author.hex()[:16]} signed two different events at seq {ev.seq}; "
                                   "both are kept as proof and the author is frozen")

    def _hold(self, ev: Event, reason: str, message: str, now: int, hold: bool = True) -> Outcome:
        if not hold:
            raise InvalidEvent(reason, f"{message}; not kept (credentials must be admissible as they come)")
        db = self.store.db
        if db.execute("SELECT count(*) FROM pending").fetchone()[0] >= MAX_PENDING:
            raise InvalidEvent(reason, f"{message}; the pending queue is full, it will be fetched again later")
        db.execute("INSERT OR IGNORE INTO pending VALUES (?,?,?,?,?,?)",
                   (ev.id, ev.author, ev.seq, ev.encode(), reason, now))
        return Outcome(ev.id, PENDING, reason, message)

    def _drain_pending(self, heads: dict[bytes, tuple[int, bytes | None]], now: int) -> list[tuple[bytes, Outcome]]:
        """Admit pending events whose author is now certified and whose predecessor is now stored."""
        db, done = self.store.db, []
        for _ in range(MAX_PENDING):  # bounded: each round admits at least one event or stops
            progress = False
            for author, seq in db.execute("SELECT author, min(seq) FROM pending GROUP BY author").fetchall():
                if self.trust.member(author) is None:
                    continue
                if author not in heads:
                    heads[author] = self.store.head(author)
                if seq > heads[author][0] + 1:
                    continue
                rows = db.execute("SELECT id, wire FROM pending WHERE author=? ORDER BY seq", (author,)).fetchall()
                for event_id, wire in rows:
                    ev = decode_event(wire)
                    if ev.seq > heads[author][0] + 1:
                        break
                    db.execute("DELETE FROM pending WHERE id=?", (event_id,))
                    outcome = self._admit(ev, heads, now)
                    done.append((event_id, outcome))
                    progress = progress or outcome.status == ACCEPTED
            if not progress:
                break
        return done

    # --- expiry ---------------------------------------------------------------------------------
    def _drop_expired(self, now: int) -> int:
        """Inside a write transaction: drop the bodies (and read-model rows) of expired events."""
        db = self.store.db
        ids = [r[0] for r in db.execute(
            "SELECT id FROM events WHERE expires IS NOT NULL AND body IS NOT NULL AND expires <= ?", (now,))]
        if ids:
            self.store.apply_projection([Drop(tuple(ids))])
            db.execute("UPDATE events SET body=NULL, body_state=? WHERE expires IS NOT NULL AND body IS NOT NULL "
                       "AND expires <= ?", (BODY_EXPIRED, now))
            self._dropped_bodies = True
        return len(ids)

    def purge_expired(self, now: int | None = None) -> int:
        """Drop expired bodies now and reclaim their space; how many were dropped."""
        with self.store.write():
            count = self._drop_expired(now_ms() if now is None else now)
        self._reclaim_if_dropped()
        return count

    def _reclaim_if_dropped(self) -> None:
        if self._dropped_bodies:
            self._dropped_bodies = False
            self.store.reclaim()

    # --- local append -------------------------------------------------------------------------
    def append(self, key: SigningKey, kind: str, fields: dict[str, Any], *, expires: int | None = None,
               now: int | None = None, offline: bool = False) -> Event:
        """Sign `fields` as the next event of `key`'s chain and store it; raise InvalidEvent if refused.

        Refused (reason not_caught_up) while this home may not have caught up with the network's
        newest events of its own keys (node/chain_gate.py: restore without forking), unless `offline`."""
        now = now_ms() if now is None else now
        spec = KINDS.get(kind)
        if spec is None:
            raise InvalidEvent(E.BAD_FIELD, f"unknown kind '{kind}' (known: {', '.join(KINDS)})")
        check_fields(spec, fields)
        if expires is None and spec.default_expiry_ms:
            expires = now + spec.default_expiry_ms
        author = bytes(key.public)
        with self.store.write():
            if not offline:
                chain_gate.check(self.store, now_ms())
            self.refresh_trust()
            seq, prev = self.store.head(author)
            if self.trust.member(author) is None:
                raise InvalidEvent(E.NOT_A_MEMBER, "this key is not certified in this network (not vouched, or its "
                                                   "group was removed); nothing was published")
            self.trust.check_author(author, seq + 1)
            if kind == "member.revoke" and not self.trust.may_revoke(author, fields["subject"]):
                raise InvalidEvent(E.NOT_ALLOWED, "this key may not revoke that one: a device can revoke itself, a "
                                                  "group key its own devices and the groups it admitted (try --as group)")
            ev = sign_event(key, network=self.network_id, seq=seq + 1, prev=prev, timestamp=now,
                            kind=kind, body=pack(fields), expires=expires)
            prepared = _Prepared(now, [None], fresh=[(0, ev)])  # signed here: nothing to verify
            self._admit_prepared(prepared)
            self._drop_expired(now)  # as every ingest commit does
        self._reclaim_if_dropped()
        outcome = prepared.outcomes[0]
        if outcome is None or outcome.status != ACCEPTED:
            raise InvalidEvent(outcome.reason if outcome else E.MALFORMED, outcome.message if outcome else "refused")
        return ev

    # --- rebuild ------------------------------------------------------------------------------
    def rebuild(self) -> int:
        """Drop every projection row and replay the log through the projection functions."""
        count = 0
        with self.store.write():
            self.refresh_trust()
            db = self.store.db
            db.execute("DELETE FROM proj")
            for n, header, sig, body in db.execute(
                "SELECT n, header, sig, body FROM events WHERE body IS NOT NULL ORDER BY n"
            ).fetchall():
                ev = decode_event(msgpack.packb([header, sig, body], use_bin_type=True))
                member = self.trust.member(ev.author)
                if member is None:
                    continue
                fields = parse_body(ev.header, ev.body)
                if fields is not None:
                    self.store.apply_projection(project(ev, fields, member.group), n)
                    count += 1
        return count
