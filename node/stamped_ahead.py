"""Events stamped ahead of this node's clock: which may go in all the same. A pure decision (no store,
no clock: `limit` and timestamps come in as arguments).

A node refuses an event stamped more than MAX_CLOCK_SKEW_MS after its own clock (DESIGN section 4:
timestamps are claims). Alone, that rule silenced a group long after its clock was set right: a
laptop that booted hours ahead signed events stamped hours ahead; set right, every later event of
that device, rightly stamped, waits behind them on each peer (a chain goes in seq by seq), raid
alerts included, until the wrong stamps come within the skew.

The rule: an event stamped past the limit (by at most MAX_PROVED_LEAD_MS) goes in once its
IMMEDIATE successor proves the author's clock right: the event at seq + 1 whose prev is its id,
signed by its author, whose body keeps its kind's rules, and which is itself rightly stamped or let
in by this same rule (a run of events stamped ahead ending in a rightly stamped one). Only that
successor: an event that will be refused (a bad body, a bad signature) or that is not the next link
of the chain (one event at seq 1,000,000 kept aside) proves nothing, so the outcome does not depend
on what comes with what. The proof is read from the events at hand (the batch, and what waits in
`pending`): a later event only adds proof, never takes it away, and an event refused for want of
it comes again at the next sync round, so every arrival order ends in the same log.

The time the node uses for an event (`effective`: the order of lists, last-writer-wins, an alert's
life) is its stamp, unless a later event of its author in the log is stamped more than the skew
before it: then it is just before the earliest such stamp, and a life stated by its header
(`expires`) is moved back as much. Read from signed stamps only (never the time it arrived), so it
is the same on every node whatever came first: a node that held the event before its successor
came caps it then. Events stamped ahead by less than the skew keep their stamps; the earliest
later stamp (not the successor's alone) counts, so a staircase of steps each under the skew does
not keep a fake alert on top. An event moves back by MAX_LEAD_MS at most (a later stamp years in
the past, from a clock that booted without its battery, would otherwise end its author's alerts).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

# How far past the limit a proof lets an event in: what a clock set wrong really gives, not what a
# liar wants. A clock kept in local time read as UTC (a dual boot, a hand-set laptop) is off by the
# zone: 1 to 2 h in France and Britain, 3 h at most for the places these groups work with; a
# daylight-saving change missed is 1 h. A clock with a dead battery boots in the past, not ahead. An
# event stamped further waits, as before, until the time comes near: let in, it keeps its stamp (see
# above), so its lead is how long it tops the lists and how much longer an alert stays live.
MAX_PROVED_LEAD_MS = 3 * 3_600_000
# How far ahead of a node's clock a stamp may be without a proof (node/log.py refuses the others).
MAX_CLOCK_SKEW_MS = 10 * 60 * 1000
# How far an event let in may lead the clock of the node that let it in, so how far back `effective`
# moves an event at most: a later event stamped further back (a device booted with its clock in
# the past, before it synced it: a Pi without a clock battery) must not take its author's live
# alerts out of every list, and needs not: an event moved back this far leads no node's clock.
MAX_LEAD_MS = MAX_PROVED_LEAD_MS + MAX_CLOCK_SKEW_MS


class Link(NamedTuple):
    """One event of an author as the rule reads it. `sound`: signed by its author and its body
    keeps its kind's rules (what may prove the event before it)."""

    seq: int
    id: bytes
    prev: bytes
    stamp: int
    sound: bool


def right(links: Iterable[Link], limit: int) -> set[bytes]:
    """The ids of one author's `links` that may go in as far as their stamps go: stamped at or before
    `limit`, or at most MAX_PROVED_LEAD_MS past it with a sound immediate successor in `links` (seq + 1,
    prev = its id) that is itself right."""
    by_seq = sorted(links, key=lambda link: link.seq, reverse=True)  # successors are decided first
    proofs: set[tuple[bytes, int]] = set()  # (prev, seq) of the sound links found right
    found: set[bytes] = set()
    for link in by_seq:
        if link.stamp <= limit or (link.stamp - limit <= MAX_PROVED_LEAD_MS and (link.id, link.seq + 1) in proofs):
            found.add(link.id)
            if link.sound:
                proofs.add((link.prev, link.seq))
    return found


def publishing_proves(until_ms: int, now: int) -> bool:
    """Whether a device's own events that wait at peers until `until_ms` (their newest stamp less
    MAX_CLOCK_SKEW_MS, node/store/events.py stamped_after) go in once it publishes a rightly stamped
    event at `now`: stamped no more than MAX_PROVED_LEAD_MS past a peer's limit (its clock as this one)."""
    return until_ms - now <= MAX_PROVED_LEAD_MS


def effective(stamp: int, later: int | None) -> int:
    """The time the node uses for an event stamped `stamp` whose author's later events in the log
    are stamped `later` at the earliest (None: none yet): its stamp, or just before `later` when
    it is stamped more than the skew after that (its author's clock ran ahead, then was set right),
    but never more than MAX_LEAD_MS before its stamp."""
    if later is None or stamp - later <= MAX_CLOCK_SKEW_MS:
        return stamp
    return max(later - 1, stamp - MAX_LEAD_MS)




def capped(chains: Iterable[tuple[object, int, int]]) -> dict[int, int]:
    """{n: time used} for the events of `chains`, (author, n, stamp) grouped by author, each chain
    from its newest seq down, whose time used is not their stamp (`effective`): what a node that
    stored them one by one recorded, read again from whole chains (a rebuild, a migration, a
    chain cut back)."""
    out: dict[int, int] = {}
    author: object = None
    later: int | None = None
    for who, n, stamp in chains:
        if who != author:
            author, later = who, None
        at = effective(stamp, later)
        if at != stamp:
            out[n] = at
        later = stamp if later is None else min(later, stamp)
    return out
