"""A device of this node's own group that sealed an event this node cannot read: a sign of a mole.

Publishing for chosen groups (node/audience.py, seal_content) always seals to every current device
of the author's own group, whatever groups are named. An envelope's slots name nobody, so no other
node can tell whether the author's group was among its readers: a device in other hands (a mole,
a seized phone) can seal an update of its own group's need "withdrawn", or an action report, to
another group only. That group counts it (the update is its own group's, events/effects.py); the
group that owns the need sees nothing change. Only the owner's own nodes can notice: they hold an
event by a device of their group that they cannot open, which is never honest.

The same holds for a private part (a support request's details, a claim's or close's case notes,
a share of a request: node/private.py seals each to the author's group too): a mole's share of its
group's request, sealed to another group only, put made-up details (a meeting place) on the real
case, and the requesting group's node, which could not open it, said nothing.

So this says, for this node's device, each device of its own group (not itself, not revoked:
revoking is the answer) that signed a `sealed` event or a private part it cannot open, made after
this device was certified with its encryption key and a day more (SYNC_GRACE_MS): a device that
had not yet heard of this one (offline since it joined) sealed without it in good faith. When it
was made is not its stamp alone, which its author writes (a mole stamped its seal back into that
day, and nothing was said): it is no earlier than the author's own certification (its group key
stamped that) nor than the latest stamp of its earlier events (`_Grace`). Reads the store, no
writes; what it finds is a function of the events held and this device's key, in any order.
"""
from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING, Any

from events.canonical import unpack
from events.errors import InvalidEvent
from events.kinds import KINDS
from events.sealed import SEALED_KIND
from node.kind_input import PRIVATE_FIELD
from node.words import hidden_own_warning

if TYPE_CHECKING:
    from node.audience import Opener
    from node.log import EventLog

logger = logging.getLogger(f"solnet.{__name__}")

# How long after this device was certified a device of its group may still seal without it in good
# faith: it had not synced since (a phone kept offline). Events stamped within it are not said.
SYNC_GRACE_MS = 24 * 3600 * 1000
LATE_CHUNK = 200  # rows whose body came late, asked of the store at once
LOOK_AT = 200  # sealed events of its group a running node's look opens at most (about 60 ms here)
# The kinds looked at: events for chosen groups, and those with a private part
LOOKED_AT = (SEALED_KIND, *sorted(k.name for k in KINDS.values() if k.field(PRIVATE_FIELD) is not None))


def certified_at(log: EventLog, device: bytes) -> int | None:
    """When `device` was first certified with the encryption key it has now (the earliest vouch's
    time, ms), or None if it is not a certified device here."""
    member = log.trust.member(device)
    if member is None or member.role != "device" or not member.encryption_key:
        return None
    times = [row[3] for v in log.trust.vouches_for(device)
             if v.voucher == member.group and v.encryption_key == member.encryption_key
             and (row := log.store.event_row(v.id)) is not None]
    return min(times) if times else None


def unreadable_own(log: EventLog, opener: Opener, device: bytes) -> list[dict[str, Any]]:
    """Each device of this device's group that sealed events it cannot open (module docstring):
    {"device", "events", "first", "at" (the newest's time, ms)}, the most recent first."""
    found: dict[bytes, dict[str, Any]] = {}
    _scan(log, opener, device, 0, found)
    return _current(log, found)


def _scan(log: EventLog, opener: Opener, device: bytes, after_n: int, found: dict[bytes, dict[str, Any]],
          limit: int = -1, graces: dict[int, _Grace] | None = None, filled: deque[int] | None = None) -> int:
    """Adds to `found` what the sealed events stored after `after_n` say (at most `limit` of its
    group's: -1, all); the last `n` looked at (past what is stored, once all are). `graces`: kept
    across looks; `filled`: rows whose body came late, those up to `after_n` looked at (a mole's
    event sent header first, its body after a look, was never looked at), taken from its front in
    chunks until about `limit` of its group's are found (the rest wait for the next look)."""
    own = log.trust.member(device)
    since = certified_at(log, device)
    if own is None or since is None:  # not certified here yet (a node still joining): looked at once it is
        return after_n
    last, top = after_n, log.store.last_n()
    graces = {} if graces is None else graces
    grace = graces.setdefault(since + SYNC_GRACE_MS, _Grace(since + SYNC_GRACE_MS))
    # Only its group's devices' events are read (others' are not opened, nor their signatures checked)
    group = [m.key for m in log.trust.members.values() if m.group == own.group and m.key != device]
    late: list[tuple[int, bytes, bytes, int, int, int | None, bytes]] = []
    while filled and (limit < 0 or len(late) < limit):
        chunk = [filled.popleft() for _ in range(min(LATE_CHUNK, len(filled)))]
        if passed := sorted({n for n in chunk if n <= after_n}):  # (those after it are read below)
            late += log.store.sealed_events(0, LOOKED_AT, authors=group, at=passed)
    rows = log.store.sealed_events(after_n, LOOKED_AT, authors=group, limit=limit)
    if limit < 0 or len(rows) < limit:  # all looked at: the next look starts past what is stored now
        last = max(last, top)
    last = max([last, *(row[0] for row in rows)])
    for n, event_id, author, seq, ts, _expires, body in [*late, *rows]:
        member = log.trust.member(author)
        if (author == device or member is None or member.group != own.group or not member.may_sign(seq)
                or grace.covers(log, author, seq, ts) or _reads(opener, event_id, body)):
            continue
        seen = found.setdefault(author, {"device": author, "events": 0, "first": event_id, "first_at": ts, "at": ts,
                                         "seq": seq})
        seen["events"] += 1
        seen["seq"] = min(seen["seq"], seq)  # a revocation from there on voids them all (`still_said`)
        if ts < seen["first_at"]:  # the earliest, whatever order they were stored in
            seen["first"], seen["first_at"] = event_id, ts
        seen["at"] = max(seen["at"], ts)
    return last


