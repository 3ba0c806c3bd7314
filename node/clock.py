"""The node's wall clock in milliseconds since the epoch, the unit of every event timestamp, and
what its peers' events say of it.

In a module of its own, loading only `time`, `threading` and `collections.abc`, so that the light
paths (`solnet status` without a running node, login links, the chain gate) read the same clock as
the log without importing it. The trust graph's lineages come in as a function (`Lineages`).
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

# A source's lineages in the trust graph (events/trust.py `TrustGraph.lineages`): the groups just
# below the founders that admitted it, directly or further up.
Lineages = Callable[[bytes], frozenset[bytes]]
# Whether a key's word still counts in the trust graph as it stands when asked (node/log.py): no
# revocation or fork limits it, and its group is not revoked.
Counts = Callable[[bytes], bool]

DOUBT_WINDOW_MS = 30 * 60 * 1000  # refusals older than this say nothing of the clock now
DOUBT_SOURCES = 64  # groups remembered at once (a bound against a flood of throw-away keys)
KEYS_PER_SOURCE = 4  # keys of one group remembered at once: its devices, a seized phone among them


def now_ms() -> int:
    return int(time.time() * 1000)


def own_lineage(source: bytes) -> frozenset[bytes]:
    """A source that is its own lineage (what counts when no trust graph is at hand)."""
    return frozenset((source,))


def independent(sources: Iterable[bytes], lineages: Lineages) -> bool:
    """Whether no one lineage accounts for every source: one infiltrating member admits a second
    group with one vouch (and that one a third...), so groups of one lineage are one source. Read
    from the graph when asked, never when a source was noted: a trust event arriving later (a
    nearer admitter) counts as if it came first."""
    common: frozenset[bytes] | None = None
    for source in sources:
        common = lineages(source) if common is None else common & lineages(source)
        if not common:
            return True
    return False


class _NewestBySource:
    """Each source's newest (when, value), at most DOUBT_SOURCES sources (the oldest go first): a
    bound against a flood of throw-away keys. What ClockDoubt and OwnEventsRefused both count, by
    the word of keys that still count when asked (`recent`). Kept per key of a source (at most
    KEYS_PER_SOURCE of its newest): a seized phone's note, until its revocation came, replaced its
    group's own device's, and once the revocation came the group had no word at all (in the other
    order it kept one: order-dependent)."""

    def __init__(self, counts: Counts | None = None) -> None:
        self._seen: dict[bytes, dict[bytes | None, tuple[int, object]]] = {}
        self._counts = counts  # read when asked (None: every word counts)

    def note(self, source: bytes, value: object, now: int, key: bytes | None = None) -> None:
        """`source` said `value` at `now`, by `key` (None: the source, whatever its standing)."""
        keys = self._seen.pop(source, {})  # newest last
        keys.pop(key, None)
        keys[key] = (now, value)
        if len(keys) > KEYS_PER_SOURCE:
            del keys[next(iter(keys))]
        self._seen[source] = keys
        if len(self._seen) > DOUBT_SOURCES:
            del self._seen[next(iter(self._seen))]

    def forget(self, source: bytes) -> None:
        self._seen.pop(source, None)

    def recent(self, now: int) -> dict[bytes, object]:
        """The newest value noted within the last DOUBT_WINDOW_MS by each source, of keys whose word
        counts in the trust graph now: one revoked (or of a group revoked) after it spoke says
        nothing, as if its word had come after its revocation, whatever order they came in."""
        counts = self._counts
        found: dict[bytes, object] = {}
        for source, keys in self._seen.items():
            said = [(when, value) for key, (when, value) in keys.items()
                    if 0 <= now - when <= DOUBT_WINDOW_MS and (key is None or counts is None or counts(key))]
            if said:
                found[source] = max(said, key=lambda wv: wv[0])[1]
        return found


class ClockDoubt:
    """Whether this machine's clock looks behind, from the events its peers sent that it refused
    as stamped too far after it (node/log.py `future_timestamp`).

    A Raspberry Pi has no real-time clock: after a power cut it runs late until it reaches a time
    server, and then every fresh event of its peers looks stamped in the future. One group's
    events so stamped may just be that group's clock running ahead (or an infiltrator's doing);
    events of groups of two lineages or more (`independent`), each far ahead, say that this clock
    is behind. Two groups were enough until 2026-12-06: an infiltrator admitted a second group
    with one vouch, and both stamped their events 40 h ahead; every node told its admin to set a
    right clock 40 h ahead (then peers refused all it signed) and stretched its alerts' lives by
    as much. The estimate is the least of those groups' leads: this clock is behind by at least
    that much, if theirs are right.

    Only the word of keys that still count, asked when the warning is (`counts`, of the event's
    author): an expelled mole group, or a seized phone its group revoked (also below its pin, off
    the pinned chain), signs events that are refused anyway, and until 2026-12-06 two such, stamped
    40 h ahead, still made every node tell its admin to set its right clock 40 h ahead (and, where
    they came before their revocations, not where they came after). Written from the database thread, read from the
    event loop's: under a lock."""

    def __init__(self, lineages: Lineages = own_lineage, counts: Counts | None = None) -> None:
        self._lock = threading.Lock()
        self._leads = _NewestBySource(counts)  # group -> (when, ahead by ms, author), its newest refusal
        self._lineages = lineages  # read when asked: the trust graph then, whatever order it came in

    def note(self, group: bytes, ahead_ms: int, now: int, author: bytes | None = None) -> None:
        """An event of `group` came stamped `ahead_ms` after this clock (at `now`, by this clock),
        signed by `author` (None: by the group, whatever its standing)."""
        with self._lock:
            self._leads.note(group, ahead_ms, now, author)

    def behind_ms(self, now: int) -> int | None:
        """By how much this clock looks behind (None: nothing says so)."""
        with self._lock:
            leads = self._leads.recent(now)
        return min(leads.values()) if independent(leads, self._lineages) else None


