"""Storing what one link brings, with back-pressure on the peer.

Batches wait in a short queue (INGEST_QUEUE): when it is full, the link's reader waits, the peer's
frames stay in TCP, and the peer's writer waits too. Pushed batches (gossip: new events, alerts
among them) go ahead of a round's waiting there: a raid alert pushed to a Pi taking its first sync
otherwise waited for the round's batches queued before it (seconds at 1/8 of a core). Which batch
is stored first changes nothing in the end (the outcome never depends on the order events arrive
in); a pushed event whose predecessors are still in the round's batches waits for them, kept aside.
One loop stores them: the batches waiting when it takes one go with it into one write transaction
(up to GROUP, node.log; fewer pages written per event in a large store), and the next ones (up
to AHEAD) are prepared as they come (decoding, signature checks started on other cores) while they
commit, so verification and storing overlap. What a stored batch means (outcomes, penalties, forwarding, the round) is the caller's, told through `on_stored`,
batch by batch in their order.
"""
from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any

from node.log import GROUP
from node.outcome import Outcome
from node.ports import LinkStorage, StorageFailed
from sync.transport import LinkClosed

log = logging.getLogger(f"solnet.{__name__}")

INGEST_QUEUE = 3  # batches queued per link: with GROUP and AHEAD, bounds what a link holds on the receiving side
# Batches prepared (examined on the workers) while the group before them commits: enough to keep a
# worker busy through a commit; each is held decoded until stored, so few (up to 64 links hold them).
AHEAD = 2


@dataclass(frozen=True)
class Batch:
    wires: tuple[bytes, ...]
    pushed: bool  # by gossip (held to the events/s budget), else part of a round
    ids: tuple[bytes, ...] = ()  # marked seen: released if the batch is not stored


class _PushesFirst(asyncio.Queue):
    """A bounded FIFO queue of batches in which pushed batches pass a round's (None, the end, does not)."""

    def _init(self, maxsize: int) -> None:
        self._queue: collections.deque = collections.deque()
        self._pushed: collections.deque[Batch] = collections.deque()

    def _put(self, item: Batch | None) -> None:
        (self._pushed if item is not None and item.pushed else self._queue).append(item)

    def _get(self) -> Batch | None:
        return self._pushed.popleft() if self._pushed else self._queue.popleft()

    def pushed_waiting(self) -> bool:
        return bool(self._pushed)

    def qsize(self) -> int:
        return len(self._queue) + len(self._pushed)

    def empty(self) -> bool:
        return not self._queue and not self._pushed


