"""The verified event log of a node: batch ingest from any source, local append, and rebuild.

Every event, from a peer, a bundle or this node's own CLI, goes through `_admit`, inside one
write transaction per batch that also updates the projections, so a crash leaves both or
neither. Order of work per batch: decode, verify signatures, judge bodies by their kind's rules
and work out read-model rows (everything that needs no state: on the worker processes,
node/verify_pool.py) -> drop duplicates by id -> chain, trust and kind checks in (author, seq)
order -> store and project -> retry pending events that can now go in. Without workers, the
signatures of duplicates are not checked at all.
"""
from __future__ import annotations

import collections
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from crypto.keys import SigningKey
from events import errors as E
from events.canonical import pack, unpack
from events.errors import InvalidEvent
from events.examine import BodyFacts, Examined, body_facts
from events.format import Event, decode_event, sign_event
from events.genesis import Genesis, parse_genesis
from events import effects
from events.kinds import KINDS, Kind, check_fields, parse_body, round_trips, wrong_reference
from events.projections import ALERT_UPDATE, Drop, project
from events.readmodels import departure
from events.trust import ACCEPT_ROLE, DEVICE_ROLE, GROUP_ROLE, Member, Revocation, TrustGraph, Vouch
from node import author_share, chain_gate, late_accept, own_marks, pending_queue, references, stamped_ahead
from node.clock import ClockDoubt, now_ms
from node.words import local_time, over_share_words, span
from node.outcome import ACCEPTED, DUPLICATE, PENDING, REJECTED, Outcome
from node.store import BODY_EXPIRED, BODY_MISSING, BODY_PRESENT, BODY_REDACTED, Store, TakenOut, redactable, wire_of
from node.store.migrations import PROJECT_KINDS
from solnet_errors import Said

if TYPE_CHECKING:  # loaded when ingesting: reading commands (`solnet ls`) verify nothing
    from crypto.keystore import NodeKeys  # (a type only: reading commands derive no keys)
    from node.verify_pool import Examination

MAX_CLOCK_SKEW_MS = 10 * 60 * 1000
# Batches written in one transaction when they are there to be written (a full sync, a bench): at
# a million events each 500-event commit rewrote ~950 pages of indexes whose keys come in random
# order and whose right edges every commit touches, and the ingest's last tenth ran at 0.88 of the
# first's rate; 2,000 events a transaction wrote 28 % fewer WAL pages and kept it at 0.96.
GROUP = 4
# Batches sent for examination ahead of the group being stored. While a group is stored (GROUP
# batches, ~0.7 verify-times of this process's CPU per event) the workers should still have work
# queued (an examination: ~1.25 verify-times): a group's worth of batches ahead, with room for the
# chunks this process takes back to examine itself while it waits. With 2 the worker ran dry at
# each group's store. bench/ingest.py, 5 runs of each taking turns (2 cores, a noisy host): with
# 2, 0.81-0.98 x one core's verify rate (median 0.87), this process examining 26-32 % of the
# events itself; with 4, 0.75-1.09 (median 0.94), 20-25 % itself; peak memory +1 MB.
AHEAD = GROUP
# Bytes of wires examined ahead and not yet stored, beyond which the oldest batches are stored
# first (one batch at least stays ahead): batches are counted in events, and 8 of 500 sealed events
# of 60 KiB each (a bundle's import) would hold 240 MB, most of a Pi Zero's memory.
AHEAD_BYTES = 16 << 20
MAX_CREDENTIAL_PASSES = 16
FORGED_WITH_IT = "not judged: the credentials presented with it hold a forged event (refused whole)"
MAX_RECONCILE_PASSES = 64  # trust changes that follow from trust changes; real chains are a few deep  # depth of admission chains a connecting peer's credentials may span in one go
TRUST_KINDS = ("member.vouch", "member.revoke")
RECLAIM_RETRY_S = 5.0  # see reclaim_if_dropped
WITHDRAWN_AHEAD = ("stamped more than 10 minutes ahead of this clock, and the rightly stamped event after it is "
                   "past its key's revocation: kept aside until its time comes")


@dataclass
class _Prepared:
    """A batch sent for examination (decode, signatures, bodies), waiting for its write transaction."""

    now: int
    outcomes: list[Outcome | None]
    fresh: list[tuple[int, Examined]] = field(default_factory=list)
    fills: list[tuple[int, Event]] = field(default_factory=list)
    examination: Examination | None = None  # until `_resolve` has read its results
    hold: bool = True  # keep events that wait for a vouch or an earlier seq in `pending`
    signed_here: bool = False  # an event this node just signed (append): known to be unredacted
    wait_ahead: set[bytes] = field(default_factory=set)  # stamped ahead, its proof past a revocation: kept aside
    ahead_of: set[bytes] = field(default_factory=set)  # authors of events stamped ahead (their proofs read)
    verified: set[bytes] = field(default_factory=set)  # ids whose signatures were checked already (`ingest_credentials`)


class NotInitialised(Exception):
    """The home has no network yet (neither founded nor joined)."""


FILLED_KEPT = 100_000  # rows whose body came late, kept for node/hidden_own.py (far more than come between two looks)


