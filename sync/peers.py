"""The peer book: which nodes we know, how healthy each is, when to dial it again, and whom to punish.

Pure bookkeeping for the sync scheduler: no sockets, no clock (every call is given `now` in ms) and
randomness only from an injected `random.Random`, so tests replay exactly. It also holds the token
bucket and the per-peer limits the transport enforces.
"""
from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from math import ceil, isfinite

from sync.addresses import AddressError, normalize_address

# --- penalties -----------------------------------------------------------------------------------

# Points per rejection reason (the reason codes of events.errors plus protocol-level ones). A fork
# or a frozen author is the author's fault, not the forwarding peer's; duplicates and events held
# for a missing predecessor are normal in gossip; an event not kept aside because this node's queue
# of waiting events is full ("not_kept") is this node's limit, not the peer's doing; an event
# stamped after this node's clock ("future_timestamp") is a wrong clock, this node's or the
# author's (charged 2 points, it had a node whose clock fell behind ban every honest peer).
REASON_POINTS: dict[str, int] = {
    "bad_signature": 25, "malformed": 10, "non_canonical": 10, "oversize": 20, "wrong_network": 50,
    "body_mismatch": 20, "fork": 0, "off_pinned_chain": 0, "future_timestamp": 0, "bad_field": 5, "not_allowed": 5,
    "revoked": 1, "author_frozen": 0, "protocol": 30, "flood": 10, "duplicate": 0, "pending": 0,
    "not_kept": 0, "over_share": 0, "unjudged": 0,
}
UNKNOWN_REASON_POINTS = 5
# Reasons that are not the refusal of an event, so they do not count in `rejected_events`.
_NOT_EVENT_REJECTIONS = frozenset({"protocol", "flood", "duplicate", "pending", "not_kept", "unjudged"})
BAN_THRESHOLD = 100
BAN_MS = 3_600_000
PENALTY_HALF_LIFE_MS = 600_000
# A time given more than this before one given earlier says that the wall clock was set back (a time
# server stepping a clock that ran ahead); less is the order in which tasks happened to read it.
CLOCK_STEP_MS = 10_000


def _decayed(value: float, since: int, now: int) -> float:
    if value == 0.0 or now <= since:
        return value
    return value * 0.5 ** ((now - since) / PENALTY_HALF_LIFE_MS)


# --- peer state ----------------------------------------------------------------------------------

SOURCES = ("config", "announce")  # in order of precedence


@dataclass(kw_only=True)
class Penalties:
    """Penalty points for invalid data, decaying with a half-life, and a ban once they reach the
    threshold. Times are ms since the epoch, as given by the caller."""
    penalty: float = 0.0  # as of penalty_at; read the current value with current_penalty
    penalty_at: int = 0
    banned_until: int = 0
    rejected_events: int = 0

    def is_banned(self, now: int) -> bool:
        self._clock_set_back(now)
        return self.banned_until > now

    def current_penalty(self, now: int) -> float:
        self._clock_set_back(now)
        return _decayed(self.penalty, self.penalty_at, now)

    def _clock_set_back(self, now: int) -> None:
        """Times after `now` say that the wall clock was set back since they were taken (a time
        server correcting a clock that ran ahead: a laptop whose hardware clock keeps local time
        boots hours ahead). A ban then lasts at most BAN_MS from now and points decay from now,
        rather than both waiting for the clock to catch up, hours later."""
        if self.banned_until - now > BAN_MS:
            self.banned_until = now + BAN_MS
        if self.penalty_at - now > CLOCK_STEP_MS:
            self.penalty_at = now

    def charge(self, reason: str, now: int, count: int = 1) -> bool:
        """Charge `count` rejections for `reason`; True if banned now (the caller disconnects)."""
        if count < 0:
            raise ValueError("count cannot be negative")
        points = REASON_POINTS.get(reason, UNKNOWN_REASON_POINTS) * count
        self.penalty = self.current_penalty(now) + points
        self.penalty_at = max(self.penalty_at, now)
        if reason not in _NOT_EVENT_REJECTIONS:
            self.rejected_events += count
        if points and self.penalty >= BAN_THRESHOLD:
            self.banned_until = max(self.banned_until, now + BAN_MS)
        return self.is_banned(now)

    def penalties_json(self, now: int) -> dict:
        return {"penalty": round(self.current_penalty(now), 1), "banned": self.is_banned(now),
                "banned_until": self.banned_until, "rejected_events": self.rejected_events}