class OwnEventsRefused:
    """Whether peers do not take this node's own events: a complete round streamed a peer this
    device's events from seq F to L, and its next round with that peer finds the peer lacking them
    from a seq in F..L again. The round was complete, so the peer stored or refused each one: it
    refused them, or holds them aside. Its likeliest cause for a device still a member is this
    clock running ahead (a peer refuses events stamped more than 10 minutes after its own clock, and
    says nothing back). Peers of groups of two lineages or more, as for ClockDoubt: one may have its
    own clock behind, and one member's devices, each playing a peer that lacks them, are one group
    (they told an admin with a right clock to change it), as are the groups it admitted.

    Only peers whose word still counts when asked (`counts`, of the peer device), as for
    ClockDoubt: until 2026-12-06 moles of two lineages, each lacking this device's events round
    after round, then both revoked, kept the warning up for DOUBT_WINDOW_MS after their revocation
    (their links were closed, their notes stayed). Written and read on the event loop (rounds end
    there)."""

    def __init__(self, lineages: Lineages = own_lineage, counts: Counts | None = None) -> None:
        self._lineages = lineages
        self._sent: dict[bytes, tuple[int, int]] = {}  # peer -> what the last complete round streamed it
        self._refusing = _NewestBySource(counts)  # peer's group -> (when, from which seq, peer)

    def round_done(self, peer: bytes, sent: tuple[int, int] | None, now: int, group: bytes | None = None) -> None:
        """A complete round with `peer` (a device of `group`; None: a group of its own) streamed it
        this device's events `sent` (first, last seq), or none (None: it held them all)."""
        source = peer if group is None else group
        before = self._sent.pop(peer, None)
        self._refusing.forget(source)
        if sent is None:
            return
        if before is not None and before[0] <= sent[0] <= before[1]:
            self._refusing.note(source, sent[0], now, peer)
        self._sent[peer] = sent
        if len(self._sent) > DOUBT_SOURCES:
            del self._sent[next(iter(self._sent))]

    def refused(self, now: int) -> tuple[int, int] | None:
        """(how many peers' groups, from which seq of this device) when peers of groups of two
        lineages or more within the last DOUBT_WINDOW_MS did not take what a complete round gave
        them; None otherwise."""
        recent = self._refusing.recent(now)
        return (len(recent), min(recent.values())) if independent(recent, self._lineages) else None