class EventLog:
    def __init__(self, store: Store) -> None:
        self.store = store
        raw = store.get_meta("genesis")
        if raw is None:
            raise NotInitialised("this node has not founded or joined a network yet")
        self.genesis: Genesis = parse_genesis(raw)
        self.network_id = self.genesis.network_id
        self.trust = TrustGraph(self.genesis.founders)
        self._trust_version: bytes | None = None
        self._trust_parsed: dict[bytes, _TrustFacts | None] = {}  # see _load_trust
        self._dropped_bodies = False  # by the write under way
        self._reclaim_owed = False  # bodies were dropped; their space and WAL pages not yet given back
        self._reclaim_retry_at = 0.0  # (monotonic) a reader held the WAL: not tried again before then
        self._reconciling = False
        self._drained: list[tuple[bytes, Outcome]] = []
        # The rows whose body came after them (a stub filled), newest last: a running node's watch
        # of its group's sealed events (node/hidden_own.py) looks at those it had passed
        self.filled: collections.deque[int] = collections.deque(maxlen=FILLED_KEPT)
        # The author whose stored trust events the graph does not count yet (`_admit_checked`).
        self._trust_deferred_by: bytes | None = None
        # frozen device -> (its pin, fork point, events kept past it and aside) when its pinned chain was last
        # looked for: looked for again only when one of them changed
        self._pin_tried: dict[bytes, tuple] = {}
        # device with forgeries kept -> its standing, chain and what is kept of it when they were last
        # looked at (`_refind_forks`)
        self._forged_tried: dict[bytes, tuple] = {}
        # key -> the first seq it may not sign, its standing, head and what is kept of it when its
        # events kept at that seq were last looked at (`_forks_below_limits`)
        self._limit_tried: dict[bytes, tuple] = {}
        # the examined events of the batch being admitted: a link of a pinned chain may come before
        # the pin that names it in the same batch (`_pinned_ids`, `_batch_link`)
        self._batch_fresh: list[tuple[int, Examined]] = []
        # id -> (author, seq, prev) of its well-signed ones, made when first asked (a pin is rare: a
        # dict built for every batch cost ingest a share of its own work)
        self._batch_links: dict[bytes, tuple[bytes, int, bytes | None]] | None = None
        # devices whose fork a pin undid in this write: their events refused as frozen may be in now
        self._unfrozen: set[bytes] = set()
        # What refused events say of this machine's clock: groups counted by lineage in the graph as
        # it stands when asked (kept per graph, events/trust.py `lineages`), of keys that still count
        self.clock_doubt = ClockDoubt(lambda group: self.trust.lineages(group), self._word_counts)
        self.refresh_trust()
        if not store.readonly and store.desk_gone_changed(self._groups_gone()):  # (an upgrade: none kept yet)
            with store.write():
                store.desk_groups_gone(self._groups_gone())
        self._project_owed_kinds()

    def _project_owed_kinds(self) -> None:
        """Project, once, the stored events of kinds this node stored before it knew them (an
        upgrade: node.store.migrations.PROJECT_KINDS), as `rebuild` would: an action cancelled
        by its group from a newer peer stayed on every list of the upgraded node otherwise."""
        owed = self.store.get_meta(PROJECT_KINDS) if not self.store.readonly else None
        if not owed:
            return
        kinds = [k for k in bytes(owed).decode().split(",") if k in KINDS]
        with self.store.write():
            stored = {event_id: n for n, event_id, *_ in self.store.kinds_after(kinds, 0, 1 << 62)}
            for wire in self.store.wires_by_id(list(stored)):
                ev = decode_event(wire)
                member = self.trust.member(ev.author)
                if member is not None:
                    self._project(ev, member, stored[ev.id])
            self.store.set_meta(PROJECT_KINDS, b"")

    def _word_counts(self, author: bytes) -> bool:
        """Whether what `author` signs speaks for its group, in the trust graph now (node/clock.py
        ClockDoubt; events/trust.py `speaks_for_group`)."""
        return self.trust.speaks_for_group(author)

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
        self.trust, self._trust_version = self._load_trust(), version

    def own_group(self, keys: NodeKeys) -> bytes | None:
        """The group of the node whose `keys` these are: its group key's, or its device's group in
        the trust graph (a further device holds no group key); None for a device this log does not
        know as a member."""
        if keys.group is not None:
            return bytes(keys.group.public)
        return self.trust.group_of(bytes(keys.device.public))

    @property
    def trust_version(self) -> bytes | None:
        """The version of the trust graph in memory (a write that changes the graph bumps it)."""
        return self._trust_version

    def forget_trust(self) -> None:
        """After a write was rolled back: the trust graph as stored (that write may have changed the
        one in memory)."""
        self._trust_version = None
        self.refresh_trust()

    def _load_trust(self) -> TrustGraph:
        """The trust graph of every trust event this node received: stored ones, and those kept
        aside (an author not certified yet or revoked, or a gap before them). The graph decides
        which of them count; one kept aside counts only once its author's chain up to it is here.

        What each event says is read from its bytes once and kept (`_trust_parsed`, only for the
        events of the last load): decoding every kept-aside trust event again at each trust
        change was ~90 % of the work, so a queue of n of them cost n^2 decodes."""
        vouches: list[Vouch] = []
        revokes: list[Revocation] = []
        earlier, parsed = self._trust_parsed, {}
        self._trust_parsed = parsed

        def read(key: bytes, make: Callable[[], _TrustFacts | None]) -> _TrustFacts | None:
            facts = earlier.get(key, _UNREAD)
            parsed[key] = facts = make() if facts is _UNREAD else facts
            return facts

        rows = [(facts, author, seq, True) for event_id, author, seq, kind, body, ts in self.store.trust_rows()
                if (facts := read(event_id, lambda: _trust_facts(event_id, kind, body, ts))) is not None]
        complete_to: dict[bytes, int] = {}
        for author, seq, wire in self.store.pending_trust():
            facts = read(wire, lambda: _pending_trust_facts(wire))
            if facts is None:
                continue
            if author not in complete_to:
                head, kept = self.store.known_seqs(author)
                complete_to[author] = _contiguous(head, kept)
            rows.append((facts, author, seq, seq <= complete_to[author]))
        forks = self.store.fork_points()
        for event_id, author, seq, wire in self.store.frozen_revocations() + self.store.frozen_claims():
            facts = read(wire, lambda: _pending_trust_facts(wire))
            # Complete: a fork is found only where its author's chain up to it is stored, and that
            # chain leaves the log below the fork only past a revocation point, which voids this.
            # (A vouch past the fork point counts as a claim only: its author may not sign there.)
            if facts is not None and author in forks:
                rows.append((facts, author, seq, True))
        for (event_id, kind, f, ts), author, seq, complete in rows:
            if kind == "member.vouch":
                vouches.append(Vouch(author, seq, f["subject"], f["role"], f.get("encryption_key"), f.get("name"),
                                     "consent" in f, event_id, complete))
            else:
                revokes.append(Revocation(f["subject"], author, f["from_seq"], ts, f.get("reason"), seq, event_id,
                                          complete=complete, pin=f.get("pin")))
        return TrustGraph(self.genesis.founders, vouches, revokes, forks)

    def _bump_trust_version(self) -> None:
        stored = self.store.get_meta("trust_version") or b"0"
        # Only compared for a change, never trusted as a number: one changed byte (a failing card)
        # made it no number, and every trust event after it failed to store (a traceback, the write
        # rolled back), so no revocation ever reached this log. A damaged one is replaced by one no
        # count reaches (the time in ns), which every process sees as a change.
        version = int(stored) + 1 if stored.isdigit() and len(stored) < 30 else time.time_ns()
        self._trust_version = str(version).encode()
        self.store.set_meta("trust_version", self._trust_version)

    def _trust_changed(self, heads: dict[bytes, tuple[int, bytes | None]], now: int) -> None:
        """Inside a write transaction, after a trust event was stored or a fork found: recompute the
        graph from what is stored and make the log agree with it (`_settle`)."""
        self._trust_deferred_by = None
        before = self.trust
        self.trust = self._load_trust()
        self._bump_trust_version()
        self.store.desk_groups_gone(self._groups_gone())
        self._settle(heads, now, before)

    def _groups_gone(self) -> set[bytes]:
        """The groups that left or were revoked, by the trust graph (readmodels.departure): the
        store keeps them for the desk's marks (a gone group's claim takes no request)."""
        trust = self.trust
        return {key for key, m in list(trust.members.items())
                if m.role == GROUP_ROLE and m.revoked_from is not None and departure(key, trust.member, trust.revocation)}

    def _follow_trust(self, key: bytes, before: TrustGraph, after: TrustGraph,
                      heads: dict[bytes, tuple[int, bytes | None]], now: int) -> None:
        """Make `key`'s stored events agree with its status in `after` (it was `before`): events
        it may no longer sign leave the log (kept aside in `pending`, or deleted past a fork point,
        which never heals); if its group changed, its events are projected again."""
        limit, fork_at = after.limit(key), after.fork_point(key)
        if limit is not None:
            taken = self.store.take_out(key, limit)
            self._unredact(key, taken)
            if taken:
                heads.pop(key, None)
                reason = E.NOT_A_MEMBER if after.member(key) is None else E.REVOKED
                # A key that flooded (it signed past its share of the log) keeps only a few bodies
                # aside: its flood is the tail of its chain. Any other keeps them all: a revocation
                # may stop counting (an infiltrating admitter revoked an honest group, and was
                # revoked in turn), and the group's events come back, bodies and all, on every node
                # (stripped, its newest posts came back unreadable everywhere); what it can hold
                # aside is what its share let into the log.
                flooded = self.store.went_over_share(key)
                bodies = 0  # of the bodies kept aside with them (pending_queue.keeps_body)
                for event_id, seq, kind, wire in taken:
                    if fork_at is None or seq < fork_at:
                        ev = decode_event(wire)
                        if ev.body is not None and (not flooded or pending_queue.keeps_body(kind, len(ev.body), bodies)):
                            bodies += len(ev.body)
                        elif ev.body is not None:
                            wire = ev.encode(with_body=False)
                        self._keep_aside(event_id, key, seq, kind, wire, reason, now, stored=True)
                self._keep_forked(key, [(t.wire, True) for t in taken if fork_at is not None and t.seq >= fork_at], now)
            self._withdraw_unproved_ahead(key, heads, now)
        old, new = before.member(key), after.member(key)
        until = 1 if new is None else new.revokes_until
        if fork_at is not None and until is not None:
            # What it signed past the fork point leaves the kept sets once it is no member, or
            # revoked below it: a frozen key's flood ends with its revocation. It waits aside, as
            # its other events past that point do (a vouch there still counts as a claim), so the
            # kept sets are the same as on a node that never stored its chain up to the fork.
            taken = self.store.take_kept_past_fork(key, until)
            for event_id, seq, kind, wire in taken:
                self._keep_aside(event_id, key, seq, kind, wire, E.NOT_A_MEMBER if new is None else E.REVOKED, now,
                                 stored=True)
            if taken:
                self._trust_changed(heads, now)
        if new is not None and old is not None and (old.role, old.group) != (new.role, new.group):
            for n, wire in self.store.events_of(key, limit):
                ev = decode_event(wire)
                self.store.apply_projection([Drop((ev.id,))])
                if ev.body is not None:
                    self._project(ev, new, n)

    def _keep_aside(self, event_id: bytes, author: bytes, seq: int, kind: str, wire: bytes, reason: str,
                    now: int, stored: bool = False) -> bool:
        """Hold an event out of the log (it may come back if the trust graph changes). One that was
        in the log (`stored`) always is: every node that held it takes it out, its author's own
        too, so if it were dropped no peer could send it again when the revocation stops counting
        (an infiltrating admitter revoking a group, itself revoked a day later, erased the group's
        past for good). Others if the queue has room (else sync fetches them again, should they
        ever count). True if it is held."""
        group = self._group_of(author)
        if not stored and pending_queue.refusal(self.store.pending_tally(self._group_of), author, len(wire),
                                                reason == E.NOT_A_MEMBER, group=group) is not None:
            return False
        self.store.hold(event_id, author, seq, wire, reason, now, kind, stored,
                        expires=decode_event(wire).header.expires, group=group)
        return True

    def _group_of(self, author: bytes) -> bytes | None:
        """The group `author` is a member of (its own key's, for a group key), or None: whose share
        of the queue of events kept aside its events count in."""
        member = self.trust.member(author)
        return member.group if member is not None else None

    # --- ingest -------------------------------------------------------------------------------
    def ingest(self, wires: Sequence[bytes], *, now: int | None = None) -> list[Outcome]:
        """Verify and store a batch of wire-encoded events from any source; one Outcome per input."""
        return next(self.ingest_stream([wires], now=now))

    def ingest_stream(self, batches: Iterable[Sequence[bytes]], *, now: int | None = None) -> Iterator[list[Outcome]]:
        """Ingest batches, GROUP to a write transaction, yielding each batch's outcomes once committed.

        Batches are sent for examination (decode, signatures, bodies) AHEAD batches before the
        group that holds them is stored, so the workers never run dry while the store works, nor
        the store waits for them.
        """
        ahead: collections.deque[tuple[_Prepared, int]] = collections.deque()  # (batch, its bytes)
        held = 0

        def stored(count: int) -> Iterator[list[Outcome]]:
            nonlocal held
            group = [ahead.popleft() for _ in range(count)]
            held -= sum(size for _, size in group)
            yield from self._commit_group([prepared for prepared, _ in group])

        for wires in batches:
            size = sum(map(len, wires))
            ahead.append((self._prepare(wires, now_ms() if now is None else now), size))
            held += size
            if len(ahead) >= AHEAD + GROUP:
                yield from stored(GROUP)
            while held > AHEAD_BYTES and len(ahead) > 1:
                yield from stored(min(GROUP, len(ahead) - 1))
        while ahead:
            yield from stored(min(GROUP, len(ahead)))

    def prepare(self, wires: Sequence[bytes], now: int | None = None) -> _Prepared:
        """First half of ingest (no write lock): start examining the batch (decode, signatures,
        bodies). Preparing batch k+1 before committing batch k keeps the workers busy."""
        return self._prepare(wires, now_ms() if now is None else now)

    def ingest_credentials(self, wires: Sequence[bytes], *, now: int | None = None, cpu_s: float | None = None,
                           clock: Callable[[], float] = time.thread_time) -> list[Outcome]:
        """Ingest the trust events a connecting peer presents before its membership is known.

        Genuine credentials are chains from a founder, so every one is admissible once the events
        before it are stored; anything that would still have to wait (unknown author, gap) is
        refused instead of held, so a refused outsider cannot fill this node's disk or its pending
        queue. A batch is stored sorted by author, so an admitted group's own events may come
        before the vouch that certifies it: passes repeat while they make progress.

        Anyone who knows the network id can dial and present credentials before its membership is
        known: events whose authors no member certifies, directly or through the vouches presented
        with them, are refused first, unverified and unwritten (a stranger presenting a thousand
        self-signed events on each of many connections kept the database thread busy, and members'
        alerts waited seconds behind it). What is left is verified in order, before any other work,
        and refused from the first forged event on (`_sound_prefix`): whole when unbounded.

        `cpu_s`: the CPU time (s, of `clock`) judging them may take (None: no bound); what is not
        judged by then is refused UNJUDGED (CREDENTIALS_OVER_BUDGET), stored nothing of, and may
        come again; what was judged is stored (a part at a time, CREDENTIALS_PART), so a chain
        longer than one handshake's time goes in over a few. node/hello_budget.py `take_allowance` gives it for a handshake not yet known as a
        member's: a seized and revoked device presenting a thousand events it signed took ~0.1 s
        of the database thread, some 80 tokens of the hello budget, whose debt then turned away at
        each of its hellos a member group's new device and any revoked one (until 2026-12-07). A
        member's first contact presents a chain stored here but for a vouch or two: cheap."""
        now = now_ms() if now is None else now
        over = _Spent(cpu_s, clock)
        outcomes: list[Outcome | None] = [None] * len(wires)
        todo = []
        decoded: list[Event | None] = []
        for wire in wires:  # (a thousand events decode in ~8 ms here: the clock is read before each)
            if over():
                return _not_judged(outcomes, range(len(wires)), [*decoded, *[None] * (len(wires) - len(decoded))])
            decoded.append(_decoded_or_none(wire))
        try:
            credible = self._credible(decoded, over)
        except _OutOfTime:
            return _not_judged(outcomes, range(len(wires)), decoded)
        for i, ok in enumerate(credible.flags):
            if ok:
                todo.append(i)
            else:
                outcomes[i] = Outcome(None, REJECTED, E.NOT_A_MEMBER,
                                      "its author is certified neither by this network nor by the credentials with it")
        if credible.forged is not None:
            return _forged(outcomes, todo, decoded, credible.forged)
        # Judged a part at a time when bounded, the clock read before each signature: the part's
        # events verified in time are stored before the next part is verified, so what one
        # presentation judged is not judged again at the next (`_sound_prefix` skips stored events).
        # Until 2026-12-07 every signature was checked before any was stored, and a group's first
        # contact presenting more than one handshake's time of events (~100 events with full
        # buckets here) ran out at the same place at every dial: refused for ever. (A part's events
        # that need a later part's vouch are refused NOT_A_MEMBER and come again at the next pass.)
        part = max(len(todo), 1) if cpu_s is None else CREDENTIALS_PART
        verified = set(credible.verified)
        for _ in range(MAX_CREDENTIAL_PASSES):
            retry = []
            for start in range(0, len(todo), part):
                if over():
                    return _not_judged(outcomes, todo[start:], decoded)
                some = todo[start:start + part]
                sound, forged = self._sound_prefix([decoded[i] for i in some], verified, over)
                if forged is not None:  # (no honest peer presents one: refused with all not judged yet)
                    return _forged(outcomes, todo[start:], decoded, forged)
                if sound:
                    # (here, not on the workers: their signatures are checked, and the workers'
                    # time is seen by no clock and charged to no one)
                    prepared = self._prepare([wires[i] for i in some[:sound]], now, workers=False)
                    prepared.hold, prepared.verified = False, verified
                    for i, outcome in zip(some, self._commit(prepared)):
                        outcomes[i] = outcome
                        if outcome.status == REJECTED and outcome.reason in (E.NOT_A_MEMBER, E.BAD_CHAIN):
                            retry.append(i)
                if sound < len(some):
                    return _not_judged(outcomes, todo[start + sound:], decoded)
            if not retry or len(retry) == len(todo):
                break
            todo = retry
        return [o for o in outcomes if o is not None]

    def _sound_prefix(self, events: Sequence[Event | None], verified: set[bytes],
                      over: Callable[[], bool] = lambda: False) -> tuple[int, Event | None]:
        """How many of `events` from the first are sound: stored here, in `verified` (added to),
        undecodable (refused with their reason at the commit) or verified now, until `over()` says
        the time to judge them is spent (asked before each signature); and the first whose
        signature does not verify, which ends them (None: none). Credentials are refused from
        there (`ingest_credentials`): a stranger could write a member's key into the headers of a
        thousand events it signed itself, on each of many connections, and have every one
        verified on the database thread (0.1 s a connection: raid alerts waited 10 s behind them
        on a real node). A peer's genuine chain is stored already but for its first contact, so it
        is seldom verified twice."""
        stored = self.store.known([ev.id for ev in events if ev is not None and ev.id not in verified])
        for n, ev in enumerate(events):
            if ev is None or ev.id in verified or ev.id in stored:
                continue
            if over():
                return n, None
            try:
                ev.verify()
            except InvalidEvent:
                return n, ev
            verified.add(ev.id)
        return len(events), None

    def _credible(self, decoded: Sequence[Event | None], over: Callable[[], bool] = lambda: False) -> _Credible:
        """For each decoded wire: whether its author is a member here, or vouched for by one in
        `decoded` (through any chain of vouches there), or the wire does not decode (None: refused with its reason
        later). Read from the decoded headers and the vouches' bodies; only a vouch that would
        make a key credible is verified, once, before it does (a stranger could write a member's
        key into a header it signed itself: the thousand events it certified were then all judged
        in full, twice), and the first that does not verify ends the reading (`forged`).

        Each vouch's body is read at most once, when its author is first found trusted: a pass
        over every vouch for each link of a chain sent in reverse order (a stranger's thousand
        vouches, the first with a member's key written in its header) read half a million bodies,
        4.8 s of the database thread per connection, while members' alerts waited (10 such
        connections held a raid alert's publishing 47 s)."""
        vouches_by: dict[bytes, list[Event]] = collections.defaultdict(list)
        for ev in decoded:
            if ev is not None and ev.kind == "member.vouch" and ev.body is not None:
                vouches_by[ev.author].append(ev)
        authors = {ev.author for ev in decoded if ev is not None}
        trusted = {author for author in authors if self.trust.member(author) is not None}
        # one stored here was verified when it came: a member's chain is shown on every link it opens
        # (a hub group's 500 vouches verified again each time, and replayable by anyone holding a copy)
        stored = self.store.known([ev.id for evs in vouches_by.values() for ev in evs]) if vouches_by else set()
        reached, verified = list(trusted), set()
        while reached:
            for ev in vouches_by.pop(reached.pop(), ()):
                try:
                    subject = parse_body(ev.header, ev.body)["subject"]
                    # (a key that signed none of them makes none credible: its vouch is verified
                    # with the rest, a part at a time; until 2026-12-07 a group's first contact
                    # had all its devices' vouches verified here, out of time at each dial)
                    if not isinstance(subject, bytes) or subject in trusted or subject not in authors:
                        continue
                except (InvalidEvent, TypeError, KeyError):
                    continue
                if ev.id not in stored:
                    if over():  # (_OutOfTime: see `ingest_credentials`)
                        raise _OutOfTime
                    try:
                        ev.verify()
                    except InvalidEvent:
                        return _Credible([True] * len(decoded), ev)  # (all refused with it)
                    verified.add(ev.id)
                trusted.add(subject)
                reached.append(subject)
        return _Credible([ev is None or ev.author in trusted for ev in decoded], None, frozenset(verified))

    def commit(self, prepared: _Prepared) -> list[Outcome]:
        """Second half of ingest: one write transaction; the outcomes, one per input."""
        return self._commit(prepared)

    def commit_group(self, group: Sequence[_Prepared]) -> list[list[Outcome]]:
        """Second half of ingest for several batches in one write transaction (see GROUP): the
        outcomes of each, as if each had been committed in turn."""
        return self._commit_group(group)

    def _prepare(self, wires: Sequence[bytes], now: int, workers: bool = True) -> _Prepared:
        """Start the work that needs no state (on the worker processes, when there are some and
        `workers`)."""
        from node.verify_pool import Examination  # here: reading commands (`solnet ls`) verify nothing

        return _Prepared(now, [None] * len(wires), examination=Examination(wires, workers))

    def _resolve(self, prepared: _Prepared) -> None:
        """Read the examination (waiting for the workers, or helping them), refuse the obvious, drop
        known ids, and sort what is new by (author, seq). No write lock is held for a group's
        first batch; later ones are resolved in the group's transaction."""
        examination, prepared.examination = prepared.examination, None
        if examination is None:
            return
        outcomes, now = prepared.outcomes, prepared.now
        candidates: list[tuple[int, Examined]] = []
        seen: set[bytes] = set()
        network = self.network_id
        for i, examined in enumerate(examination.results()):
            ev = examined.event
            if ev is None:
                exc = examined.refusal
                outcomes[i] = Outcome(exc.event_id, REJECTED, exc.reason, exc.args[0])
            elif ev.header.network != network:
                outcomes[i] = Outcome(ev.id, REJECTED, E.WRONG_NETWORK, "event belongs to another network")
            elif ev.id in seen:
                outcomes[i] = Outcome(ev.id, DUPLICATE)
            else:
                seen.add(ev.id)
                candidates.append((i, examined))
        candidates = self._refuse_unproved_ahead(candidates, outcomes, now, prepared)
        # Only an event at or below its author's newest stored seq can be stored already (a stub to
        # fill, a duplicate; a fork is admission's to find): new events, most of a sync, need no look-up.
        heads: dict[bytes, tuple[int, bytes | None]] = {}
        maybe_stored = [x.event.id for _, x in candidates
                        if x.event.header.seq <= self._head(x.event.header.author, heads)[0]]
        known = self.store.known(maybe_stored) if maybe_stored else {}
        fresh = prepared.fresh
        for i, examined in candidates:
            ev = examined.event
            state = known.get(ev.id)
            if state is None:
                fresh.append((i, examined))
            elif state == BODY_MISSING and ev.body is not None:
                prepared.fills.append((i, ev))
            else:
                outcomes[i] = Outcome(ev.id, DUPLICATE)
        fresh.sort(key=lambda item: (item[1].event.header.author, item[1].event.header.seq))
        if prepared.verified:  # (credentials: checked a part at a time before their commit, not twice)
            fresh[:] = [(i, x._replace(signature_ok=True)) if x.signature_ok is None and x.event.id in prepared.verified
                        else (i, x) for i, x in fresh]
        unchecked = [n for n, (_, x) in enumerate(fresh) if x.signature_ok is None]
        if unchecked:  # decoded here (no workers, or a small batch): only the new events are verified
            from node.verify_pool import verify_here

            flags = verify_here([fresh[n][1].event for n in unchecked])
            for n, ok in zip(unchecked, flags):
                fresh[n] = (fresh[n][0], fresh[n][1]._replace(signature_ok=bool(ok)))

    def _refuse_unproved_ahead(self, candidates: list[tuple[int, Examined]], outcomes: list[Outcome | None],
                               now: int, prepared: _Prepared) -> list[tuple[int, Examined]]:
        """`candidates` without the events stamped more than MAX_CLOCK_SKEW_MS after `now` that
        their immediate successors do not prove right (node/stamped_ahead.py), refused (they come
        again at the next round). A successor is read from this batch (its signature and body
        checked here) or from `pending` (checked when it was kept). One that a successor past its
        key's revocation would have proved stays a candidate, its id in `prepared.wait_ahead`: it is
        kept aside until its time, as where it went in before the revocation came
        (`_withdraw_unproved_ahead`). Their authors go in `prepared.ahead_of`: a revocation in the
        same batch may come after the proof was read."""
        limit = now + MAX_CLOCK_SKEW_MS
        authors = {x.event.author for _, x in candidates if x.event.header.timestamp > limit}
        if not authors:
            return candidates
        prepared.ahead_of |= authors
        wait = prepared.wait_ahead
        links: dict[bytes, list[tuple[stamped_ahead.Link, bool]]] = {author: [] for author in authors}
        checked: list[tuple[int, Examined]] = []
        for i, x in candidates:
            ev = x.event
            if ev.author in authors:
                if x.signature_ok is None:  # a proof must be signed by the author: checked before it counts
                    from node.verify_pool import verify_here

                    x = x._replace(signature_ok=bool(verify_here([ev])[0]))
                links[ev.author].append((_link(ev, bool(x.signature_ok) and _body_keeps_rules(ev, x.facts)),
                                         self._may_prove(ev.author, ev.seq)))
            checked.append((i, x))
        let_in: set[bytes] = set()
        for author in authors:
            own = links[author] + [(link._replace(sound=True), link.sound) for link in self._waiting_links(author)]
            let_in |= stamped_ahead.right([link._replace(sound=link.sound and may) for link, may in own], limit)
            wait |= stamped_ahead.right([link for link, _ in own], limit) - let_in
        kept: list[tuple[int, Examined]] = []
        for i, x in checked:
            ev = x.event
            if ev.header.timestamp <= limit or ev.id in let_in or ev.id in wait:
                kept.append((i, x))
                continue
            if not x.signature_ok:  # a forgery: no device of any group stamped it, and no clock is judged by it
                problem = ev.bad_signature()
                outcomes[i] = Outcome(ev.id, REJECTED, problem.reason, problem.args[0])
                continue
            group = self.trust.group_of(ev.author)  # members only: throw-away keys cost nothing
            name = references.group_name(self.store, group) if group is not None else None
            outcomes[i] = Outcome(ev.id, REJECTED, E.FUTURE, f"timestamp is {span(ev.header.timestamp - now)} ahead "
                                  f"of this clock (more than 10 minutes), by a device of {name or 'no member group'}, "
                                  "and no rightly stamped event of its author follows it; check the author's clock",
                                  group=name)
            if group is not None and self._word_counts(ev.author):
                # (a revoked key's refusal is not noted at all: as its group's newest, it would hide
                # the word of the group's own devices)
                self.clock_doubt.note(group, ev.header.timestamp - now, now, ev.author)
        return kept

    def _hold_for_its_time(self, ev: Event, facts: BodyFacts | None, hold: bool, now: int,
                           heads: dict[bytes, tuple[int, bytes | None]]) -> Outcome:
        """Keep aside `ev`, stamped ahead, that only a successor past its key's revocation follows."""
        try:
            return self._hold(ev, E.FUTURE, f"timestamp is {span(ev.header.timestamp - now)} ahead: {WITHDRAWN_AHEAD}",
                              now, heads, hold=hold, facts=facts)
        except InvalidEvent as exc:
            return Outcome(ev.id, REJECTED, exc.reason, exc.args[0])

    def _may_prove(self, author: bytes, seq: int) -> bool:
        """Whether `author`'s event at `seq` may prove the one before it stamped ahead: not past a
        revocation or fork point of its key (node/stamped_ahead.py). An author not certified yet
        may: its events wait for its vouch, and what they prove goes in with them."""
        member = self.trust.member(author)
        return member is None or member.may_sign(seq)

    def _waiting_links(self, author: bytes) -> list[stamped_ahead.Link]:
        """`author`'s events kept aside, as proofs of events stamped ahead (checked when kept)."""
        return [_link(ev, self._may_prove(author, ev.seq)) for ev in map(decode_event, (
            row.wire for row in self.store.pending_of(author)))]

    def _withdraw_unproved_ahead(self, key: bytes, heads: dict[bytes, tuple[int, bytes | None]], now: int) -> None:
        """After `key`'s revocation or fork point changed: its stored tail stamped more than
        MAX_CLOCK_SKEW_MS after `now` that nothing it may still sign proves any more (a successor
        past the new point proves nothing) leaves the log, from its lowest such event, with the
        events above it, kept aside: where the revocation came first it was refused, and what
        followed it waited for it. Kept, not dropped: should the revocation stop counting, they go
        in again (their proof with them); until then one goes in once its stamp is near (`_drain_pending`)."""
        clock_limit = now + MAX_CLOCK_SKEW_MS
        ahead = self.store.stamped_after(key, clock_limit)
        if ahead is None:
            return
        top, _ = self.store.head(key)
        run = [self.store.event_row(event_id) for seq in range(top - ahead[0] + 1, top + 1)
               if (event_id := self.store.id_at(key, seq)) is not None]
        first = stamped_ahead.first_unproved(
            [_link(decode_event(wire_of(r.header, r.sig, r.body)), True) for r in run if r is not None],
            self._waiting_links(key), clock_limit)
        if first is None:
            return
        taken = self.store.take_out(key, first)
        self._unredact(key, taken)
        heads.pop(key, None)
        for t in taken:
            self._keep_aside(t.id, key, t.seq, t.kind, t.wire, E.FUTURE, now, stored=True)

    def _commit(self, prepared: _Prepared) -> list[Outcome]:
        return self._commit_group([prepared])[0]

    def _commit_group(self, group: Sequence[_Prepared]) -> list[list[Outcome]]:
        """The batches of `group` in one write transaction, in their order. The first is resolved
        before the transaction (waiting for its examination holds no lock); each later one inside
        it, after the batches before it were admitted, so what they stored counts as known."""
        self._resolve(group[0])
        try:
            with self.store.write():
                self.refresh_trust()
                for prepared in group:
                    self._resolve(prepared)  # (done for the first)
                    self._admit_prepared(prepared)
                self._count_deferred_trust(group[-1].now)
                self._finish(group[-1].now)
                for prepared in group:
                    self._tell_unfrozen(prepared)
                    self._tell_withdrawn(prepared)
        except BaseException:
            self._trust_version = None  # the graph may hold trust events that were rolled back
            self._trust_deferred_by = None
            self._dropped_bodies = False
            self.store.orphaned_profiles.clear()
            self._drained.clear()
            raise
        finally:
            self._unfrozen.clear()
        self.reclaim_if_dropped()
        return [[o if o is not None else Outcome(None, REJECTED, E.MALFORMED, "not processed") for o in p.outcomes]
                for p in group]

    def _admit_prepared(self, prepared: _Prepared, heads: dict[bytes, tuple[int, bytes | None]] | None = None) -> None:
        """`heads`: chain heads read in this transaction already (append read its author's)."""
        outcomes, now = prepared.outcomes, prepared.now
        # One look-up for the whole batch instead of one per event (chain checks need none: the
        # heads are read once per author and batch).
        self.store.prefetch_redactions([x.event.id for _, x in prepared.fresh] + [ev.id for _, ev in prepared.fills],
                                       signed_here=prepared.signed_here)
        for i, ev in prepared.fills:
            outcomes[i] = self._fill_body(ev, now)
        heads = {} if heads is None else heads
        self._batch_fresh, self._batch_links = prepared.fresh, None
        try:
            for i, examined in prepared.fresh:
                ev = examined.event
                if not examined.signature_ok:
                    problem = ev.bad_signature()
                    outcomes[i] = Outcome(ev.id, REJECTED, problem.reason, problem.args[0])
                elif ev.id in prepared.wait_ahead:
                    outcomes[i] = self._hold_for_its_time(ev, examined.facts, prepared.hold, now, heads)
                else:
                    outcomes[i] = self._admit(ev, heads, now, hold=prepared.hold, facts=examined.facts)
        finally:
            self._batch_fresh, self._batch_links = [], None
        for author in prepared.ahead_of:  # a revocation of this batch may void a proof read before it
            if self.trust.limit(author) is not None:
                self._withdraw_unproved_ahead(author, heads, now)
        if self._trust_deferred_by is not None and any(o is not None and o.status == PENDING for o in outcomes):
            self._trust_changed(heads, now)  # what the run admits may release this batch's events kept aside
        if any(o is not None and o.status == ACCEPTED for o in outcomes):
            self._settle(heads, now, self.trust)
        index_of = {x.event.id: i for i, x in prepared.fresh} if self._drained else {}
        for event_id, outcome in self._drained:  # admitted from `pending` while this batch went in
            if event_id in index_of:
                outcomes[index_of[event_id]] = outcome
        self._drained.clear()

    def _tell_withdrawn(self, prepared: _Prepared) -> None:
        """Events of `prepared` stamped ahead that went in on a proof a revocation of the same write
        then voided (`_withdraw_unproved_ahead`) are told kept aside, not stored."""
        if not prepared.ahead_of:  # (the common case: no per-event look)
            return
        for i, x in prepared.fresh:
            said = prepared.outcomes[i]
            if x.event.author in prepared.ahead_of and said is not None and said.status == ACCEPTED \
                    and x.event.header.timestamp > prepared.now + MAX_CLOCK_SKEW_MS and self.store.is_pending(x.event.id):
                prepared.outcomes[i] = Outcome(x.event.id, PENDING, E.FUTURE, WITHDRAWN_AHEAD)

    def _tell_unfrozen(self, prepared: _Prepared) -> None:
        """Events of `prepared` refused as their author's frozen that a pin then put in the log (its
        chain made whole by them: `_resolve_pinned_forks`) are told accepted, as where they came
        after the pin."""
        if not self._unfrozen:  # (the common case: no per-event look)
            return
        refused = [(i, x.event) for i, x in prepared.fresh if x.event.author in self._unfrozen
                   and prepared.outcomes[i] is not None and prepared.outcomes[i].reason == E.FROZEN]
        stored = self.store.known([ev.id for _, ev in refused]) if refused else {}
        for i, ev in refused:
            if ev.id in stored:
                prepared.outcomes[i] = Outcome(ev.id, ACCEPTED, message="back in the log: it completes the chain its "
                                                                        "author's group pinned", kind=ev.kind)

    def _finish(self, now: int) -> None:
        """The end of every write transaction that stored events: drop expired bodies, mark the
        needs, offers and fundraisers that lapsed or ended (out of the open listings' walks), and give a group whose
        current profile left the log its next newest one."""
        if self.store.expire_bodies(now):
            self._dropped_bodies = True
        self.store.lapse_rows(now)
        self._expire_aside(now)
        for _ in range(MAX_RECONCILE_PASSES):  # each may give the other work: a fork found, undone
            if not self._resolve_pinned_forks(now) | self._refind_forks(now) | self._forks_below_limits(now):
                break
        self._restore_profiles()

    def _expire_aside(self, now: int) -> None:
        """What waits out of the log goes as the log's would: expired bodies (kept aside, kept past a
        fork point, kept as forgeries), then events kept too long; their space is given back as a
        dropped body's is."""
        if self.store.expire_forked(now) + self.store.expire_forged(now) + self.store.expire_pending_bodies(now):
            self._dropped_bodies = True
        self._expire_pending(now)

    def _expire_pending(self, now: int) -> None:
        """Drop the events kept aside for longer than the age limit. Safe whatever the order of
        arrival: a dropped event is not in the store's set, so its author's head stays below that
        of any peer that stores it and the next anti-entropy round fetches it again; it goes in
        then if it may (and a peer stores it only where it may). A dropped trust event may have
        counted in the graph (a claim), which is computed again."""
        limits = pending_queue.PENDING_LIMITS
        kinds = self.store.expire_pending(now - limits.max_age_ms, now - limits.stored_max_age_ms)
        self._dropped_bodies = self._dropped_bodies or bool(kinds)
        if any(kind in TRUST_KINDS for kind in kinds):
            self._trust_changed({}, now)
            self._drained.clear()  # admitted by that: stored, no batch of this commit to tell

    def _admit(self, ev: Event, heads: dict[bytes, tuple[int, bytes | None]], now: int, *,
               hold: bool = True, facts: BodyFacts | None = None) -> Outcome:
        """Check one signature-verified event against chain, trust and kind rules; store it if it
        passes. `facts`: its body already judged (events/examine.py), else it is parsed here."""
        if self._trust_deferred_by not in (None, ev.author):
            self._trust_changed(heads, now)
        try:
            return self._admit_checked(ev, heads, now, hold, facts)
        except InvalidEvent as exc:
            return Outcome(ev.id, REJECTED, exc.reason, exc.args[0])

    def _honour_redaction(self, ev: Event) -> None:
        """A stored redaction drops the bodies of its own author's events it names, whenever those
        events arrive (the store remembers the ids). Only once it is stored: then it is in the log,
        so it travels and every node that holds it honours it. One refused or kept aside (past its
        author's revocation point, presented by a dialler that is then refused) reached this node
        alone: honouring it here would leave two nodes with the same events and different bodies
        for good (sync compares events, not bodies). Its targets are earlier in its author's chain,
        so they are stored before it whatever the order of arrival. A key can only ever redact its
        own events, and never its vouches and revocations (node/store/trust.py `redactable`)."""
        try:
            fields = parse_body(ev.header, ev.body)
        except InvalidEvent:
            return  # refused below with its reason
        if fields is not None and self.store.record_redactions(ev.author, fields["ids"]):
            self._dropped_bodies = True

    def _unredact(self, author: bytes, taken: Sequence[TakenOut]) -> None:
        """Redactions among `taken` (events of `author` taken out of the log) hold no more (rule 10):
        on a node where the revocation or the fork came first they were never honoured. What they
        named is redacted no more unless a redaction still in the log names it; bodies dropped by
        them are marked missing, for sync to fetch again from a peer that kept them."""
        named: set[bytes] = set()
        for t in taken:
            if t.kind == "redact":
                named.update(_redacted_ids(decode_event(t.wire).body))
        if named:
            for body in self.store.redaction_bodies(author):
                named -= _redacted_ids(body)
            self.store.forget_redactions(author, sorted(named))

    def _admit_checked(self, ev: Event, heads: dict[bytes, tuple[int, bytes | None]], now: int,
                       hold: bool, facts: BodyFacts | None) -> Outcome:
        header = ev.header
        author, seq = header.author, header.seq
        fork_at = self.trust.fork_point(author)
        if fork_at == seq and self._contradicting(author, seq, [(ev.id, header.prev, b"")]) is not None:
            # Its prev is not the log's seq - 1: a fork from seq - 1, as on a node where it came
            # before the event that made the fork at seq (whatever came first, the lowest fork holds).
            return self._record_fork(ev, seq - 1, heads, now)
        if fork_at is not None and seq >= fork_at:
            frozen = f"author is frozen from seq {fork_at}: it signed two different events there"
            if facts is None or facts.problem is None:
                self._keep_forked(author, [(ev.encode(), False)], now)
            if header.kind not in TRUST_KINDS:
                raise InvalidEvent(E.FROZEN, f"{frozen}, so nothing it signs from there counts but its revocations "
                                             "(and its vouches as claims)")
            if facts is not None and facts.problem is not None:
                raise InvalidEvent(*facts.problem)
            if self.store.is_kept_past_fork(ev.id):
                return Outcome(ev.id, DUPLICATE)
            fields = _body_fields(ev)
            counts, refusal = self._keep_past_fork(ev, fields, now)
            if counts:
                self._count_trust_event(ev, fields, heads, now)
            kept = ("this revocation of its is kept: it still counts" if header.kind == "member.revoke" else
                    "this vouch of its is kept as a claim: it admits no one, but the key it names counts as claimed")
            raise InvalidEvent(E.FROZEN, f"{frozen}; " + (refusal or kept))
        member = self.trust.member(author)
        if member is None:
            return self._hold(ev, E.NOT_A_MEMBER, "waiting for the vouch that certifies its author", now, heads, hold,
                              facts)
        if not member.may_sign(seq):
            return self._hold(ev, E.REVOKED, f"its author is revoked from seq {member.revoked_from}; kept aside in "
                                             "case that revocation stops counting", now, heads, hold, facts)
        head_seq, head_id = self._head(author, heads)
        if seq <= head_seq:
            other = self.store.id_at(author, seq)
            if other == ev.id:  # stored since this batch was prepared (by us or another process)
                return Outcome(ev.id, DUPLICATE)
            # A fork is taken from the log as it is, never from a head's index with a changed byte
            # (neither signed nor hashed): the honest author would be frozen here
            self.store.check_head(author, head_seq, head_id)
            self._refuse_off_pinned_chain(ev, member, now)
            # A prev that is not the stored seq - 1 says the author signed another event there: the
            # fork is from seq - 1, as where this event came right after it (below), whatever came first.
            below = seq - 1 if seq > 1 and header.prev != self.store.id_at(author, seq - 1) else seq
            return self._record_fork(ev, below, heads, now)
        if seq > head_seq + 1:
            return self._hold(ev, E.BAD_CHAIN, f"waiting for seq {head_seq + 1} of its author", now, heads, hold, facts)
        if header.prev != head_id:
            self.store.check_head(author, head_seq, head_id)  # (a changed byte in the head's index: no fork)
            self._refuse_off_pinned_chain(ev, member, now)
            return self._record_fork(ev, seq - 1, heads, now)
        if facts is None:
            fields = self._effective_fields(ev, member)
            effective = fields is not None
        else:  # judged by a worker: refused here, at the same point as a body parsed here would be
            if facts.problem is not None:
                raise InvalidEvent(*facts.problem)
            fields, effective = None, facts.has_fields and member.role in KINDS[header.kind].signers
        expired = header.expires is not None and header.expires <= now
        if redactable(header.kind) and self.store.is_redacted(ev.id, author):
            body_state, body = BODY_REDACTED, None
        elif expired:  # (a stub of it too: as on a node that held it whole until then)
            body_state, body = BODY_EXPIRED, None
        elif ev.body is None and header.body_len > 0:  # a stub
            body_state, body = BODY_MISSING, None
        else:
            body_state, body = BODY_PRESENT, ev.body
        share = self._charge_share(ev, member, now)
        n = self.store.insert_event(ev, body, body_state, share)
        heads[author] = (seq, ev.id)
        if header.kind == "redact" and body is not None:
            self._honour_redaction(ev)
        if effective and body is not None:
            if fields is not None:
                self.store.apply_projection(project(ev, fields, member.group), n)
            elif facts is not None and facts.shape is not None:
                table, region, t, ref, public, urgent = facts.shape
                self.store.add_row(n, table, member.group, region, t, ref, (header.timestamp, ev.id), public, urgent)
        if effective and header.kind in TRUST_KINDS:
            self._count_trust_event(ev, fields, heads, now)
        return Outcome(ev.id, ACCEPTED, kind=header.kind)

    def _charge_share(self, ev: Event, member: Member, now: int) -> author_share.Share:
        """`ev`'s author's share of the log once `ev` (next in its chain) is stored; InvalidEvent
        (OVER_SHARE) if it does not fit: said once in the log and kept for `solnet status`."""
        header = ev.header
        before = self.store.share(header.author)
        share = author_share.charge(before, header.seq, header.timestamp,
                                    author_share.cost(len(ev.header_bytes), header.body_len))
        if share is not None:
            return share
        day = author_share.after(before, header.seq, header.timestamp, 0).day  # (the day it went past its share)
        name = self._group_name(member.group) if member.group != header.author else None
        if self.store.note_over_share(header.author, member.group, name, header.seq, day, now):
            import logging  # here: `solnet status` and `ls` read the log and load no logging (test_cli_imports)

            logging.getLogger(f"solnet.{__name__}").warning(
                "%s sends more than its share (%s of events a day): nothing it signs from seq %d is stored; "
                "`solnet status` says it too", over_share_words(header.author, member.group, name),
                author_share.share_words(), header.seq)
        raise InvalidEvent(E.OVER_SHARE, f"its author signed more than its share of the log "
                                         f"({author_share.share_words()} of events a day): nothing it signs from seq "
                                         f"{header.seq} is stored; its group should revoke that key and make a new one")

    def _count_deferred_trust(self, now: int) -> None:
        """Before a write transaction that stored events commits: count the trust events whose
        computation waited (`_count_trust_event`). A group of batches of one author's run, a
        flood pushed one event per message included, costs one computation."""
        if self._trust_deferred_by is not None:
            self._trust_changed({}, now)
            self._drained.clear()  # admitted from `pending`: stored, no batch of this commit to tell

    def _count_trust_event(self, ev: Event, fields: dict[str, Any] | None,
                           heads: dict[bytes, tuple[int, bytes | None]], now: int) -> None:
        """A trust event was stored or kept aside: compute the graph again, at once if it is about
        its own author, else once the next author's event comes, before a batch's events kept
        aside are looked at again, or before the transaction commits (`_admit`, `_admit_prepared`,
        `_settle`, `_count_deferred_trust`). A key's trust events about other keys never change
        what it may itself sign (authority flows outward), so a run of them by one author, a flood
        included, costs one computation of the graph instead of one each (it was quadratic)."""
        subject = (fields if fields is not None else unpack(ev.body) if ev.body else {}).get("subject")
        if subject is not None and subject != ev.author:
            self._trust_deferred_by = ev.author
        else:
            self._trust_changed(heads, now)

    def _head(self, author: bytes, heads: dict[bytes, tuple[int, bytes | None]]) -> tuple[int, bytes | None]:
        """(seq, id) of `author`'s newest stored event, cached for the length of one batch."""
        if author not in heads:
            heads[author] = self.store.head(author)
        return heads[author]

    def _effective_fields(self, ev: Event, member: Member) -> dict[str, Any] | None:
        """The validated fields of an event, or None when it has no effect: a stub, an unknown kind,
        or a key of the wrong role for its kind (stored, never projected). Raises InvalidEvent for
        a body that breaks its kind's rules (the same for every node: no state is consulted)."""
        fields = _body_fields(ev)
        kind = KINDS.get(ev.kind)
        if fields is None or kind is None or member.role not in kind.signers:
            return None
        return fields

    def no_effect(self, ev: Event) -> Said | None:
        """Why a stored event has no effect (for `solnet show`), or None if it has: in English, with
        the key of a page's words for it (Said: an event's page says it in its own language)."""
        return self._no_effect(ev.id, ev.author, ev.kind, ev.header.timestamp, ev.body, seq=ev.seq)

    def row_no_effect(self, row: tuple, fields: dict[str, Any] | None = None) -> Said | None:
        """`no_effect` of a stored event row (id, author, seq, ts, kind, expires, header, sig, body,
        body_state), read from the row itself: no wire form to build and decode again. `fields`: its
        body already unpacked (a dict), if the caller has it."""
        return self._no_effect(row[0], row[1], row[4], row[3], row[8], fields, seq=row[2])

    def _no_effect(self, event_id: bytes, author: bytes, kind_name: str, timestamp: int, body: bytes | None,
                   fields: Any = None, *, seq: int) -> Said | None:
        member = self.trust.member(author)
        kind = KINDS.get(kind_name)
        if member is not None and kind is not None and member.role not in kind.signers:
            return Said(f"a {member.role} key may not sign {kind_name} events", "no_effect.wrong_signer")
        if kind is not None and body is not None:  # a reference to the wrong kind counts for nothing
            if fields is None:
                fields = unpack(body)
            # a sealed event's kind is inside its envelope: it cannot be judged (None), like one not held
            kind_of = lambda ref: (row[4] if (row := self.store.event_row(ref)) and row[4] != "sealed"  # noqa: E731
                                   else None)
            wrong = wrong_reference(kind, fields, kind_of) if isinstance(fields, dict) else None
            if wrong is not None:
                return Said(wrong[1], "no_effect.wrong_reference")
            if isinstance(fields, dict) and member is not None:
                why = self._no_effect_on_target(event_id, kind_name, timestamp, fields, member.group, (author, seq))
                if why is not None:
                    return why
        return self.trust.effect(event_id)

    def _no_effect_on_target(self, event_id: bytes, kind: str, timestamp: int, fields: dict[str, Any],
                             group: bytes, signer: tuple[bytes, int]) -> Said | None:
        """Why an event that changes another one (an update, a fulfilment, a close, a report ...)
        counts for nothing, by the rules of events.effects; or a fulfilment that came when its
        need was already covered. Read from stored events only."""
        target = lambda ref: references.target(self.store, self.trust, ref)  # noqa: E731
        found = effects.problem(kind, fields, group, timestamp, target,
                                lambda request: references.claims(self.store, request), signer)
        if found is not None:
            # a time as stored (ms): a page says it as its other times are, in its reader's zone
            key, values = effects.words_of(found, self._group_name, int)
            return Said(effects.explain(found, self._group_name, of_stored=True), key, **values)
        if kind == "alert.update":
            earlier = [u for u in self.store.rows(ALERT_UPDATE, refs=[fields["alert"]])
                       if u.data.get("status") == "all_clear" and u.version < (timestamp, event_id)
                       and u.data["group"] == group]
            if earlier:
                return Said("its group had already cleared that alert, and an all clear is final",
                            "no_effect.cleared_before")
        # (only an update of a listing can follow its withdrawal: any other kind was decoded and
        # projected again here for nothing, on every publish)
        if kind in references.LISTING_UPDATES and (
                withdrawal := references.withdrawal_before(self.store, self.trust, event_id)) is not None:
            what, row = withdrawal
            return Said(f"that {what} had already been withdrawn by its group ({local_time(row.data['ts'])}), and a "
                        "withdrawal is final", "no_effect.withdrawn_before", time=row.data["ts"])
        if kind == "need.fulfil":
            # What the fulfilments made before it covered, as the read models count it: those of a
            # group whose fulfilment the need's group declined (need.decline) cover nothing
            need = references.listing_state(self.store, self.trust, fields["need"], timestamp,
                                            fulfilled_before=(timestamp, event_id))
            if need is not None and need["fulfilled"] >= need["quantity"]:
                return Said(f"that need ({need['quantity']} {need['unit']}) was already fully covered when this "
                            "fulfilment was made", "no_effect.covered_before")
        return None

    def _group_name(self, group: bytes) -> str:
        return references.group_name(self.store, group)

    def _project(self, ev: Event, member: Member, n: int) -> None:
        try:
            fields = self._effective_fields(ev, member)
        except InvalidEvent:
            return
        if fields is not None and ev.body is not None:
            self.store.apply_projection(project(ev, fields, member.group), n)

    def _restore_profiles(self) -> None:
        """Groups whose current profile left the log get their next newest one, exactly as if the
        one that left had never arrived."""
        groups = self.store.orphaned_profiles
        if not groups:
            return
        self.store.orphaned_profiles = set()
        newest: dict[bytes, tuple[tuple[int, bytes], int, Event, Member]] = {}
        for n, wire in self.store.profile_events():
            ev = decode_event(wire)
            member = self.trust.member(ev.author)
            if member is None or member.group not in groups or not member.may_sign(ev.seq):
                continue
            version = (ev.header.timestamp, ev.id)
            if member.group not in newest or version > newest[member.group][0]:
                newest[member.group] = (version, n, ev, member)
        for _, n, ev, member in newest.values():
            self._project(ev, member, n)

    def _fill_body(self, ev: Event, now: int) -> Outcome:
        """A stub we hold gets its body (hash already checked by the decoder against the signed header)."""
        found = self.store.author_and_n(ev.id)
        member = self.trust.member(found[0]) if found else None
        if member is None or self.store.is_redacted(ev.id, ev.author):
            return Outcome(ev.id, DUPLICATE)
        try:
            self._effective_fields(ev, member)
        except InvalidEvent as exc:
            return Outcome(ev.id, REJECTED, exc.reason, exc.args[0])
        expired = ev.header.expires is not None and ev.header.expires <= now
        self.store.set_body(ev.id, None if expired else ev.body, BODY_EXPIRED if expired else BODY_PRESENT)
        if not expired:
            self.store.note_filled(found[1])  # (a bundle since before now carries it: `filled`)
            self.filled.append(found[1])
            self._project(ev, member, found[1])
            if ev.kind == "redact":
                self._honour_redaction(ev)
        return Outcome(ev.id, ACCEPTED, message="body restored", kind=ev.kind)

    def _record_fork(self, ev: Event, fork_seq: int, heads: dict[bytes, tuple[int, bytes | None]], now: int) -> Outcome:
        """`ev` contradicts what its author signed at `fork_seq` (the same seq, or the seq its `prev`
        names): keep both as proof, and take everything the author signed from `fork_seq` on out
        of the log for good. Whichever of the two arrived first, every node ends the same: an event
        kept at `fork_seq` (aside, or past a fork point found before) whose prev is not the log's
        event below makes it a fork from there (`_contradicting`), as where it came first."""
        author = ev.author
        proofs = [(ev, fork_seq)]  # (event, the seq of the log's event it contradicts)
        while (found := self._contradicting(author, fork_seq, self.store.kept_at(author, fork_seq))) is not None:
            fork_seq -= 1
            proofs.append((decode_event(found[2]), fork_seq))
        taken = self.store.take_out(author, fork_seq)
        self._unredact(author, taken)
        self._keep_forked(author, [(t.wire, True) for t in taken] + [(ev.encode(), False)], now)
        at = {seq: (event_id, wire) for event_id, seq, _, wire in taken}
        # Headers and signatures prove a fork; the bodies stay out of the proof, which is kept for
        # good (an alert's text outlived its expiry there, on every node that saw the fork).
        evidence = []
        for proof, seq in proofs:
            other = at.get(seq, (b"", b""))
            evidence.append((proof.id, proof.seq, other[0], proof.encode(with_body=False)))
            if other[1]:
                evidence.append((other[0], seq, proof.id, decode_event(other[1]).encode(with_body=False)))
        self.store.record_fork(author, fork_seq, evidence, now)
        heads.pop(author, None)
        self._trust_changed(heads, now)
        # Its revocations from the fork point on, in either branch, still count, and its vouches
        # there count as claims (events/trust.py).
        past_fork = [decode_event(t.wire) for t in taken if t.kind in TRUST_KINDS]
        if ev.kind in TRUST_KINDS:
            past_fork.append(ev)
        if self._keep_trust_past_fork(author, fork_seq, past_fork, now):
            self._trust_changed(heads, now)
        raise InvalidEvent(E.FORK, f"author {author.hex()[:16]} signed two different events at seq {fork_seq}; "
                                   "both are kept as proof and nothing it signs from there counts")

    def _contradicting(self, author: bytes, seq: int, candidates: Sequence[tuple[bytes, bytes | None, bytes]],
                       ) -> tuple[bytes, bytes | None, bytes] | None:
        """Of `candidates` ((id, prev, wire) of events of `author` at `seq`), one whose prev is not
        the log's event at seq - 1: its author signed another event there, so a fork from seq - 1.
        None if none is, or the log does not hold seq - 1 (nothing to compare with, or the author
        may not sign there: a fork past a revocation point changes nothing until it stops counting,
        and then its events come back), or the candidate, or the seq - 1 it names, is off the chain a
        pin names (a forgery, not a fork: a thief's event just past the pinned chain names its own)."""
        member = self.trust.member(author)
        if seq <= 1 or member is None or not member.may_sign(seq - 1):
            return None
        below = self.store.id_at(author, seq - 1)
        if below is None:
            return None
        return next((c for c in candidates if c[1] != below and not self._off_pinned(author, seq, c[0], member)
                     and not (c[1] is not None and self._off_pinned(author, seq - 1, c[1], member))), None)

    def _forks_below_limits(self, now: int) -> bool:
        """For every frozen or revoked key with events kept out of the log: if one kept at the first
        seq it may not sign (its fork point, or its revocation point) names another event below than
        the log holds, the key forked there (`_contradicting`), as on a node where that event came
        while the one below was in the log and it could be read (it came while that one was out of
        the log by a revocation that stopped counting, or waited for it, or was kept before it was
        read). Each key is looked at again only when that seq, its standing, its head or what is
        kept of it changed. True if any fork was found."""
        found_any = False
        for author in sorted(set(self.trust.forks) | {author for author, _ in self.store.pending_authors()}):
            limit = self.trust.limit(author)
            if limit is None or limit < 2:  # (may sign any seq: what waits, waits for a gap)
                continue
            tried = (limit, self.trust.member(author), self.store.head(author), self.store.forked_count(author),
                     self.store.pending_count_of(author))
            if self._limit_tried.get(author) == tried:
                continue
            self._limit_tried[author] = tried
            found = self._contradicting(author, limit, self.store.kept_at(author, limit))
            if found is None:
                continue
            try:
                self._record_fork(decode_event(found[2]), limit - 1, {}, now)
            except InvalidEvent:
                pass  # (the fork it records)
            found_any = True
            self._limit_tried.pop(author, None)
        if found_any:
            self._count_deferred_trust(now)
            self._drained.clear()  # back from aside: no batch of this commit to tell
        return found_any

    def _keep_forked(self, author: bytes, wires: list[tuple[bytes, bool]], now: int) -> None:
        """Keep what a frozen device signed past its fork point, from either branch (`True`: it was
        in this log), in case its group pins its chain (`_resolve_pinned_forks`). Not a group key's:
        no one may pin a group key's chain."""
        member = self.trust.member(author)
        if wires and member is not None and member.role == DEVICE_ROLE and self.store.keep_forked(
                [(decode_event(wire), stored) for wire, stored in wires], author, now, self._pinned_ids):
            # A row kept may have pushed out another (the count the same): look at the device again.
            for tried in (self._pin_tried, self._limit_tried, self._forged_tried):
                tried.pop(author, None)

    def _pinned_ids(self, author: bytes) -> frozenset[bytes]:
        """The ids of the frozen `author`'s chain that its group pinned, from the pin down to the
        fork point, as far as this node can follow it: the pin, then the prev of each of them held
        out of the log (kept past the fork point, or aside) or coming in the batch being admitted.
        An event with one of these ids is on that chain, whatever else comes (an id is the hash of
        the signed event): it comes first in the device's share of what is kept past the fork point
        (node/store/trust.py `keep_forked`), so a peer sending the chain again after a flood had
        left it out makes it whole, and `_resolve_pinned_forks` puts it back. The walk through what
        is kept is a fact the store keeps in step (node/store/pinned_chains.py): an event of a flood
        that must give way reads none of it again."""
        member, fork_at = self.trust.member(author), self.trust.fork_point(author)
        if member is None or member.pinned is None or fork_at is None or member.pinned[0] <= fork_at:
            return frozenset()
        until, pin = member.pinned

        def in_batch(event_id: bytes) -> tuple[int, bytes | None] | None:
            link = self._batch_link(event_id)
            return link[1:] if link is not None and link[0] == author else None

        return self.store.pinned_chain(author, pin, until, fork_at, in_batch)

    def _batch_link(self, event_id: bytes) -> tuple[bytes, int, bytes | None] | None:
        """(author, seq, prev) of the well-signed event `event_id` of the batch being admitted, if any."""
        if self._batch_links is None:
            self._batch_links = {x.event.id: (x.event.header.author, x.event.header.seq, x.event.header.prev)
                                 for _, x in self._batch_fresh if x.signature_ok}
        return self._batch_links.get(event_id)

    def _refuse_off_pinned_chain(self, ev: Event, member: Member, now: int) -> None:
        """`ev` contradicts its author's stored chain below the point its group revoked it from, and
        that chain is the one the group pinned: not a fork, a forgery by whoever holds a copy of the
        device key (events/trust.py). Refused, so the device's past stays; kept beside the chain
        (node/store/forged.py), as the fork it proves if the pin stops counting (`_refind_forks`)."""
        pinned = member.pinned
        if self._off_pinned(ev.author, ev.seq, ev.id, member):
            self.store.keep_forged(ev, now)
            raise InvalidEvent(E.OFF_PINNED, f"device {ev.author.hex()[:16]} is revoked from seq {pinned[0]} by its "
                                             f"group, which vouched for its chain up to seq {pinned[0] - 1}; this "
                                             f"event at seq {ev.seq} is not on it (signed with a copy of the key)")

    def _off_pinned(self, author: bytes, seq: int, event_id: bytes, member: Member,
                    kept: dict[bytes, tuple[int, bytes | None, bytes]] | None = None) -> bool:
        """Whether the event `event_id` of `author` at `seq` is off the chain its group pinned, as far
        as this node holds that chain. `kept`: `_kept_links(author)`, if the caller read them."""
        pinned = member.pinned
        return pinned is not None and seq < pinned[0] and self._pinned_id_at(author, seq, *pinned, kept=kept) not in (
            None, event_id)

    def _pinned_id_at(self, author: bytes, seq: int, until: int, pin: bytes,
                      kept: dict[bytes, tuple[int, bytes | None, bytes]] | None = None) -> bytes | None:
        """The id at `seq` of `author`'s chain that ends at `pin` (its seq `until - 1`), followed down
        through its events kept aside and past a fork point, then the log; None where a link is not
        here. The log's chain holds together (each event's `prev` is the one before it), so where
        the pinned chain meets it, it is the log's from there down."""
        at, cur = until - 1, pin
        while at > seq:
            if self.store.id_at(author, at) == cur:
                return self.store.id_at(author, seq)
            if kept is None:
                kept = self._kept_links(author)
            found = kept.get(cur)
            if found is None or found[0] != at:
                return None
            cur, at = found[1], at - 1
        return cur

    def _kept_links(self, author: bytes) -> dict[bytes, tuple[int, bytes | None, bytes]]:
        """id -> (seq, prev, wire) of `author`'s events kept out of the log: past a fork point, and
        aside (waiting, or past a revocation point)."""
        links = {event_id: (seq, prev, wire) for event_id, seq, prev, wire, _ in self.store.forked_of(author)}
        for event_id, seq, wire in self.store.pending_of(author):
            links[event_id] = (seq, decode_event(wire).header.prev, wire)
        return links

    def _resolve_pinned_forks(self, now: int) -> bool:
        """A frozen device whose group revoked it from seq n with a pin (events/trust.py): if the
        events kept past its fork point hold the pinned chain from the fork point to n - 1, the fork
        was a forgery. Forget it, put the pinned chain back in the log (its alerts, and the groups
        it admitted, are back) and the rest as if it came now: the other branch below n is refused
        as forgeries and kept as such (`_refind_forks` finds the fork again if the pin stops
        counting), what is past n waits aside. The same on every node whichever came first. Looked
        for again only when its pin, its fork point or what is kept of it changed; True if one was
        resolved."""
        resolved = False
        for author, fork_at in sorted(self.trust.forks.items()):
            member = self.trust.member(author)
            if member is None or member.pinned is None or member.pinned[0] <= fork_at:
                continue
            tried = (member.pinned, fork_at, self.store.forked_count(author), self.store.pending_count_of(author))
            if self._pin_tried.get(author) == tried:
                continue
            self._pin_tried[author] = tried
            walk = self.store.pinned_walk(author, member.pinned[1], member.pinned[0], fork_at)
            if walk.open_end is not None or len(walk.ids) < member.pinned[0] - fork_at:
                continue  # (not all of it is kept: known without reading every row kept, at each event of a flood)
            chain = self._pinned_chain(author, fork_at, *member.pinned)
            if chain is None:
                continue
            on_chain = {decode_event(wire).id for wire in chain}
            others = {event_id: (seq, wire, stored) for event_id, seq, _, wire, stored in self.store.forked_of(author)}
            others.update((event_id, (seq, wire, False)) for event_id, by, seq, wire in
                          self.store.frozen_revocations() + self.store.frozen_claims() if by == author)
            for event_id, seq, wire in self.store.pending_of(author):
                if seq < member.pinned[0]:
                    self.store.release_pending(event_id)  # the other branch's, or a copy of the chain's
                    others.setdefault(event_id, (seq, wire, False))
            self.store.clear_fork(author)
            heads: dict[bytes, tuple[int, bytes | None]] = {}
            self._trust_changed(heads, now)
            for wire in chain:
                self._admit(decode_event(wire), heads, now)
            for event_id, (seq, wire, stored) in sorted(others.items(), key=lambda item: (item[1][0], item[0])):
                member = self.trust.member(author)
                if event_id in on_chain:
                    continue
                if stored and member is not None and not member.may_sign(seq):  # out of the log by the revocation
                    self._keep_aside(event_id, author, seq, decode_event(wire).kind, wire, E.REVOKED, now, stored=True)
                else:
                    self._admit(decode_event(wire), heads, now)
            self._count_deferred_trust(now)
            self._drained.clear()  # back from aside: no batch of this commit to tell
            self._pin_tried.pop(author, None)  # a fork found again later may look the same as this one
            self._unfrozen.add(author)
            resolved = True
        return resolved

    def _refind_forks(self, now: int) -> bool:
        """A device's events refused as off its pinned chain (node/store/forged.py) that its pin no
        longer covers (the pin stopped counting: its revocation no longer counts, or its author's
        key forked at or below it; or another pin names them) go in as if they came now: a fork,
        found exactly as on a node that received them after the pin stopped counting. Those of a
        device that is no member, or revoked at their seq, wait. Looked at again only when the
        device's standing, its chain or what is kept of it changed; True if any went in."""
        found = False
        for author in self.store.forged_authors():
            member = self.trust.member(author)
            if member is None:
                continue
            tried = (member, self.trust.fork_point(author), self.store.head(author), self.store.forged_count(author),
                     self.store.forked_count(author), self.store.pending_count_of(author))
            if self._forged_tried.get(author) == tried:
                continue
            self._forged_tried[author] = tried
            heads: dict[bytes, tuple[int, bytes | None]] = {}
            kept = None
            for event_id, seq, wire in self.store.forged_of(author):
                member, fork_at = self.trust.member(author), self.trust.fork_point(author)  # (a fork changes them)
                if member is None:
                    break
                if fork_at is None or seq < fork_at:
                    if not member.may_sign(seq):
                        continue
                    if kept is None:
                        kept = self._kept_links(author)
                    if self._off_pinned(author, seq, event_id, member, kept):
                        continue
                self.store.release_forged(event_id)
                self._admit(decode_event(wire), heads, now)
                kept, found = None, True
                self._forged_tried.pop(author, None)
        if found:
            self._count_deferred_trust(now)
            self._drained.clear()  # back from aside: no batch of this commit to tell
        return found

    def _pinned_chain(self, author: bytes, fork_at: int, until: int, pin: bytes) -> list[bytes] | None:
        """The wires of `author`'s pinned chain from `fork_at` to `until - 1` among its events kept
        past the fork point, lowest seq first, if it is all there and follows what the log holds
        below the fork point; else None."""
        kept = self._kept_links(author)
        chain, want, cur = [], until - 1, pin
        while want >= fork_at:
            found = kept.get(cur)
            if found is None or found[0] != want:
                return None
            chain.append(found[2])
            cur, want = found[1], want - 1
        below = self.store.id_at(author, fork_at - 1) if fork_at > 1 else None
        return chain[::-1] if cur == below else None

    def _keep_trust_past_fork(self, author: bytes, fork_at: int, events: list[Event], now: int) -> bool:
        """Of `events` (trust events `author` signed past its fork point) and its events kept aside
        from there, keep the revocations that count now and the vouches (as claims); those signed
        past its revocation point wait aside (`_keep_past_fork`); the rest kept aside from the fork
        point on goes. True if any was kept (beside the chain or aside)."""
        member = self.trust.member(author)
        candidates = list(events)
        for event_id, seq, wire in self.store.pending_of(author):
            if seq < fork_at:
                continue
            ev = decode_event(wire)  # (checked when it was kept aside)
            if ev.kind in TRUST_KINDS and (member is None or not member.may_revoke(seq)):
                continue  # its author is still no member or revoked there: it waits on
            self.store.release_pending(event_id)
            self._keep_forked(author, [(wire, False)], now)
            if ev.kind in TRUST_KINDS:
                candidates.append(ev)
        kept = False
        for ev in candidates:
            if self.store.is_kept_past_fork(ev.id):
                continue
            try:
                counts, _ = self._keep_past_fork(ev, _body_fields(ev), now)
            except InvalidEvent:
                continue  # a body that breaks the rules counts nowhere
            kept = kept or counts
        return kept

    def _revocations_may_count(self, author: bytes, first: int, fork_at: int) -> bool:
        """Whether the events a frozen `author` has kept aside (the lowest at seq `first`) need a
        look: not when all of them are past its revocation point (a flood waiting aside is not
        decoded again at every batch)."""
        member = self.trust.member(author)
        if member is None:
            return first < fork_at
        return first < fork_at or member.revokes_until is None or first < member.revokes_until

    def _keep_past_fork(self, ev: Event, fields: dict[str, Any] | None, now: int) -> tuple[bool, str | None]:
        """Keep a trust event its frozen author signed at or after its fork point (events/trust.py):
        whether the graph must count it now (kept beside the chain, or a vouch waiting aside: a
        claim all the same), and why it is not kept beside the chain (None if it is).

        A revocation still counts, a vouch counts as a claim only (as every vouch received
        does). One signed past its author's revocation point (the fork aside), or while it is no
        member, waits aside instead (within the queue's bounds), as any event past a revocation
        point does, in case that changes (those kept before go there too: `_follow_trust`); a
        vouch waiting aside counts as a claim all the same. Not kept: a revocation another kept
        one dominates (node/store/trust.py `keep_frozen_revocation`), a vouch when a kept one
        makes the same claim at a lower seq (`keep_frozen_claim`)."""
        if fields is None:
            return False, f"an unreadable {ev.kind} is not kept"
        member = self.trust.member(ev.author)
        if member is None or not member.may_revoke(ev.seq):
            aside = self.store.is_pending(ev.id) or self._keep_aside(
                ev.id, ev.author, ev.seq, ev.kind, ev.encode(), E.NOT_A_MEMBER if member is None else E.REVOKED, now)
            return aside, (f"its author is no member, or revoked from an earlier seq than {ev.seq}: kept aside in "
                           "case that changes")
        if ev.kind == "member.vouch":
            claim = {GROUP_ROLE: 0, ACCEPT_ROLE: 3}.get(fields["role"], 2 if "consent" in fields else 1)
            if not self.store.keep_frozen_claim(ev.id, ev.author, ev.seq, fields["subject"], claim, ev.encode(), now):
                return False, "a vouch making the same claim at a lower seq is kept instead"
        elif not self.store.keep_frozen_revocation(ev.id, ev.author, ev.seq, fields["subject"], fields["from_seq"],
                                                   ev.encode(), now):
            return False, "a revocation of the same key at the same seq from as low a seq is kept instead"
        return True, None

    def _hold(self, ev: Event, reason: str, message: str, now: int, heads: dict[bytes, tuple[int, bytes | None]],
              hold: bool = True, facts: BodyFacts | None = None) -> Outcome:
        """Keep `ev` aside in `pending` (it waits for its author's vouch, or for an earlier seq), if
        its body keeps its kind's rules and the queue has room for it (node/pending_queue.py)."""
        if not hold:
            raise InvalidEvent(reason, f"{message}; not kept (credentials must be admissible as they come)")
        _check_body(ev, facts)  # refused as it would be from a member: it could never go in
        already = self.store.is_pending(ev.id)  # sent again (each sync round asks again for what waits)
        group = self._group_of(ev.author)
        if not already:
            why = pending_queue.refusal(self.store.pending_tally(self._group_of), ev.author, len(ev.encode()),
                                        reason == E.NOT_A_MEMBER, group=group)
            if why is not None:
                # Not the peer's fault: reason not_kept costs no penalty (sync/peers.py REASON_POINTS).
                raise InvalidEvent(E.NOT_KEPT, f"{message}; not kept: {why}; it will be fetched again by sync")
        self.store.hold(ev.id, ev.author, ev.seq, ev.encode(), reason, now, ev.kind, expires=ev.header.expires,
                        group=group)
        # Every received trust event counts in who claims which key, but only once a chain of
        # vouches reaches its author (TrustGraph.reaches): until then, computing the graph again
        # would give the same members, at the cost of decoding every trust event kept aside.
        if ev.kind in TRUST_KINDS and not already and self.trust.reaches(ev.author):
            self._count_trust_event(ev, None, heads, now)
        return Outcome(ev.id, PENDING, reason, message)

    def _settle(self, heads: dict[bytes, tuple[int, bytes | None]], now: int, before: TrustGraph) -> None:
        """Bring the log in line with the trust graph (it was `before`) and admit what was kept
        aside and may now go in, until nothing changes. Outcomes of admitted events go to `_drained`."""
        if self._reconciling:
            return  # the outer call goes on until the log agrees with the newest graph
        self._reconciling = True
        try:
            for _ in range(MAX_RECONCILE_PASSES):
                after = self.trust
                for key in _changed_keys(before, after):
                    self._follow_trust(key, before, after, heads, now)
                progress = self._drain_pending(heads, now, self._drained)
                if progress and self._trust_deferred_by is not None:  # trust events admitted from `pending`
                    self._trust_changed(heads, now)
                if self.trust.same_state(after) and not progress:
                    break
                before = after
        finally:
            self._reconciling = False

    def _drain_pending(self, heads: dict[bytes, tuple[int, bytes | None]], now: int,
                       done: list[tuple[bytes, Outcome]]) -> bool:
        """Admit events kept aside whose author may now sign them and whose predecessor is stored;
        True if any went in."""
        progress = False
        clock_limit = now + MAX_CLOCK_SKEW_MS
        for author, first in self.store.pending_authors():
            fork_at = self.trust.fork_point(author)
            if fork_at is not None and self._revocations_may_count(author, first, fork_at) and \
                    self._keep_trust_past_fork(author, fork_at, [], now):
                self._trust_changed(heads, now)
            member = self.trust.member(author)
            if member is None or first > self._head(author, heads)[0] + 1 or not member.may_sign(first):
                continue
            kept = self.store.pending_of(author)
            resting: dict[bytes, int] | None = None  # those of `kept` proved, and what each proof rests on
            for event_id, seq, wire in kept:
                member = self.trust.member(author)  # admitting one may change the graph, or freeze the author
                if member is None or seq > self._head(author, heads)[0] + 1 or not member.may_sign(seq):
                    break
                if self._trust_deferred_by not in (None, author):
                    # Counted now, while this event is still aside: `_admit` would count them with it
                    # neither aside nor stored, a gap in its author's chain that voids its later
                    # trust events for that moment, and what follows the graph then is not undone.
                    self._trust_changed(heads, now)
                    member = self.trust.member(author)
                    if member is None or seq > self._head(author, heads)[0] + 1 or not member.may_sign(seq):
                        break
                ev = decode_event(wire)
                if ev.header.timestamp > clock_limit:
                    # Read once per author from the rows walked, not once per event (n releases read n^2
                    # rows): releasing in seq order leaves the proofs of those still aside as they were
                    # (a link proves only the one below it), and what each rests on is judged by the
                    # graph of the moment (a trust event admitted here may move the revocation point).
                    if resting is None:
                        resting = stamped_ahead.resting_on([_link(decode_event(row.wire), True) for row in kept],
                                                           clock_limit)
                    rests = resting.get(ev.id)
                    if rests is None or (rests and not self._may_prove(author, rests)):
                        break  # stamped ahead and no longer proved (`_withdraw_unproved_ahead`): it waits for its time
                self.store.release_pending(event_id)
                outcome = self._admit(ev, heads, now)
                done.append((event_id, outcome))
                progress = progress or outcome.status == ACCEPTED
        return progress

    # --- expiry ---------------------------------------------------------------------------------
    def purge_expired(self, now: int | None = None) -> int:
        """Drop expired bodies now and reclaim their space (and mark the needs, offers and
        fundraisers that lapsed or ended); how many bodies were dropped."""
        now = now_ms() if now is None else now
        with self.store.write():
            count = len(self.store.expire_bodies(now))
            self._dropped_bodies = self._dropped_bodies or count > 0
            self.store.lapse_rows(now)  # (the node's timer: rows lapse while nothing is stored too)
            self._expire_aside(now)
            self._restore_profiles()
        self.reclaim_if_dropped()
        return count

    def reclaim_if_dropped(self) -> None:
        """Give back the space of bodies dropped by the last write (outside any transaction), and
        empty the WAL that still holds their text. While another program reads the database the WAL
        cannot be emptied, and is not waited for (store.reclaim): it is tried again after a later
        write (the node's expiry pass makes one every few minutes), at most every RECLAIM_RETRY_S."""
        if self._dropped_bodies:
            self._dropped_bodies, self._reclaim_owed = False, True
        if self._reclaim_owed and time.monotonic() >= self._reclaim_retry_at:
            self._reclaim_owed = not self.store.reclaim()
            self._reclaim_retry_at = time.monotonic() + RECLAIM_RETRY_S if self._reclaim_owed else 0.0

    def _own_lead(self, author: bytes, now: int) -> int:
        """By how much `author`'s latest stamp (among any of its stored events) is after `now`, when more than peers
        allow (MAX_CLOCK_SKEW_MS); 0 otherwise (a clock stepped back a little is left alone)."""
        ahead = self.store.stamped_beyond(author, now + MAX_CLOCK_SKEW_MS)
        return ahead[1] - now if ahead is not None else 0

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
        if expires is not None and (behind := max(self.clock_doubt.behind_ms(now) or 0, self._own_lead(author, now))):
            # This clock looks behind (node/clock.py), or this key's own events stored here are stamped
            # after it (a Pi set back by a power cut before any peer's fresh event came to say so: its
            # own signature, no peer's word): counted from it, the expiry would come that much early
            # everywhere else, and an alert published with a clock more than its lifetime behind was
            # dropped on arrival. Stretched by what the clock is known to lack, within the kind's
            # longest (at worst, if the groups saying so lied, or those events were stamped while this
            # clock ran ahead and wait at peers, an alert lasts longer than asked).
            expires += behind
            if spec.max_expiry_ms is not None:
                expires = min(expires, now + spec.max_expiry_ms)
        with self.store.write(durable=True):  # on the disk before anyone hears of it (Store.write)
            if not offline:
                chain_gate.check(self.store, now_ms())
            chain_gate.signed_here(self.store)  # (its next refusal, on a copy of this home, knows it was copied)
            self.refresh_trust()
            seq, prev = self.store.head(author)
            fork_at = self.trust.fork_point(author)
            past_fork = fork_at is not None and seq + 1 >= fork_at
            own = self.trust.member(author)
            if (kind == "member.vouch" and fields["role"] == "accept" and not past_fork
                    and (own is None or not own.may_sign(seq + 1))):
                # A group's opening accept (its seq 1, what `join` signs) is a claim, counted past its
                # revocation point (events/trust.py): a group that a member it never named revoked (a
                # front-runner) names its admitter all the same, at the true head of its chain, and the
                # accept waits aside until it has made the group a member again. Any other counts past it
                # only against a revocation by a group nearer the founders than the one it names (a
                # front-runner's), and waits aside so too; past any other it is refused.
                seq, prev = self._true_head(author)
                member = None
                self._refuse_pointless_accept(author, fields["subject"], seq + 1)  # (an unreachable key: no member)
            elif own is None:
                raise InvalidEvent(E.NOT_A_MEMBER, "this key is not certified in this network (not vouched, or its "
                                                   "group was removed); nothing was published")
            elif past_fork and kind == "member.revoke" and fields["subject"] != author:
                # A frozen key's revocations still count (events/trust.py): one signed past the
                # fork point is kept beside the chain, which stays where the fork froze it.
                member = self.trust.member(author)
                if not member.may_revoke(seq + 1):
                    raise InvalidEvent(E.REVOKED, f"this key is revoked from seq {member.revokes_until}: its "
                                                  "revocations no longer count; nothing was published")
            else:
                member = self.trust.check_author(author, seq + 1)
                self.store.check_head(author, seq, prev)  # (a damaged head: this key would fork itself)
            if member is not None:
                self._refuse_without_effect(member, spec, fields, seq + 1)
            chain_gate.check_nothing_aside_above(self.store, author, seq)
            ev = sign_event(key, network=self.network_id, seq=seq + 1, prev=prev, timestamp=now,
                            kind=kind, body=pack(fields), expires=expires)
            # Its body is pack(fields) of the fields checked above: admission is handed their verdict
            # (as ingest hands a worker's) rather than unpacking that body and checking it again.
            facts = body_facts(ev, checked=fields) if round_trips(fields) else None
            prepared = _Prepared(now, [None], fresh=[(0, Examined(ev, None, True, facts))], signed_here=True)
            # The head just read, not read again (an accept out of the log: the stored head, below it).
            self._admit_prepared(prepared, {author: (seq, prev) if member is not None else self.store.head(author)})
            self._count_deferred_trust(now)
            self._finish(now)  # as every ingest commit does
            first = prepared.outcomes[0]
            if (first is not None and first.status == ACCEPTED) or self.store.is_pending(ev.id) \
                    or self.store.numbered_row(ev.id) is not None or self.store.is_kept_past_fork(ev.id):
                own_marks.signed(self.store, author, ev.seq)  # on the disk before it commits (node/own_marks.py)
        if not self.store.grouped:  # in a group commit: after the group's transaction (reclaim_if_dropped)
            self.reclaim_if_dropped()
        outcome = prepared.outcomes[0]
        if past_fork and self.store.is_kept_past_fork(ev.id):
            return ev
        if member is None and (self.store.is_pending(ev.id) or self.store.numbered_row(ev.id) is not None):
            return ev  # an accept of a group out of the log: stored, or waiting aside as a claim
        if outcome is None or outcome.status != ACCEPTED:
            raise InvalidEvent(outcome.reason if outcome else E.MALFORMED, outcome.message if outcome else "refused")
        return ev

    def _refuse_pointless_accept(self, group: bytes, named: bytes, seq: int) -> None:
        """Before signing `group`'s accept of `named` at its `seq`: refuse one of a group it already
        named (accepts add up: another changes nothing, as `solnet accept` skips it), one past its
        group's revocation point that would not count there (past a revocation by a group no nearer the
        founders than `named`, only the one `join` signs counts), and one that would leave it
        with no admitter it named (events/trust.py: it would fall back to the nearest wave, or be out)."""
        if named in self.trust.accepted_by(group):
            raise InvalidEvent(E.NOT_ALLOWED, "this group already named that group as one it joined through: another "
                                              "accept changes nothing; nothing was published")
        if not self.trust.accept_counts_at(group, seq, named):
            raise InvalidEvent(E.REVOKED, late_accept.accept_past_revocation(self.store, self.trust, group, named))
        if not self.trust.admitted_only_by_named_if(group, named, seq):
            raise InvalidEvent(E.NOT_ALLOWED, "naming that group would leave this group with no admitter it named: "
                                              "it has not (validly) vouched for this group, or its vouch is not here "
                                              "yet (sync first)")

    def _true_head(self, author: bytes) -> tuple[int, bytes | None]:
        """(seq, id) of the newest event of `author`'s chain, counting those kept aside (a revocation
        took them out of the log): where its next event must go not to fork the key."""
        head, kept = self.store.known_seqs(author)
        top = _contiguous(head, kept)
        if top == head:
            return self.store.head(author)
        ids = {row.id for row in self.store.pending_of(author) if row.seq == top}
        if len(ids) != 1:
            raise InvalidEvent(E.NOT_ALLOWED, f"this key's chain holds two events at seq {top} (a fork): nothing "
                                              "was published")
        return top, ids.pop()

    def _refuse_without_effect(self, member: Member, spec: Kind, fields: dict[str, Any], seq: int) -> None:
        """Before signing: refuse an event that would be stored with no effect, saying why (from a
        peer such an event is kept and shown as "no effect"; our own user should hear it now)."""
        if member.role not in spec.signers:
            raise InvalidEvent(E.NOT_ALLOWED, f"a {member.role} key may not sign {spec.name} events "
                                              f"({' or '.join(sorted(spec.signers))} keys only)")
        if spec.name == "member.revoke":
            subject = fields["subject"]
            if not self.trust.may_revoke(member.key, subject):
                raise InvalidEvent(E.NOT_ALLOWED, "this key may not revoke that one: a device can revoke itself, a "
                                                  "group key its own devices and the groups it admitted (try --as group)")
            if subject == member.key and fields["from_seq"] <= seq:
                raise InvalidEvent(E.NOT_ALLOWED, f"a key revoking itself does so from a seq after the revocation, "
                                                  f"which will be its seq {seq}: from_seq {seq + 1} or more")
        if spec.name == "member.vouch" and fields["role"] == "accept":
            if member.role != GROUP_ROLE or member.group != member.key:
                raise InvalidEvent(E.NOT_ALLOWED, "only a group key names the groups its group joined through "
                                                  "(`solnet accept` on the group's main node)")
            self._refuse_pointless_accept(member.key, fields["subject"], seq)
        if spec.name == "redact":
            own = self.store.known_of(member.key, fields["ids"])
            if len(own) != len(set(fields["ids"])):
                raise InvalidEvent(E.NOT_ALLOWED, "a redaction may only name earlier events of its own author")
            if not all(redactable(kind) for kind in own.values()):
                raise InvalidEvent(E.NOT_ALLOWED, "vouches and revocations cannot be redacted: they are the network's "
                                                  "record of who may publish (to withdraw a vouch, revoke the key)")

    # --- rebuild ------------------------------------------------------------------------------
    def rebuild(self) -> Rebuilt:
        """Drop every projection row and replay the log through the projection functions; count
        the index of each author's newest event again from the events first (a damaged one is
        mended: node/store/errors.py `check_heads`). Says how many events it projected and how
        many authors' heads it mended."""
        count = 0
        with self.store.write():
            mended = self.store.count_heads_again()
            self.refresh_trust()
            self.store.clear_projections()
            for n, wire in self.store.stored_with_body():
                ev = decode_event(wire)
                member = self.trust.member(ev.author)
                if member is None:
                    continue
                self._project(ev, member, n)
                count += 1
        return Rebuilt(count, mended)