@dataclass
class PeerState(Penalties):
    """What we know about one peer address."""
    address: str
    source: str  # "config" | "announce"
    device: bytes | None = None  # the device key it proved in the handshake, once known
    failures: int = 0
    # The failures in a row before the link now open or last open: they count on if that link ends
    # silent before any round on it completed (`link_silent`), and are forgotten once one does.
    failures_before_link: int = 0
    # The reason of the last failure in that run (kept through links that end before their failures
    # are forgiven, unlike `last_error`, which a handshake clears): the log says a reason that
    # repeats only at the 1st, 2nd, 4th... failure in a row (node/net/links.py).
    failed_with: str | None = None
    next_attempt: int = 0
    last_attempt: int | None = None
    last_sync: int | None = None
    last_error: str | None = None
    received_events: int = 0
    sent_events: int = 0
    lag: int | None = None  # events the peer had that we lacked at the last sync start
    connected: bool = False
    connected_since: int | None = None
    disconnected_at: int | None = None  # when the last link to it ended: cut off since then

    def to_json(self, now: int) -> dict:
        """Plain JSON for `solnet status --json` and the dashboard."""
        return {
            "address": self.address, "source": self.source,
            "device": self.device.hex() if self.device is not None else None,
            "connected": self.connected, "connected_since": self.connected_since,
            "failures": self.failures, "next_attempt": self.next_attempt,
            "last_attempt": self.last_attempt, "last_sync": self.last_sync, "last_error": self.last_error,
            "penalty": round(self.current_penalty(now), 1),
            "banned": self.is_banned(now), "banned_until": self.banned_until,
            "received_events": self.received_events, "sent_events": self.sent_events,
            "rejected_events": self.rejected_events, "lag": self.lag,
            "cut_off_since": None if self.connected else self.disconnected_at,
        }


class DevicePenalties:
    """Penalties by device key, whichever side dialled (an inbound peer has no address here)."""

    def __init__(self) -> None:
        self._devices: dict[bytes, Penalties] = {}

    def charge(self, device: bytes, reason: str, now: int, count: int = 1) -> bool:
        """Charge the device; True if it is banned now."""
        return self._devices.setdefault(device, Penalties()).charge(reason, now, count)

    def current_penalty(self, device: bytes, now: int) -> float:
        record = self._devices.get(device)
        return record.current_penalty(now) if record is not None else 0.0

    def is_banned(self, device: bytes, now: int) -> bool:
        record = self._devices.get(device)
        return record is not None and record.is_banned(now)

    def penalised(self, now: int) -> list[dict]:
        """The devices with points or a ban now, as plain JSON (for `solnet status --json`)."""
        return [{"device": device.hex(), **record.penalties_json(now)} for device, record in sorted(self._devices.items())
                if record.current_penalty(now) > 0 or record.is_banned(now)]


