"""Push gossip decisions, pure: which peers get a new event in full, which get only its id.

Alerts are flooded to every connected neighbour at once (fastest path, a few redundant copies
are cheap for rare, urgent events). Other events go in full to `fanout` random neighbours and as
an id announcement (IHave) to the others, who ask (IWant) only if they lack it: most nodes
receive each event once. Periodic anti-entropy repairs whatever push missed. A bounded cache of
recently seen ids lets a node drop duplicates before any signature work.

Repairs travel on too: events a node received in a small anti-entropy round (what gossip missed,
e.g. from a peer that was cut off) are announced by id to its other neighbours, who pull what
they lack and gossip it on as new. Without that, a repair would cross one hop per sync interval.
A large catch-up (a new node, a long partition) is not announced: every neighbour gets it from
its own rounds, and announcing thousands of ids would cost more than the rounds do.
"""
from __future__ import annotations

import random
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

PRIORITY_KINDS = frozenset({"alert"})
REPAIR_ANNOUNCE_MAX = 1000  # a round that brought at most this many events announces them on


def is_priority(kind: str) -> bool:
    return kind in PRIORITY_KINDS


@dataclass(frozen=True, slots=True)
class Plan:
    push: tuple[str, ...]   # peers that get the full event
    announce: tuple[str, ...]  # peers that get its id


class SeenIds:
    """The ids this node has recently seen (held, or asked for), bounded (oldest forgotten first)."""

    def __init__(self, capacity: int = 200_000) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[bytes, None] = OrderedDict()

    def __contains__(self, event_id: bytes) -> bool:
        return event_id in self._ids

    def add(self, event_id: bytes) -> bool:
        """Remember an id; True if it was new."""
        if event_id in self._ids:
            self._ids.move_to_end(event_id)
            return False
        self._ids[event_id] = None
        if len(self._ids) > self.capacity:
            self._ids.popitem(last=False)
        return True

    def discard(self, event_id: bytes) -> None:
        """Forget an id (its event was not stored after all), so it is accepted when it comes again."""
        self._ids.pop(event_id, None)

    def __len__(self) -> int:
        return len(self._ids)


def plan(kind: str, peers: Iterable[str], source: str | None, rng: random.Random, fanout: int = 3) -> Plan:
    """Who gets a new event: `peers` are the connected neighbours, `source` the one it came from."""
    others = sorted(p for p in peers if p != source)
    if is_priority(kind):
        return Plan(tuple(others), ())
    eager = set(rng.sample(others, min(fanout, len(others))))
    return Plan(tuple(p for p in others if p in eager), tuple(p for p in others if p not in eager))


def repair_plan(peers: Iterable[str], source: str) -> Plan:
    """Who hears of events that arrived by an anti-entropy round: every other neighbour, by id."""
    return Plan((), tuple(sorted(p for p in peers if p != source)))
