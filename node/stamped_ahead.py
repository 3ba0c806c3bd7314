"""Events stamped ahead of this node's clock: which may go in all the same, and the time to show
for them. Pure decisions (no store, no clock: `limit` and timestamps come in as arguments).

A node refuses an event stamped more than MAX_CLOCK_SKEW_MS after its own clock (DESIGN section 4:
timestamps are claims). Alone, that rule silenced a group long after its clock was set right: a
laptop that booted hours ahead signed events stamped hours ahead; set right, every later event of
that device, rightly stamped, waits behind them on each peer (a chain goes in seq by seq), raid
alerts included, until the wrong stamps come within the skew.

The rule: an event stamped past the limit is held only while nothing later of its author proves the
author's clock right. A later event of the same author (a higher seq) stamped within the limit is
that proof: the earlier ones go in, and their time counts as at most their successor's
(`shown_time`), so the chain flows. The proof is read from the set of events at hand (the batch, and
what waits in `pending`): a later event only adds proof, never takes it away, and an event refused
for want of it comes again at the next sync round, so every arrival order ends in the same log.
"""
from __future__ import annotations

from collections.abc import Iterable

# How far past the limit a proof lets an event in: a clock hours ahead (a laptop that booted so), not
# one a year ahead. An event stamped further waits, as before, until the time comes near: let in, a
# member's event stamped a year ahead would win every last-writer-wins edit of its item for that
# year and keep an alert live as long, all for the price of one rightly stamped event after it.
MAX_PROVED_LEAD_MS = 48 * 3_600_000


def proved_right(seq: int, stamp: int, later: Iterable[tuple[int, int]], limit: int) -> bool:
    """Whether an event at `seq` stamped `stamp`, past `limit`, may go in: it is at most
    MAX_PROVED_LEAD_MS past it, and one of its author's events in `later` ((seq, timestamp) pairs,
    any seqs) has a higher seq and is stamped at or before `limit`."""
    return stamp - limit <= MAX_PROVED_LEAD_MS and any(
        other_seq > seq and other_stamp <= limit for other_seq, other_stamp in later)


def shown_time(stamp: int, successor_stamp: int | None) -> tuple[int, bool]:
    """(the time to show for an event stamped `stamp`, whether it was stamped ahead): capped at the
    stamp of its author's next event (`successor_stamp`, None while there is none), which a device
    signs after it: a time past that one was its clock running ahead."""
    if successor_stamp is not None and stamp > successor_stamp:
        return successor_stamp, True
    return stamp, False