class PeerBook:
    """All known peers by canonical address, with backoff, health and penalties."""

    def __init__(self, rng: random.Random, *, base_backoff_ms: int = 1000, max_backoff_ms: int = 300_000) -> None:
        if base_backoff_ms <= 0 or max_backoff_ms < base_backoff_ms:
            raise ValueError("need 0 < base_backoff_ms <= max_backoff_ms")
        self._rng = rng
        self._base = base_backoff_ms
        self._max = max_backoff_ms
        self._peers: dict[str, PeerState] = {}

    def add(self, address: str, source: str = "config") -> PeerState:
        """Add a peer, or return the known one (its state kept; "config" wins over "announce")."""
        if source not in SOURCES:
            raise ValueError(f"peer source must be one of {', '.join(SOURCES)}, not {source!r}")
        key = normalize_address(address)
        peer = self._peers.get(key)
        if peer is None:
            peer = self._peers[key] = PeerState(key, source)
        elif SOURCES.index(source) < SOURCES.index(peer.source):
            peer.source = source
        return peer

    def remove(self, address: str) -> bool:
        return self._peers.pop(normalize_address(address), None) is not None

    def get(self, address: str) -> PeerState | None:
        peer = self._peers.get(address)
        return peer if peer is not None else self._peers.get(normalize_address(address))

    def _peer(self, address: str) -> PeerState:
        peer = self.get(address)
        if peer is None:
            raise KeyError(f"unknown peer {address!r}: add it to the peer book first")
        return peer

    def all(self) -> list[PeerState]:
        return [self._peers[key] for key in sorted(self._peers)]

    def due(self, now: int) -> list[PeerState]:
        """Peers to dial now: not connected, not banned, backoff elapsed; longest-waiting first."""
        ready = [p for p in self._peers.values() if self.is_due(p, now)]
        return sorted(ready, key=lambda p: (p.next_attempt, p.address))

    def is_due(self, peer: PeerState, now: int) -> bool:
        """May `peer` be dialled now: not connected, not banned, its backoff over. No backoff is
        longer than the longest: a next attempt further off says that the wall clock was set back
        since it was drawn, and the peer is due now, not once the clock has caught up (hours later,
        every link that dropped meanwhile left undialled)."""
        if peer.next_attempt - now > self._max:
            peer.next_attempt = now
        return not peer.connected and peer.next_attempt <= now and not peer.is_banned(now)

    def _backoff(self, peer: PeerState, now: int, cap_ms: int | None) -> int:
        """Full-jitter exponential backoff (at least half the base, so a peer is never hammered),
        drawn below `cap_ms` when the caller's policy caps it (sync/overlay.py: retry_cap)."""
        peer.failures += 1
        cap = min(self._max, self._base * 2 ** min(peer.failures - 1, 62))
        if cap_ms is not None:
            cap = min(cap, max(cap_ms, self._base))
        delay = max(ceil(self._base / 2), int(self._rng.uniform(0, cap)))
        peer.next_attempt = now + delay
        return delay

    def connect_failed(self, address: str, now: int, error: str, cap_ms: int | None = None) -> int:
        """Record a failed dial; returns the delay (ms) before the next attempt (at most `cap_ms`)."""
        peer = self._peer(address)
        peer.connected, peer.connected_since = False, None
        peer.last_attempt, peer.last_error, peer.failed_with = now, error, error
        return self._backoff(peer, now, cap_ms)

    def connected(self, address: str, now: int, device: bytes) -> None:
        """The handshake succeeded and the peer proved `device`: no failures while the link lasts,
        those before it kept until it ends (`disconnected` forgives them, or `link_short` and
        `link_silent` count on from them)."""
        if not isinstance(device, bytes) or len(device) != 32:
            raise ValueError("a peer device key is 32 bytes")
        peer = self._peer(address)
        peer.device, peer.failures_before_link, peer.failures = device, peer.failures, 0
        peer.connected, peer.connected_since = True, now
        peer.last_attempt = now
        peer.last_error = None

    def proved(self, address: str, device: bytes) -> None:
        """A dial got through the handshake (the peer proved `device`) but the peer kept the link it
        already holds with us (sync/link_slots.py): the address is that device's, and reachable."""
        if not isinstance(device, bytes) or len(device) != 32:
            raise ValueError("a peer device key is 32 bytes")
        peer = self._peer(address)
        peer.device, peer.failures, peer.failures_before_link, peer.last_error = device, 0, 0, None
        peer.failed_with = None

    def link_silent(self, address: str, now: int, error: str, cap_ms: int | None = None) -> int:
        """The link to `address` ended silent before any round on it completed: a failed dial, the
        failures before it counting on (the backoff grows from link to link). The delay (ms) before
        the next attempt (at most `cap_ms`)."""
        peer = self._peer(address)
        peer.failures, peer.failures_before_link = peer.failures_before_link, 0
        return self.connect_failed(address, now, error, cap_ms)

    def link_short(self, address: str, now: int, error: str, cap_ms: int | None = None) -> int:
        """The link to `address` carried rounds but ended before it lived long enough to forgive the
        failures before it (sync/overlay.py: STABLE_LINK_MS): one more failure in a row, the backoff
        growing from link to link (at most `cap_ms`), and the peer cut off since now. The delay (ms)
        before the next attempt."""
        self._peer(address).disconnected_at = now
        return self.link_silent(address, now, error, cap_ms)

    def disconnected(self, address: str, now: int, error: str | None, cap_ms: int | None = None) -> None:
        """The connection ended after it lived long enough: the failures before it are forgiven.
        After an error it is redialled with backoff (at most `cap_ms`), else after the base delay."""
        peer = self._peer(address)
        peer.connected, peer.connected_since = False, None
        peer.disconnected_at = now
        peer.failures = peer.failures_before_link = 0
        peer.failed_with = None
        if error is not None:
            peer.last_error = error
            self._backoff(peer, now, cap_ms)
        else:
            peer.next_attempt = now + self._base

    def addresses_of(self, device: bytes) -> list[str]:
        """The addresses where this device key answered a dial of ours."""
        return [key for key, peer in sorted(self._peers.items()) if peer.device == device]

    def forgive(self, address: str, now: int) -> None:
        """The peer is known to be back (it dialled us, or announced itself afresh): its failures
        are forgotten and it may be dialled at once, not after a backoff of minutes."""
        peer = self.get(address)
        if peer is not None:
            peer.failures = peer.failures_before_link = 0
            peer.failed_with = None
            peer.next_attempt = min(peer.next_attempt, now)

    def synced(self, address: str, now: int, *, received: int, sent: int, lag: int) -> None:
        if min(received, sent, lag) < 0:
            raise ValueError("received, sent and lag cannot be negative")
        peer = self._peer(address)
        # A completed round forgives nothing by itself: a relay on the path let one round of each
        # link through and cut the next, and the node redialled within 2 s for ever (see
        # sync/overlay.py: STABLE_LINK_MS).
        peer.last_sync = now
        peer.received_events += received
        peer.sent_events += sent
        peer.lag = lag

    def penalize(self, address: str, reason: str, now: int, count: int = 1) -> bool:
        """Charge `count` rejections for `reason`; True if the peer is now banned (the caller disconnects)."""
        return self._peer(address).charge(reason, now, count)

    def is_banned(self, address: str, now: int) -> bool:
        return self._peer(address).is_banned(now)

    def penalty(self, address: str, now: int) -> float:
        return self._peer(address).current_penalty(now)

    def sample(self, k: int, rng: random.Random | None = None, exclude: set[str] = frozenset(),
               *, now: int | None = None) -> list[PeerState]:
        """Up to `k` random connected, unbanned peers not in `exclude` (for eager push).

        Without `now`, a connected peer counts as banned if it was banned after it connected,
        which holds until the caller has disconnected it.
        """
        skip = {self._canonical(a) for a in exclude}
        pool = [p for key, p in sorted(self._peers.items())
                if p.connected and key not in skip
                and not p.is_banned(now if now is not None else (p.connected_since or 0))]
        return (rng if rng is not None else self._rng).sample(pool, min(max(k, 0), len(pool)))

    @staticmethod
    def _canonical(address: str) -> str:
        try:
            return normalize_address(address)
        except AddressError:
            return address


