"""One peer device linked twice at once from two places, told from the rounds its links carry. Pure.

A thief who copies a running member's home (`cp -a`) and knows the passphrase runs the copy at
another address with the same device key: both nodes dial their peers and each holds its own link,
so a peer holds two links of one device (sync/link_slots.py keeps two links of the same dialler).
Nothing else showed it: the copy receives what is sealed to the group, and neither the original
nor its peers said a word.

Two links of one dialler are common and harmless, though, so the links alone say nothing:
- a reconnect: the dialler lost its side of the first link (it restarted, or the link died
  unseen) and dialled again; the old link lingers here until the watchdog or the next such dial
  closes it, but it carries nothing more from the dialler, whose side of it is gone;
- a one-off `solnet sync` beside the device's running node: its link carries a round, and a
  confirming one if it sent anything, then it closes (at most SYNC_ROUNDS).

- one honest node reachable at two addresses of this one (a host name and its IP, clearnet and
  onion, LAN and public), dialled at both by a node that did not know yet that both lead here: a
  node of this version closes the second link before any round (node/net/links.py `_dial`), one
  of an earlier version ran rounds on both, and this node told it to revoke its working device.
  Its two links name two addresses of this node (the Host of the dial, `Rounds.at`); a copy runs
  with the same peer book as the original and dials the same address: its links name the same.

Only the dialler opens rounds (an Offer), and a running node opens one at once and then every few
seconds. On links this node dialled, it opens the rounds and the peer answers them: a round the
peer answered counts there (this node never keeps two links it dialled with one device, though).
So one device is linked twice when two open links it dialled to the same address of this node
have each carried more rounds than a `solnet sync` makes, and the older one carried two rounds well
after (OVERLAP_MS) the newer one's first: two running nodes hold the same key, each on its own
link. Two, not one: anyone on the path (a relay, a Wi-Fi or an ISP: the websocket's framing is in
clear) could hold back the bytes of a working link, answer this node's pings on it (control frames
are not sealed), and hand over what it held once the dialler, hearing nothing, had dialled again:
one late Offer on the older link, and this node told its operator to have an honest device
revoked (until 2026-12-06). A dialler opens a round only once the peer answered the one before,
so the old link of one node carries at most one round that came after its node dialled again. Neither
link can be told the honest one (the thief's copy may be the first in), so nothing
is refused here: the node says so.

What it misses: a copy reached only at another address of this node than the original's (a copy
off the LAN dialling the public address while the original dials the LAN one), and a copy that
never dials and is dialled by this node at its own address (this node keeps the first link and
closes the second at once: from here it looks like one node at two addresses). The copy's other
peers, dialled at the address they share, still see it.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SYNC_ROUNDS = 2  # rounds a one-off `solnet sync` opens on its link at most (node/net/links.py sync_once)
TELLS = 2  # links closed to tell a device linked twice, while it stays so: one per node holding the key (TwiceWatch)
OVERLAP_MS = 5_000  # how long past the newer link's first round the older one must still carry one
SHOWN_MS = 60 * 60_000  # how long `solnet peers` and `status` say it once it was last seen
LINKED_TWICE = "linked_twice"  # the code of the words that tell it (sync/messages.py Error)


@dataclass(frozen=True, slots=True)
class Rounds:
    """One open link as the rounds its peer opened on it tell it: to which `device`, dialled by
    which side (`outbound`: this node), when it opened (ms), how many rounds the peer opened on it
    (on a link this node dialled: answered), when the first and the latest of them came (ms;
    None: none yet), and the one before the latest (`earlier_ms`), and `at` which address: the one this
    node dialled, or the one of this node the dialler named (None: not known)."""
    number: int
    device: bytes
    outbound: bool
    opened_ms: int
    rounds: int = 0
    first_ms: int | None = None
    latest_ms: int | None = None
    at: str | None = None
    earlier_ms: int | None = None  # when the round before the latest came (ms; None: fewer than two)


def linked_twice(links: Iterable[Rounds]) -> dict[bytes, Rounds]:
    """The devices that hold two open links with this node, each driven by a running node (above),
    each with the older link of such a pair."""
    running: dict[tuple[bytes, bool, str | None], list[Rounds]] = {}
    for link in links:
        if link.rounds > SYNC_ROUNDS and link.first_ms is not None and link.latest_ms is not None:
            running.setdefault((link.device, link.outbound, link.at), []).append(link)
    found: dict[bytes, Rounds] = {}
    for (device, _, _), held in running.items():
        held.sort(key=lambda link: (link.opened_ms, link.number))
        for index, older in enumerate(held):
            # (a round of the older link racing the newer one's start is no overlap: OVERLAP_MS; one
            # round alone may be one held back on the path: two, the earlier one too, see above)
            if older.earlier_ms is not None and any(older.earlier_ms > newer.first_ms + OVERLAP_MS  # type: ignore[operator]
                                                    for newer in held[index + 1:]):
                found.setdefault(device, older)
    return found


class TwiceWatch:
    """What a node does of it. Seen lately (SHOWN_MS): `solnet peers`, `status` and the dashboard say
    it, and the log once. Told: the older link of the pair is closed with words that say it to the
    node on it. That is the only message the protocol has that carries words (sync/messages.py
    Error; a new type of message would end every link with a node of an earlier version), and a node
    of any version logs it. The node closed dials again at once and keeps its place: the next time,
    the other link is the older one, so both nodes are told, the original's operator too, and
    neither is locked out (the honest one may be either).

    Then no more: TELLS links are closed while the device stays linked twice (until it has not been
    seen so for SHOWN_MS). Until 2026-12-05 a link was closed every 10 minutes for as long as a copy
    ran, each time a working link of a node that may be the honest one cut, its round and what it
    streamed lost, for days if nobody acted; both nodes were told at the first two, and this node
    goes on saying it."""

    def __init__(self) -> None:
        self._seen: dict[bytes, int] = {}  # device -> when it was last seen linked twice (ms)
        self._told: dict[bytes, set[int]] = {}  # device -> the links closed to tell it, since it was first seen so

    def check(self, device: bytes, links: Iterable[Rounds], now: int) -> Rounds | None:
        """A round opened (or answered) on a link of `device`; `links`, this node's open links: the
        link to close to tell that device it is linked twice, if it is and not told enough yet."""
        older = linked_twice(link for link in links if link.device == device).get(device)
        if older is None:
            return None
        for gone in [d for d, at in self._seen.items() if now - at >= SHOWN_MS]:  # (forgotten after an hour)
            del self._seen[gone]
            self._told.pop(gone, None)
        self._seen[device] = now
        told = self._told.setdefault(device, set())
        if len(told) >= TELLS or older.number in told:  # (a link told is closing: the same one is not told twice)
            return None
        told.add(older.number)
        return older

    def told(self, device: bytes) -> int:
        """How many links were closed to tell `device` it is linked twice, since it was first seen so."""
        return len(self._told.get(device, ()))

    def seen(self, now: int) -> dict[bytes, int]:
        """The devices seen linked twice in the last SHOWN_MS, with when last (ms)."""
        return {device: at for device, at in self._seen.items() if now - at < SHOWN_MS}