class LinkIngest:
    def __init__(self, name: str, storage: LinkStorage, *, limit_events: Callable[[int], Awaitable[None]],
                 on_stored: Callable[[Batch, list[Outcome]], Awaitable[bool]],
                 on_failed: Callable[[str], Awaitable[None]], release: Callable[[Collection[bytes]], None]) -> None:
        self._name = name  # the peer's name in logs
        self._storage = storage
        self._limit_events = limit_events  # pushed batches wait for the peer's events/s budget
        self._on_stored = on_stored  # what the batch means; False: store nothing more (a ban)
        self._on_failed = on_failed  # a write failed (a full disk): the link ends
        self._release = release  # ids marked seen whose events were not stored
        self.queue: _PushesFirst = _PushesFirst(INGEST_QUEUE)  # None: stop once the rest is stored
        self.storing = False
        self.failure: str | None = None  # why this node could not store what came
        self.task = asyncio.create_task(self._loop(), name=f"{name} ingest")

    @property
    def busy(self) -> bool:
        return self.storing or not self.queue.empty()

    async def put(self, batch: Batch | None) -> None:
        """Queue a batch, waiting while the queue is full (back-pressure on the peer), unless the
        loop has ended (a full disk, a ban): then the link is over, and nobody would empty it."""
        if not self.task.done():
            put = asyncio.ensure_future(self.queue.put(batch))
            await asyncio.wait({put, self.task}, return_when=asyncio.FIRST_COMPLETED)
            if put.done():
                return
            put.cancel()
        if batch is not None:
            self._release(batch.ids)  # never to be stored from this link: taken when it comes again
        raise LinkClosed(self.failure or f"{self._name}: not storing anymore", "closed")

    async def finish(self, *, stopping: bool) -> None:
        """The link is over: store the batches that already arrived (INGEST_QUEUE + GROUP + AHEAD at most, so
        this ends soon) unless the node is stopping or storing has ended (a full disk, a ban).
        What is dropped instead is released, to be accepted when it comes again."""
        try:
            if not stopping and not self.task.done():
                await self.put(None)
                await asyncio.wait({self.task})
        except LinkClosed:
            pass
        finally:
            if self.task.done() and not self.task.cancelled() and self.task.exception() is not None:
                log.error("%s: storing the batches of the link failed", self._name, exc_info=self.task.exception())
            self.task.cancel()
            while not self.queue.empty():
                batch = self.queue.get_nowait()
                if batch is not None:
                    self._release(batch.ids)

    async def _prepare(self, batch: Batch, after: asyncio.Future | None = None) -> tuple[Batch, Any]:
        if after is not None:  # (the batch taken before: budgets charged, and workers fed, in order)
            await asyncio.wait({after})
        if batch.pushed:
            await self._limit_events(len(batch.wires))
        return batch, await self._storage.prepare(list(batch.wires))

    def _drop(self, ahead: list[tuple[Batch, asyncio.Future]]) -> None:
        """Batches taken but not to be stored: their preparing ends, their ids are released."""
        for batch, preparing in ahead:
            if preparing.done() and not preparing.cancelled():
                preparing.exception()  # (seen: not logged as never retrieved)
            preparing.cancel()
            self._release(batch.ids)

    async def _ready(self, ahead: list[tuple[Batch, asyncio.Future]]) -> list[tuple[Batch, Any]]:
        """The batches prepared ahead, each once ready; if one cannot be, none is stored (released)."""
        try:
            return [await preparing for _, preparing in ahead]
        except BaseException:
            self._drop(ahead)
            raise

    async def _loop(self) -> None:
        """Store queued batches, those waiting together in one transaction (up to GROUP), preparing
        the next ones (up to AHEAD) as they come while it commits, so the workers examine them
        meanwhile (prepared only after each commit, a sync's batches left the workers idle
        between groups, and the database thread examined more of them itself: 74 against 62 us
        of its CPU per event). Those are prepared in tasks: a pushed one first waits for the peer's
        events/s budget, and the group committed meanwhile is told (`on_stored`: its alerts
        forwarded, the round's batch_stored sent) when its commit ends, not after that wait.
        Ends at a None."""
        ahead: list[tuple[Batch, asyncio.Future]] = []  # being prepared while the group before is stored
        last = False
        while ahead or not last:
            if not ahead:
                batch = await self.queue.get()
                if batch is None:
                    return
                self.storing = True
                group = [await self._prepare(batch)]
            else:
                group = await self._ready(ahead)
            ahead = []
            # Pushed batches waiting pass the round's queued ones. A group stays at GROUP: with up
            # to 2 * GROUP for pushes, a link held 12 batches (a mole group's 8 links ~160 MB more
            # on a Pi), and the node's own publish waited behind a transaction twice as long.
            while self.queue.pushed_waiting() and len(group) < GROUP:
                group.append(await self._prepare(self.queue.get_nowait()))
            self.storing = True
            while not last and len(group) < GROUP and not self.queue.empty():
                batch = self.queue.get_nowait()
                if batch is None:
                    last = True
                    break
                group.append(await self._prepare(batch))
            failure: StorageFailed | None = None
            store = asyncio.ensure_future(self._store([b for b, _ in group], [p for _, p in group]))
            get: asyncio.Future | None = None
            try:
                while not last and len(ahead) < AHEAD and not store.done():
                    get = asyncio.ensure_future(self.queue.get())
                    await asyncio.wait({store, get}, return_when=asyncio.FIRST_COMPLETED)
                    if not get.done():
                        get.cancel()  # (an item it did not take stays queued)
                        break
                    batch = get.result()
                    if batch is None:
                        last = True
                        break
                    after = ahead[-1][1] if ahead else None
                    ahead.append((batch, asyncio.ensure_future(self._prepare(batch, after))))
                stored, failure = await store
            except BaseException:  # (shutdown) what was not stored is released
                store.cancel()
                if get is not None:
                    get.cancel()  # (else left pending: "Task was destroyed" at the stop)
                self._drop(ahead)
                raise
            finally:
                self.storing = bool(ahead) and failure is None
            if failure is not None:
                self._drop(ahead)
                ahead = []
            for batch, outcomes in stored:
                # False: store nothing more (a ban). The group's later batches are stored already:
                # each event was verified and admitted on its own merits, whoever relayed it. The
                # ones prepared next are not: their ids, marked seen, are released, else an honest
                # peer's push of those events was dropped as seen and only the next anti-entropy
                # round brought them (a banned relay held a raid alert back for tens of seconds).
                try:
                    more = await self._on_stored(batch, outcomes)
                except BaseException:
                    self._drop(ahead)
                    raise
                if not more:
                    self._drop(ahead)
                    return
            if failure is not None:
                # The link ends with the reason (the peer keeps everything; a later round resumes).
                self.failure = failure.problem
                await self._on_failed(failure.problem)
                return

    async def _store(self, batches: list[Batch], prepared: list[Any],
                     ) -> tuple[list[tuple[Batch, list[Outcome]]], StorageFailed | None]:
        """Store a group in one transaction. If it cannot be written (SQLite rolled it back whole),
        on a nearly full disk its first batches may fit alone: they are stored one by one, each
        prepared again from its wires, until one does not. What was stored, and the failure if
        there was one; the batches not stored are released, to be accepted when they come again."""
        try:
            return list(zip(batches, await self._storage.commit(prepared))), None
        except StorageFailed as exc:
            if len(batches) == 1:
                self._release(batches[0].ids)
                return [], exc
        except BaseException:
            for batch in batches:
                self._release(batch.ids)
            raise
        stored: list[tuple[Batch, list[Outcome]]] = []
        for i, batch in enumerate(batches):
            try:
                [outcomes] = await self._storage.commit([await self._storage.prepare(list(batch.wires))])
            except BaseException as exc:
                for rest in batches[i:]:
                    self._release(rest.ids)
                if isinstance(exc, StorageFailed):
                    return stored, exc
                raise
            stored.append((batch, outcomes))
        return stored, None  # (space was freed meanwhile)
