"""Another node signing with this device's key, noticed from what peers bring. Pure.

A member who clones the Pi's SD card to a new one, or restores a backup on a laptop, and runs both,
has two nodes holding one device key. Each takes the other's events from their peers like anyone's
(the chain goes on: nothing breaks yet), until both sign at once, or one signs while it cannot
reach the other: then two events share a seq, a fork, and every node freezes the key (docs/design.md
section 5.6, rule 6). Restoring a backup is guarded (node/chain_gate.py); two copies running side
by side are not, and the same signs betray a thief using a stolen key.

So a running node watches the events peers bring: one of its own device's events that it did not
have, stamped after the node started, was signed by another node, now. (Events stamped before the
start are what a restored home catches up on; see START_GRACE_MS.) Its operator hears it at once: in the log, `solnet
status`, the dashboard and the answer to a publish.
"""
from __future__ import annotations

from collections.abc import Iterable

from events.errors import InvalidEvent
from events.format import decode_event

# Events stamped in the node's first minute are not counted: a home restored on another machine just
# after the last publish on the old one may see that event stamped "after" its start by the two
# clocks' difference. A copy running alongside is told by its next event.
START_GRACE_MS = 60_000


class KeyElsewhere:
    def __init__(self, device: bytes, started_ms: int) -> None:
        self._device = device
        self._since = started_ms + START_GRACE_MS
        self.newest: tuple[int, int] | None = None  # (seq, timestamp ms) of the newest such event

    def stored(self, wires: Iterable[bytes]) -> tuple[int, int] | None:
        """Events peers brought that this node stored (it did not have them): (seq, timestamp) of
        the first that says another node signs with this device's key, if this batch is the first
        to say so; None otherwise (`newest` keeps the newest)."""
        first = None
        for wire in wires:
            if self._device not in wire:  # the key's bytes are in every event it signs: most are not its
                continue
            try:
                header = decode_event(wire).header
            except InvalidEvent:  # (it was stored: it decodes)
                continue
            if header.author != self._device or header.timestamp < self._since:
                continue
            found = (header.seq, header.timestamp)
            if self.newest is None:
                first = found
            if self.newest is None or found > self.newest:
                self.newest = found
        return first
