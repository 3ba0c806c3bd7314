"""A key that signs events by hand, keeping its own chain head, as any peer may (the node tests' and
the hostile-peer tests' author)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from crypto.keys import SigningKey
from events.canonical import pack
from events.format import Event, sign_event
from node.log import now_ms

_unique = itertools.count(1)
# The clock of every author here: the last stamp one took from it, or was given by hand. Each author
# kept its own, and a stamp given by hand moved none: two authors signing in one millisecond gave one
# stamp, and an event signed after one stamped by hand "a millisecond later" could come before it
# (a profile, last writer wins, went to the wrong one: session 60's first CI failure).
_last_stamp = [0]
# A stamp given by hand further ahead than this is a clock set wrong on purpose (a laptop an hour
# ahead, what its test is about): it moves no clock, or every event after it would be that far ahead
_GIVEN_AHEAD_MS = 1_000


@dataclass
class Author:
    """A key with its own chain head, to sign events by hand (as a peer would send them)."""

    key: SigningKey
    network: bytes
    seq: int = 0
    prev: bytes | None = None
    made: list[Event] = field(default_factory=list)
    clock: int = 0  # the last timestamp this author took from the clock (or was given, not far ahead)

    def sign(self, kind: str = "need", fields: dict | None = None, *, ts: int | None = None,
             expires: int | None = None, seq: int | None = None, prev: bytes | None = ...,  # type: ignore[assignment]
             network: bytes | None = None) -> Event:
        """The next event of this author's chain (or at `seq`, after `prev`: a fork, a gap), of
        another network if `network` is given; by default a need unlike any other signed here."""
        if fields is None:  # every event distinct, even two signed in one millisecond at one seq
            fields = {"category": "tents", "quantity": next(_unique), "region": "calais"}
        seq = self.seq + 1 if seq is None else seq
        prev = self.prev if prev is ... else prev
        if ts is None:
            # Two events in the same millisecond would tie on their timestamps, and a profile (last
            # writer wins by timestamp, then id) would go to whichever id is larger: each one later
            # than the last, of any author, as a person's edits are.
            ts = self.clock = max(now_ms(), self.clock + 1, _last_stamp[0] + 1)
            _last_stamp[0] = ts
        elif ts <= now_ms() + _GIVEN_AHEAD_MS:
            self.clock, _last_stamp[0] = max(self.clock, ts), max(_last_stamp[0], ts)
        ev = sign_event(self.key, network=network or self.network, seq=seq, prev=prev, timestamp=ts, kind=kind,
                        body=pack(fields), expires=expires)
        if seq == self.seq + 1:
            self.seq, self.prev = seq, ev.id
        self.made.append(ev)
        return ev