class Rebuilt(NamedTuple):
    """What `EventLog.rebuild` did: the events it projected, the authors whose head it mended."""

    projected: int
    heads_mended: int


_TrustFacts = tuple[bytes, str, dict[str, Any], int]  # a trust event's id, kind, fields and author time
_UNREAD = object()


@dataclass
class _Credible:
    """What `EventLog._credible` made of a presentation: for each wire whether it is credible, and
    a vouch in it that is `forged`, if one is (then the presentation is refused whole)."""

    flags: list[bool]
    forged: Event | None
    verified: frozenset[bytes] = frozenset()  # the ids of the vouches it verified (not verified again)


CREDENTIALS_PART = 64  # credentials judged at once, the clock read between parts, when their time is bounded
CREDENTIALS_OVER_BUDGET = ("not judged: this node's time for credentials of devices it does not know yet is spent "
                           "for now; they are judged when presented again, at a later connection")


class _Spent:
    """Whether `cpu_s` of `clock` has passed since this was made (never, for None)."""

    def __init__(self, cpu_s: float | None, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._until = None if cpu_s is None else clock() + cpu_s

    def __call__(self) -> bool:
        return self._until is not None and self._clock() > self._until


class _OutOfTime(Exception):
    """The time to judge a presentation of credentials is spent (`ingest_credentials`)."""


def _not_judged(outcomes: list[Outcome | None], left: Sequence[int], decoded: Sequence[Event | None]) -> list[Outcome]:
    """`outcomes`, those at `left` refused UNJUDGED: their time was spent (`ingest_credentials`)."""
    for i in left:
        ev = decoded[i]
        outcomes[i] = Outcome(ev and ev.id, REJECTED, E.UNJUDGED, CREDENTIALS_OVER_BUDGET)
    return [o for o in outcomes if o is not None]


def _forged(outcomes: list[Outcome | None], left: Sequence[int], decoded: Sequence[Event | None],
            forged: Event) -> list[Outcome]:
    """`outcomes`, those at `left` refused BAD_SIGNATURE: `forged` was presented with them
    (`ingest_credentials`)."""
    for i in left:
        ev = decoded[i]
        outcomes[i] = Outcome(ev and ev.id, REJECTED, E.BAD_SIGNATURE,
                              forged.bad_signature().args[0] if ev is forged else FORGED_WITH_IT)
    return [o for o in outcomes if o is not None]


def _decoded_or_none(wire: bytes) -> Event | None:
    try:
        return decode_event(wire)
    except InvalidEvent:
        return None


def _trust_facts(event_id: bytes, kind: str, body: bytes | None, timestamp: int) -> _TrustFacts | None:
    """What a trust event says (a pure function of its bytes, so it may be kept); None if unreadable."""
    if body is None:
        return None
    try:
        return event_id, kind, unpack(body), timestamp
    except InvalidEvent:
        return None


def _pending_trust_facts(wire: bytes) -> _TrustFacts | None:
    try:
        ev = decode_event(wire)
    except InvalidEvent:
        return None
    return _trust_facts(ev.id, ev.kind, ev.body, ev.header.timestamp)


def _redacted_ids(body: bytes | None) -> set[bytes]:
    """The ids a redaction's body names (none if it has no readable body: it was never honoured)."""
    try:
        ids = unpack(body).get("ids") if body is not None else None
    except (InvalidEvent, AttributeError):
        return set()
    return {i for i in ids if isinstance(i, bytes)} if isinstance(ids, list) else set()


def _link(ev: Event, sound: bool) -> stamped_ahead.Link:
    return stamped_ahead.Link(ev.seq, ev.id, ev.header.prev, ev.header.timestamp, sound)


def _body_keeps_rules(ev: Event, facts: BodyFacts | None) -> bool:
    """Whether `ev`'s body keeps its kind's rules (`_check_body` does not refuse it)."""
    try:
        _check_body(ev, facts)
    except InvalidEvent:
        return False
    return True


def _check_body(ev: Event, facts: BodyFacts | None) -> None:
    """Raise InvalidEvent if `ev`'s body breaks its kind's rules (what `_effective_fields` refuses
    from a member, read from the body alone). `facts`: the body already judged by a worker."""
    if facts is not None:
        if facts.problem is not None:
            raise InvalidEvent(*facts.problem)
        return
    _body_fields(ev)


def _body_fields(ev: Event) -> dict[str, Any] | None:
    """`ev`'s fields checked against its kind's rules (None: an unknown kind, a stub); raises
    InvalidEvent for a body that breaks them. No state is consulted: the same on every node."""
    if ev.is_stub and ev.kind in (*TRUST_KINDS, "redact"):
        raise InvalidEvent(E.MALFORMED, f"{ev.kind} events must travel with their body")
    return parse_body(ev.header, ev.body)


def _contiguous(head: int, kept: list[int]) -> int:
    """The highest seq up to which a chain is known without a gap: stored 1..head, then `kept`."""
    top, present = head, set(kept)
    while top + 1 in present:
        top += 1
    return top


def _changed_keys(before: TrustGraph, after: TrustGraph) -> list[bytes]:
    """Keys whose membership, role, group or revocation point differs between two graphs."""
    if before is after:  # the log replaces its graph on a change, never alters it: the same one, unchanged
        return []
    keys = set(before.members) | set(after.members) | set(before.forks) | set(after.forks)
    return sorted(k for k in keys
                  if before.member(k) != after.member(k) or before.fork_point(k) != after.fork_point(k))
