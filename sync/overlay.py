"""Which peers to hold links to: a self-maintaining overlay after HyParView (Leitão et al. 2007).

Pure: no sockets, no clock (every call is given `now` in ms), randomness only from an injected
`random.Random`, so a test or the simulator replays exactly. The peer book (sync/peers.py) keeps
each address's health and backoff; this module adds the two views and the decisions:

- The *active view* is the peers this node holds a link with, either way: about ACTIVE_SIZE. Gossip
  is pushed over it. A link to a configured peer is always kept (dialled whenever its backoff
  allows), whatever the size.
- The *passive view* is a bounded random sample (PASSIVE_SIZE) of the other known addresses:
  invite peers and addresses learned from node.announce events. When the active view is short
  (a link failed, or the node just started with one configured peer), `plan` dials random due
  members of the passive view until it is full again: the node finds the rest of the network from
  one peer, and redundant paths survive the loss of any single node.
- `shuffle` replaces part of the passive view with other known addresses now and then, so repair
  draws from the whole network rather than from the first addresses learned.
- A removed or blocked address never comes back: not by an announcement, not by an invite, nor by
  another spelling of its place (`place_of`: localhost for 127.0.0.1).
- A peer that comes back is dialled within seconds: an inbound link from it, or a fresh
  announcement of its address, forgives its backoff (`heard_from`, `announced`). Until then the
  one retry policy (`retry_cap`) bounds the book's backoff: a peer whose link ended within
  RETURN_WINDOW_MS is retried at least every RETURN_CAP_MS (a restart, a laptop lid, a short
  outage), a configured one at least every CONFIGURED_RETRY_MS for its first CONFIGURED_PATIENCE
  failures in a row (about 5 minutes), then every CONFIGURED_LONG_RETRY_MS however long it has been
  away; others back off to minutes.
- No address is dialled whose device this node already holds a link with, either way (`plan`'s
  `linked`): one link between two nodes is enough (each round goes both ways), and the links a
  peer keeps with one device are bounded (sync/link_slots.py): more dials would replace the first.

Only links this node dialled are dropped to shrink an overfull active view (the peer that dialled
us chose that link); a configured peer's link is never dropped. The devices of one group that dial
in hold one place in the active view between them (`heard_from`): else one member certifying many
devices could fill the view and make this node drop the links it chose itself.
"""
from __future__ import annotations

import random
from collections.abc import Collection
from dataclasses import dataclass

from sync.peers import PeerBook
from sync.addresses import AddressError, is_own_address, normalize_address, place_of

ACTIVE_SIZE = 5  # links wanted (either way): with degree k a flood reaches N nodes in ~log_(k-1) N hops
ACTIVE_MAX = ACTIVE_SIZE + 3  # beyond this many links, dialled (non-configured) ones are dropped
# ... but never below this many links the node dialled itself, nor does it stop dialling before it
# has them: one member admitting groups, each dialling in, filled the view, and the node dropped
# every link it had chosen itself and dialled no more (the member's groups its only peers).
MIN_OUTBOUND = 3
PASSIVE_SIZE = 30
CONFIGURED_RETRY_MS = 5_000  # a configured peer that fails is tried again within this (announced: up to 5 min)
# ... while its failures in a row are fewer than this (about 5 minutes of dials); past them it is down
# for long, or its address is wrong, and it is tried within CONFIGURED_LONG_RETRY_MS: dialled every
# 2.5 s on average for hours, a dead .onion peer cost a Pi a Tor circuit each time.
CONFIGURED_PATIENCE = 120
CONFIGURED_LONG_RETRY_MS = 30_000
# A peer whose link ended lately is likely to come back soon: for RETURN_WINDOW_MS after the link
# ended it is redialled at least every RETURN_CAP_MS, so the nodes behind it catch up within
# seconds of its return. A failed dial is one refused connection (or one proxy attempt), so this costs little.
RETURN_WINDOW_MS = 600_000
RETURN_CAP_MS = 2_000
# A link this node dialled forgives the failures before it only once it has lived this long. A
# completed round forgave them until 2026-12-06: a relay on the path that let each link's first
# round through and altered the next frame had the node redial within 2 s for ever (a signed
# handshake and credentials on both nodes each time). A shorter link that carried rounds counts as
# one more failure in a row, its backoff growing within SHORT_LINK_CAP_MS (the path carries rounds:
# an honest flaky link, or an honest peer restarting, is tried again within seconds, then half a
# minute); any link that lasts a minute forgives all. The relay now gets a link every ~15 s at most,
# or one a minute that it must carry.
STABLE_LINK_MS = 60_000
SHORT_LINK_CAP_MS = 30_000
SHUFFLE_SHARE = 0.5  # the part of the passive view replaced by a shuffle
SOURCES = ("config", "invite", "announce")  # in order of precedence


