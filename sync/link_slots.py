"""Who holds a link slot: at most one link per peer device, and a share of the inbound links per
member group. Pure decisions (no sockets, no clock: `now` is given in ms); node/net/links.py
carries them out.

One link per device, whichever side dialled. When a second link with the same device comes up:
- Same dialler as the open link: the newer replaces the older. A node never dials a device it holds
  a link with, so a second dial means the dialler lost its side of the first (it restarted, or the
  link died unseen): it must get in at once. An attacker gains nothing by it: its new link costs it
  the old one, so one device holds one slot however often it dials.
- Opposite dialler, both links opened within RACE_WINDOW_MS: the two nodes dialled each other at
  once. Each side sees both links, and each keeps the link dialled by the smaller device key, so
  both keep the same one (were it "the newer", each might keep a different link and both would close).
- Opposite dialler, the open link older than that: the peer dialled us while we held a link we had
  dialled (or the reverse) long ago, so that link is dead on its side: the newer replaces it.

A member group may hold at most MAX_INBOUND_PER_GROUP inbound links (one per device): a group is a
few devices (a Pi, a laptop, a few phones), and 8 of the node's 64 inbound slots leave room for at
least seven other groups however many devices one group certifies.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sync.handshake import DUPLICATE_LINK, GROUP_FULL, HandshakeError

# Two dials that cross finish within a handshake of each other (a dial gives up after 2 x the 3 s
# connect timeout); well beyond that, two links of opposite direction are not a crossing.
RACE_WINDOW_MS = 30_000
MAX_INBOUND_PER_GROUP = 8

REPLACED = "a newer link between the same two devices replaces this one"
CROSSED = "both nodes dialled each other at once; the link dialled by the smaller device key is kept"


@dataclass(frozen=True, slots=True)
class Slot:
    """One link as this node sees it: which one (`number`), to which device, of which group
    (None: unknown), who dialled it, and when it opened (ms)."""
    number: int
    device: bytes
    group: bytes | None
    outbound: bool
    opened_ms: int


@dataclass(frozen=True, slots=True)
class Replace:
    """Close the open link `number`: the new one takes its slot (`why`, in words for both logs)."""
    number: int
    why: str


def crossed(old: Slot, new: Slot) -> bool:
    """Whether two links with the same device are dials that crossed (see the module docstring)."""
    return old.outbound != new.outbound and new.opened_ms - old.opened_ms < RACE_WINDOW_MS


def keeps_new(own: bytes, old: Slot, new: Slot) -> bool:
    """Whether `new` replaces `old`, two links with the same device: unless they crossed, it does;
    if they did, the link dialled by the smaller device key stays (both sides decide alike)."""
    return not crossed(old, new) or _dialler(own, new) < _dialler(own, old)


def _dialler(own: bytes, slot: Slot) -> bytes:
    return own if slot.outbound else slot.device


def place(own: bytes, new: Slot, slots: Iterable[Slot]) -> list[Replace]:
    """Where `new` goes among the open links `slots` of this node (`own`: its device key): the links
    it replaces, or HandshakeError (DUPLICATE_LINK, GROUP_FULL) if it is refused."""
    replaced: list[Replace] = []
    same_group = 0
    for old in slots:
        if old.number == new.number:
            continue
        if old.device == new.device:
            why = CROSSED if crossed(old, new) else REPLACED
            if not keeps_new(own, old, new):
                raise HandshakeError(DUPLICATE_LINK, f"the link already open with that device is kept ({why})")
            replaced.append(Replace(old.number, why))
        elif not new.outbound and not old.outbound and new.group is not None and old.group == new.group:
            same_group += 1
    if not new.outbound and same_group >= MAX_INBOUND_PER_GROUP:
        raise HandshakeError(GROUP_FULL, f"its group already holds {same_group} inbound links here "
                                         f"(at most {MAX_INBOUND_PER_GROUP} per group)")
    return replaced