# --- rate limits ---------------------------------------------------------------------------------

class TokenBucket:
    """A token bucket: `rate_per_s` tokens arrive per second up to `burst`; it starts full.

    State changes only when tokens are taken, and the level at any time is computed from that one
    point, so the answer never depends on how often the bucket was asked in between.
    """

    def __init__(self, rate_per_s: float, burst: float) -> None:
        if not (isfinite(rate_per_s) and rate_per_s > 0 and isfinite(burst) and burst > 0):
            raise ValueError("a token bucket needs a positive finite rate and burst")
        self.rate_per_s = float(rate_per_s)
        self.burst = float(burst)
        self._tokens = float(burst)  # the level at time self._at
        self._at: int | None = None

    def available(self, now: int) -> float:
        """Tokens available at `now` (a clock that went back refills nothing). Set back by more
        than CLOCK_STEP_MS, the bucket refills from `now` on, not once the clock has caught up
        with the last take: that held the peer for as long as the clock went back."""
        if self._at is not None and self._at - now > CLOCK_STEP_MS:
            self._at = now
        if self._at is None or now <= self._at:
            return self._tokens
        return min(self.burst, self._tokens + (now - self._at) * self.rate_per_s / 1000)

    def take(self, amount: float, now: int) -> bool:
        """Consume `amount` tokens if there are enough; otherwise consume nothing and return False.

        More than `burst` can never be taken at once: split it, or see `wait_ms`.
        """
        if amount < 0:
            raise ValueError("amount cannot be negative")
        level = self.available(now)
        if amount > level:
            return False
        self._tokens = level - amount
        self._at = now if self._at is None else max(self._at, now)
        return True

    def wait_ms(self, amount: float, now: int) -> int:
        """Milliseconds until `amount` tokens are available (0 if they are now)."""
        if amount < 0:
            raise ValueError("amount cannot be negative")
        if amount > self.burst:
            raise ValueError(f"{amount} exceeds the burst of {self.burst}: it can never be taken at once")
        if amount <= self.available(now):
            return 0
        at = self._at if self._at is not None else now
        when = max(now, at + ceil((amount - self._tokens) * 1000 / self.rate_per_s))
        # The float estimate can be a millisecond off either way; settle it with the exact test
        # take() uses, so take(amount, now + wait_ms(amount, now)) always succeeds.
        while amount > self.available(when):
            when += 1
        while when > now and amount <= self.available(when - 1):
            when -= 1
        return when - now


