"""Who may hold a link to this node, and what a peer may cost it.

Membership: a peer's device must be certified, unrevoked, of an unrevoked group, and neither
banned nor blocked here (`solnet peers block`). Costs: per member group, shared by its devices
(see `payer`), a budget of bytes/s read from its links and of pushed events/s, enforced by pausing
reads (TCP back-pressure), and of events sent it again (its IWants and rounds asking for what it
was sent lately, by any of its devices), held or left out, of anti-entropy rounds it opens per
second, and of its devices' inbound handshakes (refused past it). Penalties for invalid data are charged
to the device key, whichever side dialled, and to the dialled address too; enough of them make a ban.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from events.errors import FORK
from node.log import EventLog, now_ms
from node.net.credentials import voucher_in
from sync.handshake import FROZEN, GROUP_FROZEN, HandshakeError
from sync.peers import (REASON_POINTS, REPEAT_WINDOW_MS, UNKNOWN_REASON_POINTS, DevicePenalties, PeerBook, PeerLimits,
                        StreamedBefore, TokenBucket)
from sync.transport import Link

log = logging.getLogger(f"solnet.{__name__}")

# The most a ping's answer may weigh to go past the repeats' budget: a credential is a vouch or a
# group's profile of 250-420 bytes (a name of 80 characters at most). A peer that could name any
# stored event as the one its pings ask for (sync/transport.py `_exchange_credentials`) drew a 60
# KiB one free at every ask; at 4 KiB, still ten times a credential.
PING_ANSWER_BYTES = 1024


class BlockedHere(HandshakeError):
    """A refusal of a peer this node's user blocked (`solnet peers block`): the peer is told it is
    no member, as for any other refusal of ours; this node says why in its own words."""


class PeerPolicy:
    def __init__(self, limits: PeerLimits, trust: Callable[[], EventLog], addresses: Callable[[], PeerBook],
                 name_of: Callable[[Link], str] = lambda link: link.name,
                 blocked: Callable[[], frozenset[bytes]] = frozenset, clock: Callable[[], int] = now_ms) -> None:
        self.limits = limits
        self._clock = clock  # ms, the budgets' clock
        self._blocked = blocked  # device and group keys this node's user blocked
        self._name_of = name_of  # how logs name a link's peer
        self._log = trust  # the log whose trust graph decides membership (opened by the node at start)
        self._addresses = addresses  # the peer book of dialled addresses (replaced by a panic wipe)
        self.devices = DevicePenalties()
        self._events: dict[bytes, TokenBucket] = {}
        self._bytes: dict[bytes, TokenBucket] = {}
        self._repeats: dict[bytes, TokenBucket] = {}
        self._repeat_bytes: dict[bytes, TokenBucket] = {}
        self._rounds: dict[bytes, TokenBucket] = {}
        self._handshakes: dict[bytes, TokenBucket] = {}  # members' inbound handshakes, per group
        self.streamed = StreamedBefore(REPEAT_WINDOW_MS)  # what rounds and IWant answers sent each group lately

    # --- membership ------------------------------------------------------------------------------
    def check_peer(self, device: bytes) -> None:
        """HandshakeError unless `device` may hold a link to this node now."""
        trust = self._log().trust
        m = trust.member(device)
        if m is None or m.role != "device":
            raise HandshakeError("not_a_member", "that key is not a certified device of this network", ours=True)
        if m.revoked_from is not None:
            why = trust.revocation(device)
            if why is not None and why.fork:  # nobody revoked it: it forked (a copy of its home, a restore)
                raise HandshakeError(FROZEN, f"that device key is frozen: it signed two different events at seq "
                                             f"{m.revoked_from}", ours=True, seq=m.revoked_from)
            raise HandshakeError("revoked", "that device key is revoked", ours=True)
        group = trust.member(m.group)
        if group is not None and group.revoked_from is not None and (why := trust.revocation(m.group)) is not None \
                and why.fork:  # nobody revoked the group: its key forked (a copy of its home, a restore)
            raise HandshakeError(GROUP_FROZEN, f"that device's group key is frozen: it signed two different events "
                                               f"at seq {group.revoked_from}", ours=True, seq=group.revoked_from)
        if group is None or group.revoked_from is not None:
            raise HandshakeError("revoked", "that device's group is revoked", ours=True)
        if self.devices.is_banned(device, now_ms()):
            raise HandshakeError("not_a_member", "that device is banned here for sending invalid data", ours=True)
        blocked = self._blocked()
        if device in blocked or m.group in blocked:
            raise BlockedHere("not_a_member", "this node does not accept links from that device", ours=True)

    def group_of(self, device: bytes) -> bytes | None:
        """The member group `device` speaks for (None: none): inbound link slots are shared per group."""
        return self._log().trust.group_of(device)

    def payer(self, device: bytes) -> bytes:
        """Whose budgets and record of what was sent `device`'s links spend: its member group's
        (the device's own when no group is known). A group key certifies devices at will and a
        group holds up to eight inbound links (sync/link_slots.py): per device, a group drew
        eight times the pace, a fresh device a fresh burst, and a fresh device claiming to hold
        nothing the whole log again at full speed. Shared, a group's new device is streamed at
        full speed what none of its devices was within REPEAT_WINDOW_MS, the rest at the
        group's pace of repeats (an honest group's other device was streamed those lately)."""
        return self.group_of(device) or device

    def lineages(self, key: bytes) -> frozenset[bytes]:
        """`key`'s lineages in the trust graph as it stands (events/trust.py `TrustGraph.lineages`)."""
        return self._log().trust.lineages(key)

    def speaks_for_group(self, key: bytes) -> bool:
        """Whether `key`'s word speaks for its group in the trust graph as it stands (events/trust.py)."""
        return self._log().trust.speaks_for_group(key)

    def is_member(self, device: bytes) -> bool:
        try:
            self.check_peer(device)
        except HandshakeError:
            return False
        return True

    def member_group(self, device: bytes, credentials: tuple[bytes, ...] | None) -> bytes | None:
        """The member group an inbound handshake's dialler proved `device` a device of (None: none),
        for keeping its connection through a flood (node/listener.py) and for the group's budget of
        handshakes (`may_handshake`): one this node counts, or one its credentials (not stored yet)
        show a member group certified, a device's first contact. A device the graph knows is judged
        by it alone (a seized phone its group revoked shows the vouch it once had)."""
        if self.is_member(device):
            return self.payer(device)
        log = self._log()
        if credentials is None or log.trust.member(device) is not None:
            return None
        return voucher_in(log.trust, log.network_id, device, credentials)

    def may_handshake(self, group: bytes) -> bool:
        """Whether a member device of `group` may go on with its inbound handshake now (its credentials
        admitted, a link): takes one of the group's budget of them (PeerLimits.member_handshakes_per_s).
        A member's hello is not held to the hello budget (node/hello_budget.py), and a mole group's
        devices linking in a loop took most of a Pi's core; other groups' budgets are their own."""
        bucket = _bucket(self._handshakes, group, self.limits.member_handshakes_per_s,
                         self.limits.member_handshakes_burst)
        return bucket.take(1, self._clock())

    # --- costs -----------------------------------------------------------------------------------
    async def limit_events(self, device: bytes, events: int) -> None:
        """Hold a peer to its budget of unsolicited (pushed) events per second: waiting here stops
        reading its link. Ranges we asked for in anti-entropy are bounded by the heads we compared
        (more ends the link: sync/link.py `_Round.allowance`) and by the bytes/s limit, so they are
        not held to it; but heads need no signature, so those of a round's events that brought
        nothing (held already, not kept) are (node/net/peer_link.py `_stored_batch`)."""
        await self._hold(self._events, self.payer(device), events, self.limits.max_events_per_s,
                         self.limits.events_burst)

    async def limit_bytes(self, device: bytes, size: int) -> None:
        """Hold a peer to its group's bytes/s budget by pausing reads from it."""
        await self._hold(self._bytes, self.payer(device), size, self.limits.max_bytes_per_s, self.limits.bytes_burst)

    async def limit_rounds(self, device: bytes) -> None:
        """Hold a peer to its group's budget of anti-entropy rounds opened per second: each costs
        this node a read of every author's head. Shared by the group's devices (`payer`). Waiting
        here stops reading its link."""
        await self._hold(self._rounds, self.payer(device), 1, self.limits.rounds_per_s, self.limits.rounds_burst)

    async def limit_streamed(self, device: bytes, author: bytes, seqs: list[int], sizes: list[int]) -> int:
        """A round is about to stream `device` `author`'s events of `seqs` (of `sizes` bytes): those
        sent it or another device of its group within REPEAT_WINDOW_MS already are held to the
        group's budgets of repeats, events and bytes (waiting here holds our stream, not its link),
        the rest go at once. How many were repeats."""
        now, payer = self._clock(), self.payer(device)
        again = self.streamed.which_again(payer, author, seqs, now)
        for first, last in _runs(seqs):  # (a fork's evidence is scattered seqs: not all between them)
            self.streamed.note(payer, author, first, last, now)
        if any(again):
            limits = self.limits
            await self._hold(self._repeats, payer, sum(again), limits.repeat_events_per_s, limits.repeat_burst)
            await self._hold(self._repeat_bytes, payer, sum(size for size, a in zip(sizes, again) if a),
                             limits.repeat_bytes_per_s, limits.repeat_bytes_burst)
        return sum(again)

    def answerable(self, device: bytes, events: list[tuple[bytes, int, int]],
                   always: tuple[bytes, int] | None = None) -> list[bool]:
        """Which of `events` ((author, seq, size) each, asked for by `device` in an IWant) to send
        it. Those sent it or another device of its group within REPEAT_WINDOW_MS already are charged
        to the group's budgets of repeats, events and bytes, and left out once those run dry:
        nothing waits for them (the peer's link is read meanwhile), and the peer may ask again
        later. The rest go (held by the caller to the group's events/s and bytes/s budgets, as its
        pushes are), and so does the event at `always` ((author, seq)), uncharged if no larger than
        PING_ANSWER_BYTES: what the link's pings ask for (sync/transport.py `Link.proof`), every
        ping but the first a repeat; left out once a sibling had spent the group's repeats, the
        device cut its link, unanswered. What is to be sent is noted as sent."""
        now, limits, payer = self._clock(), self.limits, self.payer(device)
        count = _bucket(self._repeats, payer, limits.repeat_events_per_s, limits.repeat_burst)
        size_of = _bucket(self._repeat_bytes, payer, limits.repeat_bytes_per_s, limits.repeat_bytes_burst)
        sent = []
        for author, seq, size in events:
            ok = ((author, seq) == always and size <= PING_ANSWER_BYTES
                  or not self.streamed.which_again(payer, author, [seq], now)[0])
            if not ok and count.available(now) >= 1 and size_of.available(now) >= size:
                ok = count.take(1, now) and size_of.take(size, now)
            if ok:
                self.streamed.note(payer, author, seq, seq, now)
            sent.append(ok)
        return sent

    async def _hold(self, buckets: dict[bytes, TokenBucket], payer: bytes, amount: float, rate_per_s: float,
                    burst: float) -> None:
        """Wait until `payer`'s bucket of `buckets` (made full at its first use) gave `amount`, a
        burst's worth at a time (more could never be taken at once)."""
        bucket = _bucket(buckets, payer, rate_per_s, burst)
        while amount > 0:
            part = min(amount, burst)
            while not bucket.take(part, self._clock()):
                await asyncio.sleep(bucket.wait_ms(part, self._clock()) / 1000)
            amount -= part

    # --- penalties -------------------------------------------------------------------------------
    def penalize(self, link: Link, reason: str | None, count: int = 1) -> bool:
        """Charge a peer for invalid data; True if it is now banned (the caller disconnects)."""
        if not reason:
            return False
        now = now_ms()
        banned = self.devices.charge(link.peer_device, reason, now, count)
        addresses = self._addresses()
        if link.address and addresses.get(link.address) is not None:
            banned = addresses.penalize(link.address, reason, now, count) or banned
        name = self._name_of(link)
        if reason == FORK:  # not the peer's doing: it passed on what it held, and the operator should know
            log.warning("%s sent proof of a fork: a key signed two different events at one seq (%d event(s) kept "
                        "as proof); nothing it signs from there counts. `solnet status` counts the forks", name, count)
        elif REASON_POINTS.get(reason, UNKNOWN_REASON_POINTS):
            log.warning("%s sent invalid data: %d x %s (penalty now %.0f)", name, count, reason,
                        self.devices.current_penalty(link.peer_device, now))
        if banned:
            log.warning("%s sent too much invalid data (%s); disconnected and banned for an hour", name, reason)
        return banned


def _bucket(buckets: dict[bytes, TokenBucket], payer: bytes, rate_per_s: float, burst: float) -> TokenBucket:
    """`payer`'s bucket of `buckets`, made full at its first use."""
    return buckets.setdefault(payer, TokenBucket(rate_per_s, burst))


def _runs(seqs: list[int]) -> list[tuple[int, int]]:
    """`seqs` as runs of consecutive seqs, (first, last) each."""
    runs: list[tuple[int, int]] = []
    for seq in sorted(set(seqs)):
        if runs and seq == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], seq)
        else:
            runs.append((seq, seq))
    return runs
