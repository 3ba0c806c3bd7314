"""This node's credentials, and the peer's: the signed group-key chains that certify a device.

A link opens with each side presenting the chain of group keys that certifies its device (its
group, the group that admitted it, ... up to a founder): a peer that has not heard of us yet can
verify our membership from them. What a peer presents is stored through the verified path like
any event, before its membership is checked; what was new here then travels on by gossip at once
(a new group's vouch and profile reach the whole network in seconds, not at the next round).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from crypto.keystore import NodeKeys
from events import errors as E
from events.errors import InvalidEvent
from events.format import Event, decode_event, named_subject
from events.kinds import parse_body
from events.trust import DEVICE_ROLE, GROUP_ROLE, TrustGraph
from node.log import EventLog
from node.net.database import DbThread
from node.outcome import ACCEPTED, REJECTED
from sync.messages import event_batches


def credential_chain(log: EventLog, device: bytes) -> tuple[bytes, ...]:
    """The group-key chains certifying `device`, admitters first (so a reader verifies in order),
    within one message's bounds (sync/messages.py `event_batches`). Chains grow (profiles,
    vouches, revocations: a busy group's, or an admitter that bloats its own to cut off the
    groups it admitted), and one message over the bounds made every peer refuse the handshake as
    a protocol breach. So the device's own group's chain comes first, as much of it as fits (from
    seq 1: what a reader can take in order; a peer that knows the rest already needs nothing
    more), then each admitter's, the nearest first, while it fits whole (a part of one certifies
    nothing a reader could verify). Blocking: on the database thread."""
    store, trust = log.store, log.trust
    member = trust.member(device)
    levels: list[list[bytes]] = []
    group = member.group if member else None
    visited: set[bytes] = set()
    while group is not None and group not in visited:
        visited.add(group)
        levels.append(store.chain_wires(group))
        g = trust.member(group)
        group = g.admitted_by if g else None
    if not levels:
        return ()
    own, *admitters = levels
    chain = list(next(event_batches(own), ()))
    if len(chain) < len(own):
        return tuple(chain)
    for wires in admitters:
        together = [*wires, *chain]
        if len(next(event_batches(together))) < len(together):  # it would not fit in one message
            break
        chain = together
    return tuple(chain)


VOUCH_BYTES = 2048  # a device vouch is well under this (header, subject, keys, consent, a name)
VOUCHES_LOOKED_AT = 8  # at most this many events naming the device are decoded (see `voucher_in`)


def voucher_in(trust: TrustGraph, network_id: bytes, device: bytes, wires: Sequence[bytes]) -> bytes | None:
    """The group key of a vouch in a peer's credentials `wires`, not stored yet, certifying `device`
    as a device, signed by a group key this graph counts at that seq (None: none is): a new device
    of a member group, whose first contact this is. Only for keeping its handshake's connection
    through a flood of anonymous ones (node/listener.py), and for its group's budget of handshakes
    (node/net/peer_policy.py `member_group`), while its credentials wait for the database; its
    membership is decided once they are stored. Runs on the event loop for anyone who got this
    far, so it is cheap: only small events holding the device's key are decoded, a few at most,
    and a signature is checked only for a vouch of a member group key naming that device as one."""
    looked_at = 0
    for wire in wires:
        if len(wire) > VOUCH_BYTES or device not in wire:
            continue
        looked_at += 1
        if looked_at > VOUCHES_LOOKED_AT:
            return None
        try:
            ev = decode_event(wire)
            voucher = trust.member(ev.author)
            if (ev.kind != "member.vouch" or ev.header.network != network_id or voucher is None
                    or voucher.role != GROUP_ROLE or not voucher.may_sign(ev.seq)):
                continue
            fields = parse_body(ev.header, ev.body)
            if fields is None or fields.get("subject") != device or fields.get("role") != DEVICE_ROLE:
                continue
            ev.verify()
        except InvalidEvent:
            continue
        return ev.author
    return None


VOUCH_KIND = b"member.vouch"  # in every vouch's header: a wire without it is no vouch, and is not read
CERTIFYING_LOOKED_AT = 32  # at most this many vouches are decoded in looking for a path (`may_certify`)


def may_certify(trust: TrustGraph, network_id: bytes, device: bytes, wires: Sequence[bytes]) -> bool:
    """Whether a peer's credentials `wires` could make its `device` a member here: the device is
    known to this trust graph (a member, or one revoked, which must hear that it is), or a path of
    vouches in `wires` leads to it from a key this graph knows (a new device of a member group; a
    group just admitted, with its admitters' vouches), each of them signed by its author. Every other
    rule is left to the ingest that follows: this only spares it credentials that cannot certify
    anyone. Anyone who knows the network id can complete a handshake with a throw-away key and
    present a thousand events it signed itself: they were all decoded on the database thread
    (~20 ms of the node's CPU a connection here, eight times that on a Pi: a hundred times the
    handshake's reply, which is all the hello budget counts), and refused only then (until
    2026-12-07). Cheap: only the small wires that may be vouches are read, for the subject they
    name (`named_subject`); the vouches naming a key on the way are decoded, CERTIFYING_LOOKED_AT
    at most (so as many keys on a path: each key past the device's is found by one; a cap of 8
    keys refused, until 2026-12-07, a device of a group 8 waves out from anything this node knew,
    which its credentials certified); only a path that reaches a known key is verified."""
    if trust.member(device) is not None:
        return True
    naming: dict[bytes, list[bytes]] = {}  # subject -> the wires that may be vouches naming it
    for wire in wires:
        # (a vouch whose fields pass its kind's rules is well under VOUCH_BYTES: a larger one is refused)
        if len(wire) <= VOUCH_BYTES and VOUCH_KIND in wire and (subject := named_subject(wire)) is not None:
            naming.setdefault(subject, []).append(wire)
    certified_by: dict[bytes, Event] = {}  # a key on a path -> the vouch naming it that led there
    wanted, looked_at = [device], 0
    for key in wanted:  # (the list grows as keys on a path are found: breadth first)
        for wire in naming.get(key, ()):
            looked_at += 1
            if looked_at > CERTIFYING_LOOKED_AT:
                return False
            try:
                ev = decode_event(wire)
                if ev.kind != "member.vouch" or ev.header.network != network_id or ev.author == key:
                    continue
                fields = parse_body(ev.header, ev.body)
            except InvalidEvent:
                continue
            if fields is None or fields.get("subject") != key or ev.author == device or ev.author in certified_by:
                continue
            certified_by[ev.author] = ev
            if trust.member(ev.author) is not None:
                return _signed_path(certified_by, ev.author, device)
            wanted.append(ev.author)
    return False


def _signed_path(certified_by: dict[bytes, Event], top: bytes, device: bytes) -> bool:
    """Whether every vouch on the path from `top` (a key the graph knows) down to `device` is
    signed by its author (a stranger may write any key into a header it signed itself)."""
    key = top
    while key != device:
        vouch = certified_by[key]
        try:
            vouch.verify()
        except InvalidEvent:
            return False
        key = parse_body(vouch.header, vouch.body)["subject"]
    return True


def ping_proof(log: EventLog, device: bytes, wires: Sequence[bytes]) -> Event | None:
    """The event of `wires` (the credentials `device`'s node presented, or ours with our own device)
    that a link's pings ask for and that this node answers past the repeats' budget (node/net/
    peer_policy.py `answerable`): the smallest of that node's own chain (an event its group signed,
    or a vouch naming the device or its group) stored here byte for byte. A dialler that asked first
    took the smallest wire that decoded: a listener adding the stub of any stored event (its header
    and signature, the body left out) had that event sent it whole, free of the budget, at every
    IWant. None if none is. Blocking: on the database thread."""
    group = log.trust.group_of(device)
    for wire in sorted(wires, key=len):
        try:
            ev = decode_event(wire)
            fields = parse_body(ev.header, ev.body) if ev.kind == "member.vouch" else None
        except InvalidEvent:
            continue
        own = ev.author == group or fields is not None and fields.get("subject") in (device, group)
        if own and log.store.wires_by_id([ev.id]) == [wire]:
            return ev
    return None


class Credentials:
    def __init__(self, db: DbThread, log: Callable[[], EventLog], keys: NodeKeys,
                 new: Callable[[list[tuple[bytes, str, bytes]]], None] = lambda items: None) -> None:
        self._db_thread = db
        self._log = log
        self._new = new  # (id, kind, wire) of events stored here for the first time: gossiped on
        self._device = bytes(keys.device.public)
        self._chain: tuple[bytes, ...] = ()

    def ours(self) -> tuple[bytes, ...]:
        return self._chain

    async def refresh(self) -> None:
        """Read our chain again (after a membership change)."""
        self._chain = await self._db_thread.run(credential_chain, self._log(), self._device)

    async def ping_proof(self, device: bytes, wires: tuple[bytes, ...]) -> Event | None:
        """`ping_proof` of `device`'s presented `wires`, read on the database thread."""
        return await self._db_thread.run(ping_proof, self._log(), device, wires)

    async def admit(self, device: bytes, events: tuple[bytes, ...],
                    cpu_s: float | None = None) -> tuple[bool, float, bool]:
        """Store what the peer of `device` presented; our own chain may have grown with it. Whether
        some of it was refused because its author is revoked (the peer's group, or one that admitted
        it), the CPU time (s) that took on the database thread (a stranger's handshake is
        charged it: node/hello_budget.py), and whether some was left unjudged for want of time. Credentials that cannot certify `device` (`may_certify`)
        are not read further: the device is refused as no member, as it would have been once they
        were stored. `cpu_s`: the CPU time judging them may take on the database thread (None: no
        bound; node/hello_budget.py `take_allowance`)."""
        if not events:
            return False, 0.0, False
        outcomes, cpu = await self._db_thread.run(_ingest_certifying, self._log(), device, list(events), cpu_s)
        accepted = [(o.id, o.kind or "", wire) for o, wire in zip(outcomes, events) if o.status == ACCEPTED]
        if accepted:
            await self.refresh()
            self._new(accepted)
        return (any(o.status == REJECTED and o.reason == E.REVOKED for o in outcomes), cpu,
                any(o.reason == E.UNJUDGED for o in outcomes))


def _ingest_certifying(log: EventLog, device: bytes, wires: list[bytes],
                       cpu_s: float | None = None) -> tuple[list, float]:
    """`log.ingest_credentials(wires)` if they may certify `device` (`may_certify`), else nothing
    stored or judged, within `cpu_s` of this thread's CPU in all (None: no bound); and the CPU
    time (s) it took. Blocking: on the database thread."""
    started = time.thread_time()
    outcomes = []
    if may_certify(log.trust, log.network_id, device, wires):
        left = None if cpu_s is None else cpu_s - (time.thread_time() - started)
        outcomes = log.ingest_credentials(wires, cpu_s=left)
    return outcomes, time.thread_time() - started
