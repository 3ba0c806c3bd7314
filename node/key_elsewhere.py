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

The group key, on the home that holds it, is judged from its files instead (GroupKeyAbove): a thief
holding a copy of that home (a seized Pi's card, a `cp -a`, its passphrase forced out of someone)
certifies a device of its own with it, after syncing, so that nothing forks; that device is then a
member of the group and every event sealed to the group is sealed to it too, private case notes
included. Every process that signs here writes the seqs it signed with each key before it
commits (node/own_marks.py), so the group key's events the store holds above that mark, or in a
gap of those seqs below it (a copy's events this home signed past), were not
signed by this home: by another home holding the key, or by this one before it was restored from an
older backup (its marks were restored with it). Read from the store (node/group_key_marks.py) at the
node's start, after each batch that moved the key's head (events released from the pending queue
too), and by `solnet status` with no node running: said after a restart, after a `solnet sync` or an
import made while the node was stopped. A mark above the store's head (a database that lost its
newest writes, node/own_marks.py `lost`) puts nothing above it: those events coming back are its own.
"""
from __future__ import annotations

from collections import Counter
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
    def __init__(self, device: bytes, started_ms: int, own_head: int | None = None) -> None:
        """`own_head`: the seq of this device's newest event in the database when the node started
        (None: not known, or none: nothing is said of events made while it was stopped)."""
        self.device = device
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
        device's key that was not said before (each reading once)."""
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
                if self.newest is None:
                    said.append(seen)
                if self.newest is None or (seen.seq, seen.at) > (self.newest.seq, self.newest.at):
                    self.newest = seen
            elif self._head is not None and header.seq > self._head and self.while_stopped is None:
                self.while_stopped = Seen(WHILE_STOPPED, header.seq, header.timestamp)
                said.append(self.while_stopped)
        return said



NAMED_AT_MOST = 20  # ids named in a log line, the status and the dashboard; the rest are counted


class GroupKeyAbove:
    """The group key's events this home holds above the newest seq it signed with that key (its mark,
    node/own_marks.py): signed by another home. Fed in seq order, each event once (`judged`: the
    highest seq read); the devices it certified and the groups it admitted are kept as sets (the
    first NAMED_AT_MOST named), its other events counted by kind."""

    def __init__(self, group: bytes, started_ms: int | None) -> None:
        """`started_ms`: when the node running on this home started (None: none runs: every event
        is said as signed while it was stopped)."""
        self.group = group
        self._since = None if started_ms is None else started_ms + START_GRACE_MS
        self.judged = 0
        self.first: Seen | None = None  # the lowest above the mark, stamped before the node started
        self.newest_now: Seen | None = None  # the newest signed elsewhere while the node runs
        self.top = 0  # the highest seq found above the mark
        self.devices: set[bytes] = set()
        self.groups: set[bytes] = set()
        self.named_devices: list[bytes] = []  # the first NAMED_AT_MOST of each, as found
        self.named_groups: list[bytes] = []
        self.other: Counter[str] = Counter()  # its other events, by kind (revocations, profiles...)

    def add(self, seq: int, wire: bytes) -> tuple[str, bytes] | None:
        """The group key's stored event at `seq`, above the mark: ("device" or "group", its subject)
        if it certified a device or admitted a group not found before, else None."""
        try:
            event = decode_event(wire)
        except InvalidEvent:  # (it was stored: it decodes)
            return None
        if event.header.author != self.group:
            return None
        at = event.header.timestamp
        self.top = max(self.top, seq)
        if self._since is not None and at >= self._since:
            if self.newest_now is None or (seq, at) > (self.newest_now.seq, self.newest_now.at):
                self.newest_now = Seen(NOW, seq, at)
        elif self.first is None or seq < self.first.seq:
            self.first = Seen(WHILE_STOPPED, seq, at)
        subject = _vouched(event)
        if subject is None:
            self.other[event.kind] += 1
            return None
        role, key = subject
        found, named = (self.devices, self.named_devices) if role == "device" else (self.groups, self.named_groups)
        if key in found:
            return None
        found.add(key)
        if len(named) < NAMED_AT_MOST:
            named.append(key)
        return subject

    def to_say(self, restored: bool, mark: int) -> Seen | None:
        """What is said: the newest event signed elsewhere while the node runs, else the first found
        signed while it was stopped, unless answered: `restored` (this node started on a home
        restored from a backup or copied, node/chain_gate.py) and this home has since signed past
        every one found (`mark`): they were its own events, signed before the backup was
        restored, and it continues its chain after them (as KeyElsewhere.to_say)."""
        if self.newest_now is not None:
            return self.newest_now
        if self.first is not None and restored and mark > self.top:
            return None
        return self.first


def _vouched(event: Event) -> tuple[str, bytes] | None:
    """("device" or "group", subject) of a vouch certifying a device or admitting a group, else None."""
    if event.kind != "member.vouch" or event.body is None:
        return None
    try:
        fields = unpack(event.body)
    except InvalidEvent:  # (it was stored: its body keeps its kind's rules)
        return None
    if not isinstance(fields, dict):
        return None
    subject, role = fields.get("subject"), fields.get("role")
    if role not in ("device", "group") or not isinstance(subject, bytes):
        return None
    return role, subject
