"""A pass of the trust graph computed again from the last one, revisiting only what changed.

The graph (events/trust.py) is computed in waves outward from the founders, and computed again
each time a group is lifted or a device torn, until no more are. A full pass costs the whole graph;
an infiltrating member group can chain its tears so that each strands a group that, lifted, tears
the next device: two passes per link, each of the whole graph. A re-pass here costs what it changes.

Each key's state in a pass (its `Member`, or None: not a member) is a function of the states of
the keys that vouched for it or revoked it, among those reached before it: a group's admitters are
of the wave before it, a device's group of its own wave, a revoker of either. So states settle in
the order of their place in the waves, `place(member)`: (wave, 0) for a group, (wave, 1) for a
device. Starting from the last pass's states and the keys whose own rule changed (the lifted
groups, the torn devices), keys are visited in that order, each when a key it reads changed, and
each visit settles a key whose place is the one visited: everything placed before it is settled
then (as Dijkstra's algorithm settles distances). A key found not to be reached yet is visited
again at the next place it could be reached at; a changed state calls on the keys that read it.
So the states reached are the full pass's, and the work is the keys whose state changed (and
their readers), not the graph. `reach` asks the rules the full pass asks (the functions of
events/trust.py), from a key's vouchers; tests/events/test_trust_repass.py compares the two on
random graphs, with each rule as it is and changed.
"""
from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from typing import Protocol

Place = tuple[int, int]  # (wave, 0 for a group and 1 for a device): the order states settle in


class _Placed(Protocol):
    wave: int
    role: str


def place(member: _Placed, group_role: str = "group") -> Place:
    return (member.wave, 0 if member.role == group_role else 1)


def after(p: Place) -> Place:
    """The first place after `p`: where a key that reads a key placed at `p` can settle at the soonest."""
    return (p[0], 1) if p[1] == 0 else (p[0] + 1, 0)


def repass(roots: Iterable[bytes], states: dict, *,
           reach: Callable[[bytes, Place], object | None],
           soonest: Callable[[bytes, Place | None], Place | None],
           readers: Callable[[bytes], Iterable[bytes]],
           forget: Callable[[bytes], None]) -> set[bytes]:
    """Bring `states` (key -> Member, from the last pass) to this pass; return the keys whose state changed.

    `reach(key, p)`: the key's state if it is reached at a place at or before `p`, read from the
    states placed before `p` (settled); None if not. `soonest(key, p)`: the first place after `p`
    (any, if None) the key could be reached at from the states of the keys vouching for it as they
    stand. `readers(key)`: the keys whose state reads `key`'s. `forget(key)`: it is no member now
    (`states` drops it here). `roots`: the keys whose own rule changed."""
    due: dict[bytes, Place] = {}
    heap: list[tuple[Place, bytes]] = []
    before: dict[bytes, object | None] = {}

    def call(key: bytes, p: Place | None) -> None:
        if p is not None and (key not in due or p < due[key]):
            due[key] = p
            heapq.heappush(heap, (p, key))

    def put(key: bytes, new: object | None) -> None:
        old = states.get(key)
        if new == old:
            return
        before.setdefault(key, old)
        if new is None:
            forget(key)
        else:
            states[key] = new
        first = min(place(m) for m in (old, new) if m is not None)
        for r in readers(key):
            call(r, after(first))

    for key in sorted(roots):
        now = states.get(key)
        call(key, min((p for p in (soonest(key, None), now and place(now)) if p is not None), default=None))
    while heap:
        p, key = heapq.heappop(heap)
        if due.get(key) != p:
            continue  # called again for an earlier place, and visited there
        del due[key]
        new = reach(key, p)
        if new is not None:
            put(key, new)
            continue
        # Not reached by `p`: reached later, if ever, from a voucher not settled yet, and what
        # stands for it now is checked at its own place.
        now = states.get(key)
        if now is not None and place(now) <= p:
            put(key, None)
            now = None
        call(key, min((q for q in (soonest(key, p), now and place(now)) if q is not None), default=None))
    return {k for k, old in before.items() if states.get(k) != old}
