"""The node's wall clock in milliseconds since the epoch, the unit of every event timestamp, and
what its peers' events say of it.

In a module of its own, loading only `time` and `threading`, so that the light paths (`solnet
status` without a running node, login links, the chain gate) read the same clock as the log
without importing it.
"""
from __future__ import annotations

import threading
import time

DOUBT_WINDOW_MS = 30 * 60 * 1000  # refusals older than this say nothing of the clock now
DOUBT_SOURCES = 64  # groups remembered at once (a bound against a flood of throw-away keys)


def now_ms() -> int:
    return int(time.time() * 1000)


class _NewestBySource:
    """Each source's newest (when, value), at most DOUBT_SOURCES sources (the oldest go first): a
    bound against a flood of throw-away keys. What ClockDoubt and OwnEventsRefused both count."""

    def __init__(self) -> None:
        self._seen: dict[bytes, tuple[int, int]] = {}

    def note(self, source: bytes, value: int, now: int) -> None:
        self._seen.pop(source, None)  # newest last
        self._seen[source] = (now, value)
        if len(self._seen) > DOUBT_SOURCES:
            del self._seen[next(iter(self._seen))]

    def forget(self, source: bytes) -> None:
        self._seen.pop(source, None)

    def recent(self, now: int) -> list[int]:
        """The values noted within the last DOUBT_WINDOW_MS, one per source."""
        return [value for when, value in self._seen.values() if 0 <= now - when <= DOUBT_WINDOW_MS]


class ClockDoubt:
    """Whether this machine's clock looks behind, from the events its peers sent that it refused
    as stamped too far after it (node/log.py `future_timestamp`).

    A Raspberry Pi has no real-time clock: after a power cut it runs late until it reaches a time
    server, and then every fresh event of its peers looks stamped in the future. One group's
    events so stamped may just be that group's clock running ahead (or an infiltrator's doing);
    events of two groups or more, each far ahead, say that this clock is behind. The estimate is
    the least of those groups' leads: this clock is behind by at least that much, if theirs are
    right. Written from the database thread, read from the event loop's: under a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._leads = _NewestBySource()  # group -> (when, ahead by ms), its newest refusal

    def note(self, group: bytes, ahead_ms: int, now: int) -> None:
        """An event of `group` came stamped `ahead_ms` after this clock (at `now`, by this clock)."""
        with self._lock:
            self._leads.note(group, ahead_ms, now)

    def behind_ms(self, now: int) -> int | None:
        """By how much this clock looks behind (None: nothing says so)."""
        with self._lock:
            recent = self._leads.recent(now)
        return min(recent) if len(recent) >= 2 else None


class OwnEventsRefused:
    """Whether peers do not take this node's own events: a complete round streamed a peer this
    device's events from seq F to L, and its next round with that peer finds the peer lacking them
    from a seq in F..L again. The round was complete, so the peer stored or refused each one: it
    refused them, or holds them aside. Its likeliest cause for a device still a member is this
    clock running ahead (a peer refuses events stamped more than 10 minutes after its own clock, and
    says nothing back). Peers of two groups or more, as for ClockDoubt: one may have its own clock
    behind, and one member's devices, each playing a peer that lacks them, are one group (they told
    an admin with a right clock to change it). Written and read on the event loop (rounds end
    there)."""

    def __init__(self) -> None:
        self._sent: dict[bytes, tuple[int, int]] = {}  # peer -> what the last complete round streamed it
        self._refusing = _NewestBySource()  # peer's group -> (when, from which seq)

    def round_done(self, peer: bytes, sent: tuple[int, int] | None, now: int, group: bytes | None = None) -> None:
        """A complete round with `peer` (a device of `group`; None: a group of its own) streamed it
        this device's events `sent` (first, last seq), or none (None: it held them all)."""
        source = peer if group is None else group
        before = self._sent.pop(peer, None)
        self._refusing.forget(source)
        if sent is None:
            return
        if before is not None and before[0] <= sent[0] <= before[1]:
            self._refusing.note(source, sent[0], now)
        self._sent[peer] = sent
        if len(self._sent) > DOUBT_SOURCES:
            del self._sent[next(iter(self._sent))]

    def refused(self, now: int) -> tuple[int, int] | None:
        """(how many peers' groups, from which seq of this device) when peers of two groups or more
        within the last DOUBT_WINDOW_MS did not take what a complete round gave them; None otherwise."""
        recent = self._refusing.recent(now)
        return (len(recent), min(recent)) if len(recent) >= 2 else None