class _Grace:
    """Whether an event of a device of the group may have been made before `until` (this device's
    certification and a day): its stamp says so, and neither its author's certification (its group
    key stamped that) nor any of its earlier events is stamped at or after `until` (a stamp is only
    its author's word). Only asked for a stamp that would excuse it. Kept across a running node's
    looks: what is known of each author's chain is read again only past its head when last read
    (events are stored in chain order: a walk of a whole chain at every look cost a Pi half a
    second of its database thread every 2 s)."""

    def __init__(self, until: int) -> None:
        self.until = until
        # author -> (the head seq its chain was read up to, the first seq made at or after `until`:
        # 0 if all were (certified after it), None if none yet)
        self._late_from: dict[bytes, tuple[int, int | None]] = {}

    def covers(self, log: EventLog, author: bytes, seq: int, ts: int) -> bool:
        if ts >= self.until:
            return False
        known = self._late_from.get(author)
        if known is None:
            certified = certified_at(log, author)
            known = (0, 0) if certified is not None and certified >= self.until else (0, None)
        if known[1] is None and (head := log.store.head(author)[0]) > known[0]:
            known = (head, log.store.first_seq_stamped_from(author, self.until, after_seq=known[0]))
        self._late_from[author] = known
        return known[1] is None or seq < known[1]


def _reads(opener: Opener, event_id: bytes, body: bytes) -> bool:
    """Whether this device opens the event: a `sealed` one, or the private part of one that has
    it (one without a private part hides nothing)."""
    try:
        fields = unpack(body)
    except InvalidEvent:
        return True  # (not one this node stored as valid: nothing to say of it)
    if not isinstance(fields, dict):
        return True
    if "envelope" in fields:
        return opener.open(event_id, body) is not None
    part = fields.get(PRIVATE_FIELD)
    return not isinstance(part, bytes) or opener.opens_private(part)


def still_said(log: EventLog, device: bytes, seq: int | None = None) -> bool:
    """Whether what `device` sealed from its `seq` on (the lowest of the events said) is still said:
    not once it is revoked from that seq or below, which voids them (revoking it is what was asked).
    A revocation from a later seq leaves them counting (`solnet revoke DEVICE` revokes from its next
    event): a mole's sealed-away "withdrawn" stayed withdrawn on the other group's node, and the
    owner's node, which had said it, said nothing more. Without `seq`: any revocation will do."""
    member = log.trust.member(device)
    if member is None:
        return False
    return member.revoked_from is None or (seq is not None and seq < member.revoked_from)


def _current(log: EventLog, found: dict[bytes, dict[str, Any]]) -> list[dict[str, Any]]:
    """What is said now (`still_said`), the most recent first."""
    out = [f for f in found.values() if still_said(log, f["device"], f["seq"])]
    return sorted(out, key=lambda f: (-f["at"], f["device"]))


class Watch:
    """For a running node: looks at the sealed events stored since its last look (the status saver
    asks it every few seconds, on the database thread), says each device in the node's log once,
    and gives what `solnet status` says (`look`)."""

    def __init__(self, opener: Opener, device: bytes) -> None:
        self._opener = opener
        self._device = device
        self._after = 0
        self._found: dict[bytes, dict[str, Any]] = {}
        self._graces: dict[int, _Grace] = {}
        self._late: deque[int] = deque()  # rows whose body came late, not yet looked at (`_scan`)
        self._said: set[bytes] = set()
        self.last: list[dict[str, Any]] = []  # what the last look found (said in a publish's answer)

    def look(self, log: EventLog) -> list[dict[str, Any]]:
        # At most LOOK_AT events a look, on the database thread: a node starting with 20,000 of its
        # group's sealed events held it (and every publish, every sync) for 6 s here, a minute on a Pi.
        # The rows whose body came since the last look are taken from the log's bounded queue at once
        # (a flood of fills must not push a mole's out of it) and looked at about LOOK_AT a look too.
        while log.filled:
            self._late.append(log.filled.popleft())
        self._after = _scan(log, self._opener, self._device, self._after, self._found, LOOK_AT, self._graces,
                            self._late)
        current = _current(log, self._found)
        for found in current:
            if found["device"] not in self._said:
                self._said.add(found["device"])
                logger.warning("%s", hidden_own_warning(found))
        self.last = [{"device": f["device"].hex(), "events": f["events"], "first": f["first"].hex(), "at": f["at"],
                      "seq": f["seq"]} for f in current]
        return self.last
