"""Serving one authenticated link: anti-entropy rounds, gossip, and ingest with back-pressure.

The pure cores decide (`sync.antientropy.SyncSession`, `sync.gossip`); this module carries out
their commands against the store and the link. Only the side that dialled starts anti-entropy
rounds, so a link carries at most one round at a time and messages need no session tags.
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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

STREAM_BATCH = 500
INGEST_QUEUE = 2  # batches in flight per link: bounds memory on the receiving side


@dataclass
class RoundResult:
    in_sync: bool = False
    received: int = 0
    sent: int = 0
    lag: int = 0
    outcomes: Counter = field(default_factory=Counter)
    seconds: float = 0.0


class PeerLinkHandler:
    def __init__(self, runtime: NodeRuntime, link: Link) -> None:
        self.rt = runtime
        self.link = link
        self.session: SyncSession | None = None
        self.round = RoundResult()
        self.round_started = 0.0
        self.round_done = asyncio.Event()
        self.stream_task: asyncio.Task | None = None
        self.ingest_queue: asyncio.Queue[tuple[tuple[bytes, ...], bool, tuple[bytes, ...]]] = asyncio.Queue(INGEST_QUEUE)
        self._ingesting = False
        self._streamed = False
        self._stored = 0
        self._streamed_batches = 0
        self.ingest_task = asyncio.create_task(self._ingest_loop(), name=f"link-{link.number}-ingest")
        self.progress = None  # optional callback(received) for `solnet sync`
        self.failure: str | None = None  # why this node could not store what the round brought

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
            log.info("%s", exc)
        finally:
            watchdog.cancel()
            self.round_done.set()
            self.ingest_task.cancel()
            if self.stream_task:
                self.stream_task.cancel()
            while not self.ingest_queue.empty():  # never stored: let them be accepted when they come again
                _, _, ids = self.ingest_queue.get_nowait()
                for event_id in ids:
                    self.rt.seen.discard(event_id)
            await self.link.close()

    async def _watchdog(self) -> None:
        """Close a link whose anti-entropy round makes no progress (nothing received from the
        peer, no round batch it took from us, nothing stored) for a whole message timeout: a silent
        or stopped peer never holds a round open. A round busy streaming one way only is progress,
        not silence; this node's own gossip to the peer is not (it flows whether the peer listens
        or not)."""
        timeout = self.link.limits.message_timeout_s
        last = None
        while True:
            await asyncio.sleep(timeout)
            active = self.session is not None and not self.round_done.is_set()
            progress = (self.link.bytes_in, self._streamed_batches, self._stored)
            if active and progress == last:
                log.info("%s: no progress for %.0f s in an anti-entropy round; closing", self.link.name, timeout)
                await self.link.close("timeout", f"no progress for {timeout:.0f} s")
                self.round_done.set()
                return
            last = progress

    async def _dispatch(self, message) -> None:
        if isinstance(message, (Offer, Same, Heads, Events, End)):
            if isinstance(message, Offer):
                if self.link.outbound:
                    raise LinkClosed(f"{self.link.name}: only the dialling side opens anti-entropy rounds", "protocol")
                if self.session is not None and not self.round_done.is_set():
                    # The dialler's round ends when it has stored what it received, ours when we
                    # have stored what it sent: a next Offer may come while we are still storing
                    # (that is how `solnet sync` confirms). Finish first; a peer that offers in
                    # the middle of its own stream is closed when the wait runs out.
                    try:
                        await asyncio.wait_for(self.round_done.wait(), self.link.limits.message_timeout_s)
                    except asyncio.TimeoutError:
                        raise LinkClosed(f"{self.link.name}: a new round before the last one ended", "protocol") from None
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
            wires = await self.rt.db(self.rt.log.store.wires_by_id, list(message.ids[:STREAM_BATCH]))
            if wires:
                await self.link.send(Push(tuple(wires)))

    # --- anti-entropy ---------------------------------------------------------------------------
    async def _begin(self, *, initiator: bool) -> list:
        heads = [Head(a, s, i) for a, s, i in await self.rt.db(self.rt.log.store.heads)]
        first = self.rt.is_group_key
        self.session = SyncSession(initiator=initiator, heads=heads, first=first, forks=self.rt.log.trust.forks)
        self.round = RoundResult()
        self.round_started = time.monotonic()
        self._streamed = False
        self.round_done.clear()
        return self.session.start() if initiator else []

    async def run_round(self, timeout: float) -> RoundResult:
        """Dialling side: one anti-entropy round, until both sides are done and all is stored."""
        if self.session is not None and not self.round_done.is_set():
            raise RuntimeError("a round is already running on this link")
        await self._run(await self._begin(initiator=True))
        await asyncio.wait_for(self.round_done.wait(), timeout)
        if self.failure is not None:
            raise LinkClosed(self.failure, "storage")
        if self.link.closed and not self.session.done:
            raise LinkClosed(f"{self.link.name}: connection lost during the round", "closed")
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
                    rows = await self.rt.db(self.rt.log.store.range_wire, r.author, first, r.last, STREAM_BATCH)
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
            self.round.received += len(wires)
        if wires:
            await self._put((wires, gossip, ids))
        if not gossip and self.progress is not None:
            self.progress(self.round.received)

    async def _put(self, item: tuple[tuple[bytes, ...], bool, tuple[bytes, ...]]) -> None:
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

    async def _ingest_loop(self) -> None:
        """Store queued batches, preparing the next one (decode, start signature checks) before
        committing the current one, so verification and storing overlap."""
        log_ = self.rt.log
        ahead = None
        while True:
            if ahead is None:
                item = await self.ingest_queue.get()
                self._ingesting = True
                if item[1]:
                    await self.rt.limit_rate(self.link, len(item[0]))
                ahead = (item, await self.rt.db(log_.prepare, list(item[0])))
            current, ahead = ahead, None
            self._ingesting = True
            if not self.ingest_queue.empty():
                item = self.ingest_queue.get_nowait()
                if item[1]:
                    await self.rt.limit_rate(self.link, len(item[0]))
                ahead = (item, await self.rt.db(log_.prepare, list(item[0])))
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
                rejected = Counter(o.reason for o in outcomes if o.status == REJECTED)
                for reason, count in rejected.items():
                    if self.rt.penalize(self.link, reason, count):
                        await self.link.close("banned", "too many invalid events")
                        return
                accepted = [(o, w) for o, w in zip(outcomes, wires) if o.status == ACCEPTED]
                repair = not gossip and self.round.received <= REPAIR_ANNOUNCE_MAX
                await self.rt.forward(accepted, source=self.link, gossip=gossip, repair=repair)
            finally:
                self._ingesting = ahead is not None
            await self._check_round_end()

    async def _on_ihave(self, ids: tuple[bytes, ...]) -> None:
        unseen = [i for i in ids if i not in self.rt.seen]
        if not unseen:
            return
        known = await self.rt.db(self.rt.log.store.known, unseen)
        wanted = tuple(i for i in unseen if i not in known)
        if wanted:
            await self.link.send(IWant(wanted))
