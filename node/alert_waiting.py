"""The alerts `--on-alert` holds back (node/alert_hook.py) until its allowance lets the command run
again, and the order in which they then go. Pure: the caller gives the time and the allowance.

The command runs at most 30 times a minute for all groups together, and any member may let in
new groups: about 30 fresh groups (an infiltrator's) could use up the node's runs, and a raid
alert of a trusted group was then held back for good, never passed on. Now an alert held back
waits here and goes once the allowance lets it, in this order:

- the all clear or withdrawal of an alert passed on first (they always go, whatever the limits);
- then by trust tier (`trust_rank`): the node's own group, the founders and the groups the node's
  own group admitted first (tier 0); then the other groups;
- then by turn of lineage (events/trust.py `lineages`: the groups one member admitted, directly or
  further down, share one): each lineage's oldest waiting before any lineage's second, and so on;
  within a turn, groups nearer the founders first. Any member admits a group with one vouch: an
  infiltrator early in a network grown by referral let in a dozen groups one wave out, whose
  hundred alerts went first, minutes before a raid alert of a group admitted later (further out);
- then oldest first, so a group's alerts and their updates go in the order they came.

Groups not of tier 0 may also not use the last third of the node's runs (`GroupAllowance`'s
reserve): fresh groups cannot use up what a trusted group's raid alert needs. An alert that
expired while it waited, or that was withdrawn or cleared meanwhile, is dropped, never run for.
At most WAITING alerts and updates wait; over that, of the lowest tier, the lineage with the most
waiting loses the newest of its group with the most, so a flood, from one group or from many groups
one member made up, does not push out another lineage's alert (as node/alert_feed.py's FairQueue;
by group alone, a hundred made-up groups of one alert each pushed out the oldest waiting, a real
group's; by wave, one further out than the infiltrator's groups lost its alert first). The all clears
and withdrawals of alerts passed on are not counted
and never dropped: a revoked flooder's false alerts that reached the chat are each withdrawn there
(no more than the alerts the hook remembers passing on, a bounded record).
"""
from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Collection, Hashable
from dataclasses import dataclass, field
from typing import Any, Protocol

from events.trust import TrustGraph
from node.alert_feed import REDACTED, UPDATE_WITHDRAWN, WITHDRAWN, expires_ms

WAITING = 100  # alerts held back at most, for all groups together
TRUSTED = 0  # the tier of the node's own group, the founders and the groups its own group admitted

Rank = tuple[int, int]  # (tier, wave): lower goes first


def trust_rank(trust: TrustGraph, own_group: bytes, group: bytes | None) -> Rank:
    """How much this node trusts `group`, for the order in which held-back alerts go: (0, 0) for
    its own group, the founders and the groups its own group admitted; (1, wave) for any other
    member group (nearer the founders first); (2, 0) for what is no member group."""
    member = trust.member(group) if group is not None else None
    if member is None:
        return (2, 0)
    if group == own_group or member.admitted_by is None or own_group in member.admitters:
        return (TRUSTED, 0)
    return (1, member.wave)


class Allowance(Protocol):
    """What the waiting alerts ask of node/alert_hook.py's GroupAllowance."""

    def holds(self, alert: dict[str, Any], now: float, trusted: bool = True) -> str | None: ...

    def take(self, alert: dict[str, Any], now: float, trusted: bool = True) -> bool: ...

    def passed(self, alert_id: str | None) -> bool: ...


def about(alert: dict[str, Any]) -> str:
    """The id of the alert `alert` is (an alert) or says something of (an update, an all clear, a
    withdrawal, a taking back)."""
    return alert.get("alert") or alert["id"]