@dataclass(frozen=True, slots=True)
class Dial:
    """Dial this address now (report the outcome with `dial_failed` or `connected` on the book)."""
    address: str


@dataclass(frozen=True, slots=True)
class Drop:
    """Close the link this node dialled to this address: the active view is overfull."""
    address: str
    why: str


OverlayCommand = Dial | Drop


class Overlay:
    """One node's views of the overlay over its peer book (see the module docstring)."""

    def __init__(self, book: PeerBook, rng: random.Random, *, own: set[str] = frozenset(),
                 active_size: int = ACTIVE_SIZE, active_max: int = ACTIVE_MAX,
                 passive_size: int = PASSIVE_SIZE) -> None:
        if not 0 < active_size <= active_max or passive_size < 0:
            raise ValueError("need 0 < active_size <= active_max and passive_size >= 0")
        self.book = book
        self._rng = rng
        self._own = set()
        for address in own:
            try:
                self._own.add(normalize_address(address))
            except AddressError:  # e.g. port 0 before the socket is bound: nobody dials that
                continue
        self.active_size, self.active_max, self.passive_size = active_size, active_max, passive_size
        self.configured: set[str] = set()  # always kept, whatever the view sizes
        self.passive: list[str] = []
        self.inbound: set[str] = set()  # addresses of peers that dialled us and whose link is open
        self._inbound_group: dict[str, bytes] = {}  # of `inbound`: the group each speaks for
        self.outbound: set[str] = set()  # addresses this node dialled and whose link is open
        self.blocked: set[str] = set()
        self.stable_link_ms = STABLE_LINK_MS  # (a test shortens it)

    # --- what the node learns -------------------------------------------------------------------
    def learn(self, address: str, source: str) -> bool:
        """A peer address from the configuration, an invite or an announcement; False if it is
        this node's own, or removed/blocked (those never come back), or an announced spelling of
        a place already known with the same scheme (127.0.0.1 beside localhost: one node, dialled
        twice). Not across schemes: a member announcing https://bristol.example:7000 first kept
        Bristol's own http://bristol.example:7000 from ever being learned, and a node moving to
        https on its port was never learned where its http address was known."""
        if source not in SOURCES:
            raise ValueError(f"peer source must be one of {', '.join(SOURCES)}, not {source!r}")
        address = normalize_address(address)
        if is_own_address(address, self._own) or self.keeps_out(address):
            return False
        if source == "announce" and self.book.get(address) is None \
                and _spot(address) in {_spot(known) for known in self.book_addresses()}:
            return False
        # The book knows two sources: an invite's peer is one the user chose, as a configured one.
        self.book.add(address, "announce" if source == "announce" else "config")
        if source != "announce":
            self.configured.add(address)
            self._unpassive(address)
        elif address not in self.configured and address not in self.passive:
            self._into_passive(address)
        return True

    def announced(self, address: str, now: int) -> None:
        """A fresh node.announce names this address: the node is (again) reachable there, so any
        backoff is forgiven and it is dialled at the next `plan` if the view wants it."""
        if self.learn(address, "announce"):
            self.book.forgive(address, now)

    def heard_from(self, device: bytes, address: str | None, now: int, group: bytes | None = None) -> None:
        """The peer with this device key dialled us (its link is open): it is back. Every address
        where it answered our dials before is due now rather than at the end of its backoff, and
        its announced `address` (None if it has announced none) joins the active view, unless
        another device of its `group` holds a place there already: one member certifying many
        devices, each announcing a made-up address and dialling in, filled the view, and this
        node dropped the links it had dialled itself (its own choice of peers) to make room."""
        for known in self.book.addresses_of(device):
            if not self.keeps_out(known):
                self.book.forgive(known, now)
        if address is None:
            return
        address = normalize_address(address)
        known = self.book.get(address)
        if known is None or self.keeps_out(address):
            return
        if known.device is not None and known.device != device:
            # Another device answered our dials there: the announcement is not this device's to make.
            # A member announcing an honest peer's address and dialling in made that address count
            # as linked, and this node never dialled the honest peer again while the member stayed.
            return
        if group is not None:
            if any(g == group and a != address for a, g in self._inbound_group.items()):
                return
            self._inbound_group[address] = group
        self.inbound.add(address)
        self._unpassive(address)
        self.book.forgive(address, now)

    def inbound_ended(self, address: str) -> None:
        address = normalize_address(address)
        self.inbound.discard(address)
        self._inbound_group.pop(address, None)
        if self.book.get(address) is not None and address not in self.configured:
            self._into_passive(address)

    def keeps_out(self, address: str) -> bool:
        """Whether `address` (normalised) is removed or blocked: itself or another spelling of its place."""
        place = place_of(address)
        return any(place_of(kept) == place for kept in self.blocked)

    def remove(self, address: str) -> list[OverlayCommand]:
        """`peers rm` or a block: the address, and every other spelling of its place this node
        knows, leave both views and never come back. A Drop for each link this node dialled there."""
        address = normalize_address(address)
        self.blocked.add(address)
        gone = [known for known in self.book_addresses() if known != address and place_of(known) == place_of(address)]
        out: list[OverlayCommand] = []
        for known in [address, *gone]:
            self.configured.discard(known)
            self.inbound.discard(known)
            self._inbound_group.pop(known, None)
            self._unpassive(known)
            if known in self.outbound:
                out.append(Drop(known, "peer removed"))
            self.outbound.discard(known)
            self.book.remove(known)
        return out

    def forget(self, address: str) -> None:
        """An announced address whose only announcers are no members now: out of both views and the
        book, but not kept out (a new device of the same node may announce it again)."""
        self.inbound.discard(address)
        self._inbound_group.pop(address, None)
        self._unpassive(address)
        self.outbound.discard(address)
        self.book.remove(address)

    def unblock(self, address: str) -> None:
        """The user adds a removed address again (`peers add`): it may be learned once more, in any
        spelling of its place."""
        place = place_of(normalize_address(address))
        self.blocked -= {kept for kept in self.blocked if place_of(kept) == place}

    # --- links (the book records health; the views follow) ---------------------------------------
    def dial_failed(self, address: str, now: int, why: str, *, refused: bool = False) -> int:
        """A dial failed: the delay (ms) before the next try, within `retry_cap` unless it was
        `refused` for what the peer is (revoked, by it or by us): no outage, which a quick
        retry would catch the end of, but a state that lasts (two nodes tried each other every few
        seconds for as long as they ran, each try a signed handshake and log lines on an SD card)."""
        self.outbound.discard(address)
        return self.book.connect_failed(address, now, why, None if refused else self.retry_cap(address, now))

    def retry_cap(self, address: str, now: int) -> int | None:
        """The longest wait before the next dial of this address, or None (the book's backoff,
        up to minutes). A configured peer is one the user chose, and the node that comes back may
        have no way to tell us (no announcement, and it does not know our address); a peer lost
        lately is likely back soon (see RETURN_WINDOW_MS)."""
        peer = self.book.get(address)
        caps = []
        if address in self.configured:
            long_down = peer is not None and peer.failures >= CONFIGURED_PATIENCE
            caps.append(CONFIGURED_LONG_RETRY_MS if long_down else CONFIGURED_RETRY_MS)
        if peer is not None and peer.disconnected_at is not None and now - peer.disconnected_at < RETURN_WINDOW_MS:
            caps.append(RETURN_CAP_MS)
        return min(caps, default=None)

    def link_silent(self, address: str, now: int, why: str) -> int:
        """A link this node dialled to `address` was cut for silence before any round on it
        completed: the peer proved its key, then nothing of the round came (a relay on the path
        passing the handshake and holding all data, or a peer that never answers). Redialled within
        2 s as a link lost, such a relay held one of the active view's places ~90 % of the time,
        and no other peer was dialled in its stead. So it backs off as a failed dial does, growing
        from link to link, without the return window's cap (the peer did not go away; the path
        carries nothing) and, for a configured peer, within CONFIGURED_LONG_RETRY_MS: the node
        dials its other peers meanwhile. The device is not penalised (a relay may sit in front of
        an honest peer), and a link it dials to us forgives the backoff (`heard_from`). The
        delay (ms) before the next dial."""
        self.outbound.discard(address)
        return self.book.link_silent(address, now, why,
                                     CONFIGURED_LONG_RETRY_MS if address in self.configured else None)

    def linked_elsewhere(self, address: str, device: bytes) -> None:
        """A dial was refused because the peer (`device`) keeps the link it already holds with this
        node: not dialled again while that link lasts (`plan`'s `linked`), at once once it ends."""
        self.outbound.discard(address)
        self.book.proved(address, device)

    def connected(self, address: str, now: int, device: bytes) -> None:
        """A link this node dialled is up (the peer proved `device`)."""
        self.book.connected(address, now, device)
        self.outbound.add(address)

    def disconnected(self, address: str, now: int, error: str | None, short_error: str | None = None) -> int | None:
        """A link this node dialled ended (`error` None: a clean close, redialled after the base
        delay). The delay (ms) before the next dial if it counted as a failure in a row, else None:
        it does when it was cut in a way someone on the path can bring about (`short_error` given,
        the error then recorded) and lived less than `stable_link_ms` (see STABLE_LINK_MS)."""
        self.outbound.discard(address)
        peer = self.book.get(address)
        if peer is None:
            return None
        if short_error is not None and peer.connected_since is not None and now - peer.connected_since < self.stable_link_ms:
            return self.book.link_short(address, now, short_error, SHORT_LINK_CAP_MS)
        # The link ends now, so the peer is within its return window: retried within RETURN_CAP_MS.
        self.book.disconnected(address, now, error, RETURN_CAP_MS)
        return None

    # --- the decision ---------------------------------------------------------------------------
    def links(self, dialling: set[str] = frozenset()) -> set[str]:
        """The active view: addresses linked either way, and those being dialled."""
        return self.outbound | self.inbound | set(dialling)

    def _due(self, address: str, now: int) -> bool:
        p = self.book.get(address)
        return p is not None and self.book.is_due(p, now)

    def _linked(self, address: str, linked: Collection[bytes]) -> bool:
        peer = self.book.get(address)
        return peer is not None and peer.device is not None and peer.device in linked

    def plan(self, now: int, dialling: set[str] = frozenset(),
             linked: Collection[bytes] = frozenset()) -> list[OverlayCommand]:
        """What to do now: dial every due configured peer, fill a short active view from due
        members of the passive view (random, one per call once the node has a link; from any
        known address if none of the passive view is due),
        drop dialled links beyond ACTIVE_MAX. Never an address whose device is in `linked` (the
        devices this node holds a link with). Costs O(configured + passive), not O(known)."""
        active = self.links(dialling)
        out: list[OverlayCommand] = [Dial(a) for a in sorted(self.configured - self.outbound - set(dialling))
                                     if self._due(a, now) and not self._linked(a, linked)]
        have = len(active | {c.address for c in out})
        chosen = len((self.outbound | set(dialling) | {c.address for c in out}) - self.inbound)
        if have < self.active_size or chosen < min(MIN_OUTBOUND, self.active_size):
            pool = sorted(a for a in self.passive
                          if a not in active and self._due(a, now) and not self._linked(a, linked))
            if not pool:
                pool = sorted(a for a in self.book_addresses() - active - self.configured
                              if self._due(a, now) and a not in self.blocked and not self._linked(a, linked))
            # One at a time once the node has a link: the peers it dials may dial it too, and
            # links already coming in count before more go out (else every node of a starting
            # network dials ACTIVE_SIZE at once and ends with twice that many).
            room = self.active_size - have if have == 0 else 1
            for address in self._rng.sample(pool, min(len(pool), room)):
                out.append(Dial(address))
        elif len(active) > self.active_max:
            mine = sorted(self.outbound - self.configured - self.inbound)
            spare = len(self.outbound - self.inbound) - MIN_OUTBOUND  # its own choice of peers stays
            for address in self._rng.sample(mine, max(0, min(len(mine), len(active) - self.active_max, spare))):
                out.append(Drop(address, f"too many links: this node keeps about {self.active_size}"))
        return out

    def shuffle(self) -> None:
        """Replace part of the passive view with other known addresses (HyParView's shuffle, drawn
        here from the peer book, which every node fills from the same announcements)."""
        pool = sorted(self.book_addresses() - self.links() - self.configured - set(self.passive) - self.blocked)
        if not pool or not self.passive:
            return
        n = min(len(pool), max(1, int(len(self.passive) * SHUFFLE_SHARE)))
        for old, new in zip(self._rng.sample(sorted(self.passive), n), self._rng.sample(pool, n)):
            self.passive[self.passive.index(old)] = new

    def book_addresses(self) -> set[str]:
        return {p.address for p in self.book.all()}

    # --- the passive view -----------------------------------------------------------------------
    def _into_passive(self, address: str) -> None:
        """Into the passive view; when full, a random member makes room (HyParView keeps a uniform
        sample of what it hears this way)."""
        if address in self.passive or self.passive_size == 0:
            return
        if len(self.passive) >= self.passive_size:
            self.passive.pop(self._rng.randrange(len(self.passive)))
        self.passive.append(address)

    def _unpassive(self, address: str) -> None:
        if address in self.passive:
            self.passive.remove(address)


def _spot(address: str) -> tuple[str, tuple[str, int]]:
    """An address's scheme and place (`place_of`): two announced spellings of one spot are one node."""
    return address.split("://", 1)[0], place_of(address)
