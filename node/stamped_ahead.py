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

A successor its author may no longer sign (at or past a revocation or fork point of its key) proves
nothing, whether it came in the same batch, waits in `pending`, or was in the log when the revocation
came: until 2026-12-06 a seized phone's events past its revocation still proved the one before them,
stamped hours ahead. A revocation that arrives after such an event went in takes it out again with
what it let in (node/log.py `_withdraw_unproved_ahead`), kept aside until its time comes or the
revocation stops counting, as on a node where the revocation came first (there it was refused).

What this does NOT do yet: the time of an event let in is still its own stamp (for the order of
lists, last-writer-wins and an alert's life), so an event let in ranks above rightly stamped ones
by up to MAX_PROVED_LEAD_MS; the small cap is what bounds that.
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
    return set(resting_on(links, limit))


def resting_on(links: Iterable[Link], limit: int) -> dict[bytes, int]:
    """`right`'s ids, each with the highest seq of the links its proof rests on (0: stamped at or
    before `limit`, it needs none). Those the author may sign below a revocation point R alone (links
    at R and past it unsound) are the ones resting on a seq below R: a release that lets a chain in
    one event at a time, while admitted trust events move R, reads the proofs once."""
    by_seq = sorted(links, key=lambda link: link.seq, reverse=True)  # successors are decided first
    proofs: dict[tuple[bytes, int], int] = {}  # (prev, seq) of the sound links found right: what they rest on
    found: dict[bytes, int] = {}
    for link in by_seq:
        if link.stamp <= limit:
            found[link.id] = 0
        elif link.stamp - limit <= MAX_PROVED_LEAD_MS and (link.id, link.seq + 1) in proofs:
            found[link.id] = proofs[(link.id, link.seq + 1)]
        else:
            continue
        if link.sound:  # proving the one before it, it adds itself to what that one rests on
            key, rests = (link.prev, link.seq), max(link.seq, found[link.id])
            proofs[key] = min(rests, proofs.get(key, rests))
    return found


def publishing_proves(until_ms: int, now: int) -> bool:
    """Whether a device's own events that wait at peers until `until_ms` (their newest stamp less
    MAX_CLOCK_SKEW_MS, node/store/events.py stamped_after) go in once it publishes a rightly stamped
    event at `now`: stamped no more than MAX_PROVED_LEAD_MS past a peer's limit (its clock as this one)."""
    return until_ms - now <= MAX_PROVED_LEAD_MS


def first_unproved(run: Iterable[Link], waiting: Iterable[Link], limit: int) -> int | None:
    """The lowest seq of `run` (an author's stored tail stamped past `limit`, every link sound) that
    the rule, with `waiting` (its events kept aside, sound where the author may still sign them),
    does not let in; None if it lets in all of them."""
    run = list(run)
    found = right([*run, *waiting], limit)
    return min((link.seq for link in run if link.id not in found), default=None)
