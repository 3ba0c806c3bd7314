"""Serving one authenticated link: anti-entropy rounds, gossip, and ingest with back-pressure.

The pure cores decide (`sync.antientropy.SyncSession`, `sync.gossip`); this module carries out
their commands against the store and the link. Only the side that dialled starts anti-entropy
rounds, so a link carries at most one round at a time and messages need no session tags.

No deadline here guesses how long work should take: a slow node (a Pi storing a big sync) is
never cut for its slowness. The link is cut when the peer is quiet and nothing moves while we wait
on it (`_watchdog`); while this node is busy with the peer's data, the peer hears keepalives.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from events.errors import InvalidEvent
from events.format import decode_event
from node.outcome import ACCEPTED, REJECTED, Outcome
from node.store import StoreError
from sync.antientropy import Head, Ingest, Send, SendEvidence, SendRange, Stream, SyncSession
from sync.gossip import REPAIR_ANNOUNCE_MAX
from sync.messages import End, Events, Heads, IHave, IWant, Offer, Push, Same
from sync.transport import Link, LinkClosed

if TYPE_CHECKING:
    from node.runtime import NodeRuntime

log = logging.getLogger(__name__)
T = TypeVar("T")

STREAM_BATCH = 500
INGEST_QUEUE = 2  # batches in flight per link: bounds memory on the receiving side
WATCH_TICKS = 3  # the watchdog looks this many times per message timeout
IDLE_PROBE_TIMEOUTS = 2  # a link quiet this many message timeouts outside a round gets a ping


@dataclass
class RoundResult:
    in_sync: bool = False
    complete: bool = False  # both sides sent everything, and all that arrived here is stored
    arrived: int = 0  # events that came in the round's batches (stored or not: see `received`)
    sent: int = 0
    lag: int = 0
    outcomes: Counter = field(default_factory=Counter)  # of every batch stored from the peer meanwhile
    seconds: float = 0.0

    @property
    def received(self) -> int:
        """Events taken in from the peer and stored or refused: counted from ingest outcomes, so
        never an event that arrived but was not stored."""
        return sum(self.outcomes.values())

    def add(self, other: RoundResult) -> None:
        """Fold in the round that followed (`solnet sync`'s confirming round)."""
        self.complete = self.complete and other.complete
        self.arrived += other.arrived
        self.sent += other.sent
        self.outcomes.update(other.outcomes)
        self.seconds += other.seconds


class RoundCut(LinkClosed):
    """The link ended before the round did; `result` counts what was stored until then."""

    def __init__(self, message: str, reason: str, result: RoundResult) -> None:
        super().__init__(message, reason)
        self.result = result


class PeerLinkHandler:
    def __init__(self, runtime: NodeRuntime, link: Link) -> None:
        self.rt = runtime
        self.link = link
        self.session: SyncSession | None = None
        self.round = RoundResult()
        self.round_started = 0.0
        self.round_done = asyncio.Event()
        self.stream_task: asyncio.Task | None = None
        # batches to store (wires, pushed by gossip, ids marked seen); None: stop once the rest is stored
        self.ingest_queue: asyncio.Queue[tuple[tuple[bytes, ...], bool, tuple[bytes, ...]] | None] = \
            asyncio.Queue(INGEST_QUEUE)
        self._ingesting = False
        self._reading = 0  # reads from storage for the peer under way (heads, ranges to stream, ...)
        self._streamed = False
        self._stored = 0
        self._streamed_batches = 0
        self._reader_done = False
        self.ingest_task = asyncio.create_task(self._ingest_loop(), name=f"link-{link.number}-ingest")
        self.progress: Callable[[int, int], None] | None = None  # `solnet sync`: (received, expected)
        self.failure: str | None = None  # why this node could not store what the round brought
        self.cut: LinkClosed | None = None  # why the link ended, if it did

    # --- the reader loop ------------------------------------------------------------------------
    async def serve(self) -> None:
        watchdog = asyncio.create_task(self._watchdog(), name=f"link-{self.link.number}-watchdog")
        try:
            while True:
                before = self.link.bytes_in
                message = await self.link.receive(None)
                await self.rt.limit_bytes(self.link, self.link.bytes_in - before)
                await self._dispatch(message)
        except LinkClosed as exc:
            if exc.reason in ("protocol", "oversize"):
                self.rt.penalize(self.link, exc.reason)
            log.info("%s", self.rt.said_of(self.link, exc))
            self.cut = self.cut or exc
        finally:
            watchdog.cancel()
            if self.stream_task:
                self.stream_task.cancel()
            try:
                await self._finish_ingest()
            finally:
                self._reader_done = True
                self.round_done.set()
                await self.link.close()

    async def _finish_ingest(self) -> None:
        """The link is over: store the batches that already arrived (at most INGEST_QUEUE + 2, so
        this ends soon) unless the node is stopping or storing has ended (a full disk, a ban).
        What is dropped instead is released, to be accepted when it comes again."""
        try:
            if not self.rt.stopping and not self.ingest_task.done():
                await self._put(None)
                await self.ingest_task
        except LinkClosed:
            pass
        except Exception:  # a bug in storing: say so, and end the link anyway
            log.exception("%s: storing the last batches failed", self.rt.peer_name(self.link))
        finally:
            self.ingest_task.cancel()
            while not self.ingest_queue.empty():
                item = self.ingest_queue.get_nowait()
                for event_id in item[2] if item else ():
                    self.rt.seen.discard(event_id)

    def _busy(self) -> bool:
        """This node is working on the peer's round or data: batches to verify and store, ranges
        to read. Then the peer is waiting on us, not we on it."""
        return self._ingesting or self._reading > 0 or not self.ingest_queue.empty()

    async def _read(self, fn: Callable[..., T], *args: Any) -> T:
        """A read from storage for the peer, on the database thread (it may wait behind other
        links' batches there): this node is busy for the peer meanwhile."""
        self._reading += 1
        try:
            return await self.rt.db(fn, *args)
        finally:
            self._reading -= 1

    async def _watchdog(self) -> None:
        """Cut the link when the peer has gone quiet and nothing moves; never for slowness.

        Progress: anything heard from the peer (a message, a ping, a pong: its keepalives), a round
        batch it took from us, a batch we stored. The clock runs against the peer only while we
        wait on it (during a round, or with a probe out); while this node is busy with the peer's
        data it does not run, and the peer hears a keepalive each tick, so neither side cuts the
        other for being slow, however long a batch takes. A silent or stopped peer still never
        holds a round open for more than a message timeout (plus one tick). Outside rounds a quiet
        link gets a ping, and is cut if one more timeout passes without a word: a vanished peer
        does not keep its link forever. This node's own gossip to the peer is not progress (it
        flows whether the peer listens or not)."""
        timeout = self.link.limits.message_timeout_s
        tick = timeout / WATCH_TICKS
        loop = asyncio.get_running_loop()
        last = None
        quiet_since = loop.time()
        probed_at: float | None = None
        while True:
            await asyncio.sleep(tick)
            now = loop.time()
            progress = (self.link.heard, self._streamed_batches, self._stored)
            busy = self._busy()
            if progress != last or busy:
                last, quiet_since, probed_at = progress, now, None
                if busy and now - self.link.last_write >= tick:
                    self.link.keepalive()
                continue
            quiet = now - quiet_since
            if self.session is not None and not self.round_done.is_set():
                if quiet >= timeout:
                    log.info("%s: no progress for %.0f s in an anti-entropy round; closing", self.rt.peer_name(self.link),
                             quiet)
                    await self._cut(f"no progress for {quiet:.0f} s")
                    return
            elif probed_at is None and quiet >= IDLE_PROBE_TIMEOUTS * timeout:
                self.link.probe()
                probed_at = now
            elif probed_at is not None and now - probed_at >= timeout:
                log.info("%s: no answer to a ping for %.0f s; closing", self.rt.peer_name(self.link), now - probed_at)
                await self._cut(f"no answer to a ping for {now - probed_at:.0f} s")
                return

    async def _cut(self, why: str) -> None:
        self.cut = LinkClosed(f"{self.link.name}: {why}", "timeout")
        await self.link.close("timeout", why)

    async def _dispatch(self, message) -> None:
        if isinstance(message, (Offer, Same, Heads, Events, End)):
            if isinstance(message, Offer):
                if self.link.outbound:
                    raise LinkClosed(f"{self.link.name}: only the dialling side opens anti-entropy rounds", "protocol")
                if self.session is not None and not self.round_done.is_set():
                    # The dialler's round ends when it has stored what it received, ours when we
                    # have stored what it sent: a next Offer may come while we are still storing
                    # (that is how `solnet sync` confirms). Finish first, however long that takes
                    # (the watchdog cuts the link if nothing moves); a peer that offers before
                    # ending its own stream broke the protocol.
                    if self.session.peer_sent is None and not self.session.in_sync:
                        raise LinkClosed(f"{self.link.name}: a new round before the last one ended", "protocol")
                    await self._round_end_or_link_gone()
                await self._begin(initiator=False)
            if self.session is None:
                raise LinkClosed(f"{self.link.name}: {type(message).__name__} outside a round", "protocol")
            try:
                commands = self.session.receive(message)
            except Exception as exc:  # ProtocolViolation
                raise LinkClosed(f"{self.link.name}: {exc}", "protocol") from None
            await self._run(commands)
        elif isinstance(message, Push):
            wires, ids = self._unseen(message.events)
            await self._queue_ingest(wires, gossip=True, ids=ids)
        elif isinstance(message, IHave):
            await self._on_ihave(message.ids)
        elif isinstance(message, IWant):
            wires = await self._read(self.rt.log.store.wires_by_id, list(message.ids[:STREAM_BATCH]))
            if wires:
                await self.link.send(Push(tuple(wires)))

    # --- anti-entropy ---------------------------------------------------------------------------
    async def _begin(self, *, initiator: bool) -> list:
        heads = [Head(a, s, i) for a, s, i in await self._read(self.rt.log.store.heads)]
        first = self.rt.is_group_key
        self.session = SyncSession(initiator=initiator, heads=heads, first=first, forks=self.rt.log.trust.forks)
        self.round = RoundResult()
        self.round_started = time.monotonic()
        self._streamed = False
        self.round_done.clear()
        return self.session.start() if initiator else []

    async def _round_end_or_link_gone(self) -> None:
        done = asyncio.ensure_future(self.round_done.wait())
        gone = asyncio.ensure_future(self.link.gone.wait())
        try:
            await asyncio.wait({done, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            done.cancel()
            gone.cancel()
        if not self.round_done.is_set():
            raise LinkClosed(f"{self.link.name}: connection closed")

    async def run_round(self) -> RoundResult:
        """Dialling side: one anti-entropy round, until both sides are done and all is stored.
        No deadline: it lasts as long as the round makes progress. RoundCut (with what was stored
        until then) if the link ends first: cut by the watchdog, the peer, or a storage failure."""
        if self.session is not None and not self.round_done.is_set():
            raise RuntimeError("a round is already running on this link")
        commands = await self._begin(initiator=True)
        if self._reader_done:  # the link ended before the round began
            self.round_done.set()
        else:
            try:
                await self._run(commands)
            except LinkClosed:
                pass  # the reader ends the round, with the reason
        await self.round_done.wait()
        if not self.round.complete:
            self.round.seconds = time.monotonic() - self.round_started
            if self.failure is not None:
                raise RoundCut(self.failure, "storage", self.round)
            cut = self.cut or LinkClosed(f"{self.link.name}: connection lost during the round")
            raise RoundCut(str(cut), cut.reason, self.round)
        return self.round

    async def _run(self, commands) -> None:
        for command in commands:
            if isinstance(command, Send):
                await self.link.send(command.message)
            elif isinstance(command, Stream):
                self.round.lag = self.session.lag
                self.stream_task = asyncio.create_task(self._stream(command.ranges))
            elif isinstance(command, Ingest):
                # Ranges we asked for: no seen-filter (an id seen in gossip may not be stored yet);
                # the store drops duplicates by id before any signature work anyway.
                await self._queue_ingest(command.events, gossip=False)
        await self._check_round_end()

    async def _stream(self, ranges: tuple[SendRange | SendEvidence, ...]) -> None:
        sent = 0
        try:
            for r in ranges:
                if isinstance(r, SendEvidence):
                    evidence = await self.rt.db(self.rt.log.store.fork_evidence, r.author)
                    if evidence:
                        await self.link.send(Events(tuple(evidence)))
                        self._streamed_batches += 1
                        sent += len(evidence)
                    continue
                first = r.first
                while first <= r.last:
                    rows = await self._read(self.rt.log.store.range_wire, r.author, first, r.last, STREAM_BATCH)
                    if not rows:
                        break
                    await self.link.send(Events(tuple(w for _, w in rows)))  # waits while the peer is not reading
                    self._streamed_batches += 1
                    sent += len(rows)
                    first = rows[-1][0] + 1
            await self.link.send(End(sent))
        except LinkClosed:
            return
        self.round.sent = sent
        self._streamed = True
        await self._check_round_end()

    async def _check_round_end(self) -> None:
        """Finish the round once both sides have sent everything and all of it is stored."""
        s = self.session
        if s is None or self.round_done.is_set():
            return
        streamed = self._streamed
        stored = self.ingest_queue.empty() and not self._ingesting
        if s.in_sync or (s.peer_sent is not None and streamed and stored):
            self.round.in_sync = s.in_sync
            self.round.complete = True
            self.round.seconds = time.monotonic() - self.round_started
            self.round_done.set()
            self.rt.round_finished(self.link, self.round)

    # --- ingest ---------------------------------------------------------------------------------
    def _unseen(self, wires: tuple[bytes, ...]) -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
        """Gossip: drop, before any signature work, events whose id this node has already seen.
        Returns the rest and the ids newly marked (to release if they never get stored).
        A body-less event (a stub) never marks its id seen: the id covers the header only, so a
        peer pushing the stub first would otherwise get the full event dropped as a duplicate.
        Ingest drops a repeated stub by id before any signature work anyway."""
        fresh, ids = [], []
        for wire in wires:
            try:
                ev = decode_event(wire)
            except InvalidEvent:
                fresh.append(wire)  # let ingest refuse it with its reason, and count it
                continue
            if ev.is_stub:
                if ev.id not in self.rt.seen:
                    fresh.append(wire)
                continue
            event_id = ev.id
            if self.rt.seen.add(event_id):
                fresh.append(wire)
                ids.append(event_id)
        return tuple(fresh), tuple(ids)

    async def _queue_ingest(self, wires: tuple[bytes, ...], *, gossip: bool, ids: tuple[bytes, ...] = ()) -> None:
        if self.session is not None and not gossip:
            self.round.arrived += len(wires)
        if wires:
            await self._put((wires, gossip, ids))

    async def _put(self, item: tuple[tuple[bytes, ...], bool, tuple[bytes, ...]] | None) -> None:
        """Queue a batch for storing, waiting while the queue is full (back-pressure on the peer),
        unless the ingest loop has ended (a full disk, a ban): then the link is over, and the reader
        must not wait for a queue nobody empties."""
        if not self.ingest_task.done():
            put = asyncio.ensure_future(self.ingest_queue.put(item))
            await asyncio.wait({put, self.ingest_task}, return_when=asyncio.FIRST_COMPLETED)
            if put.done():
                return
            put.cancel()
        raise LinkClosed(self.failure or f"{self.link.name}: not storing anymore", "closed")

    async def _prepare(self, item: tuple[tuple[bytes, ...], bool, tuple[bytes, ...]]) -> tuple:
        if item[1]:
            await self.rt.limit_rate(self.link, len(item[0]))
        return item, await self.rt.db(self.rt.log.prepare, list(item[0]))

    async def _ingest_loop(self) -> None:
        """Store queued batches, preparing the next one (decode, start signature checks) before
        committing the current one, so verification and storing overlap. Ends at a None."""
        log_ = self.rt.log
        ahead = None
        last = False
        while not last:
            if ahead is None:
                item = await self.ingest_queue.get()
                if item is None:
                    return
                self._ingesting = True
                ahead = await self._prepare(item)
            current, ahead = ahead, None
            self._ingesting = True
            if not self.ingest_queue.empty():
                item = self.ingest_queue.get_nowait()
                if item is None:
                    last = True
                else:
                    ahead = await self._prepare(item)
            (wires, gossip, ids), prepared = current
            try:
                try:
                    outcomes: list[Outcome] = await self.rt.db(log_.commit, prepared)
                except BaseException as exc:
                    for event_id in ids:  # not stored (disk full, shutdown): accept them when they come again
                        self.rt.seen.discard(event_id)
                    if ahead is not None:
                        for event_id in ahead[0][2]:
                            self.rt.seen.discard(event_id)
                    if isinstance(exc, StoreError):
                        # Disk full or an I/O error: SQLite rolled the batch back whole. End the round
                        # with the reason (the peer keeps everything; a later round resumes).
                        self.failure = self.rt.storage_failed(exc)
                        await self.link.close("storage", "the peer cannot store events right now")
                        return
                    raise
                self._stored += len(wires)
                self.round.outcomes.update(o.status for o in outcomes)
                if self.progress is not None:
                    self.progress(self.round.received, max(self.round.lag, self.round.arrived))
                rejected = Counter(o.reason for o in outcomes if o.status == REJECTED)
                for reason, count in rejected.items():
                    if self.rt.penalize(self.link, reason, count):
                        await self.link.close("banned", "too many invalid events")
                        return
                accepted = [(o, w) for o, w in zip(outcomes, wires) if o.status == ACCEPTED]
                repair = not gossip and self.round.arrived <= REPAIR_ANNOUNCE_MAX
                await self.rt.forward(accepted, source=self.link, gossip=gossip, repair=repair)
            finally:
                self._ingesting = ahead is not None
            await self._check_round_end()

    async def _on_ihave(self, ids: tuple[bytes, ...]) -> None:
        unseen = [i for i in ids if i not in self.rt.seen]
        if not unseen:
            return
        known = await self._read(self.rt.log.store.known, unseen)
        wanted = tuple(i for i in unseen if i not in known)
        if wanted:
            await self.link.send(IWant(wanted))
