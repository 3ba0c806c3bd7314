"""A device of this node's own group that sealed an event this node cannot read: a sign of a mole.

Publishing for chosen groups (node/audience.py, seal_content) always seals to every current device
of the author's own group, whatever groups are named. An envelope's slots name nobody, so no other
node can tell whether the author's group was among its readers: a device in other hands (a mole,
a seized phone) can seal an update of its own group's need "withdrawn", or an action report, to
another group only. That group counts it (the update is its own group's, events/effects.py); the
group that owns the need sees nothing change. Only the owner's own nodes can notice: they hold an
event by a device of their group that they cannot open, which is never honest.

So this says, for this node's device, each device of its own group (not itself, not revoked:
revoking is the answer) that signed a `sealed` event it cannot open, stamped after this device
was certified with its encryption key and a day more (SYNC_GRACE_MS): a device that had not yet
heard of this one (offline since it joined) sealed without it in good faith. Reads the store, no
writes; what it finds is a function of the events held and this device's key, in any order.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from node.words import hidden_own_warning

if TYPE_CHECKING:
    from node.audience import Opener
    from node.log import EventLog

logger = logging.getLogger(f"solnet.{__name__}")

# How long after this device was certified a device of its group may still seal without it in good
# faith: it had not synced since (a phone kept offline). Events stamped within it are not said.
SYNC_GRACE_MS = 24 * 3600 * 1000
LOOK_AT = 200  # sealed events of its group a running node's look opens at most (about 60 ms here)


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
          limit: int = -1) -> int:
    """Adds to `found` what the sealed events stored after `after_n` say (at most `limit` of its
    group's: -1, all); the last `n` looked at."""
    own = log.trust.member(device)
    since = certified_at(log, device)
    if own is None or since is None:  # not certified here yet (a node still joining): looked at once it is
        return after_n
    last = after_n
    # Only its group's devices' events are read (others' are not opened, nor their signatures checked)
    group = [m.key for m in log.trust.members.values() if m.group == own.group and m.key != device]
    for n, event_id, author, seq, ts, _expires, body in log.store.sealed_events(after_n, authors=group, limit=limit):
        last = n
        member = log.trust.member(author)
        if (author == device or member is None or member.group != own.group
                or not member.may_sign(seq) or ts < since + SYNC_GRACE_MS or opener.open(event_id, body) is not None):
            continue
        seen = found.setdefault(author, {"device": author, "events": 0, "first": event_id, "first_at": ts, "at": ts})
        seen["events"] += 1
        if ts < seen["first_at"]:  # the earliest, whatever order they were stored in
            seen["first"], seen["first_at"] = event_id, ts
        seen["at"] = max(seen["at"], ts)
    return last


def still_said(log: EventLog, device: bytes) -> bool:
    """Whether what `device` sealed is still said: not once it is revoked (revoking it is what was asked)."""
    member = log.trust.member(device)
    return member is not None and member.revoked_from is None


def _current(log: EventLog, found: dict[bytes, dict[str, Any]]) -> list[dict[str, Any]]:
    """What is said now (`still_said`), the most recent first."""
    out = [f for f in found.values() if still_said(log, f["device"])]
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
        self._said: set[bytes] = set()
        self.last: list[dict[str, Any]] = []  # what the last look found (said in a publish's answer)

    def look(self, log: EventLog) -> list[dict[str, Any]]:
        # At most LOOK_AT events a look, on the database thread: a node starting with 20,000 of its
        # group's sealed events held it (and every publish, every sync) for 6 s here, a minute on a Pi
        self._after = _scan(log, self._opener, self._device, self._after, self._found, LOOK_AT)
        current = _current(log, self._found)
        for found in current:
            if found["device"] not in self._said:
                self._said.add(found["device"])
                logger.warning("%s", hidden_own_warning(found))
        self.last = [{"device": f["device"].hex(), "events": f["events"], "first": f["first"].hex(), "at": f["at"]}
                     for f in current]
        return self.last