REPEAT_WINDOW_MS = 60 * 60 * 1000


class StreamedBefore:
    """Which events of each author this node streamed each peer (a member group's devices are one
    peer here, node/net/peer_policy.py `payer`) in its rounds, or sent it in answer to its IWants,
    in the last `window_ms`, to tell a round or an IWant that asks for them again.

    A peer's heads need no signature: a member claiming to hold nothing is streamed this node's
    whole log, round after round (a thief's copied device key, until it is revoked). An honest peer
    stores what it is streamed, and its next round's heads say so; it asks for events again only
    if they were lost in flight (its link cut mid-round), refused (its clock behind ours), or lost
    (restored from a backup). So what a round sends again is held to a budget of its own
    (node/net/peer_link.py), and what it sends for the first time is not. An IWant names ids, not
    seqs, but asking again for the same ids was the same lie, cheaper still: 16 KB of ids drew
    500 events of 60 KiB back, again and again.

    Per peer, per author, up to `max_ranges` disjoint ranges of seqs, each with when it was last
    added to. Only ranges that overlap or touch merge: one range (lowest..highest sent) made a
    group's second device catching up a repeater of everything between the one event its other
    device was sent and its own first batch. Past `max_ranges`, the two ranges closest together
    merge (the gap between counts as sent): forgetting one instead let a liar push a range out with
    a few scattered asks and be streamed it again at full speed. At most `max_devices` peers (the
    oldest forgotten first) and `max_authors` authors each."""

    def __init__(self, window_ms: int, max_devices: int = 64, max_authors: int = 1024, max_ranges: int = 8) -> None:
        self.window_ms = window_ms
        self.max_devices = max_devices
        self.max_authors = max_authors
        self.max_ranges = max_ranges
        # peer -> author -> [(first, last, at)], disjoint, by first seq
        self._sent: dict[bytes, dict[bytes, list[tuple[int, int, int]]]] = {}

    def again(self, device: bytes, author: bytes, seqs: list[int], now: int) -> int:
        """How many of `seqs` (of `author`'s events) were streamed `device` within the window."""
        return sum(self.which_again(device, author, seqs, now))

    def which_again(self, device: bytes, author: bytes, seqs: list[int], now: int) -> list[bool]:
        """For each of `seqs` (of `author`'s events), whether it was streamed `device` within the window."""
        kept = self._live(self._sent.get(device, {}).get(author, ()), now)
        return [any(first <= seq <= last for first, last, _ in kept) for seq in seqs]

    def note(self, device: bytes, author: bytes, first: int, last: int, now: int) -> None:
        """`author`'s events from seq `first` to `last` were streamed `device` at `now`."""
        authors = self._sent.pop(device, None) or {}
        self._sent[device] = authors  # newest last
        ranges = []
        for kept in self._live(authors.pop(author, ()), now):
            if kept[0] <= last + 1 and first <= kept[1] + 1:  # overlapping or touching: one range
                first, last = min(first, kept[0]), max(last, kept[1])
            else:
                ranges.append(kept)
        ranges.append((first, last, now))
        ranges.sort()
        # Past max_ranges the smallest range is forgotten (the oldest of equal ones): merging the two
        # closest counted the gap between them as sent, and an honest device's scattered IWant
        # answers (missing bodies) turned an author's history into repeats for its whole group
        # (30,001 of 50,000 for 20 answers, a critic's case). A liar pushing a range out this way
        # wins back only that small range; a big one is kept.
        while len(ranges) > self.max_ranges:
            ranges.remove(min(ranges, key=lambda r: (r[1] - r[0], r[2])))
        authors[author] = ranges
        if len(authors) > self.max_authors:
            del authors[next(iter(authors))]
        if len(self._sent) > self.max_devices:
            del self._sent[next(iter(self._sent))]

    def _live(self, ranges: Iterable[tuple[int, int, int]], now: int) -> list[tuple[int, int, int]]:
        """Those of `ranges` added to within the window (none said after a clock set back past them)."""
        return [kept for kept in ranges if 0 <= now - kept[2] <= self.window_ms]


