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


@dataclass
class Author:
    """A key with its own chain head, to sign events by hand (as a peer would send them)."""

    key: SigningKey
    network: bytes
    seq: int = 0
    prev: bytes | None = None
    made: list[Event] = field(default_factory=list)
    clock: int = 0  # the last timestamp this author took from the clock

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
            # Two events of one author in the same millisecond would tie on their timestamps, and a
            # profile (last writer wins by timestamp, then id) would go to whichever id is larger:
            # each one later than the last, as a person's edits are.
            ts = self.clock = max(now_ms(), self.clock + 1)
        ev = sign_event(self.key, network=network or self.network, seq=seq, prev=prev, timestamp=ts, kind=kind,
                        body=pack(fields), expires=expires)
        if seq == self.seq + 1:
            self.seq, self.prev = seq, ev.id
        self.made.append(ev)
        return ev
