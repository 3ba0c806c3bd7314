"""Another node signing with this device's key, noticed from what peers bring. Pure.

A member who clones the Pi's SD card to a new one, or restores a backup on a laptop, and runs both,
has two nodes holding one device key. Each takes the other's events from their peers like anyone's
(the chain goes on: nothing breaks yet), until both sign at once, or one signs while it cannot
reach the other: then two events share a seq, a fork, and every node freezes the key (docs/design.md
section 5.6, rule 6). Restoring a backup is guarded (node/chain_gate.py); two copies running side
by side are not, and the same signs betray a thief using a stolen key.

So a running node watches the events peers bring that it did not have:
- one of its own device's, stamped after the node started, was signed by another node, now;
- one above the seq its database ended at when it started, stamped before, was signed while it was
  stopped: by another node (a thief, a copy), unless this home was restored from an older backup
  (then they are its own events coming back). Said with both readings.
Events stamped in the node's first minute count as before its start (START_GRACE_MS).

What is said of an event signed while the node was stopped is answered once the node knows the
first reading is true: it started on a home restored from a backup or copied (node/chain_gate.py
tells, and the node said so as it started), and it has signed its own event above that one since,
continuing the chain here after it. A copy that still runs elsewhere signs after this node's start
and is said as signing now; nothing answers that. Until then `solnet status`, every publish's
answer and the dashboard repeat it (a home that was not restored: for as long as the node runs).

The group key is watched the same way on the home that holds it (`group=True`): a thief holding a
copy of that home (a seized Pi's card, a `cp -a`, its passphrase forced out of someone) certifies a
device of its own with it, after syncing, so that nothing forks; that device is then a member of
the group and every event sealed to the group is sealed to it too, private case notes included.
Until 2026-12-06 the node holding the group key took that vouch from its peers and said nothing.
The devices the group key certified elsewhere, and the groups it admitted there (a police-run group
let into the network), are kept (`certified`, `admitted`): the warning names each, to be revoked.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from events.canonical import unpack
from events.errors import InvalidEvent
from events.format import Event, decode_event

# Events stamped in the node's first minute are taken as made before it started: a home restored on
# another machine just after the last publish on the old one may see that event stamped "after" its
# start by the two clocks' difference. A copy running alongside is told by its next event.
START_GRACE_MS = 60_000
NOW, WHILE_STOPPED = "now", "while_stopped"


class Seen(NamedTuple):
    when: str  # NOW: signed elsewhere while this node runs; WHILE_STOPPED: while it was stopped
    seq: int
    at: int  # the event's timestamp, ms


class KeyElsewhere:
    def __init__(self, device: bytes, started_ms: int, own_head: int | None = None, *, group: bool = False) -> None:
        """`own_head`: the seq of this device's newest event in the database when the node started
        (None: not known, or none: nothing is said of events made while it was stopped). `device`
        is the group key when `group` (the devices it certifies elsewhere are kept)."""
        self.device = device
        self.group = group
        self.certified: list[bytes] = []  # devices the group key certified elsewhere, as first seen
        self.admitted: list[bytes] = []  # and groups it admitted there
        self._since = started_ms + START_GRACE_MS
        self._head = own_head or None
        self.newest: Seen | None = None  # the newest event signed elsewhere while this node runs
        self.while_stopped: Seen | None = None  # the first above `own_head` made before it started
        self._signed_here = 0  # the newest seq of this device's that this node signed itself

    def signed_here(self, seq: int) -> None:
        """This node signed its device's event at `seq`."""
        self._signed_here = max(self._signed_here, seq)

    def to_say(self, restored: bool) -> Seen | None:
        """What is said now: the newest event signed elsewhere while this node runs, else the first
        signed while it was stopped, unless that is answered (above): `restored`, this node started on
        a restored or copied home."""
        if self.newest is not None:
            return self.newest
        seen = self.while_stopped
        if seen is not None and restored and self._signed_here > seen.seq:
            return None
        return seen

    def stored(self, wires: Iterable[bytes]) -> list[Seen]:
        """Events peers brought that this node stored (it did not have them): what they say of this
        device's key that was not said before (each reading once; for the group key, each device it
        certified and group it admitted elsewhere too)."""
        said: list[Seen] = []
        for wire in wires:
            if self.device not in wire:  # the key's bytes are in every event it signs: most are not its
                continue
            try:
                event = decode_event(wire)
            except InvalidEvent:  # (it was stored: it decodes)
                continue
            header = event.header
            if header.author != self.device:
                continue
            if header.timestamp >= self._since:
                seen = Seen(NOW, header.seq, header.timestamp)
                certifies = self.group and self._certifies(event)
                if self.newest is None or certifies:
                    said.append(seen)
                if self.newest is None or (seen.seq, seen.at) > (self.newest.seq, self.newest.at):
                    self.newest = seen
            elif self._head is not None and header.seq > self._head:
                certifies = self.group and self._certifies(event)
                if self.while_stopped is None:
                    self.while_stopped = Seen(WHILE_STOPPED, header.seq, header.timestamp)
                    said.append(self.while_stopped)
                elif certifies:
                    said.append(Seen(WHILE_STOPPED, header.seq, header.timestamp))
        return said

    def _certifies(self, event: Event) -> bool:
        """Whether `event`, signed by the group key elsewhere, certifies a device or admits a group
        not seen so far (kept in `certified`, `admitted`)."""
        if event.kind != "member.vouch" or event.body is None:
            return False
        try:
            fields = unpack(event.body)
        except InvalidEvent:  # (it was stored: its body keeps its kind's rules)
            return False
        subject = fields.get("subject") if isinstance(fields, dict) else None
        kept = {"device": self.certified, "group": self.admitted}.get(fields.get("role"))
        if kept is None or not isinstance(subject, bytes) or subject in kept:
            return False
        kept.append(subject)
        return True