@dataclass
class PeerLimits:
    """What one peer may cost us (a member group's devices share them: node/net/peer_policy.py
    `payer`); defaults sized for a Raspberry Pi on a home link."""
    max_frame_bytes: int = 4 * 1024 * 1024
    max_events_per_s: float = 5000
    events_burst: float = 20000
    # Events a round streams that this node streamed the same device within REPEAT_WINDOW_MS (see
    # StreamedBefore): an honest peer asks again only for what it lost; a lying one, for everything.
    repeat_events_per_s: float = 500
    repeat_burst: float = 20000
    # ... and their bytes, the same events (the IWant answers of node/net/peer_link.py too): 500
    # repeats/s of 60 KiB events were 30 MiB/s, a member asking again and again for what it was
    # sent drew ~1,700 times its asks back, far above a Pi's home uplink. 256 KiB/s (2 Mbit/s)
    # leaves most of a home uplink to others; the burst covers what an honest peer whose link was
    # cut mid-round lost in flight (our send queue and the socket buffers, ~8 MiB), sent again at once.
    repeat_bytes_per_s: float = 256 * 1024
    repeat_bytes_burst: float = 8 * 1024 * 1024
    # Read from the peer, and what its IWants draw back the first time (again: the budget above).
    # Not lower for a Pi's home uplink: an honest full sync of 20k events ran at ~2.8 MiB/s on a
    # desktop (bench/sync_full.py), held by signature checks, and the receiver reads within this.
    max_bytes_per_s: float = 8 * 1024 * 1024
    bytes_burst: float = 32 * 1024 * 1024
    # Anti-entropy rounds a dialler opens: each Offer makes this node read every author's head and
    # answer (its heads, or Same), and finish the round (a log line, tasks, the peer book). A member
    # opening rounds as fast as it read the answers (an Offer of 45 bytes each, ~100 rounds/s at
    # 400 authors) took 0.4 cores of a desktop, a Pi's whole share. Honest diallers open one every
    # sync interval (30 s, 1 s at the least tests use) and `solnet sync` two at once: the burst.
    rounds_per_s: float = 2.0
    rounds_burst: float = 20
    # Inbound handshakes of a member group's devices (node/net/links.py `accept`): each costs this
    # node an X25519 exchange, two Ed25519 signatures and its credentials' admission on the database
    # thread, and a member's hello is not held to the hello budget (node/hello_budget.py). A mole
    # group's eight devices linking and dropping in a loop made ~166 a second, most of a Pi's core.
    # The burst lets all of an honest group's devices (8 inbound links: sync/link_slots.py) come back
    # twice at once after a restart; past it, one every 2 s.
    member_handshakes_per_s: float = 0.5
    member_handshakes_burst: float = 16
    connect_timeout_s: float = 3.0  # during the handshake: the longest the peer may send nothing
    handshake_timeout_s: float = 60.0  # the whole handshake and credentials, however they progress
    message_timeout_s: float = 15.0

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not value > 0:
                raise ValueError(f"peer limit {name} must be positive, not {value!r}")
