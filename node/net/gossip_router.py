"""Where new events go next: the node's side of push gossip (sync/gossip.py decides, this carries out).

New events go on to the open links of current members: in full to a few neighbours (alerts to
all), by id to the others. Three ways in: this node's own events the moment it publishes them (the
API, the dashboard), those that another process stored (`solnet publish` in another terminal,
noticed by the watcher), and those that arrived from a peer (forwarded by the link that stored
them; a small anti-entropy round's events are announced on by id, as a repair). A bounded set of
recently seen ids lets a link drop gossip duplicates before any signature work.
"""
from __future__ import annotations

import random
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable

from events.errors import InvalidEvent
from events.format import Event, decode_event
from node.outcome import Outcome
from sync.gossip import SeenIds, is_priority, plan, repair_plan
from sync.messages import IHave, Push, event_batches
from sync.transport import Link

RATE_WINDOW_S = 10.0


class GossipRouter:
    def __init__(self, links: Callable[[], Iterable[Link]], is_member: Callable[[bytes], bool],
                 rng: random.Random) -> None:
        self._links = links
        self._is_member = is_member
        self._rng = rng
        self._seen = SeenIds()
        self._ingested: deque[tuple[float, int]] = deque(maxlen=600)

    # --- the seen set -------------------------------------------------------------------------------
    def seen(self, event_id: bytes) -> bool:
        return event_id in self._seen

    def release(self, ids: Collection[bytes]) -> None:
        """These were not stored after all (a full disk, a shutdown): take them when they come again."""
        for event_id in ids:
            self._seen.discard(event_id)

    def take_unseen(self, wires: tuple[bytes, ...]) -> tuple[tuple[bytes, ...], tuple[bytes, ...]]:
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
                if ev.id not in self._seen:
                    fresh.append(wire)
                continue
            if self._seen.add(ev.id):
                fresh.append(wire)
                ids.append(ev.id)
        return tuple(fresh), tuple(ids)

    # --- sending on ----------------------------------------------------------------------------------
    def _targets(self) -> dict[str, Link]:
        """Open links to peers that are members right now (a revocation takes effect at once,
        before the link to the revoked peer is even closed)."""
        return {str(link.number): link for link in self._links()
                if not link.closed and self._is_member(link.peer_device)}

    def own(self, items: list[tuple[bytes, str, bytes]]) -> None:
        """This node's own new events (id, kind, wire), however they were stored: those not seen yet go out."""
        fresh = [item for item in items if self._seen.add(item[0])]
        if fresh:
            self.gossip(fresh, None)

    def own_events(self, events: list[Event]) -> None:
        """As `own`, for events at hand: each is encoded only if a link is open to send it on."""
        fresh = [ev for ev in events if self._seen.add(ev.id)]
        targets = self._targets() if fresh else {}
        if targets:
            self._send([(ev.id, ev.kind, ev.encode()) for ev in fresh], None, targets)

    def gossip(self, items: list[tuple[bytes, str, bytes]], source: Link | None) -> None:
        """Send new events on: full to a few neighbours (alerts to all), ids to the others."""
        targets = self._targets()
        if targets:  # else no link is open (a lone node, a node between rounds): nobody to plan for
            self._send(items, source, targets)

    def _send(self, items: list[tuple[bytes, str, bytes]], source: Link | None, targets: dict[str, Link]) -> None:
        pushes: dict[str, list[bytes]] = {}
        urgent: dict[str, list[bytes]] = {}
        announces: dict[str, list[bytes]] = {}
        for event_id, kind, wire in items:
            p = plan(kind, targets, str(source.number) if source else None, self._rng)
            for t in p.push:
                (urgent if is_priority(kind) else pushes).setdefault(t, []).append(wire)
            for t in p.announce:
                announces.setdefault(t, []).append(event_id)
        for t, wires in urgent.items():
            for batch in event_batches(wires):
                targets[t].offer(Push(batch), urgent=True)
        for t, wires in pushes.items():
            for batch in event_batches(wires):
                targets[t].offer(Push(batch))
        for t, ids in announces.items():
            targets[t].offer(IHave(tuple(ids)))

    async def forward(self, accepted: list[tuple[Outcome, bytes]], *, source: Link, pushed: bool,
                      repair: bool) -> None:
        """Events a peer gave us travel on: pushed ones by gossip; from anti-entropy, live alerts by
        gossip and, when `repair` (a small round), the others by id to every other neighbour."""
        self._ingested.append((time.monotonic(), len(accepted)))
        items, repaired = [], []
        for outcome, wire in accepted:
            kind = outcome.kind or ""
            if pushed or is_priority(kind):
                items.append((outcome.id, kind, wire))
            elif repair:
                repaired.append(outcome.id)
        if items:
            self.gossip(items, source)
        if repaired:
            targets = self._targets()
            for t in repair_plan(targets, str(source.number)).announce:
                targets[t].offer(IHave(tuple(repaired)))

    def events_per_second(self) -> float:
        """Events from peers stored lately, per second."""
        now = time.monotonic()
        return sum(n for t, n in self._ingested if now - t <= RATE_WINDOW_S) / RATE_WINDOW_S
