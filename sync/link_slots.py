"""Who holds a link slot: at most two links per peer device, and a share of the inbound links per
member group. Pure decisions (no sockets, no clock: `now` is given in ms); node/net/links.py
carries them out.

At most two links per device, and only two if the same side dialled both. When a second link
with the same device comes up:
- Same dialler as the open link: both stay, and a third replaces the oldest. A node never dials a
  device it holds a link with, so a second dial is either the dialler having lost its side of the
  first (it restarted, or the link died unseen: it must get in at once, and the dead link goes at
  the next such dial or at the watchdog) or a one-off `solnet sync` run beside that device's
  running node, with the same key (it must not cut the node's link, nor the node's redial cut it).
  An attacker gains nothing by dialling more: one device holds two slots however often it dials.
  Two links of one dialler each driven by a running node are neither: a copy of that device's
  home runs beside it (a thief's?), which node/linked_twice.py tells; neither is refused here.
- Opposite dialler, both links opened within RACE_WINDOW_MS: the two nodes dialled each other at
  once. Each side sees both links, and each keeps the link dialled by the smaller device key, so
  both keep the same one (were it "the newer", each might keep a different link and both would close).
- Opposite dialler, the open link older than that: the peer dialled us while we held a link we had
  dialled (or the reverse) long ago, so that link is dead on its side: the newer replaces it.

A member group may hold at most MAX_INBOUND_PER_GROUP inbound links (one per device): a group is a
few devices (a Pi, a laptop, a few phones). But a member may admit groups of its own, each with its
devices: seven made-up groups and the member's took all 64 of a node's inbound slots. So once
MAX_INBOUND are taken, a new inbound link takes the place of the newest inbound link of the group
holding the most, if that group holds more than the newcomer's would: a group with fewer links
always gets in, and a flood of puppet groups only pushes out its own.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sync.handshake import DUPLICATE_LINK, GROUP_FULL, INBOUND_FULL, HandshakeError

# Two dials that cross finish within a handshake of each other (a dial gives up after 2 x the 3 s
# connect timeout); well beyond that, two links of opposite direction are not a crossing.
RACE_WINDOW_MS = 30_000
MAX_INBOUND_PER_GROUP = 8
MAX_INBOUND = 64  # inbound links a node holds at once
SAME_DIALLER = 2  # links with one device that the same side dialled (see the module docstring)

REPLACED = "a newer link between the same two devices replaces this one"
CROSSED = "both nodes dialled each other at once; the link dialled by the smaller device key is kept"
MAKES_ROOM = "every inbound slot is taken: this link of the group holding the most makes room for another group's"


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
    same_dialler: list[Slot] = []
    for old in slots:
        if old.number == new.number:
            continue
        if old.device == new.device and old.outbound == new.outbound:
            same_dialler.append(old)
        elif old.device == new.device:
            why = CROSSED if crossed(old, new) else REPLACED
            if not keeps_new(own, old, new):
                raise HandshakeError(DUPLICATE_LINK, f"the link already open with that device is kept ({why})")
            replaced.append(Replace(old.number, why))
        elif not new.outbound and not old.outbound and new.group is not None and old.group == new.group:
            same_group += 1
    same_dialler.sort(key=lambda slot: (slot.opened_ms, slot.number))
    replaced += [Replace(old.number, REPLACED) for old in same_dialler[:max(0, len(same_dialler) + 1 - SAME_DIALLER)]]
    if not new.outbound and same_group >= MAX_INBOUND_PER_GROUP:
        raise HandshakeError(GROUP_FULL, f"its group already holds {same_group} inbound links here "
                                         f"(at most {MAX_INBOUND_PER_GROUP} per group)")
    if not new.outbound:
        gone = {r.number for r in replaced}
        inbound = [s for s in slots if not s.outbound and s.number != new.number and s.number not in gone]
        if len(inbound) >= MAX_INBOUND:
            replaced.append(_room_for(new, inbound, same_group))
    return replaced


def _room_for(new: Slot, inbound: list[Slot], same_group: int) -> Replace:
    """Every inbound slot is taken: the newest link of the group holding the most (of those, the
    smallest group key: every node decides alike), if it holds more than `new`'s group would."""
    by_group: dict[bytes, list[Slot]] = {}
    for slot in inbound:  # (a device of no known group counts as a group of its own)
        by_group.setdefault(slot.group if slot.group is not None else slot.device, []).append(slot)
    most = max(len(held) for held in by_group.values())
    held = by_group[min(group for group, held in by_group.items() if len(held) == most)]
    if most <= same_group + 1:
        raise HandshakeError(INBOUND_FULL, f"all {len(inbound)} inbound slots are taken, none by a group holding more "
                                           f"than its group would ({same_group + 1})")
    newest = max(held, key=lambda slot: (slot.opened_ms, slot.number))
    return Replace(newest.number, MAKES_ROOM)