@dataclass(order=True)
class Held:
    """One alert (or update) waiting, with what orders it."""

    key: tuple[int, int, int, int]  # (0: its all clear or withdrawal always goes; 1 else, tier, wave, arrival)
    alert: dict[str, Any] = field(compare=False)
    since: float = field(compare=False)  # loop time it came
    reason: str | None = field(default=None, compare=False)  # what held it back (once it was)
    lineage: Hashable = field(default=None, compare=False)  # of its group (events/trust.py lineages)

    @property
    def trusted(self) -> bool:
        return self.key[1] == TRUSTED


class Waiting:
    """The alerts waiting for the command, in the order they go."""

    def __init__(self, bound: int = WAITING) -> None:
        self.bound = bound
        self._items: list[Held] = []
        self._arrival = itertools.count()

    def __len__(self) -> int:
        return len(self._items)

    def add(self, alert: dict[str, Any], rank: Rank, now: float, always: bool = False,
            lineage: Hashable = None) -> dict[str, Any] | None:
        """Let `alert` wait (`always`: the all clear or withdrawal of one passed on; `lineage`: of its
        group, None: not known, as all others not known); the alert dropped to make room, if one was
        (perhaps `alert` itself)."""
        held = Held((0 if always else 1, *rank, next(self._arrival)), alert, now, lineage=lineage)
        self._items.append(held)
        self._in_turn()
        if always or sum(h.key[0] == 1 for h in self._items) <= self.bound:
            return None  # (the alerts passed on, a bounded record, bound their withdrawals and all clears)
        dropped = self._crowding()
        self._items.remove(dropped)
        return dropped.alert

    def _in_turn(self) -> None:
        """Order the waiting as they go: what always goes, then by tier, turn of lineage (each
        lineage's oldest waiting before any lineage's second), wave and arrival."""
        self._items.sort(key=lambda h: (h.key[0], h.key[1], h.key[3]))  # (turns counted in arrival order)
        turns: Counter[tuple[int, Hashable]] = Counter()
        turn = {}
        for h in self._items:
            if h.key[0] == 1:
                turns[h.key[1], h.lineage] += 1
            turn[id(h)] = turns[h.key[1], h.lineage] if h.key[0] == 1 else 0
        self._items.sort(key=lambda h: (h.key[0], h.key[1], turn[id(h)], h.key[2], h.key[3]))

    def _crowding(self) -> Held:
        """Over the bound: of the lowest tier, the newest of the group with the most waiting in the
        lineage with the most waiting (of lineages or groups with as many, the one that had one
        come last)."""
        plain = [h for h in self._items if h.key[0] == 1]
        worst = [h for h in plain if h.key[1] == max(p.key[1] for p in plain)]
        line = _most(worst, lambda h: h.lineage)
        group = _most([h for h in worst if h.lineage == line], lambda h: h.alert.get("group"))
        return max((h for h in worst if h.lineage == line and h.alert.get("group") == group), key=lambda h: h.key[3])

    def of_group(self, group: str | None) -> int:
        """How many of `group`'s alerts and updates wait."""
        return sum(1 for h in self._items if h.alert.get("group") == group)

    def held_by(self, reason: str) -> int:
        """How many waiting were held back by `reason` ("group" or "node") when last looked at."""
        return sum(1 for h in self._items if h.reason == reason)

    def holds(self, alert_id: str) -> bool:
        """Whether the alert (not an update of it) `alert_id` waits here."""
        return any(h.alert.get("id") == alert_id and h.alert.get("kind", "alert") == "alert" for h in self._items)

    def drop(self, alert_id: str, plain_only: bool = False) -> list[dict[str, Any]]:
        """Take out the alert `alert_id` and its updates (it was withdrawn or cleared before its
        turn: nobody was told of it, so nobody is told it is over); what was taken out. `plain_only`:
        those the allowance counts only, never what always goes (the taking back of a false all
        clear that waits still goes before the all clear or the next taking back that comes)."""
        gone = [h for h in self._items if alert_id in (h.alert.get("id"), h.alert.get("alert"))
                and not (plain_only and h.key[0] == 0)]
        self._items = [h for h in self._items if h not in gone]
        return [h.alert for h in gone]

    def expired(self, now_ms: int) -> list[dict[str, Any]]:
        """Take out the alerts and updates whose alert has ended by `now_ms` (ms)."""
        gone = [h for h in self._items if h.key[0] == 1 and (ends := expires_ms(h.alert.get("expires"))) is not None
                and ends <= now_ms]
        self._items = [h for h in self._items if h not in gone]
        return [h.alert for h in gone]

    def next(self, allowance: Allowance, now: float, busy: Collection[str] = ()) -> tuple[Held | None, list[Held]]:
        """(the first waiting alert the allowance lets go now, counted and taken out, or None; those
        found held back for the first time on the way, each with why: "group" or "node"). Nothing
        of an alert in `busy` (being passed on: its command runs, or waits to try again) goes: what
        is said of one alert goes in order, or its all clear overtook the alert tried again, and
        the chat read ALL CLEAR, then the raid alert."""
        self._in_turn()  # (what went, or was dropped, since moved the others' turns up)
        newly_held = []
        blocked: set[Any] = set()  # groups whose first waiting alert is held: the later ones wait behind it
        for held in self._items:
            group = held.alert.get("group")
            if group in blocked and held.key[0] == 1:
                continue
            if about(held.alert) in busy:
                if held.key[0] == 1:
                    blocked.add(group)
                continue
            reason = allowance.holds(held.alert, now, held.trusted)
            if reason is None and allowance.take(held.alert, now, held.trusted):
                self._items.remove(held)
                return held, newly_held
            if held.reason is None:
                held.reason = reason or "group"
                newly_held.append(held)
            blocked.add(group)
        return None, newly_held

    def restores(self, alert_id: str | None) -> bool:
        """Whether the taking back of an all clear of `alert_id` waits here: once it goes, the chat
        believes the alert stands again, and what ends it must always go too."""
        return any(h.alert.get("alert") == alert_id and h.alert.get("status") == UPDATE_WITHDRAWN
                   and h.alert.get("withdrawn_status") == "all_clear" for h in self._items)

    def taken_back_together(self, taking_back: dict[str, Any]) -> tuple[dict[str, Any] | None, int]:
        """Several takings back (`update_withdrawn`) of one alert waiting together say one thing: the
        alert stands, as it is now (a revoked phone's many updates, taken out at once, were each a run
        of the command). (what is to wait for `taking_back`: it, or None when the one waiting says it
        now; how many waiting it stands for). The newest says where the alert is now; the taking
        back of an all clear stays what goes (the chat must read that its all clear no longer
        holds), with the newest's text and place."""
        target = about(taking_back)
        earlier = [h for h in self._items if h.alert.get("status") == UPDATE_WITHDRAWN and about(h.alert) == target]
        if not earlier:
            return taking_back, 0
        kept = next((h for h in earlier if h.alert.get("withdrawn_status") == "all_clear"), None)
        if taking_back.get("withdrawn_status") == "all_clear" or kept is None:
            self._items = [h for h in self._items if h not in earlier]
            return taking_back, len(earlier)
        kept.alert = {**kept.alert, "text": taking_back.get("text"), "location": taking_back.get("location")}
        self._items = [h for h in self._items if h is kept or h not in earlier]
        return None, len(earlier)

    def withdrawn_or_cleared(self, update: dict[str, Any]) -> bool:
        """Whether `update` ends an alert that waits here (its withdrawal or all clear)."""
        return update.get("status") in (WITHDRAWN, REDACTED, "all_clear") and self.holds(update.get("alert") or "")


def _most(held: list[Held], of: Any) -> Hashable:
    """Which `of(h)` the most of `held` share; of those with as many, the one with the newest."""
    counts = Counter(of(h) for h in held)
    newest = {of(h): h.key[3] for h in sorted(held, key=lambda h: h.key[3])}
    return max(counts, key=lambda k: (counts[k], newest[k]))
