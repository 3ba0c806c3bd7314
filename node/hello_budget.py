"""A CPU budget for the sync handshake replies this node makes to connections not yet known as members.

Anyone who knows the network's id can open /sync/v1 and send a hello; the node's reply costs an
X25519 key and exchange and an Ed25519 signature. The hello carries no identity
(sync/handshake.py: the dialler proves its device only after that reply), so before it a member's
hello and a flooder's look alike. Behind an onion service every visitor is 127.0.0.1: a stream of
hellos kept a Raspberry Pi's CPU busy with replies and delayed members.

`HelloBudget` is asked twice: before the websocket upgrade whether a reply could be made now
(`may_upgrade`, which takes nothing), and once the dialler's hello has come and is for this
network, whether the node replies to it (`take`):

- tokens, in replies, in a bucket for all sources and one for each source (an IPv6 one by its
  /64, as node/listener.py counts them). A token is worth the CPU time of a stranger's whole
  handshake as it goes when nothing is wrong: `HANDSHAKE_REPLIES` times a reply's (X25519, the
  signature, message 3 checked: `reply_cost_s`, measured at start, the least of a few tries), and
  the buckets refill at the rate that keeps the strangers' handshakes at `SHARE` of one core, so a
  Pi Zero (an eighth of one of these cores) makes fewer replies a second than a laptop and spends
  the same share. A reply takes one token from both, at once; once a handshake replied to ends
  without a link, its measured cost in all (the upgrade, the reply, message 3, the credentials
  opened, decoded and judged on the database thread: sync/transport.py `Replied`) is charged, and
  what its token did not cover is taken from both buckets too, which may go below zero: a debt
  the refill pays back before the next reply. Each handshake pays its own cost. Until 2026-12-07
  the tokens were worth a running mean of the costs: a stranger pulled it down with cheap
  handshakes (a hello dropped after the reply) and then made costly ones (credentials judged) at
  the cheap ones' rate, and one slow sample (a busy machine) raised the mean some tenfold and cut
  every newcomer's replies, members' included, for as long as the mean took to come back down.
  (Before that day only the upgrade and the reply were measured, ~0.2 ms here, while a
  stranger's whole handshake cost 2.4-3 ms and more.) A source's bucket is half the global one's
  size and refills at half its rate: one address flooding leaves the other half to the rest.
  `BURST` replies may be made at once (a node's peers reconnecting after its restart);
- only a reply takes a token. Until 2026-12-06 the token (and a place) was taken before the
  upgrade: a plain `GET /sync/v1` (answered 400) or a hello for another network, which cost the
  node no key work, used one up, and anyone who did not know the network's id drained the
  budget (300 such requests at once: 250 answered 503), shutting out every member dialling in
  from its address (behind an onion service, everyone's). Now a request that is no websocket
  upgrade is answered 400 before the budget is asked, and another network's or a malformed hello
  is refused before `take` (node/listener.py, sync/transport.py `accept`). `may_upgrade` only
  looks: over the budget the request is answered 503 with Retry-After, no websocket, no X25519,
  no signature; when it lets several through at once for the last token, the first hello takes
  it and the others are closed (websocket close 1013, "try again later") without a reply;
- at most `IN_FLIGHT` replies (`IN_FLIGHT_PER_SOURCE` from one source) awaiting the dialler's
  signature (message 3). A place is taken with the token, for a hello replied to, so places are
  taken no faster than tokens: no one churns them, and a dialler whose hello has not come yet
  holds none that could be taken from it (until 2026-12-06 a place was taken at the upgrade; the
  oldest awaiting its hello went first, and a stream of connections at the event loop's pace
  would have pushed out a member's in the round trip before its hello). With the places all
  taken, a new hello (with its tokens) takes one (of its own source first) and the connection
  holding it is closed: node/listener.py `_make_room` chooses one at random. A place is no reward
  for sending slowly: anyone may hold one for the whole handshake's minute by trickling a byte
  at a time (the handshake waits while bytes come, for a Pi on a bad line), and 24 of them from
  two addresses, until 2026-12-05, kept every member dialling in out (503) for as long as they
  were renewed. Only a full hello for this network, which the node answers within this budget,
  pushes out a place, and at random: a slow dialler's survives n such hellos with odds
  (1 - 1/IN_FLIGHT)^n, so it links at one of its next dials unless the budget itself is spent;
- a dialler whose signature shows a member (node/listener.py `handshake_signed`) gets its token
  back, and its handshake is charged nothing more, even when it then ends without a link (no
  link slot for it): members' reconnections never eat into the budget left for other members. They are held to
  a budget of their group's instead (node/net/links.py `_member_budget`); past it the handshake is
  refused as a hello over this budget is, and keeps its token, as a stranger's would.

- a reserve of its own (`RESERVE_BURST` replies, refilled at `RESERVE_SHARE` of SHARE; the buckets
  at the rest, so strangers together keep to SHARE) serves a hello the buckets have no token for
  (`take_served`): its dialler must then prove, by its signature (message 3), a device this node
  knows as a member's, or it is refused before its credentials are read (node/listener.py
  `handshake_signed`), as a hello over the budget is, having cost a reply and its check. Until
  2026-12-07 one stranger's costly handshake (50 ms of credentials judged: 50 tokens' worth where
  a token is 1 ms) put the shared bucket and its source's in a debt that turned every newcomer
  away, members behind its relay included, for 20 times its cost (8 s on a Pi Zero), and again at
  each; strangers then cost the reserve a reply each while the debt lasts. A flood of hellos faster
  than the reserve's refill still takes its tokens too: it is kept from strangers' debts, not from
  their hellos (before the signature a member's hello and a stranger's look alike).
- a stranger's credentials are judged for at most what half the tokens both buckets hold are
  worth, taken from them when given (`take_allowance`) and settled at its charge: handshakes whose
  credentials wait for the database together share what the buckets hold (until 2026-12-07 each
  was given the whole, and a dozen at once left the global bucket at -120 tokens), and hold at
  most `GRANTS_HOLD` of it: each took half of what the others left, so four behind a relay held
  7.5 of the 8 tokens its bucket had, and a newcomer there was served from the members' reserve
  while they waited (until 2026-12-07).

A member's node turned away retries like after any failed dial (a configured peer within 5 s,
one lost lately within 2 s: sync/overlay.py), and the links this node dials itself are never
counted here. node/listener.py logs turned-away hellos at most once a minute, with counts, never
addresses. Source addresses are kept in memory only.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from crypto.keys import SigningKey
from sync.handshake import Initiator, Responder

SHARE = 0.05  # of one core, on average, for replies to hellos not yet known as members
RESERVE_SHARE = 0.2  # of SHARE, in a bucket of its own for hellos while the others are spent: members only past message 3
RESERVE_BURST = 4  # ... replies at once from it
BURST = 24  # replies at once from full buckets (a node's links, ACTIVE_MAX 8, all coming back at once)
SOURCE_SHARE = 0.5  # of the global bucket's size and refill rate, for one source's
IN_FLIGHT = 24  # hellos replied to whose dialler has not yet signed (or gone); a new one pushes out one at random
IN_FLIGHT_PER_SOURCE = 12  # ... of them from one source (behind a relay, every visitor's)
RETRY_AFTER_S = 2  # what a turned-away dialler is told (a solnet node retries on its own backoff)
# A stranger's whole handshake (the upgrade, its frames, its credentials opened, decoded and judged)
# in replies' worth: 0.9-1.5 ms here (2026-12-07, load 20) against 0.15 ms for a reply and its message 3
# checked (2.4-3 ms was measured earlier, a quieter machine's stranger with more credentials). What a
# token is worth, so that BURST is in handshakes; one that costs more takes more tokens.
HANDSHAKE_REPLIES = 8
ALLOWANCE_SHARE = 0.5  # of the tokens both buckets hold, taken to judge one stranger's credentials (`take_allowance`)
GRANTS_HOLD = 0.75  # the most that allowances not yet settled may hold of what they and each bucket hold together
_COST_TRIES = 3  # measurements of a reply at start, the least kept (a busy moment makes one slow)

SHARED, RESERVE = "shared", "reserve"  # where a hello's token came from (`HelloBudget.take_served`)

MakeRoom = Callable[["str | None"], bool]
"""Free a place in flight of a source (None: of any), ending its connection; whether one was."""


def reply_cost_s() -> float:
    """The CPU time (s, this thread's) of one handshake reply and the check of its message 3, measured
    now with throwaway keys, the least of a few tries: what a token is worth. A stranger's whole
    handshake costs more (its frames, its credentials), and is charged more tokens once it ends."""
    return min(_one_reply_cost_s() for _ in range(_COST_TRIES))


def _one_reply_cost_s() -> float:
    network, device = bytes(32), SigningKey.generate()
    dialler = Initiator(network, SigningKey.generate(), lambda key: None)
    hello = dialler.hello()
    started = time.thread_time()
    responder = Responder(network, device, lambda key: None)
    reply = responder.reply(hello)
    cost = time.thread_time() - started
    finish, _ = dialler.finish(reply)
    started = time.thread_time()
    responder.accept(finish)
    return max(cost + time.thread_time() - started, 1e-6)


@dataclass
class _Bucket:
    tokens: float
    at: float  # when `tokens` was last brought up to date


class HelloBudget:
    """Whether the node may reply to one more hello now (see the module docstring)."""

    def __init__(self, *, share: float = SHARE, burst: int = BURST, in_flight: int = IN_FLIGHT,
                 in_flight_per_source: int = IN_FLIGHT_PER_SOURCE, cost_s: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.share = share
        self.burst = burst
        self.in_flight_cap = in_flight
        self.in_flight_per_source_cap = in_flight_per_source
        self.clock = clock
        # the CPU time (s) a token is worth
        self.cost_s = HANDSHAKE_REPLIES * reply_cost_s() if cost_s is None else cost_s
        self._global = _Bucket(float(burst), clock())
        self._reserve = _Bucket(float(RESERVE_BURST), clock())
        self._sources: dict[str, _Bucket] = {}
        self._granted: dict[str | None, float] = {}  # tokens `take_allowance` gave not yet settled: by source, None all
        self._in_flight: dict[str, int] = {}
        self.replied = 0  # handshakes replied to (an X25519 exchange and a signature each) charged: no member's
        self.refunded = 0  # ... whose dialler then proved a member
        self.turned_away = 0  # hellos answered "retry later", with no reply computed (the listener logs them)
        self.reserved = 0  # hellos replied to from the reserve (their diallers must prove members at message 3)

    # --- the buckets -------------------------------------------------------------------------------
    def _rate(self) -> float:
        """Tokens a second the global bucket refills at: its part of SHARE of a core (the reserve has
        the rest) over what a token is worth."""
        return self.share * (1.0 - RESERVE_SHARE) / self.cost_s

    def _reserve_at(self, now: float) -> _Bucket:
        return self._refill(self._reserve, self.share * RESERVE_SHARE / self.cost_s, now)

    def _refill(self, bucket: _Bucket, rate: float, now: float) -> _Bucket:
        size = (self.burst if bucket is self._global else RESERVE_BURST if bucket is self._reserve
                else self.burst * SOURCE_SHARE)
        bucket.tokens = min(size, bucket.tokens + max(0.0, now - bucket.at) * rate)
        bucket.at = now
        return bucket

    def _source(self, source: str, now: float) -> _Bucket:
        bucket = self._sources.get(source)
        if bucket is None:
            bucket = self._sources[source] = _Bucket(self.burst * SOURCE_SHARE, now)
        return self._refill(bucket, self._rate() * SOURCE_SHARE, now)

    @property
    def in_flight(self) -> int:
        return sum(self._in_flight.values())

    # --- what the listener asks and tells ----------------------------------------------------------
    def may_upgrade(self, source: str) -> bool:
        """Could the node reply to a hello from `source` now (a token in both buckets, or in the
        reserve)? Takes nothing: the hello, once it came and is for this network, takes its token
        (`take_served`). False counts it turned away."""
        now = self.clock()
        if self._buckets_with_a_token(source, now) is not None or self._reserve_at(now).tokens >= 1:
            return True
        self.turned_away += 1
        return False

    def take(self, source: str, make_room: MakeRoom | None = None) -> bool:
        """May the node reply to this hello from `source` (one for this network) now, from the
        buckets (not the reserve: see `take_served`)? True takes a token and a place in flight
        (give the place back with `ended`); False counts it turned away. With tokens left but the
        places taken, `make_room` is asked to free a place (of `source` when its own are all
        taken, else of any source), and the hello takes it."""
        return self.take_served(source, make_room, reserve=False) is not None

    def take_served(self, source: str, make_room: MakeRoom | None = None, reserve: bool = True) -> str | None:
        """`take`, and with no token in the buckets (spent, or a costly stranger's debt in them),
        from the reserve: SHARED, RESERVE, or None (turned away). A hello served from the reserve
        is replied to, and its dialler must then prove a member by its signature (message 3, a
        device this node knows) or be refused before its credentials are read (node/listener.py
        `handshake_signed`): a stranger served from it costs a reply and its message 3 checked,
        and a member is not locked out by a debt it did not make. Its `member` and `charge` say
        `reserve=True`."""
        now = self.clock()
        if self._take_from(self._buckets_with_a_token(source, now), source, make_room):
            return SHARED
        if reserve:
            bucket = self._reserve_at(now)
            if self._take_from((bucket,) if bucket.tokens >= 1 else None, source, make_room):
                self.reserved += 1
                return RESERVE
        self.turned_away += 1
        return None

    def _take_from(self, buckets: tuple[_Bucket, ...] | None, source: str, make_room: MakeRoom | None) -> bool:
        if (buckets is not None
                and self._place(self._in_flight.get(source, 0) < self.in_flight_per_source_cap, source, make_room)
                and self._place(self.in_flight < self.in_flight_cap, None, make_room)):
            for bucket in buckets:
                bucket.tokens -= 1
            self._in_flight[source] = self._in_flight.get(source, 0) + 1
            return True
        return False

    def _buckets_with_a_token(self, source: str, now: float) -> tuple[_Bucket, _Bucket] | None:
        """The global bucket and `source`'s, refilled to `now`, if each holds a token (else None)."""
        whole = self._refill(self._global, self._rate(), now)
        mine = self._source(source, now)
        return (whole, mine) if whole.tokens >= 1 and mine.tokens >= 1 else None

    @staticmethod
    def _place(free: bool, of: str | None, make_room: MakeRoom | None) -> bool:
        """A place is free, or `make_room` freed one (it calls `ended` for it)."""
        return free or (make_room is not None and make_room(of))

    def ended(self, source: str) -> None:
        """A hello that was let through is no longer waiting for its dialler's signature."""
        left = self._in_flight.get(source, 0) - 1
        if left > 0:
            self._in_flight[source] = left
        else:
            self._in_flight.pop(source, None)

    def member(self, source: str, reserve: bool = False, granted: float = 0.0) -> None:
        """A hello let through came from a member (its signature, its credentials): its token back
        (to the reserve, if it was taken from it), and the tokens `take_allowance` gave it."""
        now = self.clock()
        self.refunded += 1
        self._settled(source, granted)
        if reserve:
            self._reserve_at(now).tokens += 1
            self._refill(self._reserve, 0.0, now)  # (back within its size)
            return
        self._give_back(source, 1.0 + granted, now)

    def linked(self, source: str, granted: float) -> None:
        """A handshake given `granted` tokens by `take_allowance` ended in a link (its credentials
        made it a member): they are given back, as a member's handshake is charged nothing."""
        if granted > 0:
            self._settled(source, granted)
            self._give_back(source, granted, self.clock())

    def _give_back(self, source: str, tokens: float, now: float) -> None:
        """`tokens` back to the global bucket and `source`'s, each within its size."""
        self._refill(self._global, self._rate(), now).tokens += tokens
        self._source(source, now).tokens += tokens
        self._refill(self._global, 0.0, now)  # (back within their sizes)
        self._refill(self._source(source, now), 0.0, now)

    def charge(self, source: str, cost_s: float, reserve: bool = False, granted: float = 0.0) -> None:
        """A handshake from `source` replied to ended without a link, and no member's (whose token
        is given back): it took `cost_s` of the node's CPU in all. What its token and the `granted`
        tokens `take_allowance` gave it did not cover is taken from both buckets, below zero if need
        be (a debt the refill pays back); what it was granted and did not use is given back. From
        the reserve alone if its token came from there."""
        self.replied += 1
        self._settled(source, granted)
        used = cost_s / self.cost_s - 1.0  # tokens' worth beyond its own token
        if reserve:
            if used > 0:
                self._reserve_at(self.clock()).tokens -= used
            return
        now = self.clock()
        if used < granted:
            self._give_back(source, granted - max(0.0, used), now)
        elif used > granted:
            self._refill(self._global, self._rate(), now).tokens -= used - granted
            self._source(source, now).tokens -= used - granted

    def take_allowance(self, source: str) -> float:
        """Tokens taken now from the global bucket and `source`'s for judging the credentials of a
        handshake from `source` replied to from the buckets, its dialler not yet known as a
        member: half of what both hold (the lesser), worth `cost_s` each of the CPU time judging
        them may take (its own token pays for the rest of its handshake). Its `charge` (or `member`,
        or `linked`) gives back what it did not use. So no handshake puts the buckets in a debt
        deeper than the rest's cost, and handshakes whose credentials wait for the database at
        once share what the buckets hold: each half of what the one before left, all of them together
        at most GRANTS_HOLD of it, so a newcomer after them still finds some. A seized and revoked device presenting a thousand events it
        signed cost ~80 tokens, and its debt turned away, at each such handshake, every newcomer
        for as long as the refill took to pay it back: a member group's new device and any revoked
        one (which should hear it is) were served only from the reserve, which lets on only
        devices known as members (until 2026-12-07). Until the same day the allowance was only
        looked at, not taken: 12 strangers' credentials waiting at once each had it whole, and
        left the global bucket at -120 tokens (~3.6 s of newcomers turned away, a round)."""
        now = self.clock()
        whole, mine = self._refill(self._global, self._rate(), now), self._source(source, now)
        # Half of what both hold, within what waiting allowances may hold of each: a lone one's
        # half is always within it; the next ones, while it waits, share a quarter at least left.
        held = self._granted.get(None, 0.0), self._granted.get(source, 0.0)
        taken = max(0.0, min(min(whole.tokens, mine.tokens) * ALLOWANCE_SHARE,
                             *(GRANTS_HOLD * (bucket.tokens + granted) - granted
                               for bucket, granted in zip((whole, mine), held))))
        if taken > 0:
            whole.tokens -= taken
            mine.tokens -= taken
            self._granted[None], self._granted[source] = held[0] + taken, held[1] + taken
        return taken

    def _settled(self, source: str, granted: float) -> None:
        """`granted` tokens of `source`'s allowances are settled (used, given back): no longer held."""
        for key in (None, source):
            left = self._granted.get(key, 0.0) - granted
            if left > 1e-9:  # (sums of floats)
                self._granted[key] = left
            else:
                self._granted.pop(key, None)

    def sweep(self) -> None:
        """Forget the sources whose buckets are full again (as a new source's would be)."""
        now = self.clock()
        rate = self._rate() * SOURCE_SHARE
        for source in [s for s, b in self._sources.items()
                       if s not in self._in_flight and self._refill(b, rate, now).tokens >= self.burst * SOURCE_SHARE]:
            del self._sources[source]
